/*
 * A friendlier first start: the default policy routes to
 * group:default/security, compliance and legal, which a new catalog does not
 * have, and a request that needs a missing group waits for nobody. Shortly
 * after start-up, once the catalog answers, this logs one warning per group
 * (or user) the policy names that the catalog does not have, with the
 * config keys that name it. It never delays or fails start-up.
 */
import {
  AuthService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ApiAccessConfig } from '../config';

/** How the policy uses a ref; decides the wording of the warning. */
export type PolicyRefUse = 'review' | 'escalation' | 'alert';

export interface PolicyRef {
  ref: string;
  /** The app-config key that names it, e.g. apiAccess.reviewSteps.security.reviewer. */
  key: string;
  use: PolicyRefUse;
  /** True when the key is not in app-config: the policy's built-in default. */
  isDefault: boolean;
}

/** Every group or user ref the review policy routes, escalates or alerts to. */
export function policyEntityRefs(
  policy: ApiAccessConfig,
  root?: Config,
): PolicyRef[] {
  // Only reviewSteps has defaults that name groups; the rest come from config.
  const isDefault = (key: string) =>
    root !== undefined && key.startsWith('apiAccess.reviewSteps.')
      ? !root.has(key)
      : false;
  const refs: PolicyRef[] = [];
  const add = (ref: string | undefined, key: string, use: PolicyRefUse) => {
    if (ref) refs.push({ ref, key, use, isDefault: isDefault(key) });
  };
  for (const [name, step] of Object.entries(policy.reviewSteps)) {
    add(step.reviewer, `apiAccess.reviewSteps.${name}.reviewer`, 'review');
  }
  add(
    policy.deadlines.escalateTo,
    'apiAccess.deadlines.escalateTo',
    'escalation',
  );
  for (const [name, step] of Object.entries(policy.deadlines.byStep)) {
    add(
      step.escalateTo,
      `apiAccess.deadlines.byStep.${name}.escalateTo`,
      'escalation',
    );
  }
  if (policy.accessReviews.enabled) {
    add(
      policy.accessReviews.escalateTo,
      'apiAccess.accessReviews.escalateTo',
      'escalation',
    );
  }
  policy.alertRecipients.forEach((ref, i) =>
    add(ref, `apiAccess.alertRecipients[${i}]`, 'alert'),
  );
  return refs;
}

const VERBS: Record<PolicyRefUse, string> = {
  review: 'routes',
  escalation: 'escalates',
  alert: 'sends alerts',
};

const CONSEQUENCES: Record<PolicyRefUse, string> = {
  review: 'requests that need it will wait for nobody',
  escalation: 'steps escalated to it will wait for nobody',
  alert: 'alerts to it reach nobody',
};

/**
 * The warning for one missing ref, naming every key that names it, e.g.
 * "api-access: the review policy routes to group:default/security
 * (apiAccess.reviewSteps.security.reviewer, the built-in default), which is
 * not in the catalog; requests that need it will wait for nobody".
 */
export function missingRefWarning(ref: string, uses: PolicyRef[]): string {
  const kinds = (['review', 'escalation', 'alert'] as const).filter(use =>
    uses.some(u => u.use === use),
  );
  const verbs = kinds.map(use => VERBS[use]).join(' and ');
  const keys = uses
    .map(u => (u.isDefault ? `${u.key}, the built-in default` : u.key))
    .join('; ');
  const consequences = kinds.map(use => CONSEQUENCES[use]).join(', and ');
  return `api-access: the review policy ${verbs} to ${ref} (${keys}), which is not in the catalog; ${consequences}`;
}

/**
 * The refs the catalog does not have, grouped by ref in policy order, and
 * whether the catalog holds any group at all (none: likely not yet ingested).
 */
export async function findMissingPolicyRefs(options: {
  policy: ApiAccessConfig;
  root?: Config;
  catalog: CatalogService;
  auth: AuthService;
}): Promise<{ missing: Map<string, PolicyRef[]>; catalogHasGroups: boolean }> {
  const refs = policyEntityRefs(options.policy, options.root);
  const missing = new Map<string, PolicyRef[]>();
  if (refs.length === 0) return { missing, catalogHasGroups: true };
  const unique = Array.from(new Set(refs.map(r => r.ref)));
  const credentials = await options.auth.getOwnServiceCredentials();
  const { items } = await options.catalog.getEntitiesByRefs(
    { entityRefs: unique, fields: ['kind', 'metadata.name'] },
    { credentials },
  );
  unique.forEach((ref, i) => {
    if (!items[i]) {
      missing.set(
        ref,
        refs.filter(r => r.ref === ref),
      );
    }
  });
  let catalogHasGroups = true;
  if (missing.size > 0) {
    const groups = await options.catalog.getEntities(
      { filter: { kind: 'Group' }, fields: ['kind'], limit: 1 },
      { credentials },
    );
    catalogHasGroups = groups.items.length > 0;
  }
  return { missing, catalogHasGroups };
}

export const POLICY_REFS_CHECK_TASK = 'api-access-policy-refs-check';

/**
 * Schedules the check on this replica: first 30 s after start-up, then once
 * a minute until it has run once. A catalog that cannot be reached, or that
 * holds no group at all yet (still ingesting), is asked again the next minute,
 * up to ten times; after that the warnings (or the failure) are logged anyway.
 */
export async function schedulePolicyRefsCheck(options: {
  policy: ApiAccessConfig;
  root?: Config;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  scheduler: SchedulerService;
}) {
  if (policyEntityRefs(options.policy).length === 0) return;
  const maxAttempts = 10;
  let attempts = 0;
  let done = false;
  await options.scheduler.scheduleTask({
    id: POLICY_REFS_CHECK_TASK,
    scope: 'local',
    initialDelay: { seconds: 30 },
    frequency: { minutes: 1 },
    timeout: { seconds: 30 },
    fn: async () => {
      if (done) return;
      attempts += 1;
      const lastAttempt = attempts >= maxAttempts;
      let result;
      try {
        result = await findMissingPolicyRefs(options);
      } catch (error) {
        if (lastAttempt) {
          done = true;
          options.logger.warn(
            `api-access: could not check the review policy's groups against the catalog: ${error}`,
          );
        } else {
          options.logger.debug(
            `api-access: the catalog did not answer the policy check (attempt ${attempts} of ${maxAttempts}): ${error}`,
          );
        }
        return;
      }
      if (result.missing.size > 0 && !result.catalogHasGroups && !lastAttempt) {
        return; // no group at all yet: the catalog is probably still ingesting
      }
      done = true;
      for (const [ref, uses] of result.missing) {
        options.logger.warn(missingRefWarning(ref, uses));
      }
    },
  });
}
