/*
 * Review deadlines, a lifecycle rule. A step pending longer than its
 * `deadlines.reminderAfterHours` reminds its reviewer group (and its
 * delegate) once; one pending longer than `escalateAfterHours` is escalated
 * once to `escalateTo`: that group is notified, recorded on the step, and may
 * then decide it. Hours count from when the step opened. Each step row
 * belongs to one review round, so "once" is once per step per round: a
 * resubmission opens new steps with their own deadlines.
 *
 * Each reminder and escalation is one transaction: re-check that the step is
 * still pending, claim the lifecycle mark (exactly one of two racing ticks
 * gets it), write the audit event; notifications go out after the commit.
 */
import { Knex } from 'knex';
import { deadlinesForStep } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import { AuditLog } from '../audit/AuditLog';
import { OpenStep, ReviewStepStore } from '../reviews/ReviewStepStore';
import { Notifier, noNotifier } from '../notifications/Notifier';
import { LifecycleMarks, LifecycleRule } from './LifecycleService';

const HOUR_MS = 60 * 60 * 1000;
/** Steps looked at per tick; the oldest first, so a backlog drains over ticks. */
const BATCH = 500;

export const REMINDER_MARK = 'review-reminder';
export const ESCALATION_MARK = 'review-escalation';

export function createReviewDeadlinesRule(options: {
  knex: Knex;
  policy: ApiAccessConfig;
  audit: AuditLog;
  marks?: LifecycleMarks;
  steps?: ReviewStepStore;
  notifier?: Notifier;
}): LifecycleRule {
  const { knex, policy, audit } = options;
  const marks = options.marks ?? new LifecycleMarks(knex);
  const notifier = options.notifier ?? noNotifier;
  const store = options.steps ?? new ReviewStepStore(knex);

  // The earliest any step can be due: nothing opened later needs a look.
  // '' gives the defaults, for steps named by an earlier policy.
  const thresholds = ['', 'owner', ...Object.keys(policy.reviewSteps)]
    .map(name => deadlinesForStep(policy, name))
    .flatMap(d => [
      d.reminderAfterHours,
      d.escalateTo ? d.escalateAfterHours : 0,
    ])
    .filter(hours => hours > 0);

  /** Does `kind` for the step once; returns whether this call did it. */
  async function once(
    step: OpenStep,
    kind: string,
    now: Date,
    write: (tx: Knex.Transaction, current: OpenStep) => Promise<void>,
  ): Promise<OpenStep | undefined> {
    return knex.transaction(async tx => {
      const current = await store.openStep(tx, step.id);
      if (!current) return undefined;
      if (!(await marks.claim(tx, step.id, kind, now))) return undefined;
      await write(tx, current);
      return current;
    });
  }

  const details = (step: OpenStep, now: Date) => ({
    step: step.name,
    stage: step.stageName,
    reviewerRef: step.reviewerRef,
    round: step.round,
    pendingSince: step.pendingSince.toISOString(),
    hoursPending:
      Math.round(
        ((now.getTime() - step.pendingSince.getTime()) / HOUR_MS) * 10,
      ) / 10,
    ...(step.delegateRef ? { delegateRef: step.delegateRef } : {}),
  });

  return {
    name: 'review-deadlines',
    async run(now: Date) {
      const result = { reminded: 0, escalated: 0 };
      if (thresholds.length === 0) return result;
      const cutoff = new Date(
        now.getTime() - Math.min(...thresholds) * HOUR_MS,
      );
      const due = await store.openStepsSince(knex, cutoff, BATCH);
      for (const step of due) {
        const deadlines = deadlinesForStep(policy, step.name);
        const pendingMs = now.getTime() - step.pendingSince.getTime();

        if (
          deadlines.reminderAfterHours > 0 &&
          pendingMs >= deadlines.reminderAfterHours * HOUR_MS
        ) {
          const reminded = await once(step, REMINDER_MARK, now, (tx, current) =>
            audit.append(tx, [
              {
                subjectType: 'request',
                subjectId: current.requestId,
                requestId: current.requestId,
                action: 'step.reminded',
                actorRef: 'api-access',
                occurredAt: now,
                details: {
                  ...details(current, now),
                  reminderAfterHours: deadlines.reminderAfterHours,
                },
              },
            ]),
          );
          if (reminded) {
            result.reminded += 1;
            await notifier.notify(
              [
                reminded.reviewerRef,
                ...(reminded.delegateRef ? [reminded.delegateRef] : []),
              ],
              {
                title: `Reminder: an access request for ${
                  reminded.apiRef
                } has waited ${Math.floor(
                  pendingMs / HOUR_MS,
                )} hours for your ${reminded.name} review`,
                requestId: reminded.requestId,
              },
            );
          }
        }

        const escalateTo = deadlines.escalateTo;
        if (
          escalateTo &&
          deadlines.escalateAfterHours > 0 &&
          pendingMs >= deadlines.escalateAfterHours * HOUR_MS
        ) {
          const escalated = await once(
            step,
            ESCALATION_MARK,
            now,
            async (tx, current) => {
              await store.setEscalatedTo(tx, current.id, escalateTo);
              await audit.append(tx, [
                {
                  subjectType: 'request',
                  subjectId: current.requestId,
                  requestId: current.requestId,
                  action: 'step.escalated',
                  actorRef: 'api-access',
                  occurredAt: now,
                  details: {
                    ...details(current, now),
                    escalatedTo: escalateTo,
                    escalateAfterHours: deadlines.escalateAfterHours,
                  },
                },
              ]);
            },
          );
          if (escalated) {
            result.escalated += 1;
            await notifier.notify([escalateTo], {
              title: `Escalated to you: the ${
                escalated.name
              } review of an access request for ${
                escalated.apiRef
              } has waited ${Math.floor(
                pendingMs / HOUR_MS,
              )} hours; you may decide it`,
              description: `Waiting for ${
                escalated.reviewerRef
              } since ${escalated.pendingSince.toISOString()}.`,
              requestId: escalated.requestId,
            });
          }
        }
      }
      return result;
    },
  };
}
