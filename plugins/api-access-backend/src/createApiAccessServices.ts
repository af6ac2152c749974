/*
 * The plugin's object graph in one place: one store per table, each built
 * once, and every service given what it needs through its options. plugin.ts
 * only reads config, runs migrations, schedules tasks and mounts routes.
 */
import {
  AuthService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import {
  apiAccessGrantReadPermission,
  apiAccessPermissions,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
} from '@api-access/backstage-plugin-api-access-common';
import {
  createConditionAuthorizer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  ApiAccessAssessor,
  ApiAccessCredentialType,
  ApiAccessProvisioner,
} from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import { ApiAccessConfig, readRequestLink } from './config';
import { ApiAccessClock } from './clock';
import { AdminCheck } from './permissions/AdminCheck';
import { GrantAccess } from './permissions/GrantAccess';
import {
  grantPermissionRules,
  grantResourceRef,
} from './permissions/grantPermissionRules';
import {
  requestPermissionRules,
  requestResourceRef,
} from './permissions/rules';
import { AccessStore } from './requests/AccessStore';
import {
  AccessRequestService,
  GrantHooks,
} from './requests/AccessRequestService';
import { AuditLog } from './audit/AuditLog';
import { GrantStore } from './grants/GrantStore';
import { GrantService } from './grants/GrantService';
import { IncidentRevocationService } from './grants/IncidentRevocationService';
import { GrantPlanService } from './grants/GrantPlanService';
import { RevocationBatchStore } from './grants/RevocationBatchStore';
import { CatalogRelationService } from './catalogRelations/CatalogRelationService';
import { CredentialStore } from './credentials/CredentialStore';
import { CredentialService } from './credentials/CredentialService';
import { CredentialIssuer } from './credentials/CredentialIssuer';
import { CredentialTypeRegistry } from './credentials/CredentialTypeRegistry';
import { createDecisionBus } from './credentials/DecisionBus';
import { GatewayPurger } from './credentials/GatewayPurger';
import { UsageCounter } from './credentials/UsageCounter';
import { UsageStore } from './credentials/UsageStore';
import type { SignalsService } from '@backstage/plugin-signals-node';
import { LiveUpdates } from './notifications/LiveUpdates';
import { BackstageNotifier } from './notifications/Notifier';
import { ApiProfileService } from './profiles/ApiProfileService';
import { ProvisioningStore } from './provisioning/ProvisioningStore';
import { ProvisioningService } from './provisioning/ProvisioningService';
import { CertificateService } from './certificates/CertificateService';
import { AssessmentService } from './assessment/AssessmentService';
import { AssessmentStore } from './assessment/AssessmentStore';
import { ReviewStepStore } from './reviews/ReviewStepStore';
import { StepDelegationService } from './reviews/StepDelegationService';
import { TimeToDecisionService } from './reviews/timeToDecision';
import { LifecycleMarks, LifecycleService } from './lifecycle/LifecycleService';
import { grantLifecycleRules } from './lifecycle/grantRules';
import { createReviewDeadlinesRule } from './lifecycle/reviewDeadlines';
import { accessReviewRules } from './lifecycle/accessReviews';
import { AccessReviewService } from './accessReviews/AccessReviewService';
import { AccessReviewStore } from './accessReviews/AccessReviewStore';

export interface ApiAccessServicesOptions {
  knex: Knex;
  /** The review policy (apiAccess.*), parsed. */
  policy: ApiAccessConfig;
  /** The root config, for the certificate authority's key (read apart from the policy). */
  rootConfig: RootConfigService;
  checkpointSecret?: string;
  logger: LoggerService;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  catalog: CatalogService;
  notifications: NotificationService;
  /** Live updates for the plugin's screens (Backstage signals); optional. */
  signals?: SignalsService;
  clock: ApiAccessClock;
  auth: AuthService;
  provisioners: ApiAccessProvisioner[];
  assessors: ApiAccessAssessor[];
  /** Credential types backend modules added (apiAccessCredentialTypesExtensionPoint). */
  credentialTypes?: ApiAccessCredentialType[];
}

export async function createApiAccessServices(
  options: ApiAccessServicesOptions,
) {
  const { knex, policy, logger, catalog, auth, clock } = options;
  const now = () => clock.now();

  // One store per table, each built once.
  const store = new AccessStore(knex);
  const marks = new LifecycleMarks(knex);
  const grantStore = new GrantStore(knex, marks);
  const credentialStore = new CredentialStore(knex);
  const reviewSteps = new ReviewStepStore(knex);
  const auditLog = new AuditLog(knex, {
    checkpointSecret: options.checkpointSecret,
  });

  // Administrators are whoever the permission policy grants api-access.admin.
  const admins = new AdminCheck(options.permissions);
  const notifier = new BackstageNotifier({
    notifications: options.notifications,
    logger,
    requestLink: readRequestLink(options.rootConfig),
  });
  const live = new LiveUpdates({ signals: options.signals, logger });
  // mTLS client certificates; apiAccess.certificates is read apart from
  // the policy because it holds the CA's private key.
  const certificates = await CertificateService.fromConfig(options.rootConfig, {
    knex,
    grants: grantStore,
    credentials: credentialStore,
    audit: auditLog,
    config: policy,
    clock: now,
  });
  // The credential types requests may name: the built-in ones, then the
  // modules'. A bad or taken id stops the start-up here.
  const credentialTypes = new CredentialTypeRegistry({
    certificatesConfigured: () => certificates.configured,
    moduleTypes: options.credentialTypes,
  });
  const provisioning = new ProvisioningService({
    tasks: new ProvisioningStore(knex),
    grants: grantStore,
    audit: auditLog,
    // A credential type's own provisioner works on that type's grants only.
    provisioners: [...options.provisioners, ...credentialTypes.provisioners()],
    config: policy,
    logger,
    notifier,
    clock,
  });
  // Provisioners hear of each new grant, and again (provision is an
  // upsert) when a renewal moves its expiry.
  const grantHooks: GrantHooks = {
    grantCreated: (tx, grant, at) =>
      provisioning.enqueue(tx, grant, 'provision', { now: at }),
    grantRenewed: (tx, grant, renewalId, at) =>
      provisioning.enqueue(tx, grant, 'provision', {
        now: at,
        reason: 'renewed',
        dedupeKey: `renewal:${renewalId}`,
      }),
    afterCommit: () => provisioning.kick(),
  };
  const profiles = new ApiProfileService(catalog, policy);
  // The request assistant: built-in checks plus module assessors, on
  // every submission and for the form's live checks.
  const assessments = new AssessmentService({
    store: new AssessmentStore(knex),
    catalog,
    profiles,
    policy,
    logger,
    assessors: options.assessors,
    clock: now,
  });
  const credentials = new CredentialService({
    credentials: credentialStore,
    grants: grantStore,
    audit: auditLog,
    config: policy,
    clock: now,
    provisioning,
    bus: createDecisionBus(knex, logger),
    // Calls per grant per day from the decisions, and quotas: in memory,
    // added to the database every second by an atomic upsert.
    usage: new UsageCounter({
      store: new UsageStore(knex),
      clock: now,
      logger,
    }),
    purger: new GatewayPurger({
      endpoints: policy.gateway.purgeEndpoints,
      credentials: credentialStore,
      logger,
    }),
    // Bearer-token types answer for tokens at /authorize and /introspect.
    credentialTypes,
  });
  // Another replica's revocation changes this replica's CRL too.
  credentials.onChange(() => certificates.invalidateCrl());
  const requests = new AccessRequestService({
    live,
    store,
    steps: reviewSteps,
    grants: grantStore,
    audit: auditLog,
    catalog,
    profiles,
    policy,
    notifier,
    clock: now,
    grantHooks,
    assessments,
    adminCheck: admins,
    credentialTypes,
  });
  const issuer = new CredentialIssuer({
    registry: credentialTypes,
    keys: credentials,
    credentials: credentialStore,
    grants: grantStore,
    audit: auditLog,
    config: policy,
    provisioning,
    logger,
    clock: now,
  });

  // Grants: a resource whose reads a policy can condition; lists apply
  // the conditions in SQL, single reads to the loaded grant.
  const registry = options.permissionsRegistry;
  registry.addPermissions(apiAccessPermissions);
  registry.addResourceType({
    resourceRef: grantResourceRef,
    permissions: [apiAccessGrantReadPermission],
    rules: grantPermissionRules,
    getResources: ids => grantStore.getGrantResources(grantStore.db, ids),
  });
  const grantRuleset = registry.getPermissionRuleset(grantResourceRef);
  const applyGrantConditions = createConditionAuthorizer(grantRuleset);
  registry.addResourceType({
    resourceRef: requestResourceRef,
    permissions: [
      apiAccessRequestReadPermission,
      apiAccessRequestDecidePermission,
    ],
    rules: requestPermissionRules,
    getResources: ids => requests.getResources(ids),
  });
  const toRequestFilter = createConditionTransformer(
    registry.getPermissionRuleset(requestResourceRef),
  );

  const grantAccess = new GrantAccess({
    grants: grantStore,
    permissions: options.permissions,
    catalog,
    auth,
    admins,
    toGrantFilter: createConditionTransformer(grantRuleset),
    conditionApplies: (decision, grant) =>
      applyGrantConditions(decision, grant),
  });
  const grants = new GrantService({
    live,
    requests: store,
    grants: grantStore,
    credentialStore,
    audit: auditLog,
    keys: credentials,
    provisioning,
    policy,
    notifier,
    clock,
    // A revocation shows on this replica's CRL at once.
    afterRevoke: () => certificates.invalidateCrl(),
    grantAccess,
  });
  // Incident revocation: every grant of an API, consumer or requester, each
  // through the revocation above, tied together by one batch.
  const incidentRevocations = new IncidentRevocationService({
    grants,
    grantStore,
    batches: new RevocationBatchStore(knex),
    access: grantAccess,
    audit: auditLog,
    provisioning,
    clock,
  });

  // Suspend, resume and change the plan of a live grant (its owners, admins).
  const grantPlans = new GrantPlanService({
    grants,
    grantStore,
    requests: store,
    access: grantAccess,
    audit: auditLog,
    keys: credentials,
    profiles,
    policy,
    notifier,
    live,
    clock,
    // A suspended grant's certificates are on hold on this replica's CRL at once.
    afterChange: () => certificates.invalidateCrl(),
    provisioning,
  });

  // Active grants as catalog relations, for the catalog module.
  const catalogRelations = new CatalogRelationService({
    grants: grantStore,
    allowedSubjects: policy.catalogRelations.allowedSubjects,
    clock,
  });

  // Periodic access reviews: campaigns, reminders and due dates run in
  // the lifecycle tick; owners answer on their Group page.
  const accessReviews = new AccessReviewService({
    store: new AccessReviewStore(knex),
    access: store,
    grantStore,
    credentials: credentialStore,
    audit: auditLog,
    grants,
    marks,
    notifier,
    policy,
    clock,
    admins,
    stake: requests.stake,
  });

  // Time-driven rules (expiry, reminders, stale and orphaned access,
  // deadlines, access reviews) in one tick. The scheduler runs a global
  // task on one replica at a time; each rule is idempotent besides.
  const lifecycle = new LifecycleService(clock, logger);
  lifecycle.addRule(
    ...grantLifecycleRules({
      access: store,
      grantStore,
      audit: auditLog,
      marks,
      keys: credentials,
      grants,
      provisioning,
      notifier,
      catalog,
      auth,
      policy,
      afterEnd: () => certificates.invalidateCrl(),
    }),
  );
  lifecycle.addRule(
    createReviewDeadlinesRule({
      knex,
      policy,
      audit: auditLog,
      marks,
      steps: reviewSteps,
      notifier,
    }),
  );
  lifecycle.addRule(...accessReviewRules(accessReviews));

  // Review deadlines: delegating a step, and time to decision.
  const delegation = new StepDelegationService({
    access: store,
    steps: reviewSteps,
    audit: auditLog,
    catalog,
    notifier,
    clock: now,
  });
  const timeToDecision = new TimeToDecisionService(reviewSteps, now);

  return {
    admins,
    profiles,
    requests,
    assessments,
    grants,
    incidentRevocations,
    grantPlans,
    catalogRelations,
    credentials,
    credentialTypes,
    issuer,
    certificates,
    provisioning,
    lifecycle,
    accessReviews,
    delegation,
    timeToDecision,
    toRequestFilter,
  };
}

export type ApiAccessServices = Awaited<
  ReturnType<typeof createApiAccessServices>
>;
