/*
 * The time, as a service, so tests can move it: expiry, overlaps, backoff and
 * lifecycle rules are all tested by setting this clock, not by waiting.
 */
import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

export interface ApiAccessClock {
  now(): Date;
}

export const systemClock: ApiAccessClock = { now: () => new Date() };

/**
 * The clock the api-access backend reads. Tests replace it with
 * `createServiceFactory({ service: apiAccessClockServiceRef, deps: {}, factory: () => fake })`.
 */
export const apiAccessClockServiceRef = createServiceRef<ApiAccessClock>({
  id: 'api-access.clock',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => systemClock,
    }),
});
