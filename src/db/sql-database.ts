/**
 * The small slice of a synchronous SQLite driver the rest of tessera relies on. Only `src/db/` knows which driver
 * implements it (better-sqlite3 today), so other folders never import driver types. Modelled on Kysely's
 * `SqliteDatabase` subset interface.
 */

/** A value SQLite can bind: text, integer/real, bigint, blob or NULL (booleans are not accepted: pass 0/1). */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** Positional (`?`) parameters, or one object of named (`@name`, `:name`, `$name`) parameters. */
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

/** What a data-changing statement reports. */
export interface SqlRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  /** Rowid of the last inserted row. */
  lastInsertRowid: number | bigint;
}

/** A prepared statement. `get` and `all` only work for statements that return rows. */
export interface SqlStatement<Row = Record<string, unknown>> {
  run(...params: SqlParams): SqlRunResult;
  get(...params: SqlParams): Row | undefined;
  all(...params: SqlParams): Row[];
}

/** An open SQLite connection. Every call is synchronous. */
export interface SqlDatabase {
  /** The file this connection was opened on. */
  readonly file: string;
  /** Prepares (and caches) a statement; the `Row` type is the caller's promise about the columns. */
  prepare<Row = Record<string, unknown>>(sql: string): SqlStatement<Row>;
  /** Runs one or more statements that take no parameters (schema changes). */
  exec(sql: string): void;
  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` (the write lock is taken up front, so two writers never deadlock on
   * an upgrade), rolling back if it throws. Nested calls become savepoints. `fn` must be synchronous.
   *
   * @example db.immediate(() => { db.prepare('UPDATE t SET n = n + 1').run(); })
   */
  immediate<T>(fn: () => T): T;
  /** True while a transaction is open on this connection. */
  readonly inTransaction: boolean;
  /** Closes the connection; later calls throw. */
  close(): void;
}
