import { assertAliasName, fail } from '../core/index.js';
import type { AliasHistoryEntry, AliasInfo } from '../protocol/index.js';
import type { AppContext } from './app-context.js';
import type { ModelService } from './model-service.js';
import { aliasMoveView, aliasView } from './views.js';

/** Named pointers to versions (`production`, `staging`…), with a rollback stack and a history of every move. */
export class AliasService {
  constructor(private readonly context: AppContext, private readonly models: ModelService) {}

  list(model: string): AliasInfo[] {
    this.models.require(model);
    return this.context.store.listAliases(model).map(aliasView);
  }

  set(model: string, alias: string, body: unknown): AliasInfo {
    this.models.require(model);
    assertAliasName(alias);
    const version = (body as { version?: unknown } | null)?.version;
    if (typeof body !== 'object' || body === null || Object.keys(body).some((key) => key !== 'version')) {
      fail('INVALID_REQUEST', 'The body must be {"version": <number>}.');
    }
    if (!Number.isSafeInteger(version) || (version as number) < 1) fail('INVALID_REQUEST', 'Field "version" must be a positive integer.');
    return aliasView(this.context.store.setAlias(model, alias, version as number));
  }

  rollback(model: string, alias: string): AliasInfo {
    this.models.require(model);
    assertAliasName(alias);
    return aliasView(this.context.store.rollbackAlias(model, alias));
  }

  history(model: string, alias: string): AliasHistoryEntry[] {
    this.models.require(model);
    assertAliasName(alias);
    return this.context.store.aliasHistory(model, alias).map(aliasMoveView);
  }

  delete(model: string, alias: string): void {
    this.models.require(model);
    assertAliasName(alias);
    if (!this.context.store.getAlias(model, alias)) fail('ALIAS_NOT_FOUND', `Model "${model}" has no alias "${alias}".`);
    this.context.store.deleteAlias(model, alias);
  }
}
