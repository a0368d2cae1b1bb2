import type { Scope } from '../protocol/index.js';

/**
 * What each route needs, as data: the scopes that let a key call it (any one of them), whether it is metered as an
 * inference (concurrency slot, monthly quota, usage), and the audit action of a change. `buildServer` refuses to
 * start when a registered route has no entry here, so a new route cannot slip in unprotected.
 */
export interface RoutePolicy {
  /** `public`: no key (health only). `authenticated`: any valid key. Otherwise: a key holding one of the scopes. */
  access: 'public' | 'authenticated' | readonly Scope[];
  /** Counted as an inference: concurrency limit, monthly quotas and usage metering apply. */
  inference?: boolean;
  /** Audit action recorded for every call (changes only). */
  audit?: string;
}

const READ: readonly Scope[] = ['models:read'];
const WRITE: readonly Scope[] = ['models:write'];
const INFER: readonly Scope[] = ['infer'];
const DESCRIBE: readonly Scope[] = ['models:read', 'infer'];
const STATS: readonly Scope[] = ['models:read', 'metrics:read'];
const TENANT_ADMIN: readonly Scope[] = ['tenant:admin'];
const ADMIN: readonly Scope[] = ['admin'];

/** Both ways to name a model after `base`: a bare name in the caller's tenant, or `tenant/model`. */
function modelRoutes(base: string, suffix: string): string[] {
  return [`${base}/:name${suffix}`, `${base}/:tenant/:name${suffix}`];
}

function entries(method: string, urls: readonly string[], policy: RoutePolicy): Array<[string, RoutePolicy]> {
  return urls.map((url) => [`${method} ${url}`, policy]);
}

function v2ModelRoutes(): Array<[string, RoutePolicy]> {
  const prefixes = [...modelRoutes('/v2/models', ''), ...modelRoutes('/v2/models', '/versions/:version')];
  return prefixes.flatMap((prefix) => [
    ...entries('GET', [prefix], { access: DESCRIBE }),
    ...entries('GET', [`${prefix}/ready`], { access: DESCRIBE }),
    ...entries('POST', [`${prefix}/infer`], { access: INFER, inference: true }),
    ...entries('GET', [`${prefix}/stats`], { access: STATS }),
  ]);
}

function managementRoutes(): Array<[string, RoutePolicy]> {
  const model = modelRoutes('/api/models', '');
  const versions = modelRoutes('/api/models', '/versions');
  const version = modelRoutes('/api/models', '/versions/:version');
  const aliases = modelRoutes('/api/models', '/aliases');
  const alias = modelRoutes('/api/models', '/aliases/:alias');
  const traffic = modelRoutes('/api/models', '/traffic');
  return [
    ['POST /api/models', { access: WRITE, audit: 'model.create' }],
    ['GET /api/models', { access: READ }],
    ...entries('GET', model, { access: READ }),
    ...entries('PATCH', model, { access: WRITE, audit: 'model.update' }),
    ...entries('DELETE', model, { access: WRITE, audit: 'model.delete' }),
    ...entries('GET', versions, { access: READ }),
    ...entries('POST', versions, { access: WRITE, audit: 'version.push' }),
    ...entries('GET', version, { access: READ }),
    ...entries('DELETE', version, { access: WRITE, audit: 'version.delete' }),
    ...entries('GET', aliases, { access: READ }),
    ...entries('GET', alias, { access: READ }),
    ...entries('PUT', alias, { access: WRITE, audit: 'alias.set' }),
    ...entries('DELETE', alias, { access: WRITE, audit: 'alias.delete' }),
    ...entries('POST', alias.map((url) => `${url}/rollback`), { access: WRITE, audit: 'alias.rollback' }),
    ...entries('GET', alias.map((url) => `${url}/history`), { access: READ }),
    ...entries('GET', traffic, { access: READ }),
    ...entries('PUT', traffic, { access: WRITE, audit: 'traffic.set' }),
    ...entries('DELETE', traffic, { access: WRITE, audit: 'traffic.delete' }),
  ];
}

function securityRoutes(): Array<[string, RoutePolicy]> {
  return [
    ['POST /api/tenants', { access: ADMIN, audit: 'tenant.create' }],
    ['GET /api/tenants', { access: TENANT_ADMIN }],
    ['GET /api/tenants/:tenant', { access: TENANT_ADMIN }],
    ['PATCH /api/tenants/:tenant', { access: ADMIN, audit: 'tenant.update' }],
    ['DELETE /api/tenants/:tenant', { access: ADMIN, audit: 'tenant.delete' }],
    ['POST /api/keys', { access: TENANT_ADMIN, audit: 'key.create' }],
    ['GET /api/keys', { access: TENANT_ADMIN }],
    ['GET /api/keys/:id', { access: TENANT_ADMIN }],
    ['DELETE /api/keys/:id', { access: TENANT_ADMIN, audit: 'key.revoke' }],
    ['POST /api/keys/:id/rotate', { access: TENANT_ADMIN, audit: 'key.rotate' }],
    ['GET /api/usage', { access: ['tenant:admin', 'metrics:read'] }],
    ['GET /api/audit', { access: TENANT_ADMIN }],
    ['GET /api/encryption', { access: ADMIN }],
    ['POST /api/encryption/rotate', { access: ADMIN, audit: 'master-key.rotate' }],
  ];
}

export const ROUTE_POLICIES: ReadonlyMap<string, RoutePolicy> = new Map<string, RoutePolicy>([
  ['GET /v2/health/live', { access: 'public' }],
  ['GET /v2/health/ready', { access: 'public' }],
  ['GET /v2', { access: 'authenticated' }],
  ['GET /docs', { access: 'authenticated' }],
  ['GET /docs/openapi.json', { access: 'authenticated' }],
  ['GET /metrics', { access: ['metrics:read'] }],
  ...v2ModelRoutes(),
  ['GET /v2/models/stats', { access: STATS }],
  ['POST /v2/repository/index', { access: READ }],
  ['POST /v2/repository/:repository/index', { access: READ }],
  ...entries('POST', modelRoutes('/v2/repository/models', '/load'), { access: WRITE, audit: 'model.load' }),
  ...entries('POST', modelRoutes('/v2/repository/models', '/unload'), { access: WRITE, audit: 'model.unload' }),
  ...managementRoutes(),
  ['POST /predictions/:name', { access: INFER, inference: true }],
  ['POST /predictions/:first/:second', { access: INFER, inference: true }],
  ['POST /predictions/:tenant/:name/:version', { access: INFER, inference: true }],
  ...securityRoutes(),
]);

/** The policy of a matched route; HEAD shares its GET route's policy. */
export function policyOf(method: string, url: string | undefined): RoutePolicy | undefined {
  if (url === undefined) return undefined;
  return ROUTE_POLICIES.get(`${method === 'HEAD' ? 'GET' : method} ${url}`);
}

export { modelRoutes };
