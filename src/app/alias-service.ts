import { assertAliasName, fail, isServingError } from '../core/index.js';
import { MAX_ALIAS_REASON_LENGTH, type AliasHistoryEntry, type AliasInfo } from '../protocol/index.js';
import type { ModelStore } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import type { ModelService } from './model-service.js';
import type { PolicyLoader } from './policy-loader.js';
import { ensureLoaded } from './version-loader.js';
import { aliasEtag, aliasMoveView, aliasView } from './views.js';

/** Who changes an alias, and on which condition. */
export interface AliasChange {
  /** Recorded as the move's actor: `key:<keyId>` for API calls, `system:seed`, `system:auto-rollback`… for the server's own. */
  actor: string;
  /**
   * The `If-Match` precondition as the client sent it: one entity tag (the alias's `etag`) or `*` (the alias exists).
   * Absent: the change is unconditional. A tag of another state, another alias or a weak tag never matches.
   */
  ifMatch?: string;
}

/** The registry's attribution and precondition of a move (`AliasMoveOptions` in registry/types.ts). */
type AliasMoveOptions = Parameters<ModelStore['setAlias']>[3];

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Named pointers to versions (`production`, `staging`…), with a rollback stack and a history of every move: who made
 * it (the actor) and why (the reason). Changes take an optional `If-Match` precondition, checked by the registry in
 * the same transaction as the move, so of two operators working from the same ETag only the first one moves the alias.
 */
export class AliasService {
  constructor(private readonly context: AppContext, private readonly models: ModelService, private readonly policy?: PolicyLoader) {}

  list(model: string): AliasInfo[] {
    const modelId = this.models.require(model).id;
    return this.context.store.listAliases(model).map((record) => aliasView(modelId, record));
  }

  /** One alias with its ETag; ALIAS_NOT_FOUND when the model has no such alias. */
  get(model: string, alias: string): AliasInfo {
    const modelId = this.models.require(model).id;
    assertAliasName(alias);
    const record = this.context.store.getAlias(model, alias)
      ?? fail('ALIAS_NOT_FOUND', `Model "${model}" has no alias "${alias}": list its aliases or set this one first.`);
    return aliasView(modelId, record);
  }

  /**
   * Points the alias at a READY version, from a body `{"version": n, "reason"?: "…"}`.
   *
   * @example aliases.set('acme/iris', 'production', { version: 3, reason: 'ticket 42' }, { actor: 'key:k1', ifMatch: '"a7-production-2"' })
   */
  async set(model: string, alias: string, body: unknown, change: AliasChange): Promise<AliasInfo> {
    const modelId = this.models.require(model).id;
    assertAliasName(alias);
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((key) => key !== 'version' && key !== 'reason')) {
      fail('INVALID_REQUEST', 'The body must be {"version": <number>, "reason"?: <string>}.');
    }
    const { version, reason } = body as { version?: unknown; reason?: unknown };
    if (!Number.isSafeInteger(version) || (version as number) < 1) fail('INVALID_REQUEST', 'Field "version" must be a positive integer.', { field: 'version' });
    const options = this.#moveOptions(modelId, alias, change, reason);
    await this.#warm(model, version as number);
    const moved = this.#guarded(modelId, alias, () => this.context.store.setAlias(model, alias, version as number, options));
    this.policy?.schedule(model);
    return aliasView(modelId, moved);
  }

  /** Moves the alias back to its previous target; the body is absent or `{"reason"?: "…"}`. */
  rollback(model: string, alias: string, body: unknown, change: AliasChange): AliasInfo {
    const modelId = this.models.require(model).id;
    assertAliasName(alias);
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((key) => key !== 'reason'))) {
      fail('INVALID_REQUEST', 'The rollback body must be empty or {"reason": <string>}.');
    }
    const options = this.#moveOptions(modelId, alias, change, (body as { reason?: unknown } | undefined)?.reason);
    const moved = this.#guarded(modelId, alias, () => this.context.store.rollbackAlias(model, alias, options));
    this.policy?.schedule(model);
    return aliasView(modelId, moved);
  }

  history(model: string, alias: string): AliasHistoryEntry[] {
    this.models.require(model);
    assertAliasName(alias);
    return this.context.store.aliasHistory(model, alias).map(aliasMoveView);
  }

  delete(model: string, alias: string, change: AliasChange): void {
    const modelId = this.models.require(model).id;
    assertAliasName(alias);
    const options = this.#moveOptions(modelId, alias, change, undefined);
    this.#guarded(modelId, alias, () => this.context.store.deleteAlias(model, alias, options));
    this.policy?.schedule(model);
  }

  #moveOptions(modelId: number, alias: string, change: AliasChange, reason: unknown): AliasMoveOptions {
    return { actor: change.actor, reason: checkReason(reason), expectedGeneration: expectedGeneration(modelId, alias, change.ifMatch) };
  }

  /** Runs a move; a failed precondition answers with the alias's current ETag (null when it does not exist). */
  #guarded<T>(modelId: number, alias: string, move: () => T): T {
    try {
      return move();
    } catch (error) {
      if (!isServingError(error) || error.code !== 'PRECONDITION_FAILED') throw error;
      const generation = error.details?.generation;
      fail('PRECONDITION_FAILED', `${error.message} Its current ETag is in the "etag" field.`,
        { etag: typeof generation === 'number' ? aliasEtag(modelId, alias, generation) : null });
    }
  }

  /**
   * Hot swap: the target is loaded and warmed before the alias moves, so the switch itself is one registry write and
   * the first request on the new target does not wait for a load. A target that fails to load leaves the alias (and
   * the traffic it serves) where it was.
   */
  async #warm(model: string, version: number): Promise<void> {
    const record = this.context.store.getModel(model);
    const target = this.context.store.getVersion(model, version);
    if (record !== undefined && target?.state === 'READY') await ensureLoaded(this.context, record, target);
  }
}

/** An optional reason: a string of at most 256 characters without control characters. */
function checkReason(reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string') fail('INVALID_REQUEST', 'Field "reason" must be a string.', { field: 'reason' });
  if ([...reason].length > MAX_ALIAS_REASON_LENGTH) {
    fail('INVALID_REQUEST', `Field "reason" is longer than ${MAX_ALIAS_REASON_LENGTH} characters: shorten it.`, { field: 'reason' });
  }
  if (CONTROL_CHARACTERS.test(reason)) fail('INVALID_REQUEST', 'Field "reason" must be one line without control characters.', { field: 'reason' });
  return reason;
}

/**
 * The generation an `If-Match` value expects: `*` stays `*`; this alias's own ETag gives its generation; any other
 * tag (another alias or model, a weak tag, a made-up value) gives 0, which no alias ever has, so it fails in the
 * registry's transaction like a stale one.
 */
function expectedGeneration(modelId: number, alias: string, ifMatch: string | undefined): number | '*' | undefined {
  if (ifMatch === undefined || ifMatch === '*') return ifMatch;
  const prefix = `"a${modelId}-${alias}-`;
  if (!ifMatch.startsWith(prefix) || !ifMatch.endsWith('"')) return 0;
  const digits = ifMatch.slice(prefix.length, -1);
  return /^[1-9][0-9]{0,14}$/.test(digits) ? Number(digits) : 0;
}
