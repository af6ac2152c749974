/*
 * Input schemas for every api-access HTTP body and query. The backend
 * validates with these, and the types the frontend sends are inferred from
 * them, so the two can never disagree.
 */
import { excerpt } from './excerpt';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';

/** An entity ref string of one of the given kinds, normalised to `kind:namespace/name`. */
export function entityRefOfKind(...kinds: string[]) {
  return z
    .string({ required_error: 'is required' })
    .trim()
    .min(1, 'is required')
    .transform((value, ctx) => {
      try {
        const ref = parseEntityRef(value);
        if (!kinds.includes(ref.kind.toLocaleLowerCase('en-US'))) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: `must refer to an entity of kind ${kinds.join(
              ' or ',
            )}, got kind '${ref.kind}'`,
          });
          return z.NEVER;
        }
        return stringifyEntityRef(ref);
      } catch {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be an entity ref like '${kinds[0]}:default/name'`,
        });
        return z.NEVER;
      }
    });
}

const text = (max: number) =>
  z
    .string({ required_error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`);

export const scopeSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

/** A plan's name, as in apiAccess.plans. */
export const planNameSchema = z
  .string({ invalid_type_error: 'must be a plan name' })
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'must be a plan name: 1-32 lowercase letters, digits and dashes',
  );

/**
 * A credential type's id: the built-in `api-key` and `mtls-certificate`, or
 * one a backend module adds (the backend checks that it is offered).
 */
export const credentialTypeSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,31}$/,
    "must be a credential type id such as 'api-key' or 'mtls-certificate': 2-32 lowercase letters, digits and dashes",
  );

export const createAccessRequestSchema = z.object({
  apiRef: entityRefOfKind('api'),
  consumerRef: entityRefOfKind('component', 'group'),
  environment: text(64),
  scopes: z
    .array(scopeSchema, { required_error: 'is required' })
    .max(100, 'must list at most 100 scopes')
    .transform(scopes => Array.from(new Set(scopes))),
  credentialType: credentialTypeSchema.default('api-key'),
  /** One of the plans the API offers (GET /apis/:ns/:name/profile); required when it offers any. */
  plan: planNameSchema.optional(),
  useCase: text(2000),
  justification: text(2000),
  credentialStorage: text(1000),
  durationDays: z
    .number({
      required_error: 'is required',
      invalid_type_error: 'must be a number of days',
    })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days'),
});
export type CreateAccessRequest = z.input<typeof createAccessRequestSchema>;
export type CreateAccessRequestParsed = z.output<
  typeof createAccessRequestSchema
>;

const decisionKindSchema = z.enum(['approve', 'reject', 'request_changes'], {
  errorMap: () => ({
    message: "must be one of 'approve', 'reject', 'request_changes'",
  }),
});
const decisionCommentSchema = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .optional();

/** A comment is required unless approving, for one decision or many. */
function requireCommentUnlessApproving(
  value: { decision: string; comment?: string },
  ctx: z.RefinementCtx,
) {
  if (value.decision !== 'approve' && !value.comment) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['comment'],
      message: `is required when the decision is '${value.decision}'`,
    });
  }
}

export const decisionSchema = z
  .object({
    decision: decisionKindSchema,
    comment: decisionCommentSchema,
    /** Approve fewer scopes than requested. */
    scopes: z
      .array(scopeSchema)
      .max(100)
      .transform(scopes => Array.from(new Set(scopes)))
      .optional(),
    /** Approve a shorter duration than requested. */
    durationDays: z
      .number({ invalid_type_error: 'must be a number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .optional(),
    /** Approve a lower plan than requested (one the API offers, below the asked one). */
    plan: planNameSchema.optional(),
  })
  .superRefine(requireCommentUnlessApproving);
export type DecisionInput = z.input<typeof decisionSchema>;

/** The most requests one bulk decision may name. */
export const MAX_BULK_DECISIONS = 200;

/**
 * One decision with one comment on many requests (POST /requests/decisions).
 * Narrowing scopes, duration or plan is left to single decisions: the requests may
 * be for different APIs, so one list of scopes cannot fit them all.
 */
export const bulkDecisionSchema = z
  .object({
    ids: z
      .array(
        z
          .string({ invalid_type_error: 'must be request ids' })
          .trim()
          .min(1, 'must not be empty')
          .max(256, 'must be at most 256 characters')
          // eslint-disable-next-line no-control-regex
          .regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/, {
            message: 'must be printable',
          }),
        {
          required_error: 'is required',
          invalid_type_error: 'must be a list of request ids',
        },
      )
      .min(1, 'must name at least one request')
      .max(
        MAX_BULK_DECISIONS,
        `must name at most ${MAX_BULK_DECISIONS} requests`,
      ),
    decision: decisionKindSchema,
    comment: decisionCommentSchema,
  })
  .strict(
    'only ids, decision and comment are allowed: narrow scopes, duration or plan by deciding that request on its own',
  )
  .superRefine((value, ctx) => {
    requireCommentUnlessApproving(value, ctx);
    const seen = new Set<string>();
    value.ids.forEach((id, index) => {
      if (seen.has(id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['ids', index],
          message: 'names a request already in the list',
        });
      }
      seen.add(id);
    });
  });
export type BulkDecisionInput = z.input<typeof bulkDecisionSchema>;

/** What a requester may change when resubmitting; the API stays the same. */
export const resubmitSchema = createAccessRequestSchema
  .omit({ apiRef: true })
  .extend({
    /** Why the request changed, shown to reviewers. */
    comment: z
      .string()
      .trim()
      .max(2000, 'must be at most 2000 characters')
      .optional(),
  });
export type ResubmitInput = z.input<typeof resubmitSchema>;

export const auditQuerySchema = z.object({
  subjectId: z
    .string({ required_error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(64, 'must be at most 64 characters'),
});

export const listRequestsQuerySchema = z.object({
  view: z.enum(['mine', 'reviewable'], {
    errorMap: () => ({ message: "must be 'mine' or 'reviewable'" }),
  }),
  /** With view=reviewable: only steps assigned to this group or user. */
  reviewerRef: entityRefOfKind('group', 'user').optional(),
  status: z
    .enum([
      'in_review',
      'changes_requested',
      'approved',
      'rejected',
      'withdrawn',
    ])
    .optional(),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50),
  cursor: z.string().max(200).optional(),
});
export type ListRequestsQuery = z.input<typeof listRequestsQuerySchema>;

export const listGrantsQuerySchema = z
  .object({
    consumerRef: entityRefOfKind('component', 'group').optional(),
    apiRef: entityRefOfKind('api').optional(),
    /** The owning group (or user) of the APIs, as recorded when access was approved. */
    ownerRef: entityRefOfKind('group', 'user').optional(),
    /** Who asked for the access (the home page's "My access expiring soon"). */
    requesterRef: entityRefOfKind('user').optional(),
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(200, 'must be at most 200')
      .default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine(
    value =>
      value.consumerRef || value.apiRef || value.ownerRef || value.requesterRef,
    { message: 'consumerRef, apiRef, ownerRef or requesterRef is required' },
  );
export type ListGrantsQuery = z.input<typeof listGrantsQuerySchema>;

export const planDraftSchema = z.object({
  apiRef: entityRefOfKind('api'),
  consumerRef: entityRefOfKind('component', 'group'),
  environment: text(64),
  scopes: z.array(scopeSchema).max(100).default([]),
  /** Optional: counts towards the risk score that routing rules can use. */
  durationDays: z.number().int().min(1).max(3650).optional(),
  /** Optional: the plan asked for; its approval mode and limits shape the review plan. */
  plan: planNameSchema.optional(),
});
export type PlanDraft = z.input<typeof planDraftSchema>;

/**
 * Turns a zod error into one sentence that names every bad field, e.g.
 * "durationDays must be at least 1 day; scopes.0 must not be empty".
 */
export function describeZodError(error: z.ZodError): string {
  // Paths (record keys, unrecognized keys) and messages (an enum's "received
  // ...") can quote the input: each is a bounded, escaped excerpt, and at most
  // ten issues are named, so a huge or multi-line body gives a short line.
  const shown = error.issues.slice(0, 10).map(issue => {
    const field = excerpt(issue.path.join('.'), 100);
    const message = excerpt(issue.message);
    return field ? `${field} ${message}` : message;
  });
  const more = error.issues.length - shown.length;
  return more > 0
    ? `${shown.join('; ')}; and ${more} more problems`
    : shown.join('; ');
}

export const issueCredentialSchema = z.object({
  /** The version of the usage terms the requester accepted. */
  acceptTerms: z
    .string({
      required_error: 'is required: accept the usage terms by their version',
    })
    .trim()
    .min(1, 'is required: accept the usage terms by their version'),
});
export type IssueCredentialInput = z.input<typeof issueCredentialSchema>;

export const revokeGrantSchema = z.object({
  reason: z
    .string({ required_error: 'is required: say why the access ends' })
    .trim()
    .min(3, 'is required: say why the access ends')
    .max(2000, 'must be at most 2000 characters'),
});
export type RevokeGrantInput = z.input<typeof revokeGrantSchema>;

/** Body of POST /grants/:id/plan. */
export const changeGrantPlanSchema = z
  .object({
    plan: planNameSchema,
    /** Why; kept in the history. */
    comment: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict();
export type ChangeGrantPlanInput = z.input<typeof changeGrantPlanSchema>;

/** Body of POST /grants/:id/suspend. */
export const suspendGrantSchema = z
  .object({
    reason: z
      .string({ required_error: 'is required: say why the access is paused' })
      .trim()
      .min(3, 'is required: say why the access is paused')
      .max(2000, 'must be at most 2000 characters'),
  })
  .strict();
export type SuspendGrantInput = z.input<typeof suspendGrantSchema>;

/** Body of POST /grants/:id/resume. */
export const resumeGrantSchema = z
  .object({
    comment: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict();
export type ResumeGrantInput = z.input<typeof resumeGrantSchema>;

/** The most days GET /grants/:id/usage answers. */
export const MAX_USAGE_DAYS = 366;

/** Query of GET /grants/:id/usage. */
export const grantUsageQuerySchema = z
  .object({
    days: z.coerce
      .number({ invalid_type_error: 'must be a number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(MAX_USAGE_DAYS, `must be at most ${MAX_USAGE_DAYS} days`)
      .default(30),
  })
  .strict();
export type GrantUsageQuery = z.input<typeof grantUsageQuerySchema>;

export const renewGrantSchema = z.object({
  durationDays: z
    .number({
      required_error: 'is required',
      invalid_type_error: 'must be a number of days',
    })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day'),
  /** Why the access is still needed; the original justification when omitted. */
  justification: z.string().trim().min(1).max(4000).optional(),
});
export type RenewGrantInput = z.input<typeof renewGrantSchema>;

export const introspectSchema = z.object({
  token: z
    .string({ required_error: 'is required' })
    .min(1, 'is required')
    .max(512, 'must be at most 512 characters'),
  token_type_hint: z.string().max(64).optional(),
});

/** Body of POST /grants/:id/certificates: a PKCS#10 CSR and the accepted usage terms. */
export const issueCertificateSchema = issueCredentialSchema.extend({
  csr: z
    .string({
      required_error:
        'is required: a PEM certificate signing request (openssl req -new)',
    })
    .trim()
    .min(1, 'is required: a PEM certificate signing request (openssl req -new)')
    .max(16384, 'must be at most 16384 characters')
    .refine(value => !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value), {
      message:
        'contains a private key: send only the certificate signing request; the private key must never leave you',
    })
    .refine(value => /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(value), {
      message:
        'must be a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)',
    }),
});
export type IssueCertificateInput = z.input<typeof issueCertificateSchema>;

/** Query of GET /access-reviews. */
export const listAccessReviewsQuerySchema = z.object({
  /** One owning group (or user); without it, every group of the caller. */
  ownerRef: entityRefOfKind('group', 'user').optional(),
  /** `all` adds the most recently closed campaigns after the open ones. */
  status: z
    .enum(['open', 'all'], {
      errorMap: () => ({ message: "must be 'open' or 'all'" }),
    })
    .default('open'),
});
export type ListAccessReviewsQuery = z.input<
  typeof listAccessReviewsQuerySchema
>;

/** Body of POST /access-reviews/:id/items/:grantId. */
export const accessReviewItemDecisionSchema = z
  .object({
    decision: z.enum(['keep', 'revoke'], {
      errorMap: () => ({ message: "must be 'keep' or 'revoke'" }),
    }),
    /** Why the access is still needed (keep), or why it ends (revoke). */
    comment: z
      .string()
      .trim()
      .max(2000, 'must be at most 2000 characters')
      .optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.comment ?? '').length < 3) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['comment'],
        message:
          value.decision === 'keep'
            ? 'is required: say why the access is still needed'
            : 'is required: say why the access ends',
      });
    }
  });
/**
 * An answer to one grant of an access review. The schema takes `comment` as
 * optional only to say which comment is missing; the contract requires it.
 */
export type AccessReviewItemDecisionInput = z.input<
  typeof accessReviewItemDecisionSchema
> & { comment: string };

/** Body of POST /access-reviews/run: start a review now (admins, or owners when allowed). */
export const startAccessReviewSchema = z.object({
  /** The owner to review; admins may leave it out to start one for every owner. */
  ownerRef: entityRefOfKind('group', 'user').optional(),
});
export type StartAccessReviewInput = z.input<typeof startAccessReviewSchema>;

/** Body of POST /requests/:id/steps/:stepId/delegate. */
export const delegateStepSchema = z.object({
  /** The group member who takes the step over. */
  to: entityRefOfKind('user'),
  comment: z
    .string()
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .optional(),
});
export type DelegateStepInput = z.input<typeof delegateStepSchema>;

const isoDate = z
  .string()
  .trim()
  .refine(value => !Number.isNaN(Date.parse(value)), {
    message:
      'must be an ISO 8601 date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
  })
  .transform(value => new Date(value));

/** Query of GET /metrics/time-to-decision; the period defaults to the last 90 days. */
export const timeToDecisionQuerySchema = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    apiRef: entityRefOfKind('api').optional(),
  })
  .refine(value => !value.from || !value.to || value.from < value.to, {
    message: 'must be before to',
    path: ['from'],
  });
export type TimeToDecisionQuery = z.input<typeof timeToDecisionQuerySchema>;
