/*
 * The api-access plugin for Backstage's new frontend system: entity cards for
 * API, Group and Component pages, the API client, and the plugin page.
 */
import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import {
  EXTERNAL_GROUP_TYPES,
  isApiAccessAvailable,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessClient } from './api/ApiAccessClient';
import { apiAccessApiRef } from './api/ApiAccessApi';
import { ApiAccessIcon } from './components/ApiAccessIcon';
import { hasApiAccessContent } from './components/EntityApiAccessContent/hasApiAccessContent';
import { requestRouteRef, rootRouteRef } from './routes';

const isKind = (kind: string) => (entity: Entity) =>
  entity.kind.toLocaleLowerCase('en-US') === kind;

const apiAccessApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: apiAccessApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new ApiAccessClient(deps),
    }),
});

const apiAccessCard = EntityCardBlueprint.make({
  name: 'api-access',
  params: {
    // Beside "About": owner, classification and the button are a summary.
    type: 'info',
    filter: isApiAccessAvailable,
    loader: () =>
      import('./components/ApiAccessCard').then(m => <m.ApiAccessCard />),
  },
});

const reviewInboxCard = EntityCardBlueprint.make({
  name: 'review-inbox',
  params: {
    filter: isKind('group'),
    loader: () =>
      import('./components/ReviewInboxCard').then(m => <m.ReviewInboxCard />),
  },
});

const accessReviewsCard = EntityCardBlueprint.make({
  name: 'access-reviews',
  params: {
    filter: isKind('group'),
    loader: () =>
      import('./components/AccessReviewCard').then(m => <m.AccessReviewCard />),
  },
});

const grantsCard = EntityCardBlueprint.make({
  name: 'grants',
  params: {
    filter: entity =>
      isKind('component')(entity) ||
      (isKind('group')(entity) &&
        EXTERNAL_GROUP_TYPES.includes(String(entity.spec?.type))),
    loader: () =>
      import('./components/ConsumerGrantsCard').then(m => (
        <m.ConsumerGrantsCard />
      )),
  },
});

const apiGrantsCard = EntityCardBlueprint.make({
  name: 'api-grants',
  params: {
    filter: isApiAccessAvailable,
    loader: () =>
      import('./components/ApiGrantsCard').then(m => <m.ApiGrantsCard />),
  },
});

const ownerGrantsCard = EntityCardBlueprint.make({
  name: 'owner-grants',
  params: {
    filter: isKind('group'),
    loader: () =>
      import('./components/OwnerGrantsCard').then(m => <m.OwnerGrantsCard />),
  },
});

// A tab on API, Component and Group pages: the cards' grants and reviews at
// full width. The cards stay on the overview.
const apiAccessContent = EntityContentBlueprint.make({
  params: {
    path: '/api-access',
    title: 'API access',
    filter: hasApiAccessContent,
    loader: () =>
      import('./components/EntityApiAccessContent').then(m => (
        <m.EntityApiAccessContent />
      )),
  },
});

// Title and icon make the app's nav list the page: since
// frontend-plugin-api 0.17 nav items come from PageBlueprint params (the
// NavItemBlueprint is gone), in 0.18 and 1.0 alike; a page without an icon
// gets no nav item.
const myRequestsPage = PageBlueprint.make({
  params: {
    path: '/api-access',
    title: 'API access',
    icon: <ApiAccessIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/ApiAccessPage').then(m => <m.ApiAccessPage />),
  },
});

// Home page widgets (with @backstage/plugin-home installed): what waits for
// my review, and my access that ends soon.
const reviewQueueHomeWidget = HomePageWidgetBlueprint.make({
  name: 'review-queue',
  params: {
    name: 'ApiAccessReviewQueueHomeCard',
    title: 'Waiting for my review',
    description:
      'Access requests a pending step of one of your groups waits on',
    components: () =>
      import('./components/HomeCards').then(m => ({
        Content: m.ReviewQueueHomeCardContent,
      })),
  },
});

const expiringAccessHomeWidget = HomePageWidgetBlueprint.make({
  name: 'expiring-access',
  params: {
    name: 'ApiAccessExpiringHomeCard',
    title: 'My access expiring soon',
    description: 'Grants you asked for that end within 30 days',
    components: () =>
      import('./components/HomeCards').then(m => ({
        Content: m.ExpiringAccessHomeCardContent,
      })),
  },
});

// The plugin's messages, for apps to translate or reword with
// createTranslationResource.
export { apiAccessTranslationRef } from './translation';

/**
 * The api-access plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'api-access',
  title: 'API access',
  icon: <ApiAccessIcon fontSize="inherit" />,
  extensions: [
    apiAccessApi,
    apiAccessCard,
    reviewInboxCard,
    accessReviewsCard,
    grantsCard,
    apiGrantsCard,
    ownerGrantsCard,
    apiAccessContent,
    myRequestsPage,
    reviewQueueHomeWidget,
    expiringAccessHomeWidget,
  ],
  routes: { root: rootRouteRef, request: requestRouteRef },
});
