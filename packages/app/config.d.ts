export interface Config {
  /** Demo-only settings; never set these in production. */
  apiAccessDemo?: {
    /**
     * Path (relative to packages/backend) of the catalog overlay the demo merges into example entities.
     */
    catalogOverlay?: string;
    /**
     * Personas offered on the demo sign-in page.
     * @visibility frontend
     */
    personas?: Array<{
      /** @visibility frontend */
      userRef: string;
      /** @visibility frontend */
      role?: string;
    }>;
  };
}
