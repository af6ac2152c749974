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

export function readApiAccessConfig(root: Config): ApiAccessConfig {
  const raw = root.getOptional('apiAccess') ?? {};
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
