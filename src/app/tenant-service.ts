import { assertTenantName, fail } from '../core/index.js';
import type { TenantInfo } from '../protocol/index.js';
import { parseLimits } from '../security/index.js';
import { isAdmin, type Caller } from './access.js';
import type { AppContext } from './app-context.js';

/**
 * Tenants. Server admins create, list, limit and delete them; a tenant's own keys may read their tenant. Deleting a
 * tenant disables its keys at once; its models stay (an admin can still read and delete them).
 */
export class TenantService {
  constructor(private readonly context: AppContext) {}

  create(body: unknown): TenantInfo {
    const fields = objectOf(body, ['name', 'limits']);
    const name = assertTenantName(fields.name);
    return this.context.tenants.create(name, fields.limits === undefined ? {} : parseLimits(fields.limits));
  }

  list(caller: Caller): TenantInfo[] {
    return isAdmin(caller) ? this.context.tenants.list() : [this.get(caller, caller.tenant)];
  }

  get(caller: Caller, name: string): TenantInfo {
    const tenant = typeof name === 'string' ? this.context.tenants.get(name) : undefined;
    if (tenant === undefined || (!isAdmin(caller) && tenant.name !== caller.tenant)) {
      return fail('TENANT_NOT_FOUND', `Tenant "${String(name).slice(0, 40)}" does not exist.`);
    }
    return tenant;
  }

  update(name: string, body: unknown): TenantInfo {
    const fields = objectOf(body, ['limits']);
    if (fields.limits === undefined) fail('INVALID_REQUEST', 'Field "limits" is required.');
    this.context.tenants.require(name);
    return this.context.tenants.setLimits(name, parseLimits(fields.limits));
  }

  delete(name: string): void {
    this.context.tenants.require(name);
    this.context.tenants.delete(name);
    this.context.keys.invalidate();
  }
}

function objectOf(body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('INVALID_REQUEST', 'The body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) fail('INVALID_REQUEST', `Unknown field "${key.slice(0, 40)}"; accepted: ${fields.join(', ')}.`);
  }
  return body as Record<string, unknown>;
}
