/*
 * Review policy: which stages a request goes through, given its terms and
 * what the catalog says about the API. Declared as a zod schema so that the
 * backend can validate app-config and name the bad key, and evaluated by pure
 * functions so the request form previews exactly what the backend will do.
 */
import { z } from 'zod';
import {
  DEFAULT_CLASSIFICATION,
  DEFAULT_CLASSIFICATION_LEVELS,
  compareClassification,
} from './classification';
import { ConsumerKind } from './types';
import { planTierSchema } from './plans';

const condition = z
  .object({
    /** Any of these environments. */
    environments: z.array(z.string().min(1)).min(1).optional(),
    /** Classification at least this sensitive. */
    minClassification: z.string().min(1).optional(),
    /** Classification at most this sensitive. */
    maxClassification: z.string().min(1).optional(),
    /** Internal (a Component) or external (a partner or vendor Group). */
    consumer: z.enum(['internal', 'external']).optional(),
    /** Any of these scopes requested. */
    anyScopes: z.array(z.string().min(1)).min(1).optional(),
    /** Any of these API lifecycles. */
    lifecycles: z.array(z.string().min(1)).min(1).optional(),
    /** The API carries the regulated-data label (on itself, its System or Domain). */
    regulated: z.boolean().optional(),
    /** The request assistant's risk score (0-100) is at least this. */
    minRiskScore: z.number().int().min(0).max(100).optional(),
  })
  .strict();
export type PolicyCondition = z.infer<typeof condition>;

const ruleName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    'must be lowercase letters, digits and dashes',
  );

const entityRef = z
  .string()
  .regex(/^(group|user):/, "must be a 'group:' or 'user:' entity ref");

/** The deadline keys, shared by `deadlines` and each of `deadlines.byStep`. */
const deadlineSettings = {
  /** Hours a step may be pending before its reviewers are reminded; 0: never. */
  reminderAfterHours: z.number().min(0).max(8760),
  /** Hours a step may be pending before it is escalated; 0: never. */
  escalateAfterHours: z.number().min(0).max(8760),
  /** The group (or user) a step is escalated to; none: no escalation. */
  escalateTo: entityRef.optional(),
};

export const reviewPolicySchema = z
  .object({
    classification: z
      .object({
        levels: z
          .array(z.string().min(1))
          .min(1)
          .default([...DEFAULT_CLASSIFICATION_LEVELS]),
        default: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** Label (value "true") that marks regulated data on an API, System or Domain. */
    regulatedLabel: z.string().min(1).default('api-access/regulated'),
    environments: z
      .array(z.string().min(1))
      .min(1)
      .default(['sandbox', 'development', 'staging', 'production']),
    maxDurationDays: z.number().int().min(1).default(365),
    /** Per-environment ceilings, below maxDurationDays. */
    maxDurationDaysByEnvironment: z.record(z.number().int().min(1)).default({}),
    ownerQuorum: z.number().int().min(1).default(1),
    /** Credentials handed out for grants. */
    credentials: z
      .object({
        /** The usage terms a requester accepts before seeing a credential. */
        terms: z
          .object({ version: z.string().min(1), text: z.string().min(1) })
          .strict()
          .default({
            version: '1',
            text: 'Keep this credential secret: store it only where your request said, never in code, logs or tickets. Use it only for the approved API, environment and scopes. Rotate it when people with access leave, and report a leak at once.',
          }),
        /** How long a rotated key keeps working beside its successor. */
        rotationOverlapHours: z.number().min(0).default(24),
        /** How long introspection answers are cached on a replica. */
        introspectionCacheSeconds: z.number().min(0).max(60).default(5),
        /** Answers for active keys kept per replica (least recently used evicted first). */
        introspectionCacheEntries: z.number().int().min(1).max(10_000_000).default(10_000),
        /**
         * Answers for unknown or inactive keys kept per replica, apart from the
         * active ones, so that spraying unknown keys never evicts a hot key.
         */
        introspectionNegativeCacheEntries: z.number().int().min(1).max(10_000_000).default(1_000),
        /** Rate limit reported to gateways for every grant. */
        rateLimit: z
          .object({ requests: z.number().int().min(1), perSeconds: z.number().int().min(1) })
          .strict()
          .default({ requests: 600, perSeconds: 60 }),
      })
      .strict()
      .default({}),
    /** Who may ask POST /introspect and /authorize. */
    gateway: z
      .object({
        /**
         * Subjects of the service principals allowed to ask: a static
         * externalAccess token's `subject` as written, `external:<sub>` for a
         * JWKS token, `plugin:<pluginId>` for another plugin. Empty: every
         * service caller is refused (a warning at start-up names this key).
         */
        allowedSubjects: z.array(z.string().min(1)).default([]),
        /**
         * Seconds a gateway may cache an /authorize answer that lets a call
         * through (Cache-Control: max-age). The bound on how long a revoked
         * key keeps working at a caching gateway. 0: gateways must not cache.
         */
        decisionCacheSeconds: z.number().int().min(0).max(60).default(1),
        /** The same for refusals (401, 403): unknown keys sprayed at the gateway cost one backend call per key and this time. */
        negativeDecisionCacheSeconds: z.number().int().min(0).max(60).default(1),
        /**
         * Seconds a gateway may cache an /authorize answer that lets a bearer
         * token through (never past the token's, the grant's or the
         * credential's end). Gateways cannot be told which cached entries
         * are a revoked client's tokens (api-access never sees most tokens
         * before they arrive), so this, not a purge, bounds how long a
         * revoked or suspended grant's tokens keep working there.
         */
        tokenDecisionCacheSeconds: z.number().int().min(0).max(60).default(1),
        /**
         * Gateways' purge endpoints (the nginx recipe's purge server, e.g.
         * http://gateway.internal:8081/_api_access_purge): revoking or
         * rotating a grant's keys drops its cached decisions there at once,
         * so decisionCacheSeconds can be long.
         */
        purgeEndpoints: z.array(z.string().url()).default([]),
      })
      .strict()
      .default({}),
    /**
     * Active grants as catalog relations (consumesApi / apiConsumedBy), read
     * by the catalog module @api-access/backstage-plugin-catalog-backend-module-api-access
     * from GET /catalog/relations.
     */
    catalogRelations: z
      .object({
        /**
         * Service subjects allowed to read every active (consumer, API) pair:
         * `plugin:catalog` is the catalog backend that runs the module. Users
         * and other services get 403. Empty: nobody may read them.
         */
        allowedSubjects: z
          .array(z.string().min(1))
          .default(['plugin:catalog']),
        /** Read by the catalog module: seconds one fetched map of pairs is reused. */
        cacheSeconds: z.number().min(0).max(3600).default(30),
        /**
         * Read by the catalog module: while the backend cannot be reached, the
         * last good map is used for at most this many seconds; after that the
         * module emits no grant relations until a fetch succeeds.
         */
        maxStaleSeconds: z.number().min(0).max(86400).default(600),
      })
      .strict()
      .default({}),
    /** Time-driven rules over grants, run by one scheduled tick. */
    lifecycle: z
      .object({
        /** How often the lifecycle tick runs. */
        tickMinutes: z.number().min(0.1).max(1440).default(5),
        /** Days before expiry at which the requester and the consumer's owners are reminded, each once. */
        reminderDaysBeforeExpiry: z
          .array(z.number().positive())
          .default([14, 3, 1]),
        /** A grant unused this long is flagged stale and its owners told. */
        staleAfterDays: z.number().positive().default(90),
        /** Revoke grants whose requester or consumer left the catalog, or whose API changed owner. */
        revokeOrphaned: z.boolean().default(false),
        renewal: z
          .object({
            /**
             * A renewal is planned by the same policy as a new request with
             * the same terms; where that plan has reviewers, unchanged terms
             * may still renew without review when people reviewed them within
             * this many days. 0 (the default): never, every such renewal is
             * reviewed.
             */
            autoRenewIfReviewedWithinDays: z.number().min(0).default(0),
            /**
             * With autoRenewIfReviewedWithinDays, also require a credential
             * use within this many days (0: no such requirement).
             */
            autoRenewIfUsedWithinDays: z.number().min(0).default(30),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /** Retries of provisioner tasks (provision, rotate, revoke). */
    provisioning: z
      .object({
        /** Attempts before a task is marked failed on the grant. */
        maxAttempts: z.number().int().min(1).max(100).default(8),
        /** Wait after the first failure; doubles on each further one. */
        initialBackoffSeconds: z.number().min(0).default(10),
        maxBackoffSeconds: z.number().min(0).default(3600),
        /** A provisioner call taking longer fails the attempt. */
        timeoutSeconds: z.number().min(1).max(600).default(30),
      })
      .strict()
      .default({}),
    /** The request assistant: built-in checks plus assessor modules. */
    assessment: z
      .object({
        /** A module assessor taking longer is ignored for that request. */
        moduleTimeoutSeconds: z.number().min(0.1).max(60).default(10),
      })
      .strict()
      .default({}),
    /**
     * Review deadlines: a step pending longer than `reminderAfterHours`
     * reminds its reviewers once per round; one pending `escalateAfterHours`
     * (counted, like the reminder, from when the step opened) is escalated
     * once to `escalateTo`, whose members may then decide it. 0 turns either
     * off; without `escalateTo` nothing is escalated. `byStep` overrides any
     * of the three for one step name (`owner` or a `reviewSteps` name).
     */
    deadlines: z
      .object({
        ...deadlineSettings,
        reminderAfterHours: deadlineSettings.reminderAfterHours.default(48),
        escalateAfterHours: deadlineSettings.escalateAfterHours.default(120),
        byStep: z
          .record(z.string().min(1), z.object(deadlineSettings).partial().strict())
          .default({}),
      })
      .strict()
      .default({}),
    /**
     * Periodic access reviews: every `everyDays` (counted from `startsOn`)
     * each group owning APIs reviews the grants that were active on them at
     * the period's start: keep (with a comment) or revoke.
     */
    accessReviews: z
      .object({
        enabled: z.boolean().default(true),
        /** Length of a review period; the default is quarterly. */
        everyDays: z.number().int().min(1).max(3650).default(90),
        /** The first period's first day (UTC), YYYY-MM-DD. */
        startsOn: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-01-01')
          .refine(value => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), {
            message: 'must be a real date',
          })
          .default('2026-01-01'),
        /** Days owners have to answer, from the campaign's start. */
        dueInDays: z.number().min(0.001).max(365).default(14),
        /** Days before the due date at which owners are reminded, each once. */
        reminderDaysBeforeDue: z.array(z.number().positive()).default([7, 1]),
        /** What happens to items still unanswered at the due date. */
        unanswered: z
          .enum(['revoke', 'escalate'], {
            errorMap: () => ({ message: "must be 'revoke' or 'escalate'" }),
          })
          .default('revoke'),
        /** With unanswered 'escalate': the group told, who may then decide too. */
        escalateTo: z
          .string()
          .regex(/^(group|user):/, "must be a 'group:' or 'user:' entity ref")
          .optional(),
        /**
         * Let members of an owning group start a review of their own grants
         * now (POST /access-reviews/run); admins always may. For demos.
         */
        ownersMayStart: z.boolean().default(false),
      })
      .strict()
      .superRefine((value, ctx) => {
        if (value.unanswered === 'escalate' && !value.escalateTo) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['escalateTo'],
            message: "is required when unanswered is 'escalate'",
          });
        }
      })
      .default({}),
    /**
     * Groups or users told when something needs an operator (a revocation
     * the gateway refused, orphaned grants). Not an authorization list:
     * administrators are whoever the permission policy grants
     * `api-access.admin`.
     */
    alertRecipients: z
      .array(
        z
          .string()
          .regex(/^(group|user):/, "must be a 'group:' or 'user:' entity ref"),
      )
      .default([]),
    /**
     * Review steps that routing rules can add. Steps with the same `order` run
     * in parallel in one stage; stages run in ascending order after the owner.
     */
    reviewSteps: z
      .record(
        ruleName,
        z
          .object({
            reviewer: z
              .string()
              .regex(
                /^(group|user):/,
                "must be a 'group:' or 'user:' entity ref",
              ),
            order: z.number().int().min(1),
            quorum: z.number().int().min(1).default(1),
          })
          .strict(),
      )
      .default({
        security: { reviewer: 'group:default/security', order: 1, quorum: 1 },
        compliance: {
          reviewer: 'group:default/compliance',
          order: 1,
          quorum: 1,
        },
        legal: { reviewer: 'group:default/legal', order: 2, quorum: 1 },
      }),
    routing: z
      .array(
        z
          .object({
            name: ruleName,
            when: condition,
            addSteps: z.array(ruleName).min(1),
          })
          .strict(),
      )
      .default([
        {
          name: 'production-environment',
          when: { environments: ['production'] },
          addSteps: ['security'],
        },
        {
          name: 'confidential-data',
          when: { minClassification: 'confidential' },
          addSteps: ['security'],
        },
        {
          name: 'restricted-data',
          when: { minClassification: 'restricted' },
          addSteps: ['security', 'compliance'],
        },
        {
          name: 'regulated-data',
          when: { regulated: true },
          addSteps: ['security', 'compliance'],
        },
        {
          name: 'external-consumer',
          when: { consumer: 'external' },
          addSteps: ['security', 'legal'],
        },
      ]),
    /**
     * The plans (tiers) APIs may offer, smallest first. An API offers some of
     * them with the annotation api-access/plans; none: plans are off.
     */
    plans: z.array(planTierSchema).default([]),
    autoApprove: z
      .array(z.object({ name: ruleName, when: condition }).strict())
      .default([
        {
          name: 'sandbox-public',
          when: {
            environments: ['sandbox'],
            maxClassification: 'public',
            consumer: 'internal',
          },
        },
      ]),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const levels = policy.classification.levels;
    const checkLevel = (
      level: string | undefined,
      path: (string | number)[],
    ) => {
      if (level !== undefined && !levels.includes(level)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path,
          message: `'${level}' is not one of classification.levels (${levels.join(
            ', ',
          )})`,
        });
      }
    };
    checkLevel(policy.classification.default, ['classification', 'default']);
    policy.routing.forEach((rule, i) => {
      checkLevel(rule.when.minClassification, [
        'routing',
        i,
        'when',
        'minClassification',
      ]);
      checkLevel(rule.when.maxClassification, [
        'routing',
        i,
        'when',
        'maxClassification',
      ]);
      rule.addSteps.forEach((step, j) => {
        if (!policy.reviewSteps[step]) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['routing', i, 'addSteps', j],
            message: `'${step}' is not a step in reviewSteps (${Object.keys(
              policy.reviewSteps,
            ).join(', ')})`,
          });
        }
      });
    });
    const stepNames = ['owner', ...Object.keys(policy.reviewSteps)];
    for (const name of Object.keys(policy.deadlines.byStep)) {
      if (!stepNames.includes(name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['deadlines', 'byStep', name],
          message: `'${name}' is not a step (${stepNames.join(', ')})`,
        });
      }
    }
    for (const name of ['', ...Object.keys(policy.deadlines.byStep)]) {
      const { reminderAfterHours, escalateAfterHours } = deadlinesForStep(
        policy,
        name,
      );
      if (
        reminderAfterHours > 0 &&
        escalateAfterHours > 0 &&
        escalateAfterHours <= reminderAfterHours
      ) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: name
            ? ['deadlines', 'byStep', name, 'escalateAfterHours']
            : ['deadlines', 'escalateAfterHours'],
          message: `must be more than reminderAfterHours (${reminderAfterHours}): a step is escalated after its reviewers were reminded`,
        });
      }
    }
    const planNames = new Set<string>();
    policy.plans.forEach((plan, i) => {
      if (planNames.has(plan.name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['plans', i, 'name'],
          message: `'${plan.name}' is defined twice`,
        });
      }
      planNames.add(plan.name);
      (plan.environments ?? []).forEach((env, j) => {
        if (!policy.environments.includes(env)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['plans', i, 'environments', j],
            message: `'${env}' is not one of environments (${policy.environments.join(', ')})`,
          });
        }
      });
    });
    policy.autoApprove.forEach((rule, i) => {
      checkLevel(rule.when.minClassification, [
        'autoApprove',
        i,
        'when',
        'minClassification',
      ]);
      checkLevel(rule.when.maxClassification, [
        'autoApprove',
        i,
        'when',
        'maxClassification',
      ]);
    });
  });

export type ReviewPolicyInput = z.input<typeof reviewPolicySchema>;
export type ReviewPolicy = z.output<typeof reviewPolicySchema> & {
  classification: { levels: string[]; default: string };
};

/** Parses a policy, filling defaults; throws a zod error naming the bad key. */
export function parseReviewPolicy(input: unknown): ReviewPolicy {
  const parsed = reviewPolicySchema.parse(input ?? {});
  const levels = parsed.classification.levels;
  return {
    ...parsed,
    classification: {
      levels,
      default:
        parsed.classification.default ??
        (levels.includes(DEFAULT_CLASSIFICATION)
          ? DEFAULT_CLASSIFICATION
          : levels[0]),
    },
  };
}

/** The facts about a draft request that policy rules test. */
export interface PolicyFacts {
  environment: string;
  scopes: string[];
  consumerKind: ConsumerKind;
  classification: string;
  lifecycle?: string;
  regulated: boolean;
  /** The request assistant's risk score; rules with minRiskScore never match without it. */
  riskScore?: number;
}

export function matchesCondition(
  when: PolicyCondition,
  facts: PolicyFacts,
  levels: readonly string[],
): boolean {
  if (when.environments && !when.environments.includes(facts.environment))
    return false;
  if (
    when.minClassification &&
    compareClassification(
      facts.classification,
      when.minClassification,
      levels,
    ) < 0
  ) {
    return false;
  }
  if (
    when.maxClassification &&
    compareClassification(
      facts.classification,
      when.maxClassification,
      levels,
    ) > 0
  ) {
    return false;
  }
  if (when.consumer && when.consumer !== facts.consumerKind) return false;
  if (
    when.anyScopes &&
    !when.anyScopes.some(scope => facts.scopes.includes(scope))
  )
    return false;
  if (when.lifecycles && !when.lifecycles.includes(facts.lifecycle ?? ''))
    return false;
  if (when.regulated !== undefined && when.regulated !== facts.regulated)
    return false;
  if (
    when.minRiskScore !== undefined &&
    (facts.riskScore === undefined || facts.riskScore < when.minRiskScore)
  )
    return false;
  return true;
}

/** Longest duration the policy allows for an environment. */
export function maxDurationFor(
  policy: ReviewPolicy,
  environment: string,
): number {
  return Math.min(
    policy.maxDurationDays,
    policy.maxDurationDaysByEnvironment[environment] ?? policy.maxDurationDays,
  );
}

export interface StepDeadlines {
  /** Hours pending before the reminder; 0: no reminder. */
  reminderAfterHours: number;
  /** Hours pending before escalation; 0: no escalation. */
  escalateAfterHours: number;
  /** Where the step is escalated; undefined: no escalation. */
  escalateTo?: string;
}

/** The deadlines of a step by its name: `deadlines.byStep[name]` over `deadlines`. */
export function deadlinesForStep(
  policy: {
    deadlines: StepDeadlines & { byStep: Record<string, Partial<StepDeadlines>> };
  },
  stepName: string,
): StepDeadlines {
  const { byStep, ...defaults } = policy.deadlines;
  const own = byStep[stepName] ?? {};
  return {
    reminderAfterHours: own.reminderAfterHours ?? defaults.reminderAfterHours,
    escalateAfterHours: own.escalateAfterHours ?? defaults.escalateAfterHours,
    escalateTo: own.escalateTo ?? defaults.escalateTo,
  };
}
