import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  ApiAccessAssessor,
  ApiAccessCredentialType,
  ApiAccessProvisioner,
  apiAccessAssessorsExtensionPoint,
  apiAccessCredentialTypesExtensionPoint,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import { readApiAccessConfig, readCheckpointSecret } from './config';
import { apiAccessClockServiceRef } from './clock';
import { createApiAccessServices } from './createApiAccessServices';
import { createRouter } from './http/router';
import { rejectMalformedPaths } from './http/routeKit';
import { createCertificateRoutes } from './certificates/routes';
import { createAssessmentRoutes } from './assessment/routes';
import { createReviewRoutes } from './reviews/routes';
import { createAccessReviewRoutes } from './accessReviews/routes';
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
    const credentialTypes: ApiAccessCredentialType[] = [];
    env.registerExtensionPoint(apiAccessCredentialTypesExtensionPoint, {
      addCredentialType(...added) {
        credentialTypes.push(...added);
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
        signals: signalsServiceRef,
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

        const checkpointSecret = readCheckpointSecret(deps.config);
        if (!checkpointSecret) {
          deps.logger.warn(
            'api-access: neither apiAccess.audit.checkpointSecret nor backend.auth.keys is set, so audit checkpoints are not signed and GET /audit/verify rehashes the whole chain every time',
          );
        }
        const services = await createApiAccessServices({
          knex,
          policy: config,
          rootConfig: deps.config,
          checkpointSecret,
          logger: deps.logger,
          permissions: deps.permissions,
          permissionsRegistry: deps.permissionsRegistry,
          catalog: deps.catalog,
          notifications: deps.notifications,
          signals: deps.signals,
          clock: deps.clock,
          auth: deps.auth,
          provisioners,
          assessors,
          credentialTypes,
        });
        const {
          requests,
          assessments,
          grants,
          credentials,
          certificates,
          provisioning,
          lifecycle,
          accessReviews,
          toRequestFilter,
        } = services;
        if (credentialTypes.length > 0) {
          deps.logger.info(
            `api-access credential types from modules: ${credentialTypes
              .map(t => t.id)
              .join(', ')}`,
          );
        }
        if (assessments.moduleIds.length > 0) {
          deps.logger.info(
            `api-access assessors: ${assessments.moduleIds.join(', ')}`,
          );
        }
        // Time-driven rules in one tick. The scheduler runs a global task on
        // one replica at a time; each rule is idempotent besides.
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
        // Other replicas' revocations drop this replica's cached answers.
        await credentials.start();
        deps.lifecycle.addShutdownHook(async () => {
          await credentials.flushLastUses();
          await credentials.stop();
        });
        // Tasks run right after the transaction that wrote them; this sweep
        // picks up retries that came due and work a stopped replica left.
        const allProvisioners = [
          ...provisioners,
          ...services.credentialTypes.provisioners(),
        ];
        if (allProvisioners.length > 0) {
          await deps.scheduler.scheduleTask({
            id: 'api-access-provisioning',
            frequency: { seconds: 10 },
            timeout: { minutes: 10 },
            fn: async () => {
              await provisioning.runDue();
            },
          });
          deps.logger.info(
            `api-access provisioners: ${allProvisioners
              .map(p => p.id)
              .join(', ')}`,
          );
        }

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
        deps.httpRouter.use(
          createReviewRoutes({
            requests,
            delegation: services.delegation,
            timeToDecision: services.timeToDecision,
            toRequestFilter,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );
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
            profiles: services.profiles,
            keys: credentials,
            credentialTypes: services.credentialTypes,
            issuer: services.issuer,
            grants,
            incidentRevocations: services.incidentRevocations,
            grantPlans: services.grantPlans,
            catalogRelations: services.catalogRelations,
            lifecycle,
            provisioning,
            admins: services.admins,
            toRequestFilter,
            logger: deps.logger,
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
