/*
 * Reads and checks apiAccess.oauth2Client. A bad value stops the backend at
 * start-up with a message naming the key, e.g.
 * `Invalid config at apiAccess.oauth2Client.encryption.keys[1].secret: ...`.
 * Messages never contain the initial access token or a key's secret.
 */
import { Config } from '@backstage/config';
import { z } from 'zod';

/**
 * One key of the ring that seals registration access tokens
 * (`apiAccess.oauth2Client.encryption.keys[]`).
 *
 * @public
 */
export interface EncryptionKey {
  /** The key's id, stored with each sealed value: letters, digits, '_' and '-'. */
  id: string;
  /** The key itself: 32 bytes (AES-256), decoded from base64. */
  secret: Buffer;
}

/**
 * How tokens of the identity provider are checked at the gateway
 * (`apiAccess.oauth2Client.verification`, defaults applied).
 *
 * @public
 */
export interface VerificationConfig {
  /** Accepted signing algorithms; never `none` or `HS*`. */
  algorithms: string[];
  /** Claims that name the client, first present wins. */
  clientIdClaims: string[];
  /** Clock skew allowed on `exp` and `nbf`, in seconds. */
  clockToleranceSeconds: number;
  /** Least time between two JWKS fetches for an unknown `kid`, in seconds. */
  jwksCooldownSeconds: number;
  /** How long fetched keys are kept, in seconds. */
  jwksCacheMaxAgeSeconds: number;
  /** The `typ` header tokens must have, e.g. `at+jwt`; not checked when absent. */
  requiredTyp?: string;
}

/**
 * `apiAccess.oauth2Client` with defaults applied, as returned by
 * {@link readOAuth2ClientConfig}.
 *
 * @public
 */
export interface OAuth2ClientConfig {
  /** The provider's issuer, exactly as its tokens' `iss` claim. */
  issuer: string;
  /** The discovery document; absent: derived from the issuer. */
  discoveryUrl?: string;
  /** RFC 7591 registration endpoint; absent: taken from discovery. */
  registrationEndpoint?: string;
  /** The token endpoint shown to the holder; absent: taken from discovery. */
  tokenEndpoint?: string;
  /** The provider's keys for checking tokens; absent: taken from discovery. */
  jwksUri?: string;
  /** The initial access token for dynamic client registration (a secret). */
  initialAccessToken: string;
  /** The scheme the initial access token is sent with, e.g. `Bearer`. */
  initialAccessTokenScheme: string;
  /** How registered clients authenticate at the token endpoint. */
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  /**
   * The audience (RFC 8707 resource) of an API: a template over `{kind}`,
   * `{namespace}` and `{name}` of its entity ref.
   */
  audience: string;
  /**
   * The `client_name` registered: a template over `{grantId}`, `{expiresAt}`,
   * `{audience}`, `{consumer}`, `{api}`, `{environment}`, `{kind}`,
   * `{namespace}` and `{name}`.
   */
  clientName: string;
  /** Metadata key → template (same placeholders as `clientName`), sent with every registration and update. */
  extraMetadata: Record<string, string>;
  /** Seconds to wait for each call to the provider. */
  timeoutSeconds: number;
  /** The key ring that seals registration access tokens: the first key seals, every key opens. */
  encryption: { keys: EncryptionKey[] };
  /** How the gateway checks the provider's tokens. */
  verification: VerificationConfig;
}

export const DEFAULT_AUDIENCE = 'urn:api-access:{kind}:{namespace}:{name}';
export const DEFAULT_CLIENT_NAME =
  'api-access {consumer} → {api} ({environment}, grant {grantId})';
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 60;
export const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export const DEFAULT_CLIENT_ID_CLAIMS = ['client_id', 'azp', 'cid'];

/** What each template may name. The audience is computed first, so it cannot name itself. */
export const AUDIENCE_PLACEHOLDERS = ['kind', 'namespace', 'name'] as const;
export const TEMPLATE_PLACEHOLDERS = [
  'grantId',
  'expiresAt',
  'audience',
  'consumer',
  'api',
  'environment',
  'kind',
  'namespace',
  'name',
] as const;

/** Algorithms a token may never be accepted with: unsigned, or a shared secret. */
const UNSAFE_ALGORITHM = /^(none|HS\d+)$/i;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const METADATA_KEY = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Registration metadata the module sets itself. */
const RESERVED_METADATA = new Set([
  'client_id',
  'client_secret',
  'client_name',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'scope',
  'software_id',
  'registration_access_token',
  'registration_client_uri',
  'client_id_issued_at',
  'client_secret_expires_at',
]);

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map(match => match[1]);
}

function templateSchema(allowed: readonly string[]) {
  return z
    .string({ invalid_type_error: 'must be a string' })
    .min(1, 'must not be empty')
    .superRefine((value, ctx) => {
      const unknown = placeholdersOf(value).filter(p => !allowed.includes(p));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `names unknown placeholder${
            unknown.length > 1 ? 's' : ''
          } ${unknown.map(p => `{${p}}`).join(', ')}; allowed: ${allowed
            .map(p => `{${p}}`)
            .join(', ')}`,
        });
      }
    });
}

function endpointUrl(what: string) {
  return z
    .string({ invalid_type_error: 'must be a URL' })
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `not a valid absolute URL for the ${what}`,
        });
        return;
      }
      if (
        url.protocol !== 'https:' &&
        !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
      ) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be an https URL (http only for localhost and 127.0.0.1), got ${url.protocol}//${url.host}`,
        });
      }
      if (url.username || url.password) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: 'must not contain credentials',
        });
      }
    });
}

const seconds = (max: number) =>
  z
    .number({ invalid_type_error: 'must be a number of seconds' })
    .positive('must be above 0')
    .max(max, `must be at most ${max}`);

const keySchema = z
  .object({
    id: z
      .string({ required_error: 'required' })
      .regex(KEY_ID, "must be 1-64 letters, digits, '_' or '-'"),
    secret: z
      .string({
        required_error:
          'required: 32 random bytes in base64, e.g. from `openssl rand -base64 32`, set from an environment variable',
        invalid_type_error: 'must be a string',
      })
      .superRefine((value, ctx) => {
        const trimmed = value.trim();
        if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message:
              'must be base64 (an empty value usually means its environment variable is not set)',
          });
          return;
        }
        const length = Buffer.from(trimmed, 'base64').length;
        if (length !== 32) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `must decode to 32 bytes (AES-256), got ${length}; generate one with \`openssl rand -base64 32\``,
          });
        }
      }),
  })
  .strict();

const schema = z
  .object({
    issuer: endpointUrl('issuer').optional(),
    discoveryUrl: endpointUrl('discovery document').optional(),
    registrationEndpoint: endpointUrl('registration endpoint').optional(),
    tokenEndpoint: endpointUrl('token endpoint').optional(),
    jwksUri: endpointUrl('JWKS').optional(),
    initialAccessToken: z
      .string({
        required_error:
          'required: the initial access token for dynamic client registration, set from an environment variable',
        invalid_type_error: 'must be a string',
      })
      .min(
        1,
        'must not be empty (an empty value usually means its environment variable is not set)',
      )
      .refine(value => !/[\r\n\0]/.test(value), {
        message: 'must not contain line breaks',
      }),
    initialAccessTokenScheme: z
      .string({ invalid_type_error: 'must be a string' })
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be one word, e.g. Bearer')
      .optional(),
    tokenEndpointAuthMethod: z
      .enum(['client_secret_basic', 'client_secret_post'], {
        errorMap: () => ({
          message: 'must be client_secret_basic or client_secret_post',
        }),
      })
      .optional(),
    audience: templateSchema(AUDIENCE_PLACEHOLDERS).optional(),
    clientName: templateSchema(TEMPLATE_PLACEHOLDERS)
      .refine(value => value.length <= 200, {
        message: 'must be at most 200 characters',
      })
      .optional(),
    extraMetadata: z
      .record(templateSchema(TEMPLATE_PLACEHOLDERS), {
        invalid_type_error: 'must be a map of metadata key to template',
      })
      .superRefine((map, ctx) => {
        for (const key of Object.keys(map)) {
          if (!METADATA_KEY.test(key)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [key],
              message: 'not a valid metadata key',
            });
          } else if (RESERVED_METADATA.has(key)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [key],
              message:
                'is set by the oauth2-client module and cannot be configured',
            });
          }
        }
      })
      .optional(),
    timeoutSeconds: seconds(MAX_TIMEOUT_SECONDS).optional(),
    encryption: z
      .object(
        {
          keys: z
            .array(keySchema, {
              required_error:
                'required: a list of { id, secret } keys; the first one seals',
              invalid_type_error: 'must be a list of { id, secret } keys',
            })
            .min(1, 'must list at least one key; the first one seals')
            .superRefine((keys, ctx) => {
              const seen = new Map<string, number>();
              keys.forEach((key, index) => {
                const first = seen.get(key.id);
                if (first !== undefined) {
                  ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: [index, 'id'],
                    message: `'${key.id}' is already the id of apiAccess.oauth2Client.encryption.keys[${first}]`,
                  });
                } else {
                  seen.set(key.id, index);
                }
              });
            }),
        },
        {
          required_error:
            'required: encryption.keys seal the registration access tokens',
        },
      )
      .strict(),
    verification: z
      .object({
        algorithms: z
          .array(z.string().min(1, 'must not be empty'))
          .min(1, 'must list at least one algorithm')
          .superRefine((algorithms, ctx) => {
            algorithms.forEach((alg, index) => {
              if (UNSAFE_ALGORITHM.test(alg)) {
                ctx.addIssue({
                  code: z.ZodIssueCode.custom,
                  path: [index],
                  message: `${alg} is never accepted (unsigned or shared-secret tokens)`,
                });
              }
            });
          })
          .optional(),
        clientIdClaims: z
          .array(z.string().min(1, 'must not be empty'))
          .min(1, 'must list at least one claim')
          .optional(),
        clockToleranceSeconds: z
          .number({ invalid_type_error: 'must be a number of seconds' })
          .min(0, 'must be 0 or more')
          .max(60, 'must be at most 60')
          .optional(),
        jwksCooldownSeconds: seconds(3600).optional(),
        jwksCacheMaxAgeSeconds: seconds(86400).optional(),
        requiredTyp: z.string().min(1, 'must not be empty').optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.issuer === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['issuer'],
        message:
          "required: the identity provider's issuer, exactly as its tokens' iss claim",
      });
    }
  });

/** `['encryption', 'keys', 0, 'secret']` → `apiAccess.oauth2Client.encryption.keys[0].secret`. */
function formatPath(path: (string | number)[]): string {
  let out = 'apiAccess.oauth2Client';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `.${part}`;
  }
  return out;
}

/**
 * Parses `apiAccess.oauth2Client`; `undefined` when the key is absent (the
 * module then adds nothing).
 */
export function readOAuth2ClientConfig(
  rootConfig: Config,
): OAuth2ClientConfig | undefined {
  const raw = rootConfig.getOptional('apiAccess.oauth2Client');
  if (raw === undefined) {
    return undefined;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map(issue => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid config at ${details}`);
  }
  const c = result.data;
  return {
    issuer: c.issuer!,
    discoveryUrl: c.discoveryUrl,
    registrationEndpoint: c.registrationEndpoint,
    tokenEndpoint: c.tokenEndpoint,
    jwksUri: c.jwksUri,
    initialAccessToken: c.initialAccessToken,
    initialAccessTokenScheme: c.initialAccessTokenScheme ?? 'Bearer',
    tokenEndpointAuthMethod: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
    audience: c.audience ?? DEFAULT_AUDIENCE,
    clientName: c.clientName ?? DEFAULT_CLIENT_NAME,
    extraMetadata: c.extraMetadata ?? {},
    timeoutSeconds: c.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    encryption: {
      keys: c.encryption.keys.map(key => ({
        id: key.id,
        secret: Buffer.from(key.secret.trim(), 'base64'),
      })),
    },
    verification: {
      algorithms: c.verification?.algorithms ?? [...DEFAULT_ALGORITHMS],
      clientIdClaims: c.verification?.clientIdClaims ?? [
        ...DEFAULT_CLIENT_ID_CLAIMS,
      ],
      clockToleranceSeconds: c.verification?.clockToleranceSeconds ?? 5,
      jwksCooldownSeconds: c.verification?.jwksCooldownSeconds ?? 30,
      jwksCacheMaxAgeSeconds: c.verification?.jwksCacheMaxAgeSeconds ?? 600,
      requiredTyp: c.verification?.requiredTyp,
    },
  };
}

/** The values a template may name, for one grant. */
export type TemplateValues = Record<
  (typeof TEMPLATE_PLACEHOLDERS)[number],
  string
>;

/** Fills `{name}` placeholders (checked at start-up, so every one is known). */
export function renderTemplate(
  text: string,
  values: Partial<Record<string, string>>,
): string {
  return text.replace(/\{([^{}]*)\}/g, (whole, name: string) =>
    values[name] !== undefined ? values[name]! : whole,
  );
}

/** `api:default/petstore` → { kind: 'api', namespace: 'default', name: 'petstore' }. */
export function entityRefParts(ref: string): {
  kind: string;
  namespace: string;
  name: string;
} {
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(ref);
  if (!match) {
    return { kind: 'api', namespace: 'default', name: ref };
  }
  return {
    kind: match[1].toLowerCase(),
    namespace: (match[2] ?? 'default').toLowerCase(),
    name: match[3].toLowerCase(),
  };
}

/** The audience (RFC 8707 resource) configured for an API. */
export function audienceFor(config: OAuth2ClientConfig, apiRef: string) {
  return renderTemplate(config.audience, entityRefParts(apiRef));
}
