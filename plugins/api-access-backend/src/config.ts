/*
 * Reads and checks the apiAccess section of app-config. A bad value stops the
 * backend at start-up with a message naming the key, not at the first request.
 */
import { createHash } from 'node:crypto';
import { Config } from '@backstage/config';
import {
  ReviewPolicy,
  parseReviewPolicy,
} from '@api-access/backstage-plugin-api-access-common';
import { ZodError } from 'zod';

export type ApiAccessConfig = ReviewPolicy;

/**
 * Keys under `apiAccess` that are read elsewhere: by backend modules
 * (webhooks, llmAssessor, oauth2Client) or by the certificate authority, which holds a
 * private key and so is read apart from the policy.
 */
export const MODULE_CONFIG_KEYS = [
  'webhooks',
  'llmAssessor',
  'oauth2Client',
  'certificates',
  'audit',
  'notifications',
];

/** Where the frontend shows one request, unless config says otherwise. */
export const DEFAULT_REQUEST_LINK = '/api-access/requests/{requestId}';

/**
 * The link notifications about a request lead to:
 * apiAccess.notifications.requestLink, a path in the app (or a full URL)
 * with `{requestId}` where the request's id goes. An app that mounts the
 * api-access page elsewhere than /api-access sets it.
 */
export function readRequestLink(root: Config): string {
  const link =
    root.getOptionalString('apiAccess.notifications.requestLink') ??
    DEFAULT_REQUEST_LINK;
  if (!link.includes('{requestId}')) {
    throw new Error(
      `Invalid config at apiAccess.notifications.requestLink: '${link}' must contain {requestId}, where the request's id goes (default ${DEFAULT_REQUEST_LINK})`,
    );
  }
  return link;
}

export function readApiAccessConfig(root: Config): ApiAccessConfig {
  const raw: Record<string, unknown> = {
    ...(root.getOptional<Record<string, unknown>>('apiAccess') ?? {}),
  };
  for (const key of MODULE_CONFIG_KEYS) delete raw[key];
  if ('admins' in raw) {
    throw new Error(
      "apiAccess.admins is no longer read: administrators are whoever your permission policy grants the 'api-access.admin' permission (docs/install.md). Remove apiAccess.admins and grant api-access.admin in your policy; to keep notifying these refs of failures, list them in apiAccess.alertRecipients.",
    );
  }
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

/**
 * The key that signs audit checkpoints: apiAccess.audit.checkpointSecret, or
 * one derived from the backend's own secret; undefined when neither is set
 * (verification then rehashes the whole chain every time).
 */
export function readCheckpointSecret(root: Config): string | undefined {
  const explicit = root.getOptionalString('apiAccess.audit.checkpointSecret');
  if (explicit) return explicit;
  const keys = root.getOptionalConfigArray('backend.auth.keys') ?? [];
  const backendSecret = keys[0]?.getOptionalString('secret');
  return backendSecret
    ? createHash('sha256')
        .update(`api-access audit checkpoints\n${backendSecret}`)
        .digest('hex')
    : undefined;
}
