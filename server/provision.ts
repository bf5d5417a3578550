import { createHmac, randomBytes } from 'node:crypto';
import type { Config, UpstreamConfig } from './config.js';
import type { Store } from './db/store.js';
import { hashSecret, verifySecret } from './oauth/secrets.js';

/** The fixed id the BFF's client had before its id was made random: public, so revoked where found. */
const LEGACY_BFF_CLIENT = 'thread-bff-local';
/** Where the BFF's client id is kept, once made for this database. */
const BFF_CLIENT_SETTING = 'bff_client_id';

/** The BFF's secret under one data key: the same in every process that has the key, never stored. */
function bffSecret(dataKey: Buffer): string {
  return createHmac('sha256', dataKey).update('thread-bff-client-secret').digest('base64url');
}

/**
 * With no THREAD_* settings the BFF fronts this server itself. Its client id is random, made once per
 * database (inside a transaction, so processes starting together agree on one) and found again by every
 * later start: an id nobody can guess cannot be aimed at. Its secret is derived from the data key, so
 * every process on the database has the same one and a process starting never breaks another's BFF;
 * the database keeps only its hash, rewritten only when it does not match. During a data-key rotation
 * the secret under a previous key keeps working while its hash is there.
 */
export async function provisionLocalBffClient(store: Store, config: Config): Promise<UpstreamConfig> {
  // Made once per database: of processes starting together, the first to write it wins and all read it.
  const fresh = `bff_${randomBytes(12).toString('base64url')}`;
  const clientId = await store.transaction((tx) => tx.settings.getOrSet(BFF_CLIENT_SETTING, fresh));
  if (clientId === fresh) await store.transaction((tx) => tx.clients.revoke(LEGACY_BFF_CLIENT, config.now()));
  const upstream = (clientSecret: string): UpstreamConfig => ({ issuer: config.publicUrl, apiUrl: config.publicUrl, clientId, clientSecret });

  const existing = await store.clients.get(clientId);
  const candidates = store.dataKeys.all().map((key) => bffSecret(key.key));
  for (const secret of candidates) {
    if (existing && !existing.revoked && (await verifySecret(secret, existing.secret_hash))) return upstream(secret);
  }
  const secret = candidates[0];
  const secretHash = await hashSecret(secret);
  await store.transaction(async (tx) => {
    if (await tx.clients.get(clientId)) await tx.clients.setSecret(clientId, secretHash);
    else {
      await tx.clients.create(
        { id: clientId, name: 'Widget BFF (this server)', secretHash, scopes: ['scheduling:read', 'scheduling:book', 'scheduling:patients'], practices: '*' },
        config.now(),
        { ifMissing: true },
      );
    }
  });
  return upstream(secret);
}
