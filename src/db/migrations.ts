import type { SqlDatabase } from './sql-database.js';

/** One schema step. Versions are positive integers, applied in ascending order, never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface RunMigrationsOptions {
  /** Clock for `applied_at`; defaults to `() => new Date()`. */
  now?: () => Date;
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Brings the database up to date: applies, in version order, each migration not yet recorded in
 * `schema_migrations`, each in its own `BEGIN IMMEDIATE` transaction (a failing step leaves the earlier ones applied
 * and itself not at all). Safe to call on every start; a second call applies nothing. Refuses a database that
 * records a version this code does not know (it was migrated by a newer tessera).
 *
 * @returns the versions applied by this call (empty when already up to date).
 * @example runMigrations(db, REGISTRY_MIGRATIONS)
 */
export function runMigrations(db: SqlDatabase, migrations: readonly Migration[], options: RunMigrationsOptions = {}): number[] {
  const now = options.now ?? (() => new Date());
  const sorted = checkMigrations(migrations);
  db.exec(CREATE_MIGRATIONS_TABLE);
  refuseUnknownVersions(db, sorted);
  const applied: number[] = [];
  for (const migration of sorted) {
    const ran = db.immediate(() => {
      if (isApplied(db, migration.version)) return false;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, now().toISOString());
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

function checkMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((migration, index) => {
    if (!Number.isSafeInteger(migration.version) || migration.version < 1) {
      throw new Error(`Migration ${JSON.stringify(migration.name)} has version ${migration.version}: use a positive integer.`);
    }
    if (index > 0 && sorted[index - 1].version === migration.version) {
      throw new Error(`Two migrations share version ${migration.version}: give each a unique number.`);
    }
  });
  return sorted;
}

function refuseUnknownVersions(db: SqlDatabase, known: readonly Migration[]): void {
  const knownVersions = new Set(known.map((migration) => migration.version));
  const rows = db.prepare<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version').all();
  const unknown = rows.filter((row) => !knownVersions.has(row.version));
  if (unknown.length > 0) {
    const list = unknown.map((row) => `${row.version} (${row.name})`).join(', ');
    throw new Error(`Database ${JSON.stringify(db.file)} has migrations this tessera does not know: ${list}. Run the newer tessera that created them.`);
  }
}

function isApplied(db: SqlDatabase, version: number): boolean {
  return db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version) !== undefined;
}
