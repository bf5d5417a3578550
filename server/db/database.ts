import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * The data directory 0700, the database file 0600 (created so before SQLite opens it). SQLite gives
 * the -wal and -shm files the database file's mode; those left by an older version are narrowed too.
 */
function restrictFiles(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(name, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Opens (creating if need be) the database file and applies pending migrations. */
export function openDatabase(file: string): Db {
  let db: Db;
  try {
    if (file !== ':memory:') restrictFiles(file);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (error) {
    // Start-up names the setting to fix, as for every other bad setting.
    throw new Error(`DATABASE_PATH "${file}" cannot be opened as a database: ${(error as Error).message}`);
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted and overwritten content is zeroed, not left in free pages (the clear sign-ups before 005).
  db.pragma('secure_delete = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const files = fs
    .readdirSync(migrationsDir)
    .filter((name) => /^\d{3}-.+\.sql$/.test(name))
    .sort();
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (const name of files) {
      const version = Number(name.slice(0, 3));
      if (version <= current) continue;
      db.exec(fs.readFileSync(path.join(migrationsDir, name), 'utf8'));
      db.pragma(`user_version = ${version}`);
    }
  });
  apply.immediate();
}
