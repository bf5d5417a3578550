import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations', 'postgres');

/** The advisory lock every process takes to migrate: an arbitrary number of this project's own ("thread" in ASCII). */
const MIGRATION_LOCK = 0x746872656164;

/** The numbered files (NNN-name.sql), in order. */
export function migrationFiles(dir = migrationsDir): Array<{ version: number; name: string; file: string }> {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{3}-.+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name, file: path.join(dir, name) }));
}

/**
 * Applies the migrations this database has not had yet, each in its own transaction with its version
 * recorded in schema_migrations. Under a session advisory lock: processes starting together wait for
 * the first to finish and then find nothing left to do. Forward only, as for SQLite.
 */
export async function migrate(client: pg.ClientBase, dir = migrationsDir): Promise<number[]> {
  const applied: number[] = [];
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version     INTEGER PRIMARY KEY,
         name        TEXT NOT NULL,
         applied_at  BIGINT NOT NULL
       )`,
    );
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
    for (const migration of migrationFiles(dir)) {
      if (done.has(migration.version)) continue;
      const sql = fs.readFileSync(migration.file, 'utf8');
      await client.query('BEGIN');
      try {
        // No parameters: the simple protocol, which runs a file of many statements.
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
  return applied;
}
