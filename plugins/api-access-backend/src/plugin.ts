import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
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
import { readApiAccessConfig, readCheckpointSecret } from './config';
import { AccessStore } from './requests/AccessStore';
import { AuditLog } from './audit/AuditLog';
import { CredentialStore } from './credentials/CredentialStore';
import { CredentialService } from './credentials/CredentialService';
import { BackstageNotifier } from './notifications/Notifier';
import {
  AccessRequestService,
  GrantHooks,
} from './requests/AccessRequestService';
import { ApiProfileService } from './profiles/ApiProfileService';
import { createRouter } from './http/router';
import { rejectMalformedPaths } from './http/routeKit';
import { ProvisioningStore } from './provisioning/ProvisioningStore';
import { ProvisioningService } from './provisioning/ProvisioningService';
import { GrantService } from './grants/GrantService';
import { apiAccessClockServiceRef } from './clock';
import { LifecycleMarks, LifecycleService } from './lifecycle/LifecycleService';
import { grantLifecycleRules } from './lifecycle/grantRules';
import { CertificateService } from './certificates/CertificateService';
import { createCertificateRoutes } from './certificates/routes';
import {
  ApiAccessAssessor,
  ApiAccessProvisioner,
  apiAccessAssessorsExtensionPoint,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import { AssessmentService } from './assessment/AssessmentService';
import { AssessmentStore } from './assessment/AssessmentStore';
import { createAssessmentRoutes } from './assessment/routes';
import { ReviewStepStore } from './reviews/ReviewStepStore';
import { StepDelegationService } from './reviews/StepDelegationService';
import { TimeToDecisionService } from './reviews/timeToDecision';
import { createReviewRoutes } from './reviews/routes';
import { createReviewDeadlinesRule } from './lifecycle/reviewDeadlines';
import { AccessReviewService } from './accessReviews/AccessReviewService';
import { AccessReviewStore } from './accessReviews/AccessReviewStore';
import { createAccessReviewRoutes } from './accessReviews/routes';
import { accessReviewRules } from './lifecycle/accessReviews';
import { schedulePolicyRefsCheck } from './reviews/policyRefsCheck';

/**
 * The api-access backend plugin: access requests, reviews and grants.
 *
 * @public
 */
export const apiAccessPlugin = createBackendPlugin({
  pluginId: 'api-access',
  register(env) {
    const provisioners: ApiAccessProvisioner[] = [];
    env.registerExtensionPoint(apiAccessProvisionersExtensionPoint, {
      addProvisioner(...added) {
        provisioners.push(...added);
      },
    });
    const assessors: ApiAccessAssessor[] = [];
    env.registerExtensionPoint(apiAccessAssessorsExtensionPoint, {
      addAssessor(...added) {
        assessors.push(...added);
      },
    });
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        notifications: notificationService,
        clock: apiAccessClockServiceRef,
        auth: coreServices.auth,
      },
      async init(deps) {
        const config = readApiAccessConfig(deps.config);
        if (config.gateway.allowedSubjects.length === 0) {
          deps.logger.warn(
            'apiAccess.gateway.allowedSubjects is empty: POST /introspect and /authorize refuse every caller (403). List the subject of each gateway token, e.g. the subject of its backend.auth.externalAccess static token.',
          );
        }
        const knex = await deps.database.getClient();
        if (!deps.database.migrations?.skip) {
          await knex.migrate.latest({
            directory: resolvePackagePath(
              '@api-access/backstage-plugin-api-access-backend',
              'migrations',
            ),
            tableName: 'api_access_knex_migrations',
          });
        }

        const store = new AccessStore(knex);
        const checkpointSecret = readCheckpointSecret(deps.config);
        if (!checkpointSecret) {
          deps.logger.warn(
            'api-access: neither apiAccess.audit.checkpointSecret nor backend.auth.keys is set, so audit checkpoints are not signed and GET /audit/verify rehashes the whole chain every time',
          );
        }
        const auditLog = new AuditLog(knex, { checkpointSecret });
        // Administrators are whoever the permission policy grants api-access.admin.
        const admins = new AdminCheck(deps.permissions);
        const credentialStore = new CredentialStore(knex);
        const notifier = new BackstageNotifier(deps.notifications, deps.logger);
        const now = () => deps.clock.now();
        const provisioning = new ProvisioningService(
          new ProvisioningStore(knex),
          store,
          auditLog,
          provisioners,
          config,
          deps.logger,
          notifier,
          deps.clock,
        );
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
        const profiles = new ApiProfileService(deps.catalog, config);
        const requests = new AccessRequestService(
          store,
          auditLog,
          deps.catalog,
          profiles,
          config,
          notifier,
          now,
          grantHooks,
        );
        // The request assistant: built-in checks plus module assessors, on
        // every submission and for the form's live checks.
        const assessments = new AssessmentService({
          store: new AssessmentStore(knex),
          catalog: deps.catalog,
          profiles,
          policy: config,
          logger: deps.logger,
          assessors,
          clock: now,
        });
        requests.useAssessments(assessments);
        requests.useAdmins(admins);
        if (assessments.moduleIds.length > 0) {
          deps.logger.info(
            `api-access assessors: ${assessments.moduleIds.join(', ')}`,
          );
        }
        const credentials = new CredentialService(
          credentialStore,
          store,
          auditLog,
          config,
          now,
          provisioning,
        );
        // mTLS client certificates; apiAccess.certificates is read apart from
        // the policy because it holds the CA's private key.
        const certificates = await CertificateService.fromConfig(deps.config, {
          knex,
          access: store,
          credentials: credentialStore,
          audit: auditLog,
          config,
          clock: now,
        });
        requests.offerCertificates(certificates.configured);
        const grants = new GrantService(
          store,
          credentialStore,
          auditLog,
          requests,
          credentials,
          provisioning,
          config,
          notifier,
          deps.clock,
          // A revocation shows on this replica's CRL at once.
          () => certificates.invalidateCrl(),
        );
        // Time-driven rules (expiry, reminders, stale and orphaned access,
        // deadlines, access reviews) in one tick. The scheduler runs a global
        // task on one replica at a time; each rule is idempotent besides.
        const marks = new LifecycleMarks(knex);
        const lifecycle = new LifecycleService(deps.clock, deps.logger);
        lifecycle.addRule(
          ...grantLifecycleRules({
            access: store,
            audit: auditLog,
            marks,
            keys: credentials,
            grants,
            provisioning,
            notifier,
            catalog: deps.catalog,
            auth: deps.auth,
            policy: config,
            afterEnd: () => certificates.invalidateCrl(),
          }),
        );
        lifecycle.addRule(
          createReviewDeadlinesRule({
            knex,
            policy: config,
            audit: auditLog,
            marks,
            notifier,
          }),
        );
        await deps.scheduler.scheduleTask({
          id: 'api-access-lifecycle',
          frequency: { seconds: Math.round(config.lifecycle.tickMinutes * 60) },
          timeout: { minutes: 10 },
          initialDelay: { seconds: 15 },
          fn: async () => {
            await lifecycle.tick();
          },
        });
        // Shortly after start-up, once the catalog answers: a warning for each
        // reviewer, escalation or alert group the policy names that the
        // catalog does not have. Never delays or fails start-up.
        await schedulePolicyRefsCheck({
          policy: config,
          root: deps.config,
          catalog: deps.catalog,
          auth: deps.auth,
          logger: deps.logger,
          scheduler: deps.scheduler,
        });
        // Last use is collected in memory on each replica and written once a minute.
        await deps.scheduler.scheduleTask({
          id: 'api-access-record-last-use',
          frequency: { seconds: 60 },
          timeout: { seconds: 30 },
          scope: 'local',
          fn: () => credentials.flushLastUses(),
        });
        deps.lifecycle.addShutdownHook(() => credentials.flushLastUses());
        // Tasks run right after the transaction that wrote them; this sweep
        // picks up retries that came due and work a stopped replica left.
        if (provisioners.length > 0) {
          await deps.scheduler.scheduleTask({
            id: 'api-access-provisioning',
            frequency: { seconds: 10 },
            timeout: { minutes: 10 },
            fn: async () => {
              await provisioning.runDue();
            },
          });
          deps.logger.info(
            `api-access provisioners: ${provisioners
              .map(p => p.id)
              .join(', ')}`,
          );
        }

        deps.permissionsRegistry.addPermissions(apiAccessPermissions);
        // Grants: a resource whose reads a policy can condition; lists apply
        // the conditions in SQL, single reads to the loaded grant.
        deps.permissionsRegistry.addResourceType({
          resourceRef: grantResourceRef,
          permissions: [apiAccessGrantReadPermission],
          rules: grantPermissionRules,
          getResources: ids => store.getGrantResources(store.db, ids),
        });
        const grantRuleset =
          deps.permissionsRegistry.getPermissionRuleset(grantResourceRef);
        const applyGrantConditions = createConditionAuthorizer(grantRuleset);
        grants.useAccess(
          new GrantAccess({
            access: store,
            permissions: deps.permissions,
            catalog: deps.catalog,
            auth: deps.auth,
            admins,
            toGrantFilter: createConditionTransformer(grantRuleset),
            conditionApplies: (decision, grant) =>
              applyGrantConditions(decision, grant),
          }),
        );
        deps.permissionsRegistry.addResourceType({
          resourceRef: requestResourceRef,
          permissions: [
            apiAccessRequestReadPermission,
            apiAccessRequestDecidePermission,
          ],
          rules: requestPermissionRules,
          getResources: ids => requests.getResources(ids),
        });
        const toRequestFilter = createConditionTransformer(
          deps.permissionsRegistry.getPermissionRuleset(requestResourceRef),
        );

        // Ids and names in paths are bounded, printable text before any
        // route quotes them or hands them to SQL.
        deps.httpRouter.use(rejectMalformedPaths());
        // Before the main router: its router-wide 100 KB JSON parser would
        // otherwise read the body first and the certificate route's own 64 KB
        // limit would never apply.
        deps.httpRouter.use(
          createCertificateRoutes({
            certificates,
            readableGrant: (id, caller) => grants.readable(id, caller),
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            auditor: deps.auditor,
          }),
        );
        // Also before the main router, for the same reason: delegation and
        // the access-review answers and starts have their own 16 KB limits.
        // Review deadlines: delegating a step, and time to decision.
        const reviewSteps = new ReviewStepStore(knex);
        deps.httpRouter.use(
          createReviewRoutes({
            requests,
            delegation: new StepDelegationService({
              access: store,
              steps: reviewSteps,
              audit: auditLog,
              catalog: deps.catalog,
              notifier,
              clock: now,
            }),
            timeToDecision: new TimeToDecisionService(reviewSteps, now),
            toRequestFilter,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );
        // Periodic access reviews: campaigns, reminders and due dates run in
        // the lifecycle tick; owners answer on their Group page.
        const accessReviews = new AccessReviewService({
          store: new AccessReviewStore(knex),
          access: store,
          credentials: credentialStore,
          audit: auditLog,
          grants,
          marks: new LifecycleMarks(knex),
          notifier,
          policy: config,
          clock: deps.clock,
          admins,
          stake: requests.stake,
        });
        lifecycle.addRule(...accessReviewRules(accessReviews));
        deps.httpRouter.use(
          createAccessReviewRoutes({
            reviews: accessReviews,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auditor: deps.auditor,
            requests,
            profiles,
            keys: credentials,
            grants,
            lifecycle,
            provisioning,
            admins,
            toRequestFilter,
          }),
        );
        deps.httpRouter.use(
          createAssessmentRoutes({
            assessments,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
        // A CA certificate and its CRL are public by design.
        deps.httpRouter.addAuthPolicy({
          path: '/certificates',
          allow: 'unauthenticated',
        });
        deps.logger.info('api-access backend ready');
      },
    });
  },
});
