import { randomBytes } from 'node:crypto';
import type { Config, UpstreamConfig } from './config.js';
import type { Store } from './db/store.js';
import { hashSecret, newSecret } from './oauth/secrets.js';

/** The fixed id the BFF's client had before its id was made random: public, so revoked where found. */
const LEGACY_BFF_CLIENT = 'thread-bff-local';
/** Where the BFF's client id is kept, once made for this database. */
const BFF_CLIENT_SETTING = 'bff_client_id';

/**
 * With no THREAD_* settings the BFF fronts this server itself. Its client id is random, made once per
 * database (inside the transaction, so processes starting together agree on one) and found again by
 * every later start: an id nobody can guess cannot be aimed at. Its client gets a fresh secret at every
 * start: the secret lives only in this process's memory, the database keeps only its hash.
 */
export async function provisionLocalBffClient(store: Store, config: Config): Promise<UpstreamConfig> {
  const secret = newSecret();
  const secretHash = await hashSecret(secret);
  const clientId = store.transaction(() => {
    let id = store.settings.get(BFF_CLIENT_SETTING);
    if (!id) {
      id = `bff_${randomBytes(12).toString('base64url')}`;
      store.settings.set(BFF_CLIENT_SETTING, id);
      store.clients.revoke(LEGACY_BFF_CLIENT, config.now());
    }
    if (store.clients.get(id)) store.clients.setSecret(id, secretHash);
    else {
      store.clients.create(
        { id, name: 'Widget BFF (this server)', secretHash, scopes: ['scheduling:read', 'scheduling:book'], practices: '*' },
        config.now(),
      );
    }
    return id;
  });
  return { issuer: config.publicUrl, apiUrl: config.publicUrl, clientId, clientSecret: secret };
}
