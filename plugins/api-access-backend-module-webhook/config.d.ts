export interface Config {
  apiAccess?: {
    /**
     * Endpoints that receive a signed HTTP POST when a grant is provisioned,
     * its credential rotated or the grant revoked. Each entry is one
     * provisioner of the api-access backend; retries are done by the
     * backend's task queue. Checked at start-up; a bad value names its key.
     */
    webhooks?: Array<{
      /**
       * Provisioner id, e.g. kong-sync: lower-case letters, digits, '-', '_'
       * and '.', unique. Stored with each task: renaming it strands pending tasks.
       */
      id: string;
      /** Receiver URL. https is required unless the host is localhost or 127.0.0.1, or allowInsecure is true. */
      url: string;
      /**
       * HMAC-SHA256 key the body is signed with, at least 16 characters.
       * Set it from the environment, e.g. ${KONG_SYNC_WEBHOOK_SECRET}.
       * @visibility secret
       */
      secret: string;
      /** Only grants with one of these credential types, e.g. [api-key]. Default: every grant. */
      credentialTypes?: string[];
      /** Events delivered: a subset of provision, rotate, revoke. Default: all three. */
      events?: Array<'provision' | 'rotate' | 'revoke'>;
      /** Seconds to wait for the receiver's answer, fractions allowed, above 0 and at most 60. Default: 10. */
      timeoutSeconds?: number;
      /**
       * Extra static headers sent with every delivery, e.g. an Authorization
       * header for the receiver. May not replace Content-Type or the
       * X-Api-Access-* headers. Default: none.
       * @deepVisibility secret
       */
      headers?: { [name: string]: string };
      /** Allow a plain http URL to a host other than localhost. Default: false. */
      allowInsecure?: boolean;
    }>;
  };
}
