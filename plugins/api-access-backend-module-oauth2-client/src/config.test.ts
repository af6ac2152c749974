import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_AUDIENCE,
  audienceFor,
  readOAuth2ClientConfig,
} from './config';

const KEY = Buffer.alloc(32, 7).toString('base64');
const minimal = {
  issuer: 'https://idp.example.com/realms/apis',
  initialAccessToken: 'iat-0123456789',
  encryption: { keys: [{ id: 'k1', secret: KEY }] },
};

function read(oauth2Client: unknown) {
  return readOAuth2ClientConfig(
    new ConfigReader({ apiAccess: { oauth2Client } } as any),
  );
}

describe('readOAuth2ClientConfig', () => {
  it('is undefined when apiAccess.oauth2Client is absent', () => {
    expect(readOAuth2ClientConfig(new ConfigReader({}))).toBeUndefined();
  });

  it('applies the defaults', () => {
    const config = read(minimal)!;
    expect(config).toMatchObject({
      issuer: minimal.issuer,
      initialAccessTokenScheme: 'Bearer',
      tokenEndpointAuthMethod: 'client_secret_basic',
      audience: DEFAULT_AUDIENCE,
      extraMetadata: {},
      timeoutSeconds: 10,
      verification: {
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        clientIdClaims: ['client_id', 'azp', 'cid'],
        clockToleranceSeconds: 5,
        jwksCooldownSeconds: 30,
        jwksCacheMaxAgeSeconds: 600,
      },
    });
    expect(config.encryption.keys[0].secret).toHaveLength(32);
    expect(audienceFor(config, 'api:default/petstore')).toBe(
      'urn:api-access:api:default:petstore',
    );
  });

  it.each([
    [
      { ...minimal, issuer: undefined },
      'apiAccess.oauth2Client.issuer: required',
    ],
    [
      { ...minimal, initialAccessToken: '' },
      'apiAccess.oauth2Client.initialAccessToken: must not be empty',
    ],
    [
      {
        ...minimal,
        encryption: {
          keys: [{ id: 'k1', secret: Buffer.alloc(16).toString('base64') }],
        },
      },
      'apiAccess.oauth2Client.encryption.keys[0].secret: must decode to 32 bytes (AES-256), got 16',
    ],
    [
      {
        ...minimal,
        encryption: {
          keys: [
            { id: 'k1', secret: KEY },
            { id: 'k1', secret: KEY },
          ],
        },
      },
      "apiAccess.oauth2Client.encryption.keys[1].id: 'k1' is already the id of apiAccess.oauth2Client.encryption.keys[0]",
    ],
    [
      { ...minimal, encryption: { keys: [] } },
      'apiAccess.oauth2Client.encryption.keys: must list at least one key',
    ],
    [
      { ...minimal, encryption: undefined },
      'apiAccess.oauth2Client.encryption: required',
    ],
    [
      { ...minimal, clientName: 'client {grant}' },
      'apiAccess.oauth2Client.clientName: names unknown placeholder {grant}',
    ],
    [
      { ...minimal, audience: 'urn:{audience}' },
      'apiAccess.oauth2Client.audience: names unknown placeholder {audience}',
    ],
    [
      { ...minimal, extraMetadata: { scope: '{grantId}' } },
      'apiAccess.oauth2Client.extraMetadata.scope: is set by the oauth2-client module',
    ],
    [
      { ...minimal, registrationEndpoint: 'http://idp.example.com/reg' },
      'apiAccess.oauth2Client.registrationEndpoint: must be an https URL',
    ],
    [
      { ...minimal, timeoutSeconds: 0 },
      'apiAccess.oauth2Client.timeoutSeconds: must be above 0',
    ],
    [
      { ...minimal, verification: { algorithms: ['HS256'] } },
      'apiAccess.oauth2Client.verification.algorithms[0]: HS256 is never accepted',
    ],
    [
      { ...minimal, tokenEndpointAuthMethod: 'private_key_jwt' },
      'apiAccess.oauth2Client.tokenEndpointAuthMethod: must be client_secret_basic or client_secret_post',
    ],
  ])('refuses %j naming the key', (value, message) => {
    expect(() => read(value)).toThrow(message);
  });

  it('never puts a secret in its messages', () => {
    const secret = 'not-base64-but-secret!!';
    let message = '';
    try {
      read({
        ...minimal,
        initialAccessToken: 'very-secret-iat\n',
        encryption: { keys: [{ id: 'k1', secret }] },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('encryption.keys[0].secret');
    expect(message).toContain('initialAccessToken');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('very-secret-iat');
  });

  it('allows http only for loopback hosts', () => {
    expect(read({ ...minimal, issuer: 'http://127.0.0.1:7010' })?.issuer).toBe(
      'http://127.0.0.1:7010',
    );
  });
});
