export interface Config {
  apiAccess?: {
    /**
     * The oauth2-client credential type: one confidential OAuth2 client
     * (client credentials) per grant, registered at this identity provider
     * with dynamic client registration (RFC 7591) and managed with RFC 7592.
     * Absent: the module adds nothing. Checked at start-up; a bad value names
     * its key.
     */
    oauth2Client?: {
      /** The provider's issuer, exactly as its tokens' iss claim, e.g. https://idp.example.com/realms/apis. */
      issuer: string;
      /**
       * The discovery document. Default: {issuer}/.well-known/openid-configuration,
       * then {issuer}/.well-known/oauth-authorization-server. Read on first need,
       * never at start-up, and read again after a failure.
       */
      discoveryUrl?: string;
      /** RFC 7591 registration endpoint. Default: registration_endpoint from discovery. */
      registrationEndpoint?: string;
      /** The token endpoint shown to the holder. Default: token_endpoint from discovery. */
      tokenEndpoint?: string;
      /** The provider's keys for checking tokens. Default: jwks_uri from discovery. */
      jwksUri?: string;
      /**
       * The initial access token for registration, sent as
       * `Authorization: <initialAccessTokenScheme> <token>`. Set it from the
       * environment, e.g. ${OAUTH2_INITIAL_ACCESS_TOKEN}.
       * @visibility secret
       */
      initialAccessToken: string;
      /** The scheme the initial access token is sent with. Default: Bearer (SSWS for Okta API tokens). */
      initialAccessTokenScheme?: string;
      /** How clients authenticate at the token endpoint. Default: client_secret_basic. */
      tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
      /**
       * The audience (RFC 8707 resource) for an API, a template over {kind},
       * {namespace} and {name} of its entity ref.
       * Default: urn:api-access:{kind}:{namespace}:{name}.
       */
      audience?: string;
      /**
       * The client_name registered, at most 200 characters; placeholders
       * {grantId}, {expiresAt}, {audience}, {consumer}, {api}, {environment},
       * {kind}, {namespace}, {name}.
       * Default: 'api-access {consumer} → {api} ({environment}, grant {grantId})'.
       */
      clientName?: string;
      /**
       * Extra registration metadata, key → template (same placeholders as
       * clientName), for providers that take the API or the expiry as
       * metadata, e.g. { api_access_resource: '{audience}' }. Default: none.
       */
      extraMetadata?: { [key: string]: string };
      /** Seconds to wait for each call to the provider, at most 60. Default: 10. */
      timeoutSeconds?: number;
      /** Keys that seal the registration access tokens stored in the database (AES-256-GCM). */
      encryption: {
        /**
         * The first key seals, every key opens. To rotate, put a new key
         * first; a sweep every 10 minutes re-seals the rows and logs when the
         * old key can be removed.
         */
        keys: Array<{
          /** Letters, digits, '_' and '-', unique. */
          id: string;
          /**
           * 32 random bytes in base64 (`openssl rand -base64 32`), from the environment.
           * @visibility secret
           */
          secret: string;
        }>;
      };
      /** How the gateway decision checks the provider's tokens. */
      verification?: {
        /** Accepted signing algorithms; never none or HS*. Default: [RS256, PS256, ES256, EdDSA]. */
        algorithms?: string[];
        /** Claims that name the client, first present wins. Default: [client_id, azp, cid]. */
        clientIdClaims?: string[];
        /** Clock skew allowed on exp/nbf, at most 60. Default: 5. */
        clockToleranceSeconds?: number;
        /** Least time between two JWKS fetches for an unknown kid. Default: 30. */
        jwksCooldownSeconds?: number;
        /** How long fetched keys are kept. Default: 600. */
        jwksCacheMaxAgeSeconds?: number;
        /** The typ header tokens must have, e.g. at+jwt. Default: not checked. */
        requiredTyp?: string;
      };
    };
  };
}
