/*
 * zod schemas for the assistant: the lenient draft the form posts while the
 * requester types, and findings and risk scores, which the backend uses to
 * check what modules return.
 */
import { z } from 'zod';
import { entityRefOfKind, scopeSchema } from '../schemas';

export const FINDING_FIELDS = [
  'apiRef',
  'consumerRef',
  'environment',
  'scopes',
  'durationDays',
  'useCase',
  'justification',
  'credentialStorage',
  'comment',
  'request',
] as const;

export const findingSeveritySchema = z.enum(['blocker', 'warning', 'info']);

export const findingSuggestionSchema = z.discriminatedUnion('field', [
  z.object({
    field: z.literal('scopes'),
    value: z.array(scopeSchema).max(100),
    label: z.string().min(1).max(200),
  }),
  z.object({
    field: z.literal('durationDays'),
    value: z.number().int().min(1),
    label: z.string().min(1).max(200),
  }),
  z.object({
    field: z.literal('environment'),
    value: z.string().min(1).max(64),
    label: z.string().min(1).max(200),
  }),
]);

export const findingSchema = z.object({
  id: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/,
      'must be a dotted lowercase code like assessor.what-it-found',
    )
    .max(120),
  severity: findingSeveritySchema,
  field: z.enum(FINDING_FIELDS),
  message: z.string().min(1).max(1000),
  assessor: z.string().min(1).max(64),
  suggestion: findingSuggestionSchema.optional(),
});

export const riskScoreSchema = z.object({
  score: z.number().int().min(0).max(100),
  reasons: z.array(
    z.object({
      factor: z.enum([
        'classification',
        'environment',
        'scopes',
        'external',
        'duration',
        'plan',
      ]),
      /** Negative only for a small plan, which lowers the score. */
      points: z.number().int().min(-10),
      detail: z.string(),
    }),
  ),
});

export const assessmentResultSchema = z.object({
  findings: z.array(findingSchema),
  risk: riskScoreSchema,
});

/** Empty strings from a half-filled form count as missing. */
const optionalText = (max: number) =>
  z.preprocess(
    value =>
      typeof value === 'string' && value.trim() === '' ? undefined : value,
    z.string().max(max, `must be at most ${max} characters`).optional(),
  );

/**
 * Body of `POST /assessments`: a request as far as the form has it. Only the
 * API is required; every missing field is reported as a finding, not a 400.
 */
export const assessmentDraftSchema = z.object({
  apiRef: entityRefOfKind('api'),
  consumerRef: z.preprocess(
    value =>
      typeof value === 'string' && value.trim() === '' ? undefined : value,
    entityRefOfKind('component', 'group').optional(),
  ),
  environment: optionalText(64),
  scopes: z
    .array(scopeSchema)
    .max(100, 'must list at most 100 scopes')
    .default([])
    .transform(scopes => Array.from(new Set(scopes))),
  credentialType: z.string().max(64).optional(),
  useCase: optionalText(4000),
  justification: optionalText(4000),
  credentialStorage: optionalText(2000),
  comment: optionalText(4000),
  durationDays: z.preprocess(
    value => (value === null || value === '' ? undefined : value),
    z.number({ invalid_type_error: 'must be a number of days' }).optional(),
  ),
  /** When resubmitting: that request is not a duplicate of itself. */
  requestId: z.string().max(64).optional(),
});
export type AssessmentDraftInput = z.input<typeof assessmentDraftSchema>;
