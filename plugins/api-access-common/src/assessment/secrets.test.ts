import { assessSecrets, findSecrets } from './secrets';
import { fake, goodDraft } from './testData';

describe('findSecrets', () => {
  it.each([
    ['an AWS access key', `key id ${fake.aws} for the batch`, 'aws-access-key'],
    [
      'an AWS secret key',
      `aws_secret_access_key = ${fake.awsSecret}`,
      'aws-secret-key',
    ],
    ['a GitHub token', `use ${fake.github} for now`, 'github-token'],
    ['a fine-grained GitHub token', fake.githubPat, 'github-token'],
    ['a JWT', `token ${fake.jwt}`, 'jwt'],
    ['a Slack token', `bot ${fake.slack}`, 'slack-token'],
    ['a Slack webhook', fake.slackWebhook, 'slack-webhook'],
    ['a private key block', fake.privateKey, 'private-key'],
    ['an api-access key', `our old key ${fake.apiAccessKey}`, 'api-access-key'],
    ['a Stripe key', fake.stripe, 'stripe-key'],
    ['a Google API key', fake.google, 'google-api-key'],
    ['a labelled generic secret', fake.generic, 'labelled-secret'],
    ['a labelled password', fake.password, 'labelled-secret'],
    ['a bearer token', fake.bearer, 'labelled-secret'],
    ['a URL with a password', fake.urlPassword, 'url-credentials'],
  ])('finds %s', (_name, text, kind) => {
    expect(findSecrets(text).map(s => s.kind)).toContain(kind);
  });

  it.each([
    ['an empty text', ''],
    ['a storage plan', goodDraft.credentialStorage],
    [
      'a Vault path after "secret"',
      'Stored as secret/data/team-a/petstore-key in Vault',
    ],
    [
      'a Vault path with a separator',
      'secret: kv/team-a/petstore, rotated monthly',
    ],
    ['prose after "token"', 'token: rotated-every-30-days by the pipeline'],
    ['prose after "password is"', 'the password is kept in 1Password'],
    ['an api-access key prefix alone', 'rotating aak_Ab3x9Zq1 next week'],
    ['an entity ref', 'component:default/artist-lookup'],
    ['a URL without a password', 'https://petstore.example.com/v2/pets'],
    ['a short labelled value', 'api_key=changeme'],
    ['a UUID-free ticket id', 'ticket ART-1234, see JIRA'],
    ['a JWT-like word', 'eyJ is how JWTs start'],
  ])('finds nothing in %s', (_name, text) => {
    expect(findSecrets(text)).toEqual([]);
  });
});

describe('assessSecrets', () => {
  it.each([
    ['useCase', { useCase: `Call it with ${fake.github}` }],
    ['justification', { justification: `Same as ${fake.aws}` }],
    ['credentialStorage', { credentialStorage: `In Vault: ${fake.generic}` }],
    ['comment', { comment: `new key ${fake.apiAccessKey}` }],
    ['environment', { environment: fake.jwt }],
    ['scopes', { scopes: ['pets:read', fake.slack] }],
  ])('blocks a secret in %s without repeating it', (field, change) => {
    const findings = assessSecrets({ ...goodDraft, ...change });
    expect(findings).toEqual([
      expect.objectContaining({
        id: 'secrets.detected',
        severity: 'blocker',
        field,
        assessor: 'secrets',
      }),
    ]);
    for (const value of Object.values(fake)) {
      expect(findings[0].message).not.toContain(value);
    }
  });

  it('names every kind in one field once', () => {
    const [finding] = assessSecrets({
      ...goodDraft,
      useCase: `${fake.aws} and ${fake.github}`,
    });
    expect(finding.message).toContain('an AWS access key and a GitHub token');
  });

  it('finds nothing in a clean draft', () => {
    expect(assessSecrets(goodDraft)).toEqual([]);
  });
});
