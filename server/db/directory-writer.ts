import type { Executor, Params } from './executor.js';
import type { RepoCache } from './store-types.js';

/**
 * The only way to write clients, practices, locations or sites: every run tells the cache the directory
 * changed, so no writer of those tables can forget to drop what the read cache kept of them.
 */
export function directoryWriter(ex: Executor, cache: RepoCache) {
  return {
    async run(sql: string, params?: Params): Promise<number> {
      try {
        return await ex.run(sql, params);
      } finally {
        cache.directoryChanged();
      }
    },
  };
}
export type DirectoryWriter = ReturnType<typeof directoryWriter>;
