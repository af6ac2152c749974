/*
 * One configured webhook endpoint as an api-access provisioner. Each call
 * makes exactly one signed POST and throws if it was not accepted: retries,
 * backoff and the record of attempts belong to the api-access backend's task
 * queue, which also guarantees one replica works a task at a time.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { CustomErrorBase, isError } from '@backstage/errors';
import {
  ApiAccessProvisioner,
  ProvisionedGrant,
  ProvisioningAction,
  ProvisioningResult,
  ProvisioningTask,
} from '@api-access/backstage-plugin-api-access-node';
import { WebhookEndpointConfig } from './config';
import { signApiAccessPayload } from './signature';

/** @public */
export type ApiAccessWebhookEventType =
  `api-access.grant.${ProvisioningAction}`;

/**
 * The JSON body of every delivery. Never contains a credential's secret.
 *
 * @public
 */
export interface ApiAccessWebhookEvent {
  /**
   * The event id, also sent (and signed) as X-Api-Access-Event-Id: the
   * provisioning task's id. One task is one action for one grant on one
   * endpoint, so the id is the same on every retry of this delivery and new
   * for anything else (the revoke after a provision, a renewal's provision,
   * another rotation). Receivers de-duplicate on it.
   */
  id: string;
  type: ApiAccessWebhookEventType;
  /** 1 on the first try. */
  attempt: number;
  /** When this attempt was sent, ISO 8601. */
  occurredAt: string;
  grant: ProvisionedGrant;
  /** On rotate: the new credential's public identity. */
  credential?: { id: string; type: string; prefix?: string; serial?: string };
  /** On revoke: why, as the revoker wrote it. */
  reason?: string;
}

/** @public */
export const API_ACCESS_WEBHOOK_HEADERS = {
  event: 'X-Api-Access-Event',
  /** The event id (the body's `id`), covered by the signature. */
  eventId: 'X-Api-Access-Event-Id',
  /** The same value as `eventId`, kept for receivers written before it. Not signed on its own: de-duplicate on `eventId`. */
  delivery: 'X-Api-Access-Delivery',
  timestamp: 'X-Api-Access-Timestamp',
  signature: 'X-Api-Access-Signature',
} as const;

/** Longest receiver answer read, for the reference and the error excerpt. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Longest answer excerpt put in an error message. */
const MAX_EXCERPT_CHARS = 200;
/** Longest reference kept from the receiver. */
const MAX_REFERENCE_CHARS = 255;

/**
 * A delivery that was not accepted. The message names the endpoint and the
 * status or network failure, with at most 200 characters of the answer; it
 * never contains the secret, the configured headers or the URL's path.
 *
 * @public
 */
export class WebhookDeliveryError extends CustomErrorBase {
  constructor(
    message: string,
    readonly endpointId: string,
    /** The HTTP status, if the receiver answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** @public */
export class WebhookProvisioner implements ApiAccessProvisioner {
  readonly id: string;
  readonly credentialTypes?: string[];
  /** Present only if the endpoint subscribes to rotate events. */
  readonly rotate?: (
    task: ProvisioningTask,
  ) => Promise<ProvisioningResult | void>;

  private readonly endpoint: WebhookEndpointConfig;
  private readonly logger: LoggerService;
  private readonly clock: () => Date;
  private readonly sensitive: string[];

  constructor(
    endpoint: WebhookEndpointConfig,
    options: { logger: LoggerService; clock?: () => Date },
  ) {
    this.endpoint = endpoint;
    this.id = endpoint.id;
    this.credentialTypes = endpoint.credentialTypes;
    this.logger = options.logger.child({ provisioner: endpoint.id });
    this.clock = options.clock ?? (() => new Date());
    if (endpoint.events.includes('rotate')) {
      this.rotate = task => this.deliver('rotate', task);
    }
    // Strings that must never reach an error message or a log line, even if
    // the receiver echoes them back.
    this.sensitive = [endpoint.secret];
    for (const value of Object.values(endpoint.headers)) {
      this.sensitive.push(
        value,
        ...value.split(/\s+/).filter(p => p.length >= 8),
      );
    }
    this.sensitive = this.sensitive
      .filter(s => s.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  provision(task: ProvisioningTask): Promise<ProvisioningResult | void> {
    return this.deliver('provision', task);
  }

  revoke(task: ProvisioningTask): Promise<ProvisioningResult | void> {
    return this.deliver('revoke', task);
  }

  /** Where deliveries go, without path or query (which may carry a token). */
  private get target(): string {
    return this.endpoint.url.origin;
  }

  private async deliver(
    action: ProvisioningAction,
    task: ProvisioningTask,
  ): Promise<ProvisioningResult | void> {
    const type: ApiAccessWebhookEventType = `api-access.grant.${action}`;
    if (!this.endpoint.events.includes(action)) {
      this.logger.debug(
        `Skipped ${type} ${task.id}: webhook ${this.id} is not subscribed to ${action}`,
      );
      return undefined;
    }
    if (
      this.credentialTypes &&
      !this.credentialTypes.includes(task.grant.credentialType)
    ) {
      this.logger.debug(
        `Skipped ${type} ${task.id}: webhook ${this.id} does not handle credential type ${task.grant.credentialType}`,
      );
      return undefined;
    }

    const now = this.clock();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify(buildEvent(type, task, now));
    const headers: Record<string, string> = {
      ...this.endpoint.headers,
      'Content-Type': 'application/json',
      'User-Agent': 'backstage-api-access-webhook',
      [API_ACCESS_WEBHOOK_HEADERS.event]: type,
      [API_ACCESS_WEBHOOK_HEADERS.eventId]: task.id,
      [API_ACCESS_WEBHOOK_HEADERS.delivery]: task.id,
      [API_ACCESS_WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [API_ACCESS_WEBHOOK_HEADERS.signature]: signApiAccessPayload({
        secret: this.endpoint.secret,
        timestamp,
        eventId: task.id,
        body,
      }),
    };

    this.logger.debug(
      `Delivering ${type} ${task.id} (attempt ${task.attempt}) to webhook ${this.id} at ${this.target}`,
    );
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint.url, {
        method: 'POST',
        headers,
        body,
        // A redirect could downgrade to http or hand the headers to another host.
        redirect: 'manual',
        signal: AbortSignal.timeout(
          Math.ceil(this.endpoint.timeoutSeconds * 1000),
        ),
      });
      text = await readText(response, MAX_RESPONSE_BYTES).catch(() => '');
    } catch (error) {
      throw this.fail(type, task, this.describeNetworkError(error));
    }
    const elapsed = Date.now() - started;

    if (response.status < 200 || response.status > 299) {
      const statusLine = `HTTP ${response.status}${
        response.statusText ? ` ${response.statusText}` : ''
      }`;
      const redirect =
        response.status >= 300 && response.status < 400
          ? ' (redirects are not followed: configure the final URL)'
          : '';
      const excerpt = this.excerpt(text);
      throw this.fail(
        type,
        task,
        `answered ${statusLine}${redirect}${excerpt ? `: ${excerpt}` : ''}`,
        response.status,
      );
    }

    const reference = pickReference(text, response.headers.get('x-request-id'));
    this.logger.info(
      `Delivered ${type} ${task.id} (attempt ${task.attempt}) to webhook ${
        this.id
      }: HTTP ${response.status} in ${elapsed} ms${
        reference ? `, reference ${this.redact(reference)}` : ''
      }`,
    );
    return reference ? { reference } : {};
  }

  private fail(
    type: ApiAccessWebhookEventType,
    task: ProvisioningTask,
    what: string,
    status?: number,
  ): WebhookDeliveryError {
    const message = `Webhook ${this.id} (${this.target}) ${what}`;
    this.logger.warn(
      `Delivery of ${type} ${task.id} (attempt ${task.attempt}) failed: ${message}`,
    );
    return new WebhookDeliveryError(message, this.id, status);
  }

  private describeNetworkError(error: unknown): string {
    if (isError(error) && error.name === 'TimeoutError') {
      return `did not answer within ${this.endpoint.timeoutSeconds}s (timeoutSeconds)`;
    }
    if (isError(error) && error.name === 'AbortError') {
      return 'delivery was aborted';
    }
    const cause =
      isError(error) && isError(error.cause) ? error.cause : undefined;
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') {
      const known: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ECONNRESET: 'connection reset',
        ENOTFOUND: 'host not found',
        EAI_AGAIN: 'host lookup failed',
        ETIMEDOUT: 'connection timed out',
        EHOSTUNREACH: 'host unreachable',
        UND_ERR_SOCKET: 'connection closed',
        UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
      };
      return `could not be reached: ${
        known[code] ?? 'network error'
      } (${code})`;
    }
    const detail = cause ?? (isError(error) ? error : undefined);
    return `could not be reached: ${
      detail
        ? this.excerpt(`${detail.name}: ${detail.message}`)
        : 'unknown error'
    }`;
  }

  private redact(text: string): string {
    let out = text;
    for (const value of this.sensitive) {
      out = out.split(value).join('[redacted]');
    }
    return out;
  }

  /** Whitespace collapsed, secrets redacted, cut to 200 characters. */
  private excerpt(text: string): string {
    const flat = this.redact(text.replace(/\s+/g, ' ').trim());
    return flat.length > MAX_EXCERPT_CHARS
      ? `${flat.slice(0, MAX_EXCERPT_CHARS)}…`
      : flat;
  }
}

/**
 * The delivered body. Fields are copied one by one, so nothing the backend
 * might add to a task later (a secret, say) is forwarded by accident.
 */
function buildEvent(
  type: ApiAccessWebhookEventType,
  task: ProvisioningTask,
  now: Date,
): ApiAccessWebhookEvent {
  const { grant } = task;
  const event: ApiAccessWebhookEvent = {
    id: task.id,
    type,
    attempt: task.attempt,
    occurredAt: now.toISOString(),
    grant: {
      id: grant.id,
      requestId: grant.requestId,
      apiRef: grant.apiRef,
      consumerRef: grant.consumerRef,
      requesterRef: grant.requesterRef,
      environment: grant.environment,
      scopes: [...grant.scopes],
      credentialType: grant.credentialType,
      expiresAt: grant.expiresAt,
    },
  };
  if (task.credential) {
    const { id, type: credentialType, prefix, serial } = task.credential;
    event.credential = { id, type: credentialType, prefix, serial };
  }
  if (task.reason !== undefined) {
    event.reason = task.reason;
  }
  return event;
}

/** The receiver's JSON `reference`, else its X-Request-Id header. */
function pickReference(
  text: string,
  requestId: string | null,
): string | undefined {
  let fromBody: unknown;
  try {
    const parsed = text ? JSON.parse(text) : undefined;
    fromBody =
      parsed && typeof parsed === 'object' ? parsed.reference : undefined;
  } catch {
    // Not JSON: fall back to the header.
  }
  return [fromBody, requestId]
    .filter(
      (value): value is string | number =>
        typeof value === 'string' || typeof value === 'number',
    )
    .map(value => String(value).trim())
    .find(value => value.length > 0 && value.length <= MAX_REFERENCE_CHARS);
}

/** Reads at most `limit` bytes of the answer and drops the rest. */
async function readText(response: Response, limit: number): Promise<string> {
  if (!response.body) {
    return '';
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (size >= limit) {
      await reader.cancel().catch(() => {});
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
