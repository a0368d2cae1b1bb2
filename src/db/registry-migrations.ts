import type { Migration } from './migrations.js';

/**
 * Schema of the model registry (models, versions, aliases, alias history).
 *
 * - `models.next_version` is the per-model version counter: numbers are never reused, even after a delete.
 * - `aliases.previous_json` is the alias's rollback stack (JSON array of version numbers, most recent last).
 * - `alias_history` keeps plain version numbers (no foreign key to `versions`), so it survives version deletes;
 *   it goes with the model (ON DELETE CASCADE).
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
]);
