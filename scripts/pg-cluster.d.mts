export interface PgCluster {
  /** A superuser's URL to the `postgres` database. */
  adminUrl: string;
  /** PG_TEST_URL was used: nothing was started, and stop() does nothing. */
  external: boolean;
  /** Stops the server and removes its folder; idempotent, synchronous. */
  stop(): void;
}
export declare function findPostgres(): string | undefined;
export declare function startPgCluster(options?: { log?: (line: string) => void }): Promise<PgCluster>;
