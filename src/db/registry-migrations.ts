import type { Migration } from './migrations.js';

/**
 * Schema of the model registry (models, versions, aliases, alias history).
 *
 * - `models.next_version` is the per-model version counter: numbers are never reused, even after a delete.
 * - `aliases.previous_json` is the alias's rollback stack (JSON array of version numbers, most recent last).
 * - `alias_history` keeps plain version numbers (no foreign key to `versions`), so it survives version deletes;
 *   it goes with the model (ON DELETE CASCADE). Since migration 4 each move names its `actor` and `reason`.
 * - `aliases.generation` (migration 4) counts the alias's moves; the server derives the alias's ETag from it.
 * - `models.traffic_json` (migration 5) is the model's traffic split (JSON `TrafficSplit`), NULL when it has none.
 * - Timestamps are ISO-8601 strings.
 */
export const REGISTRY_MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({
    version: 1,
    name: 'registry',
    sql: `
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  task TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  labels_json TEXT NOT NULL DEFAULT '[]',
  preprocess_json TEXT NOT NULL DEFAULT '{}',
  runtime_json TEXT NOT NULL DEFAULT '{}',
  next_version INTEGER NOT NULL DEFAULT 1 CHECK (next_version >= 1),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE versions (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  artifact_id TEXT,
  state TEXT NOT NULL CHECK (state IN ('VALIDATING', 'READY', 'FAILED')),
  error TEXT,
  inputs_json TEXT NOT NULL DEFAULT '[]',
  outputs_json TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  UNIQUE (model_id, version)
);
CREATE INDEX versions_by_state ON versions (state);

CREATE TABLE aliases (
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  previous_json TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model_id, name)
);
CREATE INDEX aliases_by_version ON aliases (model_id, version);

CREATE TABLE alias_history (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  action TEXT NOT NULL CHECK (action IN ('set', 'rollback', 'delete')),
  at TEXT NOT NULL
);
CREATE INDEX alias_history_by_alias ON alias_history (model_id, alias, id);
`,
  }),
  Object.freeze({
    version: 2,
    name: 'server-settings',
    sql: `
CREATE TABLE server_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  }),
  Object.freeze({
    version: 3,
    name: 'tenants-and-security',
    sql: `
-- Tenancy: models.name now holds the qualified name "tenant/model" (still UNIQUE), so every lookup is scoped by
-- construction; models.tenant repeats the tenant for filtering. Existing models move into the "default" tenant.
CREATE TABLE tenants (
  name TEXT PRIMARY KEY,
  limits_json TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
INSERT INTO tenants (name, created_at) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

UPDATE models SET name = 'default/' || name;
ALTER TABLE models ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
ALTER TABLE models ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared', 'public'));
ALTER TABLE models ADD COLUMN shared_with_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX models_by_tenant ON models (tenant, name);

-- versions gains the CORRUPT state and the wrapped data key of an encrypted artifact (NULL: stored in plain text).
CREATE TABLE versions_v3 (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  artifact_id TEXT,
  state TEXT NOT NULL CHECK (state IN ('VALIDATING', 'READY', 'FAILED', 'CORRUPT')),
  error TEXT,
  inputs_json TEXT NOT NULL DEFAULT '[]',
  outputs_json TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  encryption_json TEXT,
  UNIQUE (model_id, version)
);
INSERT INTO versions_v3 (id, model_id, version, sha256, size_bytes, artifact_id, state, error, inputs_json, outputs_json, created_at)
  SELECT id, model_id, version, sha256, size_bytes, artifact_id, state, error, inputs_json, outputs_json, created_at FROM versions;
DROP TABLE versions;
ALTER TABLE versions_v3 RENAME TO versions;
CREATE INDEX versions_by_state ON versions (state);

-- API keys: "tsk_<id>_<secret>"; only HMAC-SHA-256(pepper, secret) is stored. A rotation keeps the previous digest
-- valid until previous_expires_at.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants(name),
  name TEXT NOT NULL,
  scopes_json TEXT NOT NULL,
  models_json TEXT,
  limits_json TEXT NOT NULL DEFAULT '{}',
  secret_digest TEXT NOT NULL,
  previous_digest TEXT,
  previous_expires_at TEXT,
  expires_at TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at);

-- Audit: append-only (triggers refuse UPDATE and DELETE), hash-chained: hash = sha256(prev_hash || canonical record).
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  tenant TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL,
  details_json TEXT NOT NULL DEFAULT '{}',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_tenant ON audit_log (tenant, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Usage per tenant, key, model, version and UTC day. Deltas are added in one transaction per flush.
CREATE TABLE usage_daily (
  day TEXT NOT NULL,
  tenant TEXT NOT NULL,
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  bytes_in INTEGER NOT NULL DEFAULT 0,
  bytes_out INTEGER NOT NULL DEFAULT 0,
  queue_ms REAL NOT NULL DEFAULT 0,
  compute_ms REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (day, tenant, key_id, model, version)
);
CREATE INDEX usage_by_tenant_day ON usage_daily (tenant, day);
`,
  }),
  Object.freeze({
    version: 4,
    name: 'alias-generation-and-attribution',
    sql: `
-- Who or what moved an alias (key:<id>, system:seed, system:auto-rollback, system:auto-promote…) and why. Moves
-- recorded before this migration keep actor 'unknown' and an empty reason.
ALTER TABLE alias_history ADD COLUMN actor TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE alias_history ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- Optimistic concurrency: every set or rollback adds 1, so a client can move the alias only from the generation it
-- read (If-Match). Existing aliases start at 1.
ALTER TABLE aliases ADD COLUMN generation INTEGER NOT NULL DEFAULT 1 CHECK (generation >= 1);
`,
  }),
  Object.freeze({
    version: 5,
    name: 'traffic-split',
    sql: `
-- The weighted routes (versions or aliases) that serve requests naming no version, and the optional sticky header,
-- as JSON (protocol/management.ts TrafficSplit). NULL: no split, the default resolution applies.
ALTER TABLE models ADD COLUMN traffic_json TEXT;
`,
  }),
]);
