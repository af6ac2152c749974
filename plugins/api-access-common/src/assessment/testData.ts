/* Shared fixtures for the assessor tests. */
import { parseReviewPolicy } from '../policy';
import { AssessmentContext, AssessmentDraft, AssessmentProfile } from './types';

export const policy = parseReviewPolicy({
  maxDurationDaysByEnvironment: { production: 90 },
});

export const profile: AssessmentProfile = {
  apiRef: 'api:default/petstore',
  title: 'petstore',
  description: 'The petstore API',
  ownerRef: 'group:default/team-c',
  classification: { level: 'internal', source: 'api:default/petstore' },
  scopes: ['pets:read', 'pets:write', 'pets:admin'],
  environments: ['sandbox', 'development', 'staging', 'production'],
  lifecycle: 'production',
  regulated: false,
};

/** A draft no built-in assessor has anything to say about. */
export const goodDraft: AssessmentDraft = {
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  environment: 'development',
  scopes: ['pets:read'],
  durationDays: 30,
  useCase: "Show the artist's pets on the artist lookup page.",
  justification:
    'Product asked for pet names on artist pages this quarter (ticket ART-123).',
  credentialStorage:
    'Vault kv/artist-lookup/petstore, rotated monthly by the deploy pipeline',
};

export const context: AssessmentContext = {
  policy,
  requesterRef: 'user:default/breanna.davison',
  ownershipRefs: ['user:default/breanna.davison', 'group:default/team-a'],
  consumer: {
    ref: 'component:default/artist-lookup',
    found: true,
    kind: 'internal',
    owned: true,
  },
  activeGrants: [],
  openRequests: [],
};

/** Fake secrets, assembled at run time so no scanner mistakes this file for a leak. */
export const fake = {
  aws: ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join(''),
  awsSecret: ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join(''),
  github: ['gh', 'p_', 'a1B2c3D4'.repeat(4), 'e5F6'].join(''),
  githubPat: ['github', '_pat_', '11ABCDEFG0', 'abcdefghijklmnopqrstuv'].join(
    '',
  ),
  jwt: [
    'eyJhbGciOiJIUzI1NiJ9',
    'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
    'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ].join('.'),
  slack: ['xo', 'xb-', '1234567890', '-abcdefghijKLMNOP'].join(''),
  slackWebhook: [
    'https://hooks.slack.com/services/',
    'T0000AAAA/B0000BBBB/',
    'XXXXXXXXXXXXXXXXXXXXXXXX',
  ].join(''),
  privateKey: ['-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEow...'].join(''),
  apiAccessKey: [
    'aak_',
    'Ab3_x9Zq',
    '_',
    'q'.repeat(10),
    'Z9-_x'.repeat(6),
  ].join(''),
  stripe: ['sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc'].join(''),
  google: ['AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'].join(''),
  generic: ['api_key=', 'Zx8', 'Qp2Lr7Vt9Wm4Kd1N'].join(''),
  password: ['password: ', 'Tr0ub4dor&3xyzzy'].join(''),
  bearer: ['Authorization: Bearer ', 'k9F2mQ7xL3pV8sR1tW6yZ0aB'].join(''),
  urlPassword: [
    'postgres://app:',
    'S3cr3tPassw0rd',
    '@db.internal:5432/app',
  ].join(''),
};
