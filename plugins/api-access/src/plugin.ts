/*
 * Exports for apps on Backstage's legacy frontend system. Apps on the new
 * frontend system use the default export of `@api-access/backstage-plugin-api-access/alpha`.
 */
import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createCardExtension } from '@backstage/plugin-home-react';
import { ApiAccessClient } from './api/ApiAccessClient';
import { apiAccessApiRef } from './api/ApiAccessApi';
import { requestRouteRef, rootRouteRef } from './routes';

export const apiAccessPlugin = createPlugin({
  id: 'api-access',
  apis: [
    createApiFactory({
      api: apiAccessApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new ApiAccessClient(deps),
    }),
  ],
  routes: { root: rootRouteRef, request: requestRouteRef },
});

/** For API entity pages: owner, classification, scopes and "Request access". */
export const EntityApiAccessCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityApiAccessCard',
    component: {
      lazy: () =>
        import('./components/ApiAccessCard').then(m => m.ApiAccessCard),
    },
  }),
);

/** For Group entity pages: requests awaiting the group's decision. */
export const EntityAccessReviewCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityAccessReviewCard',
    component: {
      lazy: () =>
        import('./components/ReviewInboxCard').then(m => m.ReviewInboxCard),
    },
  }),
);

/**
 * For Group entity pages: the group's periodic access reviews, where members
 * keep or revoke each grant on the group's APIs.
 */
export const EntityPeriodicAccessReviewCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityPeriodicAccessReviewCard',
    component: {
      lazy: () =>
        import('./components/AccessReviewCard').then(m => m.AccessReviewCard),
    },
  }),
);

/** For Component (and partner Group) entity pages: the API access it holds. */
export const EntityApiGrantsCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityApiGrantsCard',
    component: {
      lazy: () =>
        import('./components/ConsumerGrantsCard').then(
          m => m.ConsumerGrantsCard,
        ),
    },
  }),
);

/** For API entity pages: who holds access to the API; owners can revoke. */
export const EntityApiAccessGrantsCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityApiAccessGrantsCard',
    component: {
      lazy: () =>
        import('./components/ApiGrantsCard').then(m => m.ApiGrantsCard),
    },
  }),
);

/** For Group entity pages: access to the group's APIs that is expiring, stale, orphaned or failing to revoke. */
export const EntityOwnerGrantsCard = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityOwnerGrantsCard',
    component: {
      lazy: () =>
        import('./components/OwnerGrantsCard').then(m => m.OwnerGrantsCard),
    },
  }),
);

/**
 * A tab for API, Component and Group pages: their grants and reviews at full
 * width, e.g. `<EntityLayout.Route path="/api-access" title="API access">`.
 */
export const EntityApiAccessContent = apiAccessPlugin.provide(
  createComponentExtension({
    name: 'EntityApiAccessContent',
    component: {
      lazy: () =>
        import('./components/EntityApiAccessContent').then(
          m => m.EntityApiAccessContent,
        ),
    },
  }),
);

/** The plugin page: the signed-in user's requests. */
export const ApiAccessPage = apiAccessPlugin.provide(
  createRoutableExtension({
    name: 'ApiAccessPage',
    component: () =>
      import('./components/ApiAccessPage').then(m => m.ApiAccessPage),
    mountPoint: rootRouteRef,
  }),
);

/** A home page card: the access requests waiting for the signed-in user's review. */
export const ApiAccessReviewQueueHomeCard = apiAccessPlugin.provide(
  createCardExtension({
    name: 'ApiAccessReviewQueueHomeCard',
    title: 'Waiting for my review',
    components: () =>
      import('./components/HomeCards').then(m => ({
        Content: m.ReviewQueueHomeCardContent,
      })),
  }),
);

/** A home page card: the signed-in user's grants that end within 30 days. */
export const ApiAccessExpiringHomeCard = apiAccessPlugin.provide(
  createCardExtension({
    name: 'ApiAccessExpiringHomeCard',
    title: 'My access expiring soon',
    components: () =>
      import('./components/HomeCards').then(m => ({
        Content: m.ExpiringAccessHomeCardContent,
      })),
  }),
);
