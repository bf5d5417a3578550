import type { Socket } from 'node:net';
import pg from 'pg';
import { migrate } from './migrate.js';

/** The URL as it may be shown: the password replaced, so it never reaches a terminal or a log. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return 'postgres://…';
  }
}

/** Why the database cannot be used, in one line that names the setting to fix (CONTRACT section 6). */
function unreachable(url: string, error: unknown): Error {
  const { code, message } = error as { code?: string; message?: string };
  const why = (message || code || String(error)).split('\n')[0];
  return new Error(`DATABASE_URL ${describeDatabaseUrl(url)} cannot be reached: ${why}`);
}

export interface PostgresOptions {
  /** Connections kept open at most (node-postgres' default is 10). */
  max?: number;
  /** Where a connection that fails while idle (the server restarted, say) is reported. */
  onError?: (error: Error) => void;
}

/**
 * Sends what a connection writes in one turn of the event loop as one write to its socket. node-postgres
 * writes each message of a statement (Bind, Execute, Sync...) apart, and each was a system call of its
 * own: more of the server's time went to them than to anything else. Corked from a turn's first write to
 * the end of the turn (setImmediate), a statement's messages go together, and so do a transaction's BEGIN
 * and the statements pipelined behind it (store.ts). A connection whose socket cannot cork is left as it is.
 */
function coalesceWrites(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  const write = stream.write as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  stream.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(uncork);
    }
    return write.apply(stream, args);
  }) as Socket['write'];
}

/**
 * A pool on DATABASE_URL, with the schema migrated to this version: the one way the server and the
 * CLI open PostgreSQL. It connects once first, so a URL that cannot be reached (no server, wrong
 * password, no such database) stops start-up with one line naming DATABASE_URL, within 10 s.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'thread',
    // A connection's statements go out without waiting for the answer to the one before (each still runs
    // after it, in order): a transaction's BEGIN travels with its first statement (store.ts).
    pipeline: true,
    // A process that stalls inside a transaction (or is stopped in a debugger) lets go of its row and
    // advisory locks after a minute instead of holding up every other process's writes.
    idle_in_transaction_session_timeout: 60_000,
  });
  pool.on('connect', coalesceWrites);
  // Without a listener an idle connection's error (the server restarting) would end the process;
  // the pool drops that connection and opens another when next asked.
  pool.on('error', (error) => options.onError?.(error));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unreachable(url, error);
  }
  try {
    await migrate(client);
  } catch (error) {
    client.release(true);
    await pool.end().catch(() => undefined);
    throw error;
  }
  client.release();
  return pool;
}
