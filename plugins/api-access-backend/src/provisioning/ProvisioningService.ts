/*
 * Runs provisioners from a durable task table. Tasks are written in the same
 * transaction as the approval, rotation or revocation that needs them, so a
 * crash never loses one; they run after commit on the replica that wrote
 * them (and from a scheduled sweep on any replica). A task is claimed with a
 * lease by one replica at a time; a failure is recorded on the grant and in
 * the history and retried with exponential backoff until the configured
 * attempts are used up. Provisioners get the task id as an idempotency key.
 */
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Grant,
  GrantProvisioning,
  ProvisioningTaskStatus,
} from '@api-access/backstage-plugin-api-access-common';
import {
  ProvisioningError,
  type ApiAccessProvisioner,
  type ProvisionedGrant,
  type ProvisioningAction,
  type ProvisioningResult,
} from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import { ApiAccessConfig } from '../config';
import { ApiAccessClock, systemClock } from '../clock';
import { GrantStore } from '../grants/GrantStore';
import { AuditLog, NewAuditEvent } from '../audit/AuditLog';
import { ProvisioningStore, TaskRow } from './ProvisioningStore';
import { Notifier, noNotifier } from '../notifications/Notifier';

import { toIso } from '../rows';

/** Error text kept on the task and in the history: one line, bounded. */
function describeError(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/** The longest wait a remote system's Retry-After can impose: one day. */
const MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60;

/** A ProvisioningError's Retry-After in seconds, if it gave a usable one. */
function retryAfterOf(error: unknown): number | undefined {
  const seconds =
    error instanceof ProvisioningError ||
    (error instanceof Error && error.name === 'ProvisioningError')
      ? (error as ProvisioningError).retryAfterSeconds
      : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0)
    return undefined;
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

/** Where one provisioner stands with one grant's task for an action. */
export interface ProvisionerTaskState {
  /** `none` when no such task was ever queued. */
  state: 'none' | 'pending' | 'retrying' | 'done' | 'failed' | 'cancelled';
  lastError?: string;
  attempts?: number;
}

/** What a provisioner or credential type is told about a grant: never a secret. */
export function toProvisionedGrant(grant: Grant): ProvisionedGrant {
  return {
    id: grant.id,
    requestId: grant.requestId,
    apiRef: grant.apiRef,
    consumerRef: grant.consumerRef,
    requesterRef: grant.requesterRef,
    environment: grant.environment,
    scopes: grant.scopes,
    credentialType: grant.credentialType,
    expiresAt: grant.expiresAt,
  };
}

export function summarizeTasks(
  tasks: TaskRow[],
): GrantProvisioning | undefined {
  if (tasks.length === 0) return undefined;
  const statuses: ProvisioningTaskStatus[] = tasks.map(task => ({
    id: task.id,
    provisionerId: task.provisioner_id,
    action: task.action,
    status: task.status,
    attempts: task.attempts,
    lastError: task.last_error ?? undefined,
    nextAttemptAt:
      task.status === 'pending' ? toIso(task.next_attempt_at) : undefined,
    reference: task.reference ?? undefined,
    completedAt: task.completed_at ? toIso(task.completed_at) : undefined,
  }));
  let state: GrantProvisioning['state'] = 'done';
  if (statuses.some(t => t.status === 'failed')) state = 'failed';
  // Retrying once an attempt has failed: a first attempt counts when it is
  // claimed, before its call, and is still pending while it runs.
  else if (
    statuses.some(
      t =>
        t.status === 'pending' && t.attempts > 0 && t.lastError !== undefined,
    )
  )
    state = 'retrying';
  else if (statuses.some(t => t.status === 'pending')) state = 'pending';
  return { state, tasks: statuses };
}

export interface ProvisioningServiceOptions {
  tasks: ProvisioningStore;
  grants: GrantStore;
  audit: AuditLog;
  provisioners: ApiAccessProvisioner[];
  config: ApiAccessConfig;
  logger: LoggerService;
  notifier?: Notifier;
  clock?: ApiAccessClock;
}

export class ProvisioningService {
  /** This replica's name on the leases it takes. */
  private readonly owner = randomUUID();
  private running?: Promise<void>;
  private again = false;

  private readonly tasks: ProvisioningStore;
  private readonly grants: GrantStore;
  private readonly audit: AuditLog;
  private readonly provisioners: ApiAccessProvisioner[];
  private readonly config: ApiAccessConfig;
  private readonly logger: LoggerService;
  private readonly notifier: Notifier;
  private readonly clock: ApiAccessClock;

  constructor(options: ProvisioningServiceOptions) {
    this.tasks = options.tasks;
    this.grants = options.grants;
    this.audit = options.audit;
    this.provisioners = options.provisioners;
    this.config = options.config;
    this.logger = options.logger;
    this.notifier = options.notifier ?? noNotifier;
    this.clock = options.clock ?? systemClock;
    const { provisioners } = this;

    const ids = new Set<string>();
    for (const provisioner of provisioners) {
      if (ids.has(provisioner.id)) {
        throw new Error(
          `Two api-access provisioners have the id '${provisioner.id}'; ids must be unique`,
        );
      }
      ids.add(provisioner.id);
    }
  }

  private applicable(credentialType: string, action: ProvisioningAction) {
    return this.provisioners.filter(
      p =>
        (!p.credentialTypes || p.credentialTypes.includes(credentialType)) &&
        (action !== 'rotate' || p.rotate) &&
        (action !== 'retire' || p.retire),
    );
  }

  /**
   * Writes the tasks for an action inside the caller's transaction. A revoke
   * cancels the grant's provision and rotate tasks that have not started.
   */
  async enqueue(
    tx: Knex.Transaction,
    grant: { id: string; credentialType: string },
    action: ProvisioningAction,
    options: {
      credentialId?: string;
      reason?: string;
      now: Date;
      /** Makes a repeat of an action a task of its own, e.g. `renewal:<request id>`. */
      dedupeKey?: string;
      /** Not run before this time (e.g. a `retire` at the end of a rotation overlap). */
      notBefore?: Date;
      /** Only these provisioners (by id), e.g. a credential type's own. */
      provisionerIds?: string[];
    },
  ): Promise<number> {
    if (action === 'revoke') {
      await this.tasks.cancelPending(tx, grant.id, options.now);
    }
    const nextAttemptAt =
      options.notBefore && options.notBefore > options.now
        ? options.notBefore
        : options.now;
    const rows: TaskRow[] = this.applicable(grant.credentialType, action)
      .filter(
        p => !options.provisionerIds || options.provisionerIds.includes(p.id),
      )
      .map(provisioner => ({
        id: randomUUID(),
        task_key: [
          grant.id,
          provisioner.id,
          action,
          options.dedupeKey ?? options.credentialId ?? '',
        ].join(':'),
        grant_id: grant.id,
        provisioner_id: provisioner.id,
        action,
        credential_id: options.credentialId ?? null,
        reason: options.reason ?? null,
        status: 'pending',
        attempts: 0,
        next_attempt_at: nextAttemptAt,
        lease_until: null,
        lease_owner: null,
        last_error: null,
        reference: null,
        created_at: options.now,
        completed_at: null,
      }));
    await this.tasks.insert(tx, rows);
    return rows.length;
  }

  /** Runs due tasks in the background; calls while a run is going coalesce. */
  kick() {
    if (this.provisioners.length === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.runDue();
        } while (this.again);
      } catch (error) {
        this.logger.error(`api-access provisioning run failed: ${error}`);
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Resolves when the background run (if any) is over. */
  async idle() {
    while (this.running) await this.running;
  }

  /** Runs every due task this replica can claim; returns how many it ran. */
  async runDue(limit = 50): Promise<number> {
    if (this.provisioners.length === 0) return 0;
    let ran = 0;
    const due = await this.tasks.due(this.clock.now(), limit);
    for (const task of due) {
      if (await this.runOne(task.id)) ran += 1;
    }
    return ran;
  }

  private async runOne(taskId: string): Promise<boolean> {
    const { timeoutSeconds } = this.config.provisioning;
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + (timeoutSeconds + 30) * 1000);
    if (!(await this.tasks.claim(taskId, this.owner, now, leaseUntil))) {
      return false;
    }
    const task = (await this.tasks.get(this.tasks.db, taskId))!;
    const grant = await this.grants.getGrant(this.grants.db, task.grant_id);
    const provisioner = this.provisioners.find(
      p => p.id === task.provisioner_id,
    );
    let result: ProvisioningResult | void = undefined;
    let failure: string | undefined;
    let retryAfterSeconds: number | undefined;
    try {
      if (!grant) throw new Error(`grant ${task.grant_id} not found`);
      if (!provisioner) {
        throw new Error(
          `no provisioner '${task.provisioner_id}' is installed on this backend`,
        );
      }
      result = await this.call(provisioner, task, grant, timeoutSeconds);
    } catch (error) {
      failure = describeError(error);
      retryAfterSeconds = retryAfterOf(error);
    }
    await this.record(
      task,
      grant,
      failure,
      result || undefined,
      retryAfterSeconds,
    );
    return true;
  }

  private async call(
    provisioner: ApiAccessProvisioner,
    task: TaskRow,
    grant: Grant,
    timeoutSeconds: number,
  ): Promise<ProvisioningResult | void> {
    const provisionedGrant = toProvisionedGrant(grant);
    // A retire names the superseded credential, not the grant's current one.
    const retired =
      task.action === 'retire' && task.credential_id
        ? await this.tasks.credentialPublicId(this.tasks.db, task.credential_id)
        : undefined;
    const input = {
      id: task.id,
      action: task.action,
      attempt: task.attempts,
      grant: provisionedGrant,
      credential: task.credential_id
        ? {
            id: task.credential_id,
            type: grant.credentialType,
            prefix:
              task.action === 'retire'
                ? retired ?? undefined
                : grant.credential?.prefix,
          }
        : undefined,
      reason: task.reason ?? undefined,
    };
    const calls = {
      provision: () => provisioner.provision(input),
      rotate: () => provisioner.rotate!(input),
      revoke: () => provisioner.revoke(input),
      retire: () => provisioner.retire!(input),
    };
    const work = calls[task.action]();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `provisioner '${provisioner.id}' took longer than ${timeoutSeconds} s`,
            ),
          ),
        timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private backoffMs(attempts: number) {
    const { initialBackoffSeconds, maxBackoffSeconds } =
      this.config.provisioning;
    return (
      Math.min(
        maxBackoffSeconds,
        initialBackoffSeconds * 2 ** Math.max(0, attempts - 1),
      ) * 1000
    );
  }

  private async record(
    task: TaskRow,
    grant: Grant | undefined,
    failure: string | undefined,
    result: ProvisioningResult | undefined,
    retryAfterSeconds?: number,
  ) {
    const now = this.clock.now();
    const { maxAttempts } = this.config.provisioning;
    const exhausted = failure !== undefined && task.attempts >= maxAttempts;
    const base = {
      subjectType: 'grant' as const,
      subjectId: task.grant_id,
      requestId: grant?.requestId,
      actorRef: 'api-access',
      occurredAt: now,
    };
    const details = {
      provisionerId: task.provisioner_id,
      action: task.action,
      taskId: task.id,
      attempt: task.attempts,
    };
    let revocationFailed = false;
    const recorded = await this.grants.transaction(async tx => {
      if (failure === undefined) {
        const ok = await this.tasks.finish(tx, task.id, this.owner, {
          status: 'succeeded',
          completed_at: now,
          last_error: null,
          reference: result?.reference?.slice(0, 255) ?? null,
        });
        if (!ok) return false;
        const events: NewAuditEvent[] = [
          {
            ...base,
            action: `provisioning.succeeded`,
            details: {
              ...details,
              ...(result?.reference ? { reference: result.reference } : {}),
            },
          },
        ];
        // A revocation that had failed and now went through.
        if (
          task.action === 'revoke' &&
          (await this.grants.setGrantStatus(
            tx,
            task.grant_id,
            'revocation_failed',
            'revoked',
          ))
        ) {
          events.push({
            ...base,
            action: 'grant.revocation_confirmed',
            fromStatus: 'revocation_failed',
            toStatus: 'revoked',
            details,
          });
        }
        await this.audit.append(tx, events);
        return true;
      }
      const ok = await this.tasks.finish(
        tx,
        task.id,
        this.owner,
        exhausted
          ? { status: 'failed', last_error: failure, completed_at: now }
          : {
              last_error: failure,
              next_attempt_at: new Date(
                now.getTime() +
                  Math.max(
                    this.backoffMs(task.attempts),
                    (retryAfterSeconds ?? 0) * 1000,
                  ),
              ),
            },
      );
      if (!ok) return false;
      const events: NewAuditEvent[] = [
        {
          ...base,
          action: exhausted
            ? 'provisioning.failed'
            : 'provisioning.attempt_failed',
          details: { ...details, error: failure },
        },
      ];
      if (exhausted && task.action === 'revoke') {
        revocationFailed = await this.grants.setGrantStatus(
          tx,
          task.grant_id,
          'revoked',
          'revocation_failed',
        );
        if (revocationFailed) {
          events.push({
            ...base,
            action: 'grant.revocation_failed',
            fromStatus: 'revoked',
            toStatus: 'revocation_failed',
            details: { ...details, error: failure },
          });
        }
      }
      await this.audit.append(tx, events);
      return true;
    });
    if (!recorded) {
      this.logger.warn(
        `api-access provisioning task ${task.id} lost its lease before it finished; another replica owns it now`,
      );
      return;
    }
    if (failure !== undefined) {
      this.logger.warn(
        `api-access provisioner '${task.provisioner_id}' failed to ${task.action} grant ${task.grant_id} (attempt ${task.attempts} of ${maxAttempts}): ${failure}`,
      );
    }
    if (exhausted && grant) {
      await this.notifier.notify(
        [...this.config.alertRecipients, grant.requesterRef],
        {
          title:
            task.action === 'revoke'
              ? `Revocation of ${grant.consumerRef}'s access to ${grant.apiRef} failed at ${task.provisioner_id}`
              : `Provisioning ${grant.consumerRef}'s access to ${grant.apiRef} failed at ${task.provisioner_id}`,
          description: failure,
          requestId: grant.requestId,
        },
      );
    }
  }

  async forGrants(grantIds: string[]) {
    const rows = await this.tasks.forGrants(this.tasks.db, grantIds);
    const byGrant = new Map<string, TaskRow[]>();
    for (const row of rows) {
      byGrant.set(row.grant_id, [...(byGrant.get(row.grant_id) ?? []), row]);
    }
    return new Map(
      Array.from(byGrant, ([id, tasks]) => [id, summarizeTasks(tasks)!]),
    );
  }

  /**
   * Where `provisionerId` stands with the grant's `action` tasks (`provision`
   * by default): `done` once any of them succeeded (the remote record exists;
   * a later update, e.g. after a plan change, does not undo that), else the
   * latest task's state. A credential type's issue waits for `done`.
   */
  async stateFor(
    grantId: string,
    provisionerId: string,
    action: ProvisioningAction = 'provision',
  ): Promise<ProvisionerTaskState> {
    const rows = (await this.tasks.forGrants(this.tasks.db, [grantId])).filter(
      t => t.provisioner_id === provisionerId && t.action === action,
    );
    const succeeded = rows.find(t => t.status === 'succeeded');
    if (succeeded) return { state: 'done', attempts: succeeded.attempts };
    const latest = rows[rows.length - 1];
    if (!latest) return { state: 'none' };
    let state: ProvisionerTaskState['state'] = 'done';
    if (latest.status === 'pending') {
      state = latest.attempts > 0 ? 'retrying' : 'pending';
    } else if (latest.status !== 'succeeded') {
      state = latest.status;
    }
    return {
      state,
      attempts: latest.attempts,
      lastError: latest.last_error ?? undefined,
    };
  }

  /** Gives a grant's failed tasks a fresh set of attempts, now. */
  async retry(grantId: string, actorRef: string) {
    const grant = await this.grants.getGrant(this.grants.db, grantId);
    if (!grant) throw new NotFoundError(`No grant '${grantId}'`);
    const now = this.clock.now();
    const count = await this.grants.transaction(async tx => {
      const n = await this.tasks.retryFailed(tx, grantId, now);
      if (n > 0) {
        await this.audit.append(tx, [
          {
            subjectType: 'grant',
            subjectId: grantId,
            requestId: grant.requestId,
            action: 'provisioning.retried',
            actorRef,
            occurredAt: now,
            details: { tasks: n },
          },
        ]);
      }
      return n;
    });
    if (count === 0) {
      throw new ConflictError('The grant has no failed provisioning tasks');
    }
    this.kick();
    return count;
  }
}
