/*
 * SQL for provisioning tasks. Claiming is one conditional UPDATE, so of two
 * replicas (or a retry and a late first attempt) exactly one gets a task.
 */
import { Knex } from 'knex';
import type { ProvisioningAction } from '@api-access/backstage-plugin-api-access-node';

const TASKS = 'api_access_provisioning_tasks';

type Db = Knex | Knex.Transaction;
type Timestamp = Date | string | number;

export interface TaskRow {
  id: string;
  task_key: string;
  grant_id: string;
  provisioner_id: string;
  action: ProvisioningAction;
  credential_id: string | null;
  reason: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  lease_owner: string | null;
  last_error: string | null;
  reference: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export class ProvisioningStore {
  constructor(readonly db: Knex) {}

  /** Adds tasks; a task whose key already exists is left as it is. */
  async insert(tx: Db, rows: TaskRow[]) {
    if (rows.length === 0) return;
    await tx(TASKS).insert(rows).onConflict('task_key').ignore();
  }

  /** Cancels a grant's provision and rotate tasks nobody is running now. */
  async cancelPending(tx: Db, grantId: string, now: Date) {
    await tx(TASKS)
      .where({ grant_id: grantId, status: 'pending' })
      .whereIn('action', ['provision', 'rotate'])
      .andWhere(q =>
        q.whereNull('lease_until').orWhere('lease_until', '<', now),
      )
      .update({ status: 'cancelled', completed_at: now });
  }

  async due(now: Date, limit: number): Promise<TaskRow[]> {
    return this.db<TaskRow>(TASKS)
      .where('status', 'pending')
      .andWhere('next_attempt_at', '<=', now)
      .andWhere(q =>
        q.whereNull('lease_until').orWhere('lease_until', '<', now),
      )
      .orderBy('next_attempt_at')
      .limit(limit);
  }

  /** Takes the task for `owner` until `leaseUntil`; false when someone else has it. */
  async claim(
    id: string,
    owner: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<boolean> {
    const updated = await this.db(TASKS)
      .where({ id, status: 'pending' })
      .andWhere('next_attempt_at', '<=', now)
      .andWhere(q =>
        q.whereNull('lease_until').orWhere('lease_until', '<', now),
      )
      .update({
        lease_owner: owner,
        lease_until: leaseUntil,
        attempts: this.db.raw('attempts + 1'),
      });
    return updated === 1;
  }

  /** Records an outcome if `owner` still holds the lease. */
  async finish(
    tx: Db,
    id: string,
    owner: string,
    update: Partial<TaskRow>,
  ): Promise<boolean> {
    const updated = await tx(TASKS)
      .where({ id, lease_owner: owner, status: 'pending' })
      .update({ ...update, lease_until: null, lease_owner: null });
    return updated === 1;
  }

  async get(db: Db, id: string): Promise<TaskRow | undefined> {
    return db<TaskRow>(TASKS).where({ id }).first();
  }

  async forGrants(db: Db, grantIds: string[]): Promise<TaskRow[]> {
    if (grantIds.length === 0) return [];
    return db<TaskRow>(TASKS)
      .whereIn('grant_id', grantIds)
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
  }

  /** A credential's public identity (key prefix, serial, client id), for a `retire` task. */
  async credentialPublicId(db: Db, credentialId: string) {
    const row = await db('api_access_credentials')
      .where({ id: credentialId })
      .first('prefix');
    return (row?.prefix as string | undefined) ?? undefined;
  }

  /** Makes a grant's failed tasks due again, with their attempts reset. */
  async retryFailed(tx: Db, grantId: string, now: Date): Promise<number> {
    return tx(TASKS).where({ grant_id: grantId, status: 'failed' }).update({
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      completed_at: null,
    });
  }
}
