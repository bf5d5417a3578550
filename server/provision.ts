import { createHmac } from 'node:crypto';
import type { Config, UpstreamConfig } from './config.js';
import type { Store } from './db/store.js';
import { hashSecret, verifySecret } from './oauth/secrets.js';

export const LOCAL_BFF_CLIENT = 'thread-bff-local';

/** The BFF's secret under one data key: the same in every process that has the key, never stored. */
function bffSecret(dataKey: Buffer): string {
  return createHmac('sha256', dataKey).update('thread-bff-client-secret').digest('base64url');
}

/**
 * With no THREAD_* settings the BFF fronts this server itself. Its client's secret is derived from
 * the data key, so every process on the database has the same one and a process starting never
 * breaks another's BFF; the database keeps only its hash, rewritten only when it does not match.
 * During a data-key rotation the secret under a previous key keeps working while its hash is there.
 */
export async function provisionLocalBffClient(store: Store, config: Config): Promise<UpstreamConfig> {
  const existing = store.clients.get(LOCAL_BFF_CLIENT);
  const candidates = store.dataKeys.all().map((key) => bffSecret(key.key));
  for (const secret of candidates) {
    if (existing && !existing.revoked && (await verifySecret(secret, existing.secret_hash))) {
      return { issuer: config.publicUrl, apiUrl: config.publicUrl, clientId: LOCAL_BFF_CLIENT, clientSecret: secret };
    }
  }
  const secret = candidates[0];
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
