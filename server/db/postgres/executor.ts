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

/**
 * An Executor over node-postgres: a pool for statements outside a transaction, or the one connection
 * a transaction runs on. `:name` parameters become `$n` (translated once per text), BIGINT comes back
 * as a number, and `run` resolves to the rows the statement changed.
 */
export function pgExecutor(db: Queryable, options: { perStatementSnapshot?: boolean } = {}): Executor {
  const query = (sql: string, params?: Params) => {
    const translated = translate(sql);
    return db.query({ name: translated.name, text: translated.text, values: values(translated, params), types });
  };
  return {
    engine: 'postgres',
    perStatementSnapshot: options.perStatementSnapshot === true,
    all: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: Params) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: Params) => (await query(sql, params)).rowCount ?? 0,
  };
}
