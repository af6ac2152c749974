/* Shared fixtures for the frontend tests: shapes the backend returns. */
import { Entity } from '@backstage/catalog-model';
import {
  AccessRequest,
  ApiAccessPlan,
  ApiAccessProfile,
  CredentialTypeInfo,
} from '@api-access/backstage-plugin-api-access-common';

export const petstoreEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'API',
  metadata: { name: 'petstore', namespace: 'default' },
  spec: { type: 'openapi', owner: 'team-c', lifecycle: 'production' },
};

export const petstoreProfile: ApiAccessProfile = {
  apiRef: 'api:default/petstore',
  title: 'petstore',
  ownerRef: 'group:default/team-c',
  classification: {
    level: 'confidential',
    source: 'system:default/audio-playback',
  },
  scopes: ['pets:read', 'pets:write'],
  scopesSource: 'annotation',
  environments: ['development', 'production'],
  regulated: false,
  plans: [],
};

export const teamCEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-c', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

export const pendingRequest: AccessRequest = {
  id: 'req-1',
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  consumerKind: 'internal',
  requesterRef: 'user:default/breanna.davison',
  ownerRef: 'group:default/team-c',
  environment: 'development',
  scopes: ['pets:read'],
  credentialType: 'api-key',
  useCase: 'Show pets on the artist page.',
  justification: 'Roadmap item.',
  credentialStorage: 'Vault kv/artist-lookup',
  durationDays: 30,
  approvedScopes: ['pets:read'],
  approvedDurationDays: 30,
  reviewRound: 1,
  classification: { level: 'internal', source: 'api:default/petstore' },
  status: 'in_review',
  version: 1,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
};

/** The demo's two plans as petstore tailors them: starter reads in development only. */
export const petstorePlans: ApiAccessPlan[] = [
  {
    name: 'starter',
    title: 'Starter',
    description: 'Try the API: read only, small limits.',
    scopes: ['pets:read'],
    rateLimit: { requests: 2, perSeconds: 1 },
    quota: { requests: 40, period: 'day' },
    maxDurationDays: 30,
    environments: ['development'],
    approval: 'automatic',
  },
  {
    name: 'standard',
    title: 'Standard',
    scopes: ['pets:read', 'pets:write'],
    rateLimit: { requests: 20, perSeconds: 1 },
    quota: { requests: 100000, period: 'month' },
    maxDurationDays: 365,
    environments: ['development', 'production'],
    approval: 'owner',
  },
];

export const petstoreProfileWithPlans: ApiAccessProfile = {
  ...petstoreProfile,
  plans: petstorePlans,
};

/** GET /credential-types with the oauth2-client module installed. */
export const credentialTypes: CredentialTypeInfo[] = [
  {
    id: 'api-key',
    title: 'API key',
    description: 'A secret key sent in the X-Api-Key header.',
    presentation: 'api-key',
    offered: true,
  },
  {
    id: 'mtls-certificate',
    title: 'Client certificate (mTLS)',
    description:
      'A client certificate issued from a CSR you create; the private key never leaves you.',
    presentation: 'client-certificate',
    offered: true,
  },
  {
    id: 'oauth2-client',
    title: 'OAuth2 client (client credentials)',
    description:
      "A client at the organization's identity provider; it fetches short-lived tokens.",
    presentation: 'bearer-token',
    offered: true,
  },
];
