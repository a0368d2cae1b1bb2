import type { Limits, Scope } from '../protocol/index.js';

/** Who an authenticated request acts for: the key, its tenant, and what it may do. Never holds a secret. */
export interface Principal {
  keyId: string;
  tenant: string;
  scopes: ReadonlySet<Scope>;
  /** Qualified `tenant/model` names an `infer` scope is limited to; null: no such limit. */
  models: ReadonlySet<string> | null;
  limits: Limits;
}

/** The scopes each scope grants besides itself (`admin` grants every scope, see `hasScope`). */
const IMPLIED: Readonly<Record<Scope, readonly Scope[]>> = {
  admin: [],
  'tenant:admin': ['models:write', 'models:read', 'infer'],
  'models:write': ['models:read'],
  'models:read': [],
  infer: [],
  'metrics:read': [],
};

/**
 * True when the principal holds `scope` directly or through a scope that implies it: `admin` implies every scope;
 * `tenant:admin` implies `models:write`, `models:read` and `infer` (within its tenant: the tenant check is the
 * caller's) but not `metrics:read`, whose /metrics is server-wide; `models:write` implies `models:read`.
 *
 * @example hasScope(principal, 'models:read') // true for a key with `models:write`
 */
export function hasScope(principal: Principal, scope: Scope): boolean {
  if (principal.scopes.has('admin') || principal.scopes.has(scope)) return true;
  for (const held of principal.scopes) {
    if (IMPLIED[held].includes(scope)) return true;
  }
  return false;
}

/**
 * True when the principal may run inference on `qualifiedModel` (`tenant/model`): it holds `infer` (directly or
 * implied) and its key is not limited to other models. Whether the model is visible to the principal's tenant is
 * the caller's check.
 */
export function canInvoke(principal: Principal, qualifiedModel: string): boolean {
  return hasScope(principal, 'infer') && (principal.models === null || principal.models.has(qualifiedModel));
}
