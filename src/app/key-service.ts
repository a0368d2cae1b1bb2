import { fail } from '../core/index.js';
import type { CreatedKey, KeyInfo, Scope } from '../protocol/index.js';
import { parseCreateKey } from '../security/index.js';
import { isAdmin, type Caller } from './access.js';
import type { AppContext } from './app-context.js';

/** Scopes only a server admin may grant: server-wide power, and server-wide metrics. */
const ADMIN_ONLY_SCOPES: ReadonlySet<Scope> = new Set(['admin', 'metrics:read']);
const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

/**
 * API keys. A server admin manages every key; a `tenant:admin` key manages the keys of its own tenant and can
 * grant only tenant-level scopes. Keys of other tenants answer exactly like keys that do not exist.
 */
export class KeyService {
  constructor(private readonly context: AppContext) {}

  create(caller: Caller, body: unknown): CreatedKey {
    const withTenant = typeof body === 'object' && body !== null && !Array.isArray(body) && !('tenant' in body)
      ? { ...body, tenant: caller.tenant } : body;
    const input = parseCreateKey(withTenant);
    if (!isAdmin(caller)) {
      if (input.tenant !== caller.tenant) fail('FORBIDDEN', 'This key can only create keys in its own tenant.');
      const refused = input.scopes.filter((scope) => ADMIN_ONLY_SCOPES.has(scope));
      if (refused.length > 0) fail('FORBIDDEN', `Only a server admin can grant ${refused.join(', ')}.`);
    }
    return this.context.keys.create(input, `key:${caller.keyId}`);
  }

  list(caller: Caller, tenant?: string): KeyInfo[] {
    if (isAdmin(caller)) return this.context.keys.list(tenant);
    return this.context.keys.list(caller.tenant);
  }

  get(caller: Caller, id: string): KeyInfo {
    return this.require(caller, id);
  }

  revoke(caller: Caller, id: string): KeyInfo {
    this.requireChangeable(caller, id);
    return this.context.keys.revoke(id);
  }

  rotate(caller: Caller, id: string, body: unknown): CreatedKey {
    this.requireChangeable(caller, id);
    return this.context.keys.rotate(id, overlapOf(body));
  }

  /**
   * A tenant admin may revoke or rotate only keys it could have created: rotating a key that holds `admin` or
   * `metrics:read` would hand it a secret with powers it may not grant (the bootstrap admin key among them).
   */
  private requireChangeable(caller: Caller, id: string): KeyInfo {
    const key = this.require(caller, id);
    if (!isAdmin(caller) && key.scopes.some((scope) => ADMIN_ONLY_SCOPES.has(scope))) {
      fail('FORBIDDEN', 'Only a server admin can revoke or rotate a key that holds admin or metrics:read.');
    }
    return key;
  }

  private require(caller: Caller, id: string): KeyInfo {
    const key = typeof id === 'string' && /^[a-z0-9]{1,32}$/.test(id) ? this.context.keys.get(id) : undefined;
    if (key === undefined || (!isAdmin(caller) && key.tenant !== caller.tenant)) {
      return fail('KEY_NOT_FOUND', `No API key "${String(id).slice(0, 40)}" exists.`);
    }
    return key;
  }
}

function overlapOf(body: unknown): number {
  if (body === undefined || body === null) return 0;
  if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((key) => key !== 'overlapSeconds')) {
    fail('INVALID_REQUEST', 'The body must be {} or {"overlapSeconds": <0..604800>}.');
  }
  const overlap = (body as { overlapSeconds?: unknown }).overlapSeconds ?? 0;
  if (!Number.isInteger(overlap) || (overlap as number) < 0 || (overlap as number) > MAX_OVERLAP_SECONDS) {
    fail('INVALID_REQUEST', `Field "overlapSeconds" must be an integer from 0 to ${MAX_OVERLAP_SECONDS}.`);
  }
  return overlap as number;
}
