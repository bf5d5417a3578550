import type { Config } from '../config.js';
import { createPostgresStore } from './postgres/store.js';
import { createStore } from './store.js';
import type { Store } from './store-types.js';

/**
 * The store the configuration names: PostgreSQL at DATABASE_URL, otherwise SQLite at DATABASE_PATH.
 * The one way the server and every CLI command open the data layer; nothing past it knows the engine.
 * `background`: the server's store (SQLite checkpoints on a worker thread).
 */
export async function openStore(
  config: Pick<Config, 'databasePath' | 'databaseUrl' | 'cache' | 'patientDataKeys' | 'log'>,
  options: { background?: boolean } = {},
): Promise<Store> {
  if (config.databaseUrl) {
    return createPostgresStore(config.databaseUrl, {
      databasePath: config.databasePath,
      dataKeys: config.patientDataKeys,
      cache: config.cache,
      onError: (error) => config.log({ level: 'error', msg: `PostgreSQL connection lost while idle: ${error.message}` }),
    });
  }
  return createStore(config.databasePath, { background: options.background, cache: config.cache, dataKeys: config.patientDataKeys });
}
