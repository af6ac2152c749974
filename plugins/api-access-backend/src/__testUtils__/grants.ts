/*
 * Rows for store-level tests: an approved request and its active grant,
 * written straight to the tables so a test controls every timestamp.
 */
import { Knex } from 'knex';

export async function insertApprovedGrant(
  knex: Knex,
  options: {
    createdAt: Date;
    expiresAt: Date;
    requesterRef?: string;
    apiRef?: string;
    consumerRef?: string;
    credentialType?: string;
  },
): Promise<string> {
  const id = `g-${Math.random().toString(36).slice(2)}`;
  const requesterRef = options.requesterRef ?? 'user:default/requester';
  const apiRef = options.apiRef ?? 'api:default/pets';
  const consumerRef = options.consumerRef ?? 'component:default/a';
  const credentialType = options.credentialType ?? 'api-key';
  await knex('api_access_requests').insert({
    id: `r-${id}`,
    api_ref: apiRef,
    consumer_ref: consumerRef,
    consumer_kind: 'internal',
    requester_ref: requesterRef,
    owner_ref: 'group:default/team-c',
    environment: 'sandbox',
    scopes: '["pets:read"]',
    credential_type: credentialType,
    use_case: 'x',
    justification: 'x',
    credential_storage: 'x',
    duration_days: 1,
    approved_scopes: '["pets:read"]',
    approved_duration_days: 1,
    classification_level: 'internal',
    classification_source: 'default',
    plan: '{"stages":[],"autoApproved":true}',
    review_round: 1,
    status: 'approved',
    version: 1,
    created_at: options.createdAt,
    updated_at: options.createdAt,
  });
  await knex('api_access_grants').insert({
    id,
    request_id: `r-${id}`,
    api_ref: apiRef,
    consumer_ref: consumerRef,
    requester_ref: requesterRef,
    owner_ref: 'group:default/team-c',
    environment: 'sandbox',
    scopes: '["pets:read"]',
    credential_type: credentialType,
    status: 'active',
    created_at: options.createdAt,
    expires_at: options.expiresAt,
  });
  return id;
}
