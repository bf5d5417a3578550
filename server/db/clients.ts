import type { Db } from './database.js';
import type { ReadCache } from './read-cache.js';

export interface ClientRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string[];
  /** '*' for every practice. */
  practices: '*' | Set<string>;
  revoked: boolean;
}

/** API clients, their hashed secrets, scopes and practice grants. */
export function createClients(db: Db, cache: ReadCache) {
  // Writes go through the cache, so none can forget to drop what it kept.
  const write = cache.directoryStatement;
  const statements = {
    insert: write(db.prepare(
      `INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at)
       VALUES (:id, :name, :secret_hash, :scopes, :all_practices, :now)`,
    )),
    insertIfMissing: write(db.prepare(
      `INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at)
       VALUES (:id, :name, :secret_hash, :scopes, :all_practices, :now) ON CONFLICT (id) DO NOTHING`,
    )),
    grant: write(db.prepare('INSERT OR IGNORE INTO client_practices (client_id, practice_id) VALUES (?, ?)')),
    get: db.prepare('SELECT * FROM clients WHERE id = ?'),
    grants: db.prepare('SELECT practice_id FROM client_practices WHERE client_id = ?'),
    revoke: write(db.prepare('UPDATE clients SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL')),
    setSecret: write(db.prepare('UPDATE clients SET secret_hash = :secret_hash, revoked_at = NULL WHERE id = :id')),
  };

  function read(id: string): ClientRow | undefined {
    const row = statements.get.get(id) as
      | { id: string; name: string; secret_hash: string; scopes: string; all_practices: number; revoked_at: number | null }
      | undefined;
    if (!row) return undefined;
    const practices = row.all_practices
      ? ('*' as const)
      : new Set((statements.grants.all(id) as Array<{ practice_id: string }>).map((g) => g.practice_id));
    return {
      id: row.id,
      name: row.name,
      secret_hash: row.secret_hash,
      scopes: row.scopes.split(' ').filter(Boolean),
      practices,
      revoked: row.revoked_at !== null,
    };
  }

  return {
    /** Creates the client; `ifMissing` leaves one already there (another process made it first) as it is. */
    create(client: { id: string; name: string; secretHash: string; scopes: string[]; practices: '*' | string[] }, now: number, options: { ifMissing?: boolean } = {}): void {
      db.transaction(() => {
        const made = (options.ifMissing ? statements.insertIfMissing : statements.insert).run({
          id: client.id,
          name: client.name,
          secret_hash: client.secretHash,
          scopes: client.scopes.join(' '),
          all_practices: client.practices === '*' ? 1 : 0,
          now,
        });
        if (made.changes === 0) return;
        if (client.practices !== '*') for (const practice of client.practices) statements.grant.run(client.id, practice);
      })();
    },
    /** Read on every API request, so kept until the database changes: a revocation still counts at once. */
    get: (id: string): ClientRow | undefined => cache.directory(`client ${id}`, () => read(id)),
    /** True when the client existed and was not revoked yet. */
    revoke(id: string, now: number): boolean {
      return statements.revoke.run({ id, now }).changes === 1;
    },
    setSecret(id: string, secretHash: string): void {
      statements.setSecret.run({ id, secret_hash: secretHash });
    },
  };
}
export type Clients = ReturnType<typeof createClients>;
