/*
 * Reads and checks apiAccess.webhooks. A bad value stops the backend at
 * start-up with a message naming the key, e.g.
 * `Invalid config at apiAccess.webhooks[0].url: ...`. Messages never
 * contain the secret or header values.
 */
import { Config } from '@backstage/config';
import { ProvisioningAction } from '@api-access/backstage-plugin-api-access-node';
import { z } from 'zod';

/** One configured endpoint, with defaults applied. */
export interface WebhookEndpointConfig {
  id: string;
  url: URL;
  secret: string;
  credentialTypes?: string[];
  events: ProvisioningAction[];
  timeoutSeconds: number;
  headers: Record<string, string>;
  allowInsecure: boolean;
}

export const WEBHOOK_EVENTS: ProvisioningAction[] = [
  'provision',
  'rotate',
  'revoke',
];
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 60;
export const MIN_SECRET_LENGTH = 16;

/** Headers set by the module, which `headers` may not replace. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
]);
const RESERVED_HEADER_PREFIX = 'x-api-access-';
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const endpointSchema = z
  .object({
    id: z
      .string({ required_error: 'required' })
      .regex(
        /^[a-z0-9][a-z0-9._-]{0,62}$/,
        "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
      ),
    url: z.string({ required_error: 'required' }).min(1, 'required'),
    secret: z
      .string({
        required_error:
          'required: set it from an environment variable, e.g. secret: ${MY_WEBHOOK_SECRET}',
        invalid_type_error: 'must be a string',
      })
      .min(
        MIN_SECRET_LENGTH,
        `must be at least ${MIN_SECRET_LENGTH} characters (an empty value usually means its environment variable is not set)`,
      ),
    credentialTypes: z
      .array(z.string().min(1, 'must not be empty'))
      .min(1, 'must list at least one credential type; omit it for every grant')
      .optional(),
    events: z
      .array(
        z.enum(['provision', 'rotate', 'revoke'], {
          errorMap: () => ({
            message: 'must be one of provision, rotate, revoke',
          }),
        }),
      )
      .min(1, 'must list at least one of provision, rotate, revoke')
      .refine(events => new Set(events).size === events.length, {
        message: 'must not repeat an event',
      })
      .optional(),
    timeoutSeconds: z
      .number({ invalid_type_error: 'must be a number of seconds' })
      .positive('must be above 0')
      .max(MAX_TIMEOUT_SECONDS, `must be at most ${MAX_TIMEOUT_SECONDS}`)
      .optional(),
    headers: z
      .record(z.string({ invalid_type_error: 'header values must be strings' }))
      .optional(),
    allowInsecure: z
      .boolean({ invalid_type_error: 'must be true or false' })
      .optional(),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['url'],
        message: 'not a valid absolute URL',
      });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['url'],
        message: `must be an https URL, not ${url.protocol}`,
      });
    } else if (
      url.protocol === 'http:' &&
      !LOOPBACK_HOSTS.has(url.hostname) &&
      !endpoint.allowInsecure
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['url'],
        message: `must use https (http is allowed only for localhost and 127.0.0.1, or with allowInsecure: true), got http://${url.host}`,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['url'],
        message:
          'must not contain credentials; send them with headers (e.g. Authorization) instead',
      });
    }
    for (const [name, value] of Object.entries(endpoint.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['headers', name],
          message: 'not a valid header name',
        });
      } else if (
        RESERVED_HEADERS.has(lower) ||
        lower.startsWith(RESERVED_HEADER_PREFIX)
      ) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['headers', name],
          message: `is set by the webhook module and cannot be configured`,
        });
      } else if (/[\r\n\0]/.test(value)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['headers', name],
          message: 'must not contain line breaks',
        });
      }
    }
  });

const webhooksSchema = z
  .array(endpointSchema, {
    invalid_type_error: 'must be a list of webhook endpoints',
  })
  .superRefine((endpoints, ctx) => {
    const seen = new Map<string, number>();
    endpoints.forEach((endpoint, index) => {
      const first = seen.get(endpoint.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [index, 'id'],
          message: `'${endpoint.id}' is already the id of apiAccess.webhooks[${first}]`,
        });
      } else {
        seen.set(endpoint.id, index);
      }
    });
  });

/** `['webhooks', 0, 'url']` becomes `apiAccess.webhooks[0].url`. */
function formatPath(path: (string | number)[]): string {
  let out = 'apiAccess';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `.${part}`;
  }
  return out;
}

/** Parses `apiAccess.webhooks` from app-config; an absent key means no endpoints. */
export function readWebhookEndpoints(
  rootConfig: Config,
): WebhookEndpointConfig[] {
  const raw = rootConfig.getOptional('apiAccess.webhooks');
  if (raw === undefined) {
    return [];
  }
  const result = webhooksSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map(
        issue => `${formatPath(['webhooks', ...issue.path])}: ${issue.message}`,
      )
      .join('; ');
    throw new Error(`Invalid config at ${details}`);
  }
  return result.data.map(endpoint => ({
    id: endpoint.id,
    url: new URL(endpoint.url),
    secret: endpoint.secret,
    credentialTypes: endpoint.credentialTypes,
    events: endpoint.events ?? [...WEBHOOK_EVENTS],
    timeoutSeconds: endpoint.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    headers: endpoint.headers ?? {},
    allowInsecure: endpoint.allowInsecure ?? false,
  }));
}
