/*
 * Reads and checks the apiAccess section of app-config. A bad value stops the
 * backend at start-up with a message naming the key, not at the first request.
 */
import { Config } from '@backstage/config';
import {
  ReviewPolicy,
  parseReviewPolicy,
} from '@internal/plugin-api-access-common';
import { ZodError } from 'zod';

export type ApiAccessConfig = ReviewPolicy;

/**
 * Keys under `apiAccess` that are read elsewhere: by backend modules
 * (webhooks, llmAssessor) or by the certificate authority, which holds a
 * private key and so is read apart from the policy.
 */
export const MODULE_CONFIG_KEYS = ['webhooks', 'llmAssessor', 'certificates'];

export function readApiAccessConfig(root: Config): ApiAccessConfig {
  const raw: Record<string, unknown> = {
    ...(root.getOptional<Record<string, unknown>>('apiAccess') ?? {}),
  };
  for (const key of MODULE_CONFIG_KEYS) delete raw[key];
  try {
    return parseReviewPolicy(raw);
  } catch (error) {
    if (error instanceof ZodError) {
      const details = error.issues
        .map(issue => `apiAccess.${issue.path.join('.')}: ${issue.message}`)
        .join('; ');
      throw new Error(`Invalid config at ${details}`);
    }
    throw error;
  }
}
