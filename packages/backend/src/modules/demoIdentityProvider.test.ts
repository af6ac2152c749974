/*
 * The demo's identity provider: started with the backend when
 * apiAccessDemo.identityProvider.enabled, it registers a client with the
 * configured initial access token and issues a token; stopping the backend
 * stops its process. Port 0 here, so the test never takes the demo's 7010.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { demoIdentityProvider } from './demoIdentityProvider';

jest.setTimeout(60_000);

const initialAccessToken = 'demo-idp-test-initial-access-token';

function loggerLines() {
  const lines: string[] = [];
  const logger = mockServices.logger.mock({
    info: (message: string) => void lines.push(message),
    error: (message: string) => void lines.push(message),
    warn: (message: string) => void lines.push(message),
  });
  return { lines, logger };
}

describe('demoIdentityProvider', () => {
  it('runs the provider while the backend runs, with the configured token and scopes', async () => {
    const { lines, logger } = loggerLines();
    const backend = await startTestBackend({
      features: [
        demoIdentityProvider,
        logger.factory,
        mockServices.rootConfig.factory({
          data: {
            apiAccessDemo: {
              identityProvider: {
                enabled: true,
                port: 0,
                scopes: ['pets:read', 'pets:write'],
              },
            },
            apiAccess: { oauth2Client: { initialAccessToken } },
          },
        }),
      ],
    });
    const started = lines.find(line =>
      line.startsWith('Demo identity provider at '),
    );
    expect(started).toBeDefined();
    const issuer = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(started!)![1];

    const discovery = await (
      await fetch(`${issuer}/.well-known/openid-configuration`)
    ).json();
    expect(discovery.issuer).toBe(issuer);

    const refused = await fetch(discovery.registration_endpoint, {
      method: 'POST',
      headers: {
        authorization: 'Bearer not-the-token',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ scope: 'pets:read' }),
    });
    expect(refused.status).toBe(401);

    const registered = await fetch(discovery.registration_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${initialAccessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'pets:read',
        api_access_resource: 'urn:api-access:api:default:petstore',
      }),
    });
    expect(registered.status).toBe(201);
    const client = await registered.json();
    const token = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(
          `${client.client_id}:${client.client_secret}`,
        ).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=pets%3Aread',
    });
    expect(token.status).toBe(200);
    expect((await token.json()).access_token.split('.')).toHaveLength(3);

    await backend.stop();
    await expect(
      fetch(`${issuer}/.well-known/openid-configuration`),
    ).rejects.toThrow();
  });

  it('starts nothing unless enabled', async () => {
    const { lines, logger } = loggerLines();
    const backend = await startTestBackend({
      features: [
        demoIdentityProvider,
        logger.factory,
        mockServices.rootConfig.factory({
          data: {
            apiAccessDemo: { identityProvider: { enabled: false } },
          },
        }),
      ],
    });
    await backend.stop();
    expect(lines.filter(line => /identity provider/.test(line))).toEqual([]);
  });
});
