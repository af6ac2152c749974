/*
 * The demo Backstage backend: the catalog, auth, permissions, notifications
 * and the api-access plugin, on an in-memory SQLite database by default.
 */
import { createBackend } from '@backstage/backend-defaults';
import { authModuleDemoProvider } from './modules/demoAuthProvider';
import { catalogModuleDemoOverlay } from './modules/demoCatalogOverlay';
import { catalogModuleExampleCompat } from './modules/exampleCatalogCompat';
import { demoGatewayReceiver } from './modules/demoGatewayReceiver';
import { demoIdentityProvider } from './modules/demoIdentityProvider';
import { permissionModuleDemoPolicy } from './modules/demoPermissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
// Sign in as any catalog user; only active where app-config enables it.
backend.add(authModuleDemoProvider);

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(catalogModuleExampleCompat);
// Log entities the catalog could not process, so a broken example is visible.
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(catalogModuleDemoOverlay);
// Active api-access grants as consumesApi / apiConsumedBy relations, so the
// catalog's Consumed APIs and Consumers cards show who holds access. The
// demo's app-config processes the catalog every 15-22 s and caches grants for
// 5 s, so a grant's relations come and go within about half a minute (with
// the catalog's default 100-150 s and cacheSeconds 30: about 3 minutes).
backend.add(
  import('@api-access/backstage-plugin-catalog-backend-module-api-access'),
);

// Software templates (Template entities) and the scaffolder, with the
// api-access:request action: the "New integration" template in
// catalog/templates requests access as the user who runs it.
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@api-access/backstage-plugin-scaffolder-backend-module-api-access'),
);

backend.add(import('@backstage/plugin-permission-backend'));
// Everything allowed except api-access.admin (only group api-access-admins)
// and api-access.audit.export (only group compliance).
backend.add(permissionModuleDemoPolicy);

// The event bus the catalog, notifications and signals publish to.
backend.add(import('@backstage/plugin-events-backend'));

backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@api-access/backstage-plugin-api-access-backend'));
// Signed webhooks to a gateway on grant provision, rotate and revoke.
backend.add(
  import('@api-access/backstage-plugin-api-access-backend-module-webhook'),
);
// Demo only: receives those webhooks (see apiAccessDemo.webhookSecret).
backend.add(demoGatewayReceiver);
// The oauth2-client credential type: one OAuth2 client per grant at the
// identity provider in apiAccess.oauth2Client (docs/oauth2-clients.md).
backend.add(
  import(
    '@api-access/backstage-plugin-api-access-backend-module-oauth2-client'
  ),
);
// Demo only: that identity provider, on 127.0.0.1:7010, stopped with the
// backend (see apiAccessDemo.identityProvider).
backend.add(demoIdentityProvider);

backend.start();
