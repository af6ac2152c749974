export interface Config {
  apiAccess?: {
    /** Active grants as catalog relations (this module and GET /catalog/relations). */
    catalogRelations?: {
      /**
       * Seconds one fetched map of active (consumer, API) pairs is reused
       * before the next call to the api-access backend, 0-3600. A grant that
       * ends shows until the map is fetched again and its consumer is next
       * processed. Default: 30.
       */
      cacheSeconds?: number;
      /**
       * While the api-access backend cannot be reached, the last good map is
       * used for at most this many seconds (0-86400); after that no grant
       * relations are emitted until a fetch succeeds. Default: 600.
       */
      maxStaleSeconds?: number;
    };
  };
}
