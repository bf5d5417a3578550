import { createBookings } from './bookings.js';
import { createClients } from './clients.js';
import { openDatabase, type Db } from './database.js';
import { createDirectory } from './directory.js';
import { createHolds } from './holds.js';
import { createKeys, createSettings } from './keys.js';

/** The data layer: every statement the server runs, behind domain operations. */
export function createStore(file: string) {
  const db: Db = openDatabase(file);
  return {
    bookings: createBookings(db),
    clients: createClients(db),
    directory: createDirectory(db),
    holds: createHolds(db),
    keys: createKeys(db),
    settings: createSettings(db),
    /** Runs `work` as one write transaction that reads before it writes; a throw rolls it back. */
    transaction<T>(work: () => T): T {
      return db.transaction(work).immediate();
    },
    close: () => db.close(),
  };
}
export type Store = ReturnType<typeof createStore>;
