/*
 * The plugin's routes, for both frontend systems (core-plugin-api's refs are
 * also new-frontend-system refs). Links are built from these with
 * useRouteRef, so the page may be mounted anywhere the app likes.
 */
import { createRouteRef, createSubRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({ id: 'api-access' });

/** One request's page; notifications link here too. */
export const requestRouteRef = createSubRouteRef({
  id: 'api-access/request',
  parent: rootRouteRef,
  path: '/requests/:id',
});

/** An incident revocation batch's progress, until every provisioner confirmed. */
export const revocationRouteRef = createSubRouteRef({
  id: 'api-access/revocation',
  parent: rootRouteRef,
  path: '/revocations/:batchId',
});
