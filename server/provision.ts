import type { Config, UpstreamConfig } from './config.js';
import type { Store } from './db/store.js';
import { hashSecret, newSecret } from './oauth/secrets.js';

export const LOCAL_BFF_CLIENT = 'thread-bff-local';

/**
 * With no THREAD_* settings the BFF fronts this server itself. Its client gets a fresh
 * secret at every start: the secret lives only in this process's memory, the database
 * keeps only its hash.
 */
export async function provisionLocalBffClient(store: Store, config: Config): Promise<UpstreamConfig> {
  const secret = newSecret();
  const secretHash = await hashSecret(secret);
  store.transaction(() => {
    if (store.clients.get(LOCAL_BFF_CLIENT)) store.clients.setSecret(LOCAL_BFF_CLIENT, secretHash);
    else {
      store.clients.create(
        { id: LOCAL_BFF_CLIENT, name: 'Widget BFF (this server)', secretHash, scopes: ['scheduling:read', 'scheduling:book'], practices: '*' },
        config.now(),
      );
    }
  });
  return { issuer: config.publicUrl, apiUrl: config.publicUrl, clientId: LOCAL_BFF_CLIENT, clientSecret: secret };
}
