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
  const args = (params?: Params) => (params ? [params] : []);
  return {
    engine: 'sqlite',
    all: async <T>(sql: string, params?: Params) => statement(sql).all(...args(params)) as T[],
    get: async <T>(sql: string, params?: Params) => statement(sql).get(...args(params)) as T | undefined,
    run: async (sql: string, params?: Params) => statement(sql).run(...args(params)).changes,
  };
}
