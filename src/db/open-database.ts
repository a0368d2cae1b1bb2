import Database from 'better-sqlite3';
import type { SqlDatabase, SqlParams, SqlRunResult, SqlStatement } from './sql-database.js';

/** Milliseconds a connection waits for another writer's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database in `file` with the settings tessera relies on:
 * `journal_mode=WAL` (readers never block the writer), `synchronous=FULL` (a committed transaction survives power
 * loss), `foreign_keys=ON` (cascades work) and `busy_timeout=5000`. Then runs `PRAGMA quick_check` and throws if
 * the file is damaged, so a corrupt database stops the server at startup rather than mid-request.
 *
 * @param file path of the database file (its folder must exist), or `':memory:'` in tests.
 * @example const db = openDatabase(join(dataDir, 'tessera.db'));
 */
export function openDatabase(file: string): SqlDatabase {
  const native = new Database(file);
  let check: unknown;
  try {
    native.pragma('journal_mode = WAL');
    native.pragma('synchronous = FULL');
    native.pragma('foreign_keys = ON');
    native.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    check = native.pragma('quick_check', { simple: true });
  } catch (error) {
    native.close();
    throw new Error(`Cannot open database ${JSON.stringify(file)}: ${String(error)}. Check that it is a tessera SQLite file and its folder is writable.`, { cause: error });
  }
  if (check !== 'ok') {
    native.close();
    throw new Error(`Database ${JSON.stringify(file)} failed PRAGMA quick_check (${String(check)}): restore it from a backup or move it aside.`);
  }
  return new BetterSqliteDatabase(file, native);
}

/** `SqlDatabase` over better-sqlite3, with a per-connection cache of prepared statements. */
class BetterSqliteDatabase implements SqlDatabase {
  readonly file: string;
  readonly #native: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(file: string, native: Database.Database) {
    this.file = file;
    this.#native = native;
  }

  get inTransaction(): boolean {
    return this.#native.inTransaction;
  }

  prepare<Row = Record<string, unknown>>(sql: string): SqlStatement<Row> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#native.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return wrapStatement<Row>(statement);
  }

  exec(sql: string): void {
    this.#native.exec(sql);
  }

  immediate<T>(fn: () => T): T {
    return this.#native.transaction(fn).immediate();
  }

  close(): void {
    this.#statements.clear();
    this.#native.close();
  }
}

function wrapStatement<Row>(statement: Database.Statement): SqlStatement<Row> {
  return {
    run: (...params: SqlParams): SqlRunResult => statement.run(...params),
    get: (...params: SqlParams): Row | undefined => statement.get(...params) as Row | undefined,
    all: (...params: SqlParams): Row[] => statement.all(...params) as Row[],
  };
}
