import { mockServices } from '@backstage/backend-test-utils';
import { WebhookEndpointConfig } from './config';
import { WebhookDeliveryError, WebhookProvisioner } from './WebhookProvisioner';
import { createReplayGuard } from './replayGuard';
import {
  TestReceiver,
  dedupingResponder,
  makeTask,
  refusedUrl,
  startReceiver,
} from './__testUtils__/receiver';

const secret = 'test-webhook-secret-0123456789';
const authorization = 'Bearer receiver-token-abcdef';

function makeEndpoint(
  url: string,
  overrides: Partial<WebhookEndpointConfig> = {},
): WebhookEndpointConfig {
  return {
    id: 'kong-sync',
    url: new URL(url),
    secret,
    events: ['provision', 'rotate', 'revoke'],
    timeoutSeconds: 5,
    headers: { Authorization: authorization, 'X-Tenant': 'north' },
    allowInsecure: false,
    ...overrides,
  };
}

function makeProvisioner(
  url: string,
  overrides: Partial<WebhookEndpointConfig> = {},
) {
  const logger = mockServices.logger.mock();
  const child = mockServices.logger.mock();
  logger.child.mockReturnValue(child);
  const provisioner = new WebhookProvisioner(makeEndpoint(url, overrides), {
    logger,
  });
  return { provisioner, logger: child };
}

/** Every message the provisioner logged, to check nothing secret was logged. */
function logged(logger: ReturnType<typeof mockServices.logger.mock>) {
  return [logger.debug, logger.info, logger.warn, logger.error]
    .flatMap(fn => fn.mock.calls)
    .map(call => JSON.stringify(call))
    .join('\n');
}

async function catchError(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the delivery to fail');
}

describe('WebhookProvisioner', () => {
  let receiver: TestReceiver | undefined;

  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('delivers provision with a valid signature, the right headers and body', async () => {
    receiver = await startReceiver({ secret });
    const { provisioner, logger } = makeProvisioner(receiver.url);
    const before = Math.floor(Date.now() / 1000);

    const result = await provisioner.provision(makeTask());

    expect(result).toEqual({ reference: 'consumer-grant-42' });
    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    expect(delivery.verified).toBe(true);
    expect(delivery.method).toBe('POST');
    expect(delivery.path).toBe('/hooks/api-access');
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'x-api-access-event': 'api-access.grant.provision',
      'x-api-access-event-id': 'task-0001',
      'x-api-access-delivery': 'task-0001',
      authorization,
      'x-tenant': 'north',
    });
    const timestamp = Number(delivery.headers['x-api-access-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(delivery.headers['x-api-access-signature']).toMatch(
      /^sha256=[0-9a-f]{64}$/,
    );
    expect(delivery.json).toEqual({
      id: 'task-0001',
      type: 'api-access.grant.provision',
      attempt: 1,
      occurredAt: expect.any(String),
      grant: makeTask().grant,
    });
    expect(Date.parse(delivery.json.occurredAt) / 1000).toBeCloseTo(
      timestamp,
      -1,
    );
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining(
        'Delivered api-access.grant.provision task-0001 (attempt 1) to webhook kong-sync: HTTP 200',
      ),
    );
    expect(logged(logger)).not.toContain(secret);
    expect(logged(logger)).not.toContain(authorization);
  });

  it('delivers rotate with the new credential and revoke with the reason', async () => {
    receiver = await startReceiver({ secret });
    const { provisioner } = makeProvisioner(receiver.url);
    const credential = { id: 'cred-9', type: 'api-key', prefix: 'aa_live_3f' };

    await provisioner.rotate!(
      makeTask({ id: 'task-rotate', action: 'rotate', credential }),
    );
    await provisioner.revoke(
      makeTask({
        id: 'task-revoke',
        action: 'revoke',
        reason: 'Left the team',
      }),
    );

    const [rotate, revoke] = receiver.deliveries;
    expect(rotate.verified).toBe(true);
    expect(rotate.headers['x-api-access-event']).toBe(
      'api-access.grant.rotate',
    );
    expect(rotate.json).toMatchObject({
      id: 'task-rotate',
      type: 'api-access.grant.rotate',
      credential,
    });
    expect(rotate.json.reason).toBeUndefined();
    expect(revoke.verified).toBe(true);
    expect(revoke.headers['x-api-access-event']).toBe(
      'api-access.grant.revoke',
    );
    expect(revoke.json).toMatchObject({
      id: 'task-revoke',
      type: 'api-access.grant.revoke',
      reason: 'Left the team',
    });
    expect(revoke.json.credential).toBeUndefined();
  });

  it('sends the same delivery id on a retry, with the attempt number', async () => {
    receiver = await startReceiver({ secret });
    const { provisioner } = makeProvisioner(receiver.url);

    await provisioner.provision(makeTask({ attempt: 1 }));
    await provisioner.provision(makeTask({ attempt: 2 }));

    expect(
      receiver.deliveries.map(d => [
        d.headers['x-api-access-delivery'],
        d.json.attempt,
      ]),
    ).toEqual([
      ['task-0001', 1],
      ['task-0001', 2],
    ]);
  });

  it('lets a de-duplicating receiver refuse a replay: the event id is signed, a retry keeps it', async () => {
    const { respond, applied } = dedupingResponder(createReplayGuard());
    receiver = await startReceiver({ secret, respond });
    const { provisioner } = makeProvisioner(receiver.url);
    await provisioner.provision(makeTask());
    const [captured] = receiver.deliveries;
    const replay = (headers: Record<string, string> = {}) =>
      fetch(receiver!.url, {
        method: 'POST',
        headers: {
          ...(captured.headers as Record<string, string>),
          ...headers,
        },
        body: captured.body,
      });

    // Sent again unchanged, inside the five minutes: still a valid
    // signature, recognised by its event id and not applied again.
    const same = await replay();
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ duplicate: true });
    // Under a fresh event id: the signature no longer holds.
    const renamed = await replay({
      'x-api-access-event-id': 'task-9999',
      'x-api-access-delivery': 'task-9999',
    });
    expect(renamed.status).toBe(401);
    // The sender's own retry carries the same id: not applied twice either.
    await expect(
      provisioner.provision(makeTask({ attempt: 2 })),
    ).resolves.toEqual({ reference: 'consumer-grant-42' });
    // Another action is another task, so another id: applied.
    await provisioner.revoke(makeTask({ id: 'task-0002', action: 'revoke' }));

    expect(receiver.deliveries.map(d => d.verified)).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(
      applied.map(d => [d.headers['x-api-access-event-id'], d.json.type]),
    ).toEqual([
      ['task-0001', 'api-access.grant.provision'],
      ['task-0002', 'api-access.grant.revoke'],
    ]);
  });

  it('forwards only the known grant and credential fields', async () => {
    receiver = await startReceiver({ secret });
    const { provisioner } = makeProvisioner(receiver.url);
    const task = makeTask({
      action: 'rotate',
      credential: { id: 'c', type: 'api-key', secret: 'sk_live_x' } as any,
    });
    (task.grant as any).apiKey = 'sk_live_y';

    await provisioner.rotate!(task);

    const [delivery] = receiver.deliveries;
    expect(delivery.body).not.toContain('sk_live_');
    expect(delivery.json.credential).toEqual({ id: 'c', type: 'api-key' });
  });

  it('falls back to X-Request-Id for the reference, or returns none', async () => {
    let requestId: string | undefined = 'req-123';
    receiver = await startReceiver({
      secret,
      respond: (_delivery, res) => {
        res.writeHead(202, requestId ? { 'X-Request-Id': requestId } : {});
        res.end('accepted');
      },
    });
    const { provisioner } = makeProvisioner(receiver.url);

    await expect(provisioner.provision(makeTask())).resolves.toEqual({
      reference: 'req-123',
    });
    requestId = undefined;
    await expect(provisioner.provision(makeTask())).resolves.toEqual({});
  });

  it('throws on a 500 with the endpoint id, status and a truncated excerpt, never the secret', async () => {
    receiver = await startReceiver({
      secret,
      respond: (delivery, res) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        // A careless receiver echoing what it got, padded past 200 characters.
        res.end(
          `upstream failed\n for ${secret} ${
            delivery.headers.authorization
          } ${'x'.repeat(500)}`,
        );
      },
    });
    const { provisioner, logger } = makeProvisioner(receiver.url);

    const error = await catchError(provisioner.provision(makeTask()));

    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect((error as WebhookDeliveryError).status).toBe(500);
    expect((error as WebhookDeliveryError).endpointId).toBe('kong-sync');
    expect(error.message).toMatch(
      /^Webhook kong-sync \(http:\/\/127\.0\.0\.1:\d+\) answered HTTP 500 Internal Server Error: upstream failed for \[redacted\] \[redacted\] x+…$/,
    );
    const excerpt = error.message.slice(error.message.indexOf(': ') + 2);
    expect(excerpt).toHaveLength(201);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('receiver-token-abcdef');
    expect(error.message).not.toContain('/hooks/api-access');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'Delivery of api-access.grant.provision task-0001 (attempt 1) failed: Webhook kong-sync',
      ),
    );
    expect(logged(logger)).not.toContain(secret);
    expect(logged(logger)).not.toContain('receiver-token-abcdef');
  });

  it('throws when the receiver rejects the signature (wrong secret configured)', async () => {
    receiver = await startReceiver({ secret: 'the-receivers-other-secret' });
    const { provisioner } = makeProvisioner(receiver.url);

    const error = await catchError(provisioner.revoke(makeTask()));

    expect(receiver.deliveries[0].verified).toBe(false);
    expect(error.message).toMatch(
      /^Webhook kong-sync \(.+\) answered HTTP 401 Unauthorized: \{"error":"bad signature"\}$/,
    );
  });

  it('does not follow redirects', async () => {
    receiver = await startReceiver({
      secret,
      respond: (_delivery, res) => {
        res.writeHead(307, { Location: 'http://elsewhere.example.com/' });
        res.end();
      },
    });
    const { provisioner } = makeProvisioner(receiver.url);

    const error = await catchError(provisioner.provision(makeTask()));

    expect(error.message).toContain(
      'answered HTTP 307 Temporary Redirect (redirects are not followed: configure the final URL)',
    );
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('throws after timeoutSeconds when the receiver never answers', async () => {
    receiver = await startReceiver({ secret, respond: () => {} });
    const { provisioner } = makeProvisioner(receiver.url, {
      timeoutSeconds: 0.2,
    });
    const started = Date.now();

    const error = await catchError(provisioner.provision(makeTask()));

    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect(error.message).toMatch(
      /^Webhook kong-sync \(http:\/\/127\.0\.0\.1:\d+\) did not answer within 0\.2s \(timeoutSeconds\)$/,
    );
    expect(error.message).not.toContain(secret);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('throws when the connection is refused', async () => {
    const url = await refusedUrl();
    const { provisioner } = makeProvisioner(url);

    const error = await catchError(provisioner.provision(makeTask()));

    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect((error as WebhookDeliveryError).status).toBeUndefined();
    expect(error.message).toMatch(
      /^Webhook kong-sync \(http:\/\/127\.0\.0\.1:\d+\) could not be reached: connection refused \(ECONNREFUSED\)$/,
    );
    expect(error.message).not.toContain(secret);
  });

  it('delivers only the configured events', async () => {
    receiver = await startReceiver({ secret });
    const revokeOnly = makeProvisioner(receiver.url, {
      events: ['revoke'],
    }).provisioner;

    expect(revokeOnly.rotate).toBeUndefined();
    await expect(revokeOnly.provision(makeTask())).resolves.toBeUndefined();
    expect(receiver.deliveries).toHaveLength(0);
    await revokeOnly.revoke(makeTask({ action: 'revoke' }));
    expect(receiver.deliveries.map(d => d.json.type)).toEqual([
      'api-access.grant.revoke',
    ]);

    const all = makeProvisioner(receiver.url).provisioner;
    expect(all.rotate).toEqual(expect.any(Function));
  });

  it('delivers only grants of the configured credential types', async () => {
    receiver = await startReceiver({ secret });
    const { provisioner } = makeProvisioner(receiver.url, {
      credentialTypes: ['mtls-certificate'],
    });
    expect(provisioner.credentialTypes).toEqual(['mtls-certificate']);

    await expect(provisioner.provision(makeTask())).resolves.toBeUndefined();
    expect(receiver.deliveries).toHaveLength(0);

    const certificate = makeTask();
    certificate.grant.credentialType = 'mtls-certificate';
    await provisioner.provision(certificate);
    expect(receiver.deliveries).toHaveLength(1);
    expect(receiver.deliveries[0].json.grant.credentialType).toBe(
      'mtls-certificate',
    );
  });
});
