export interface Config {
  /** Configuration for the api-access plugin. */
  apiAccess?: {
    classification?: {
      /**
       * Data classification levels, least to most sensitive.
       * Default: public, internal, confidential, restricted.
       * @visibility frontend
       */
      levels?: string[];
      /**
       * Level for APIs with no classification label on the API, its System or its Domain.
       * Default: internal.
       * @visibility frontend
       */
      default?: string;
    };
    /**
     * Environments access can be requested for, when an API has no
     * api-access/environments annotation.
     * Default: sandbox, development, staging, production.
     * @visibility frontend
     */
    environments?: string[];
    /**
     * Longest access a request may ask for, in days. Default: 365.
     * @visibility frontend
     */
    maxDurationDays?: number;
  };
}
