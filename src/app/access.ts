import { assertModelName, assertTenantName, fail, qualifiedName } from '../core/index.js';
import type { Scope } from '../protocol/index.js';
import type { ModelRecord, ModelStore } from '../registry/index.js';
import { hasScope, type Principal } from '../security/index.js';

/** Who is calling: the authenticated key (its tenant comes only from the key, never from the request). */
export type Caller = Principal;

/** The caller holds `scope`, directly or through a broader one (security's one table of implications). */
export function grants(caller: Caller, scope: Scope): boolean {
  return hasScope(caller, scope);
}

/** How a request names a model: `tenant/model` (two path segments), or a bare name inside the caller's tenant. */
export interface ModelAddress {
  tenant?: string;
  model: string;
}

export function isAdmin(caller: Caller): boolean {
  return caller.scopes.has('admin');
}

/** The caller may change this model: server admins, and keys of the owning tenant (the route checked the scope). */
export function owns(caller: Caller, model: ModelRecord): boolean {
  return isAdmin(caller) || model.tenant === caller.tenant;
}

/** The caller may read and invoke this model: owners, and others when it is public or shared with their tenant. */
export function canSee(caller: Caller, model: ModelRecord): boolean {
  if (owns(caller, model) || model.visibility === 'public') return true;
  return model.visibility === 'shared' && model.sharedWith.includes(caller.tenant);
}

/**
 * Resolves model addresses for a caller. A model the caller may not see answers exactly like one that does not exist
 * (same code, same message, same lookups), so names in other tenants cannot be probed.
 */
export class ModelAccess {
  constructor(private readonly store: ModelStore) {}

  qualify(caller: Caller, address: ModelAddress): string {
    const tenant = address.tenant === undefined ? caller.tenant : assertTenantName(address.tenant);
    return qualifiedName(tenant, assertModelName(address.model));
  }

  /** A model the caller may read or invoke. */
  visible(caller: Caller, address: ModelAddress): ModelRecord {
    const name = this.qualify(caller, address);
    const model = this.store.getModel(name);
    if (model === undefined || !canSee(caller, model)) return notFound(name);
    return model;
  }

  /** A model the caller may change. Shared and public models are read-only to other tenants. */
  owned(caller: Caller, address: ModelAddress): ModelRecord {
    const model = this.visible(caller, address);
    if (!owns(caller, model)) fail('FORBIDDEN', `Model "${model.name}" belongs to another tenant and is shared read-only.`);
    return model;
  }

  /** A model the caller may run: visible, and inside the key's model list when it has one. */
  invocable(caller: Caller, address: ModelAddress): ModelRecord {
    const model = this.visible(caller, address);
    if (!isAdmin(caller) && caller.models !== null && !caller.models.has(model.name)) {
      fail('FORBIDDEN', `This key may only run ${[...caller.models].slice(0, 5).join(', ')}.`);
    }
    return model;
  }

  list(caller: Caller): ModelRecord[] {
    return this.store.listModels().filter((model) => canSee(caller, model));
  }
}

function notFound(name: string): never {
  return fail('MODEL_NOT_FOUND', `Model "${name}" does not exist: create it first or check the name.`);
}

/** A qualified name as the caller would write it: bare inside its own tenant, `tenant/model` otherwise. */
export function nameFor(caller: Caller, qualified: string): string {
  const prefix = `${caller.tenant}/`;
  return qualified.startsWith(prefix) ? qualified.slice(prefix.length) : qualified;
}
