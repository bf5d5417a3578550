import { directoryWriter } from './directory-writer.js';
import type { Executor } from './executor.js';
import type { RepoCache } from './store-types.js';

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
export function createClients(ex: Executor, cache: RepoCache) {
  // Writes go through the cache, so none can forget to drop what it kept.
  const write = directoryWriter(ex, cache);

  async function read(id: string): Promise<ClientRow | undefined> {
    const row = await ex.get<{ id: string; name: string; secret_hash: string; scopes: string; all_practices: number; revoked_at: number | null }>(
      'SELECT * FROM clients WHERE id = :id',
      { id },
    );
    if (!row) return undefined;
    const practices = row.all_practices
      ? ('*' as const)
      : new Set((await ex.all<{ practice_id: string }>('SELECT practice_id FROM client_practices WHERE client_id = :id', { id })).map((g) => g.practice_id));
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
    /**
     * Creates the client; `ifMissing` leaves one already there (another process made it first) as it is.
     * Several statements: call inside a transaction (store.write or store.transaction).
     */
    async create(client: { id: string; name: string; secretHash: string; scopes: string[]; practices: '*' | string[] }, now: number, options: { ifMissing?: boolean } = {}): Promise<void> {
      const made = await write.run(
        `INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at)
         VALUES (:id, :name, :secret_hash, :scopes, :all_practices, :now)${options.ifMissing ? ' ON CONFLICT (id) DO NOTHING' : ''}`,
        {
          id: client.id,
          name: client.name,
          secret_hash: client.secretHash,
          scopes: client.scopes.join(' '),
          all_practices: client.practices === '*' ? 1 : 0,
          now,
        },
      );
      if (made === 0) return;
      if (client.practices === '*') return;
      for (const practice of client.practices) {
        await write.run('INSERT INTO client_practices (client_id, practice_id) VALUES (:client_id, :practice_id) ON CONFLICT DO NOTHING', {
          client_id: client.id,
          practice_id: practice,
        });
      }
    },
    /** Read on every API request, so kept until the database changes: a revocation still counts at once. */
    get: (id: string): Promise<ClientRow | undefined> => cache.directory(`client ${id}`, () => read(id)),
    /** True when the client existed and was not revoked yet. */
    async revoke(id: string, now: number): Promise<boolean> {
      return (await write.run('UPDATE clients SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL', { id, now })) === 1;
    },
    async setSecret(id: string, secretHash: string): Promise<void> {
      await write.run('UPDATE clients SET secret_hash = :secret_hash, revoked_at = NULL WHERE id = :id', { id, secret_hash: secretHash });
    },
  };
}
export type Clients = ReturnType<typeof createClients>;
