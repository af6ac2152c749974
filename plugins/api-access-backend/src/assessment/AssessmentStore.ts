/*
 * SQL for the request assistant: what it needs to spot duplicates, and the
 * assessment stored with each review round of a request.
 */
import { Knex } from 'knex';
import { toIso } from '../rows';
import {
  AssessmentResult,
  ExistingAccess,
  Finding,
  RequestAssessment,
  RiskScore,
} from '@api-access/backstage-plugin-api-access-common';

const ASSESSMENTS = 'api_access_assessments';
const REQUESTS = 'api_access_requests';
const GRANTS = 'api_access_grants';

type Db = Knex | Knex.Transaction;

interface AssessmentRow {
  id: string;
  request_id: string;
  review_round: number;
  risk_score: number;
  risk: string;
  findings: string;
  created_at: Date | string | number;
}

export interface AccessKey {
  apiRef: string;
  consumerRef: string;
  environment: string;
}

export class AssessmentStore {
  constructor(readonly db: Knex) {}

  /**
   * Active or suspended, unexpired grants for the same API, consumer and
   * environment: a suspended grant is existing access too (a new request must
   * not become a way around the suspension).
   */
  async activeGrants(key: AccessKey, now: Date): Promise<ExistingAccess[]> {
    const rows = await this.db(GRANTS)
      .where({
        api_ref: key.apiRef,
        consumer_ref: key.consumerRef,
        environment: key.environment,
      })
      .whereIn('status', ['active', 'suspended'])
      .andWhere('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .limit(5);
    return rows.map(row => ({
      id: row.id,
      apiRef: row.api_ref,
      consumerRef: row.consumer_ref,
      environment: row.environment,
      status: row.status,
      requesterRef: row.requester_ref,
      scopes: JSON.parse(row.scopes),
      createdAt: toIso(row.created_at),
      expiresAt: toIso(row.expires_at),
    }));
  }

  /** Requests in review or sent back for changes, for the same API, consumer and environment. */
  async openRequests(key: AccessKey): Promise<ExistingAccess[]> {
    const rows = await this.db(REQUESTS)
      .where({
        api_ref: key.apiRef,
        consumer_ref: key.consumerRef,
        environment: key.environment,
      })
      .whereIn('status', ['in_review', 'changes_requested'])
      .orderBy('created_at', 'desc')
      .limit(5);
    return rows.map(row => ({
      id: row.id,
      apiRef: row.api_ref,
      consumerRef: row.consumer_ref,
      environment: row.environment,
      status: row.status,
      requesterRef: row.requester_ref,
      scopes: JSON.parse(row.scopes),
      createdAt: toIso(row.created_at),
    }));
  }

  async save(
    tx: Db,
    entry: {
      id: string;
      requestId: string;
      round: number;
      result: AssessmentResult;
      now: Date;
    },
  ): Promise<void> {
    await tx<AssessmentRow>(ASSESSMENTS).insert({
      id: entry.id,
      request_id: entry.requestId,
      review_round: entry.round,
      risk_score: entry.result.risk.score,
      risk: JSON.stringify(entry.result.risk),
      findings: JSON.stringify(entry.result.findings),
      created_at: entry.now,
    });
  }

  /** The assessment of one review round; requests made before the assistant have none. */
  async get(
    db: Db,
    requestId: string,
    round: number,
  ): Promise<RequestAssessment | undefined> {
    const row = await db<AssessmentRow>(ASSESSMENTS)
      .where({ request_id: requestId, review_round: round })
      .first();
    if (!row) return undefined;
    return {
      round: row.review_round,
      assessedAt: toIso(row.created_at),
      risk: JSON.parse(row.risk) as RiskScore,
      findings: JSON.parse(row.findings) as Finding[],
    };
  }
}
