import { createAudit } from './audit.js';
import { createBookings } from './bookings.js';
import { createClients } from './clients.js';
import { createDirectory } from './directory.js';
import type { Executor } from './executor.js';
import { createHolds } from './holds.js';
import { createKeys, createSettings } from './keys.js';
import { createManageLinks } from './manage-links.js';
import { createRateEvents } from './rate-events.js';
import type { RepoOptions } from './store-types.js';
import { createWebhookData } from './webhooks.js';

/**
 * Every data module over one Executor: the store's own (its connection or pool, outside any transaction)
 * or a transaction's (what `store.write` and `store.transaction` hand their work). Either engine builds
 * them here; SQL that must differ between engines asks `ex.engine`, inside the modules.
 */
export function createRepos(ex: Executor, { keyring, cache }: RepoOptions) {
  return {
    /** Runs SQL written for both engines (executor.ts): the way new data modules reach the database. */
    sql: ex,
    audit: createAudit(ex),
    rateEvents: createRateEvents(ex),
    bookings: createBookings(ex, keyring),
    clients: createClients(ex, cache),
    directory: createDirectory(ex, cache),
    holds: createHolds(ex),
    keys: createKeys(ex, keyring),
    manageLinks: createManageLinks(ex),
    settings: createSettings(ex),
    webhooks: createWebhookData(ex, keyring),
  };
}
export type Repos = ReturnType<typeof createRepos>;
