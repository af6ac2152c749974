/*
 * Credential types as clients see them: GET /credential-types lists what a
 * request may ask for, and POST /grants/:id/credentials answers a module
 * type's credential in one shape (the common fields, then the type's own
 * fields, shown once).
 */

/** What GET /credential-types answers for each installed type. @public */
export interface CredentialTypeInfo {
  /** Stored on requests and grants: `api-key`, `mtls-certificate`, `oauth2-client`, ... */
  id: string;
  /** The request form's option. */
  title: string;
  /** One or two sentences for the form's helper text. */
  description: string;
  /** How the holder presents it at the gateway. */
  presentation: 'api-key' | 'bearer-token' | 'client-certificate';
  /** Whether it can be requested now. */
  offered: boolean;
  /** When not offered, why (shown to requesters). */
  reason?: string;
}

/**
 * A credential of a module's type, as POST /grants/:id/credentials answers
 * it once: these fields plus the type's own (e.g. an OAuth2 client's id and
 * secret), which api-access never stores.
 * @public
 */
export interface IssuedTypedCredential {
  /** The credential's id. */
  id: string;
  /** The grant it belongs to. */
  grantId: string;
  /** The grant's credential type, e.g. `oauth2-client`. */
  credentialType: string;
  /** The usage terms version the holder accepted. */
  termsVersion: string;
  /** When it was issued (ISO 8601). */
  createdAt: string;
  /** On rotation, when the credential this one replaced stops working. */
  previousValidUntil?: string;
  /** The type's own fields, shown this once (e.g. a client id and secret). */
  [shownOnce: string]: unknown;
}
