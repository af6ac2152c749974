import { ConfigReader } from '@backstage/config';
import { readWebhookEndpoints } from './config';

const secret = 'test-webhook-secret-0123456789';

function read(webhooks: unknown) {
  return readWebhookEndpoints(
    new ConfigReader({ apiAccess: { webhooks } } as any),
  );
}

function endpoint(overrides: Record<string, unknown> = {}) {
  return {
    id: 'kong-sync',
    url: 'https://kong-sync.example.com/hooks/api-access',
    secret,
    ...overrides,
  };
}

describe('readWebhookEndpoints', () => {
  it('returns no endpoints when apiAccess.webhooks is absent', () => {
    expect(readWebhookEndpoints(new ConfigReader({}))).toEqual([]);
    expect(
      readWebhookEndpoints(new ConfigReader({ apiAccess: { ownerQuorum: 1 } })),
    ).toEqual([]);
  });

  it('applies the defaults', () => {
    const [parsed] = read([endpoint()]);
    expect(parsed).toEqual({
      id: 'kong-sync',
      url: new URL('https://kong-sync.example.com/hooks/api-access'),
      secret,
      credentialTypes: undefined,
      events: ['provision', 'rotate', 'revoke'],
      timeoutSeconds: 10,
      headers: {},
      allowInsecure: false,
    });
  });

  it('reads every option', () => {
    const [parsed] = read([
      endpoint({
        credentialTypes: ['api-key'],
        events: ['provision', 'revoke'],
        timeoutSeconds: 0.2,
        headers: { Authorization: 'Bearer abc' },
      }),
    ]);
    expect(parsed).toMatchObject({
      credentialTypes: ['api-key'],
      events: ['provision', 'revoke'],
      timeoutSeconds: 0.2,
      headers: { Authorization: 'Bearer abc' },
    });
  });

  it('allows http only for localhost, 127.0.0.1 or with allowInsecure', () => {
    expect(() =>
      read([endpoint({ url: 'http://localhost:7008/hook' })]),
    ).not.toThrow();
    expect(() =>
      read([endpoint({ url: 'http://127.0.0.1:7008/hook' })]),
    ).not.toThrow();
    expect(() =>
      read([endpoint({ url: 'http://kong:8001/hook', allowInsecure: true })]),
    ).not.toThrow();
    expect(() => read([endpoint({ url: 'http://kong:8001/hook' })])).toThrow(
      'Invalid config at apiAccess.webhooks[0].url: must use https (http is allowed only for localhost and 127.0.0.1, or with allowInsecure: true), got http://kong:8001',
    );
  });

  it.each([
    [
      { url: 'not a url' },
      'apiAccess.webhooks[0].url: not a valid absolute URL',
    ],
    [
      { url: 'ftp://example.com/x' },
      'apiAccess.webhooks[0].url: must be an https URL, not ftp:',
    ],
    [
      { url: 'https://user:pw@example.com/x' },
      'apiAccess.webhooks[0].url: must not contain credentials',
    ],
    [{ url: undefined }, 'apiAccess.webhooks[0].url: required'],
    [{ id: 'Kong Sync' }, 'apiAccess.webhooks[0].id: must be 1-63 lower-case'],
    [
      { secret: undefined },
      'apiAccess.webhooks[0].secret: required: set it from an environment variable',
    ],
    [
      { secret: 'short' },
      'apiAccess.webhooks[0].secret: must be at least 16 characters',
    ],
    [
      { events: ['provision', 'expire'] },
      'apiAccess.webhooks[0].events[1]: must be one of provision, rotate, revoke',
    ],
    [{ events: [] }, 'apiAccess.webhooks[0].events: must list at least one'],
    [
      { events: ['revoke', 'revoke'] },
      'apiAccess.webhooks[0].events: must not repeat an event',
    ],
    [
      { credentialTypes: [] },
      'apiAccess.webhooks[0].credentialTypes: must list at least one',
    ],
    [
      { timeoutSeconds: 0 },
      'apiAccess.webhooks[0].timeoutSeconds: must be above 0',
    ],
    [
      { timeoutSeconds: 120 },
      'apiAccess.webhooks[0].timeoutSeconds: must be at most 60',
    ],
    [
      { timeoutSeconds: 'ten' },
      'apiAccess.webhooks[0].timeoutSeconds: must be a number of seconds',
    ],
    [
      { headers: { 'X-Api-Access-Signature': 'x' } },
      'apiAccess.webhooks[0].headers.X-Api-Access-Signature: is set by the webhook module',
    ],
    [
      { headers: { 'content-type': 'text/plain' } },
      'apiAccess.webhooks[0].headers.content-type: is set by the webhook module',
    ],
    [
      { headers: { 'Bad Header': 'x' } },
      'apiAccess.webhooks[0].headers.Bad Header: not a valid header name',
    ],
    [
      { colour: 'blue' },
      "apiAccess.webhooks[0]: Unrecognized key(s) in object: 'colour'",
    ],
  ])('names the bad key: %j', (overrides, message) => {
    expect(() => read([endpoint(overrides)])).toThrow(
      `Invalid config at ${message}`,
    );
  });

  it('rejects a webhooks value that is not a list', () => {
    expect(() => read({ id: 'kong-sync' })).toThrow(
      'Invalid config at apiAccess.webhooks: must be a list of webhook endpoints',
    );
  });

  it('rejects duplicate ids, naming the later entry', () => {
    expect(() =>
      read([endpoint(), endpoint({ url: 'https://other.example.com' })]),
    ).toThrow(
      "Invalid config at apiAccess.webhooks[1].id: 'kong-sync' is already the id of apiAccess.webhooks[0]",
    );
  });

  it('reports every problem at once and never prints the secret or header values', () => {
    let message = '';
    try {
      read([
        endpoint({
          url: 'http://kong:8001',
          headers: { Authorization: 'Bearer hush-hush-token' },
        }),
        endpoint({ id: 'b', secret: 'tiny-secret', timeoutSeconds: -1 }),
      ]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('apiAccess.webhooks[0].url');
    expect(message).toContain('apiAccess.webhooks[1].secret');
    expect(message).toContain('apiAccess.webhooks[1].timeoutSeconds');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('tiny-secret');
    expect(message).not.toContain('hush-hush-token');
  });
});
