import { policyOf } from './route-policy.js';

/** The OpenAPI 3.1 description of the REST API, served at /docs. Kept beside the routes it describes. */

type Operation = { summary: string; body?: string; ok: string };

const ERROR = { $ref: '#/components/schemas/Error' };

const ROUTES: Record<string, Record<string, Operation>> = {
  '/v2/health/live': { get: { summary: 'Liveness (no key needed).', ok: '200 {"live":true}' } },
  '/v2/health/ready': { get: { summary: 'Readiness (no key needed); 503 while starting or draining.', ok: '200 {"ready":true}' } },
  '/v2': { get: { summary: 'Server metadata: name, version, extensions.', ok: 'ServerMetadata' } },
  '/v2/models/{name}': { get: { summary: 'Model metadata of the default version (production alias, else newest READY).', ok: 'ModelMetadata' } },
  '/v2/models/{name}/versions/{version}': { get: { summary: 'Model metadata of a version number or alias.', ok: 'ModelMetadata' } },
  '/v2/models/{name}/ready': { get: { summary: 'Model readiness.', ok: '200 / 503' } },
  '/v2/models/{name}/versions/{version}/ready': { get: { summary: 'Readiness of a version number or alias.', ok: '200 / 503' } },
  '/v2/models/{name}/versions/{version}/stats': { get: { summary: 'Statistics of one version.', ok: '{"model_stats": [...]}' } },
  '/v2/repository/{repository}/index': { post: { summary: 'Named repositories: 501 NOT_IMPLEMENTED.', ok: '501' } },
  '/v2/models/{name}/infer': { post: { summary: 'Inference (JSON, or binary tensor extension with Inference-Header-Content-Length); the traffic split, if any, picks the version; the answer names it in model_version and the x-model-version header.', body: 'InferRequest', ok: 'InferResponse + x-model-version header' } },
  '/v2/models/{name}/versions/{version}/infer': { post: { summary: 'Inference on a version number or alias.', body: 'InferRequest', ok: 'InferResponse' } },
  '/v2/models/stats': { get: { summary: 'Statistics of every model.', ok: '{"model_stats": [...]}' } },
  '/v2/models/{name}/stats': { get: { summary: 'Statistics of every READY version of a model.', ok: '{"model_stats": [...]}' } },
  '/v2/repository/index': { post: { summary: 'Repository index: a bare array of {name, version, state, reason}.', ok: 'array' } },
  '/v2/repository/models/{name}/load': { post: { summary: 'Load the default version ahead of traffic.', ok: '200 empty' } },
  '/v2/repository/models/{name}/unload': { post: { summary: 'Unload every loaded version (the next request loads again).', ok: '200 empty' } },
  '/api/models': {
    get: { summary: 'List models.', ok: '{"items": ModelInfo[]}' },
    post: { summary: 'Create a model {name, task?, description?, labels?, preprocess?, runtime?}.', body: 'CreateModel', ok: '201 ModelInfo' },
  },
  '/api/models/{name}': {
    get: { summary: 'One model.', ok: 'ModelInfo' },
    patch: { summary: 'Change task, description, labels, preprocess or runtime settings.', body: 'UpdateModel', ok: 'ModelInfo' },
    delete: { summary: 'Delete the model with its versions, aliases and files.', ok: '204' },
  },
  '/api/models/{name}/versions': {
    get: { summary: 'List versions.', ok: '{"items": VersionInfo[]}' },
    post: { summary: 'Upload raw ONNX bytes (application/octet-stream); answers once validation ended (READY or FAILED).', body: 'binary', ok: '201 VersionInfo' },
  },
  '/api/models/{name}/versions/{version}': {
    get: { summary: 'One version.', ok: 'VersionInfo' },
    delete: { summary: 'Delete a version (409 VERSION_IN_USE while an alias points at it).', ok: '204' },
  },
  '/api/models/{name}/aliases': { get: { summary: 'List aliases, each with its generation and etag.', ok: '{"items": AliasInfo[]}' } },
  '/api/models/{name}/aliases/{alias}': {
    get: { summary: 'One alias with its generation and etag (also in the ETag header).', ok: 'AliasInfo + ETag header' },
    put: { summary: 'Point the alias at a READY version {version, reason?}. If-Match: one ETag or * (412 PRECONDITION_FAILED when stale); the calling key is recorded as the actor.', body: 'SetAlias', ok: 'AliasInfo + ETag header' },
    delete: { summary: 'Delete the alias. If-Match: one ETag or * (412 PRECONDITION_FAILED when stale).', ok: '204' },
  },
  '/api/models/{name}/aliases/{alias}/rollback': { post: { summary: 'Move the alias back to its previous target (409 NO_PREVIOUS_TARGET); optional body {reason?}; If-Match as for PUT.', body: 'RollbackAlias (optional)', ok: 'AliasInfo + ETag header' } },
  '/api/models/{name}/aliases/{alias}/history': { get: { summary: 'Every move of the alias, with its actor and reason.', ok: '{"items": AliasHistoryEntry[]}' } },
  '/api/models/{name}/traffic': {
    get: { summary: 'The traffic split of requests that name no version ({"routes": []} when none).', ok: 'TrafficSplit' },
    put: { summary: 'Split requests that name no version over 1–10 routes {routes: [{version | alias, weight}], stickyHeader?}; integer weights summing to 100; every target must exist (404) and be READY (409 VERSION_NOT_READY). With stickyHeader, one header value always gets the same route.', body: 'TrafficSplit', ok: 'TrafficSplit' },
    delete: { summary: 'Remove the split: requests without a version go to the production alias, else the newest READY version.', ok: '204' },
  },
  '/predictions/{name}': { post: { summary: 'Classify an image (raw body, or multipart/form-data with several files as one batch); ?topk= (default 5). The traffic split, if any, picks the version; the answer names it in version and the x-model-version header.', body: 'binary', ok: '{"model", "version", "predictions": [{"label", "index", "probability"}]} + x-model-version header' } },
  '/predictions/{first}/{second}': { post: { summary: 'Classify an image with {model}/{version} (number or alias), or with {tenant}/{model} when the caller can see such a model.', body: 'binary', ok: 'as /predictions/{name}' } },
  '/predictions/{tenant}/{name}/{version}': { post: { summary: 'Classify an image with a model of another tenant (shared or public).', body: 'binary', ok: 'as /predictions/{name}' } },
  '/api/tenants': {
    get: { summary: 'Tenants (an admin sees all, a tenant admin its own).', ok: '{"items": TenantInfo[]}' },
    post: { summary: 'Create a tenant {name, limits?}.', body: 'CreateTenant', ok: '201 TenantInfo' },
  },
  '/api/tenants/{tenant}': {
    get: { summary: 'One tenant.', ok: 'TenantInfo' },
    patch: { summary: 'Change its limits {limits}.', body: 'UpdateTenant', ok: 'TenantInfo' },
    delete: { summary: 'Delete the tenant: its keys stop working at once.', ok: '204' },
  },
  '/api/keys': {
    get: { summary: 'API keys (never their secrets); ?tenant= for admins.', ok: '{"items": KeyInfo[]}' },
    post: { summary: 'Create a key {name, tenant?, scopes, models?, expiresAt?, limits?}; the secret is in this answer only.', body: 'CreateKey', ok: '201 CreatedKey' },
  },
  '/api/keys/{id}': {
    get: { summary: 'One key.', ok: 'KeyInfo' },
    delete: { summary: 'Revoke the key (effective on the next request).', ok: 'KeyInfo' },
  },
  '/api/keys/{id}/rotate': { post: { summary: 'New secret {overlapSeconds?}: the old one works until the overlap ends.', body: 'RotateKey', ok: '201 CreatedKey' } },
  '/api/usage': { get: { summary: 'Usage ?from=&to=&tenant=&groupBy=day,month,tenant,key,model,version&format=csv.', ok: '{"groupBy", "items": UsageRow[]} or text/csv' } },
  '/api/audit': { get: { summary: 'Audit records ?afterSeq=&limit=&tenant=, hash-chained.', ok: '{"items": AuditRecord[]}' } },
  '/api/encryption': { get: { summary: 'Encryption at rest: on/off, master key id, sealed versions.', ok: '{"encrypted", "masterKeyId", "sealedVersions"}' } },
  '/api/encryption/rotate': { post: { summary: 'Rotate the master key: re-wrap every data key, without downtime.', ok: '{"from", "to", "rewrapped", "skipped"}' } },
  '/metrics': { get: { summary: 'Prometheus metrics.', ok: 'text/plain' } },
  '/docs': { get: { summary: 'This OpenAPI document (also at /docs/openapi.json).', ok: 'OpenAPI 3.1 JSON' } },
};

/** The scopes route-policy.ts requires for this operation, shown as `x-scopes`. */
function scopesOf(method: string, path: string): unknown {
  const policy = policyOf(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1'));
  return policy?.access ?? 'undocumented';
}

function operation(method: string, path: string, op: Operation): Record<string, unknown> {
  const parameters = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const binary = op.body === 'binary';
  return {
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: { content: binary ? { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } : { 'application/json': { schema: { type: 'object', description: op.body } } } } } : {}),
    ...(path.startsWith('/v2/health') ? { security: [] } : {}),
    'x-scopes': scopesOf(method, path),
    responses: {
      default: { description: 'Error with a stable code (see docs/errors.md).', content: { 'application/json': { schema: ERROR } } },
      '2XX': { description: op.ok },
    },
  };
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(ROUTES)) {
    paths[path] = Object.fromEntries(Object.entries(methods).map(([method, op]) => [method, operation(method, path, op)]));
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tessera', version, description: 'Model serving: Open Inference Protocol v2 and the management API. Every path with {name} also exists with {tenant}/{name} for a model of another tenant; `x-scopes` lists the key scopes an operation accepts.' },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', required: ['error', 'code'], properties: { error: { type: 'string' }, code: { type: 'string' } } } },
    },
    paths,
  };
}
