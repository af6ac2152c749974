/*
 * Dynamic client registration (RFC 7591) and its management protocol
 * (RFC 7592) over fetch, with a timeout per call. Every failure becomes a
 * ProvisioningError whose message is one safe line: the HTTP status and the
 * provider's RFC 7591 `error`/`error_description` excerpt, never a header,
 * a body or a token. Its `outcome` says whether the provider certainly did
 * nothing (`refused`) or may have acted (`unknown`: a timeout, a lost or
 * unreadable answer), which decides whether a registration is orphaned.
 */
import { ProvisioningError } from '@api-access/backstage-plugin-api-access-node';
import { networkCause } from './discovery';

/** What the provider answered about a client. Holds secrets: never log it. */
export interface RegisteredClient {
  clientId: string;
  /** Present on registration and RFC 7592 reads of most providers. */
  clientSecret?: string;
  /** The token to manage the client; a provider may rotate it on any call. */
  registrationAccessToken?: string;
  registrationClientUri?: string;
  /** The client's metadata as answered, without the secrets and the management fields. */
  metadata: Record<string, unknown>;
}

export type RegistrationOutcome = 'refused' | 'unknown';

/** A failed call; `message` is safe to keep on the task and show on the grant. */
export class RegistrationError extends ProvisioningError {
  readonly outcome: RegistrationOutcome;
  readonly status?: number;
  /** The client id, when a 2xx answer named one but was otherwise unusable. */
  readonly clientId?: string;

  constructor(
    message: string,
    options: {
      outcome: RegistrationOutcome;
      status?: number;
      retryAfterSeconds?: number;
      clientId?: string;
    },
  ) {
    super(message, { retryAfterSeconds: options.retryAfterSeconds });
    // The provisioning queue recognizes ProvisioningError by class or name.
    this.name = 'ProvisioningError';
    this.outcome = options.outcome;
    this.status = options.status;
    this.clientId = options.clientId;
  }
}

/** Fields RFC 7592 forbids in an update body. */
const NOT_UPDATABLE = [
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
];
const SECRET_FIELDS = ['client_secret', 'registration_access_token'];

const EXCERPT_CHARS = 200;

export interface RegistrationClientOptions {
  /** The registration endpoint, resolved lazily (discovery). */
  registrationEndpoint: (signal?: AbortSignal) => Promise<string>;
  initialAccessToken: string;
  initialAccessTokenScheme: string;
  timeoutSeconds: number;
  fetch?: typeof fetch;
}

type Operation = 'register' | 'read' | 'update' | 'delete';

const WHAT: Record<Operation, string> = {
  register: 'the client registration',
  read: 'the client read',
  update: 'the client update',
  delete: 'the client deletion',
};

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return seconds > 0 ? seconds : undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  const seconds = Math.ceil((at - now) / 1000);
  return seconds > 0 ? seconds : undefined;
}

/** One line, control characters out, at most 200 characters. */
function excerpt(text: string): string {
  const line = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > EXCERPT_CHARS
    ? `${line.slice(0, EXCERPT_CHARS - 3)}...`
    : line;
}

export class RegistrationClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: RegistrationClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** RFC 7591: registers a client with the initial access token. */
  async register(
    metadata: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<
    RegisteredClient & {
      registrationAccessToken: string;
      registrationClientUri: string;
    }
  > {
    let endpoint: string;
    try {
      endpoint = await this.options.registrationEndpoint(signal);
    } catch (error) {
      // Nothing was sent: the provider certainly registered nothing.
      throw new RegistrationError((error as Error).message, {
        outcome: 'refused',
        retryAfterSeconds: (error as ProvisioningError).retryAfterSeconds,
      });
    }
    const client = await this.call('register', endpoint, {
      method: 'POST',
      authorization: `${this.options.initialAccessTokenScheme} ${this.options.initialAccessToken}`,
      body: metadata,
      signal,
      secrets: [this.options.initialAccessToken],
    });
    if (!client.registrationAccessToken) {
      throw new RegistrationError(
        'the identity provider answered the client registration without a registration_access_token, so the client could not be managed (RFC 7592)',
        { outcome: 'unknown', clientId: client.clientId },
      );
    }
    if (!client.registrationClientUri) {
      throw new RegistrationError(
        'the identity provider answered the client registration without a registration_client_uri, so the client could not be managed (RFC 7592)',
        { outcome: 'unknown', clientId: client.clientId },
      );
    }
    return client as RegisteredClient & {
      registrationAccessToken: string;
      registrationClientUri: string;
    };
  }

  /** RFC 7592 read. */
  async read(
    uri: string,
    registrationAccessToken: string,
    signal?: AbortSignal,
  ): Promise<RegisteredClient> {
    return this.call('read', uri, {
      method: 'GET',
      authorization: `Bearer ${registrationAccessToken}`,
      signal,
      secrets: [registrationAccessToken],
    });
  }

  /**
   * RFC 7592 update: sends `current` (the last read's metadata, which the
   * provider expects in full) with `changes` applied.
   */
  async update(
    uri: string,
    registrationAccessToken: string,
    current: RegisteredClient,
    changes: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<RegisteredClient> {
    const body: Record<string, unknown> = {
      ...current.metadata,
      ...changes,
      client_id: current.clientId,
    };
    for (const field of NOT_UPDATABLE) delete body[field];
    return this.call('update', uri, {
      method: 'PUT',
      authorization: `Bearer ${registrationAccessToken}`,
      body,
      signal,
      secrets: [registrationAccessToken],
    });
  }

  /** RFC 7592 delete; a client the provider no longer knows (404) counts as deleted. */
  async remove(
    uri: string,
    registrationAccessToken: string,
    signal?: AbortSignal,
  ): Promise<'deleted' | 'already gone'> {
    const response = await this.send('delete', uri, {
      method: 'DELETE',
      authorization: `Bearer ${registrationAccessToken}`,
      signal,
    });
    if (response.status === 204 || response.status === 200) {
      await response.body?.cancel().catch(() => {});
      return 'deleted';
    }
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      return 'already gone';
    }
    throw await this.failure('delete', response, [registrationAccessToken]);
  }

  private async call(
    operation: Operation,
    url: string,
    request: {
      method: string;
      authorization: string;
      body?: Record<string, unknown>;
      signal?: AbortSignal;
      secrets: string[];
    },
  ): Promise<RegisteredClient> {
    const response = await this.send(operation, url, request);
    if (!response.ok) {
      throw await this.failure(operation, response, request.secrets);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new RegistrationError(
        `the identity provider answered ${response.status} to ${WHAT[operation]} with a body that is not JSON`,
        { outcome: 'unknown', status: response.status },
      );
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new RegistrationError(
        `the identity provider answered ${response.status} to ${WHAT[operation]} with JSON that is not an object`,
        { outcome: 'unknown', status: response.status },
      );
    }
    const fields = body as Record<string, unknown>;
    if (typeof fields.client_id !== 'string' || fields.client_id === '') {
      throw new RegistrationError(
        `the identity provider answered ${response.status} to ${WHAT[operation]} without a client_id`,
        { outcome: 'unknown', status: response.status },
      );
    }
    const str = (key: string) =>
      typeof fields[key] === 'string' && fields[key] !== ''
        ? (fields[key] as string)
        : undefined;
    const metadata: Record<string, unknown> = { ...fields };
    for (const field of [...SECRET_FIELDS, ...NOT_UPDATABLE]) {
      delete metadata[field];
    }
    return {
      clientId: fields.client_id,
      clientSecret: str('client_secret'),
      registrationAccessToken: str('registration_access_token'),
      registrationClientUri: str('registration_client_uri'),
      metadata,
    };
  }

  private async send(
    operation: Operation,
    url: string,
    request: {
      method: string;
      authorization: string;
      body?: Record<string, unknown>;
      signal?: AbortSignal;
    },
  ): Promise<Response> {
    const seconds = this.options.timeoutSeconds;
    const timeout = AbortSignal.timeout(seconds * 1000);
    const signal = request.signal
      ? AbortSignal.any([request.signal, timeout])
      : timeout;
    try {
      return await this.fetchImpl(url, {
        method: request.method,
        headers: {
          accept: 'application/json',
          authorization: request.authorization,
          ...(request.body ? { 'content-type': 'application/json' } : {}),
        },
        body: request.body ? JSON.stringify(request.body) : undefined,
        signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (timeout.aborted) {
        throw new RegistrationError(
          `the identity provider did not answer ${WHAT[operation]} within ${seconds} s`,
          { outcome: 'unknown' },
        );
      }
      if (request.signal?.aborted) {
        throw new RegistrationError(
          `${WHAT[operation]} was abandoned: the request took too long`,
          { outcome: 'unknown' },
        );
      }
      const cause = networkCause(error);
      // A refused or unresolvable connection never reached the provider.
      const neverSent =
        /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(
          cause,
        );
      throw new RegistrationError(
        `the identity provider could not be reached for ${WHAT[operation]} (${cause})`,
        { outcome: neverSent ? 'refused' : 'unknown' },
      );
    }
  }

  private async failure(
    operation: Operation,
    response: Response,
    secrets: string[],
  ): Promise<RegistrationError> {
    const retryAfterSeconds = parseRetryAfter(
      response.headers.get('retry-after'),
    );
    let detail = '';
    try {
      const text = await response.text();
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const error = typeof parsed.error === 'string' ? parsed.error : '';
      const description =
        typeof parsed.error_description === 'string'
          ? parsed.error_description
          : '';
      detail = [error, description].filter(Boolean).join(': ');
    } catch {
      // Not an RFC 7591 error body: only the status is reported.
    }
    // The provider's text could echo a token back: none of ours leaves here.
    for (const secret of [...secrets, this.options.initialAccessToken]) {
      if (secret) detail = detail.split(secret).join('[redacted]');
    }
    detail = excerpt(detail);
    let hint = '';
    if (operation === 'register') {
      if (response.status === 401 || response.status === 403) {
        hint = ' (check apiAccess.oauth2Client.initialAccessToken)';
      }
    } else if (response.status === 401) {
      hint = ' (the identity provider refused the registration access token)';
    }
    const retry = retryAfterSeconds
      ? `; retry after ${retryAfterSeconds} s`
      : '';
    return new RegistrationError(
      `the identity provider answered ${response.status} to ${WHAT[operation]}${
        detail ? `: ${detail}` : ''
      }${hint}${retry}`,
      { outcome: 'refused', status: response.status, retryAfterSeconds },
    );
  }
}
