import { createHash } from 'node:crypto';
import pg from 'pg';
import { BadRequest } from '../../errors.js';
import type { Executor, Params } from '../executor.js';
import { toPositional, type Positional } from './named-parameters.js';

/** A pool (each statement on whichever connection is free) or one connection (a transaction's). */
export interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/**
 * Instants are ms since the epoch in BIGINT columns, and counts are BIGINT too: both come back as
 * numbers, as SQLite gives them. One beyond 2^53 would lose digits unseen, so it throws instead.
 * NUMERIC (what SUM of a BIGINT gives) likewise.
 */
function safeNumber(text: string): number {
  const value = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(value)) {
    throw new RangeError(`the database returned ${text}, a number JavaScript cannot hold exactly`);
  }
  return value;
}
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, safeNumber);
types.setTypeParser(pg.types.builtins.NUMERIC, safeNumber);

interface Translated extends Positional {
  /** The server-side prepared statement's name: each connection parses and plans a text once. */
  name: string;
}

// One translation per SQL text for the whole process: the data layer's texts are a fixed, small set.
const translations = new Map<string, Translated>();
function translate(sql: string): Translated {
  let kept = translations.get(sql);
  if (!kept) {
    const positional = toPositional(sql);
    kept = { ...positional, name: `thread_${createHash('sha256').update(positional.text).digest('hex').slice(0, 24)}` };
    translations.set(sql, kept);
  }
  return kept;
}

function values(sql: Translated, params: Params | undefined): unknown[] {
  return sql.names.map((name) => {
    const value = params?.[name];
    // As better-sqlite3 does: a missing parameter is a bug, not a NULL; booleans are 0/1 in both engines.
    if (value === undefined) throw new TypeError(`missing parameter :${name}`);
    if (typeof value === 'boolean') throw new TypeError(`parameter :${name} is a boolean: pass 0 or 1`);
    // PostgreSQL's text cannot hold U+0000 and refuses the statement (SQLite stores it): whatever brought
    // one here (a path segment %00, say) is bad input, answered 400 rather than failing as a 500.
    if (typeof value === 'string' && value.includes('\u0000')) throw new BadRequest('text may not contain the NUL character (%00, \\u0000)');
    return value;
  });
}

/** Reads only; anything else (an UPDATE, an INSERT, a WITH that may write) changes the data. */
export const READ = /^\s*SELECT\b/i;

export interface PgTransactionOptions {
  /** The transaction's BEGIN, sent and not yet answered: the executor's first statement ahead (below). */
  begun?: Promise<unknown>;
}

/** The executor of a transaction's connection, with what it sent ahead still to be heard. */
export interface PgTransactionExecutor extends Executor {
  /** Settles once every statement sent ahead has answered; throws the first failure among them. */
  settled(): Promise<void>;
}

/**
 * An Executor over node-postgres: a pool for statements outside a transaction, or one connection.
 * `:name` parameters become `$n` (translated once per text), BIGINT comes back as a number, and `run`
 * resolves to the rows the statement changed.
 */
export function pgExecutor(db: Queryable): Executor {
  const { engine, all, get, run } = pgTransactionExecutor(db);
  return { engine, all, get, run };
}

/**
 * As pgExecutor, over the one connection a transaction runs on. Statements may be sent ahead: the
 * transaction's BEGIN (`begun`), its locks and the writes whose answer it does not need (`sendAhead`)
 * go out without waiting for their answer, and the next statements behind them (the pool pipelines,
 * connect.ts), each running on the server only after those before it: a read sent behind a lock still
 * reads after the lock was granted. So BEGIN, a lock and the reads the lock guards take one round trip,
 * and a booking's INSERT and the COMMIT behind it another (store.ts). A failure of a statement sent
 * ahead is the one thrown (by the next statement, or by `settled`), not what it made of the statements
 * behind it ("current transaction is aborted"). Until BEGIN has answered only reads go out: a write
 * waits for it (or is not sent ahead: `sendAhead` says false), so that it never runs, and commits, alone.
 */
export function pgTransactionExecutor(db: Queryable, options: PgTransactionOptions = {}): PgTransactionExecutor {
  const send = (sql: string, params?: Params) => {
    const translated = translate(sql);
    return db.query({ name: translated.name, text: translated.text, values: values(translated, params), types });
  };
  let ahead: Promise<unknown> | undefined = options.begun;
  /** BEGIN, if sent ahead, has answered: it was the first of `ahead`, so any wait for `ahead` that ended well covered it. */
  let begun = options.begun === undefined;
  const settled = async (): Promise<void> => {
    const waiting = ahead;
    if (!waiting) return;
    await waiting;
    begun = true;
    if (ahead === waiting) ahead = undefined;
  };
  const query = async (sql: string, params?: Params) => {
    if (!ahead) return send(sql, params);
    if (!READ.test(sql)) await settled();
    const result = send(sql, params);
    result.catch(() => undefined); // what was sent ahead failed: its failure is the one thrown
    await settled();
    return result;
  };
  return {
    engine: 'postgres',
    all: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: Params) => (await query(sql, params)).rowCount ?? 0,
    sendAhead(sql: string, params?: Params): boolean {
      if (!begun && !READ.test(sql)) return false;
      const sent = send(sql, params);
      sent.catch(() => undefined); // thrown by the next statement, or by `settled`
      ahead = ahead ? Promise.all([ahead, sent]) : sent;
      return true;
    },
    settled,
  };
}
