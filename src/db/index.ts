export type { SqlDatabase, SqlStatement, SqlRunResult, SqlValue, SqlParams } from './sql-database.js';
export { openDatabase } from './open-database.js';
export { runMigrations } from './migrations.js';
export type { Migration, RunMigrationsOptions } from './migrations.js';
export { REGISTRY_MIGRATIONS } from './registry-migrations.js';
