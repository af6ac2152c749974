/*
 * Reads and checks apiAccess.llmAssessor. A bad value stops the backend at
 * start-up with a message naming the key; messages never contain the key.
 */
import { Config } from '@backstage/config';
import { z } from 'zod';

export interface LlmAssessorConfig {
  /** `${baseUrl}/chat/completions` is called. */
  endpoint: URL;
  model: string;
  apiKey?: string;
  timeoutSeconds: number;
  maxFindings: number;
}

export const DEFAULT_TIMEOUT_SECONDS = 8;
export const DEFAULT_MAX_FINDINGS = 5;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const schema = z
  .object({
    baseUrl: z.string({ required_error: 'required' }).min(1, 'required'),
    model: z.string({ required_error: 'required' }).min(1, 'required'),
    apiKey: z
      .string({ invalid_type_error: 'must be a string' })
      .min(
        1,
        'must not be empty (an empty value usually means its environment variable is not set)',
      )
      .optional(),
    timeoutSeconds: z
      .number({ invalid_type_error: 'must be a number of seconds' })
      .positive('must be above 0')
      .max(60, 'must be at most 60')
      .default(DEFAULT_TIMEOUT_SECONDS),
    maxFindings: z
      .number({ invalid_type_error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(20, 'must be at most 20')
      .default(DEFAULT_MAX_FINDINGS),
    allowInsecure: z.boolean().default(false),
  })
  .strict()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value.baseUrl);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['baseUrl'],
        message: 'not a valid absolute URL',
      });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['baseUrl'],
        message: `must be an https URL, not ${url.protocol}`,
      });
    } else if (
      url.protocol === 'http:' &&
      !LOOPBACK_HOSTS.has(url.hostname) &&
      !value.allowInsecure
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['baseUrl'],
        message: `must use https (http is allowed only for localhost and 127.0.0.1, or with allowInsecure: true), got http://${url.host}`,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['baseUrl'],
        message: 'must not contain credentials; use apiKey',
      });
    }
  });

/** Undefined when apiAccess.llmAssessor is absent: the module stays off. */
export function readLlmAssessorConfig(
  root: Config,
): LlmAssessorConfig | undefined {
  const raw = root.getOptional('apiAccess.llmAssessor');
  if (raw === undefined) return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues
      .map(
        issue =>
          `apiAccess.llmAssessor${issue.path.map(p => `.${p}`).join('')}: ${
            issue.message
          }`,
      )
      .join('; ');
    throw new Error(`Invalid config at ${details}`);
  }
  const value = result.data;
  const base = value.baseUrl.replace(/\/+$/, '');
  return {
    endpoint: new URL(`${base}/chat/completions`),
    model: value.model,
    apiKey: value.apiKey,
    timeoutSeconds: value.timeoutSeconds,
    maxFindings: value.maxFindings,
  };
}
