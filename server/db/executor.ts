import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** Named parameters of a statement: `:name` in its SQL, `name` here. Numbers, strings, null; no booleans (0/1). */
export type Params = Readonly<Record<string, unknown>>;

/**
 * How the data layer runs SQL on either engine: on a connection outside a transaction, or on the
 * connection of the transaction it is given. SQL is written once, in the subset both engines read
 * alike (`:name` parameters, `ON CONFLICT`, `RETURNING`, integers for booleans and instants in ms);
 * a statement that must differ asks `engine`, and only code under server/db/ ever does.
 */
export interface Executor {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * PostgreSQL, inside a transaction: sends a statement whose answer the caller does not need (a lock, an
   * INSERT) without waiting for it; the next statements, the COMMIT included, go out behind it and run
   * after it. Its failure is thrown by the next statement, or by the commit: the transaction then fails
   * as if the statement had thrown (postgres/executor.ts). False, and nothing sent: a write before the
   * transaction's BEGIN has answered; run it instead.
   */
  sendAhead?(sql: string, params?: Params): boolean;
  all<T>(sql: string, params?: Params): Promise<T[]>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
}

/**
 * An Executor over one better-sqlite3 connection. Its statements run at once (SQLite is in-process);
 * the promise only carries the answer, so a transaction's work that awaits nothing but its executor
 * runs within one turn of the event loop. Each SQL text is prepared once and kept.
 */
export function sqliteExecutor(db: Db): Executor {
  const prepared = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let kept = prepared.get(sql);
    if (!kept) prepared.set(sql, (kept = db.prepare(sql)));
    return kept;
  };
  // No spread of an argument list: these run on every statement of every request.
  return {
    engine: 'sqlite',
    all: async <T>(sql: string, params?: Params) => (params ? statement(sql).all(params) : statement(sql).all()) as T[],
    get: async <T>(sql: string, params?: Params) => (params ? statement(sql).get(params) : statement(sql).get()) as T | undefined,
    run: async (sql: string, params?: Params) => (params ? statement(sql).run(params) : statement(sql).run()).changes,
  };
}

/**
 * Whether `error` is a unique (or primary key) constraint refusing a row, on either engine: better-sqlite3's
 * SQLITE_CONSTRAINT_UNIQUE / SQLITE_CONSTRAINT_PRIMARYKEY, PostgreSQL's unique_violation (23505).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY');
}
