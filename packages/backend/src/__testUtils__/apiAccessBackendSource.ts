/*
 * The api-access backend's own test harness and internals, for the tests
 * that live with the demo because they need this repository: the demo
 * catalog and app-config (assessment/demoFindings), the nginx recipe in
 * examples/nginx and Debian's nginx (gateway/). They import the plugin's
 * source by path on purpose: the harness is built on dev-only packages and
 * the clock and config readers are internal, so exporting them from the
 * published package (a `./testUtils` entry point) would make them public API
 * with runtime dependencies on test tools. This file is the one place that
 * reaches across; the demo backend is private and never published.
 */
/* eslint-disable @backstage/no-relative-monorepo-imports */
export {
  createTestDatabases,
  FIXTURE_CATALOG,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../../../../plugins/api-access-backend/src/__testUtils__/testBackend';
export { apiAccessClockServiceRef } from '../../../../plugins/api-access-backend/src/clock';
export { makeCa } from '../../../../plugins/api-access-backend/src/certificates/__testUtils__/pki';
export { readApiAccessConfig } from '../../../../plugins/api-access-backend/src/config';
export { scopesFromDefinition } from '../../../../plugins/api-access-backend/src/domain/definitionScopes';
export {
  createTestTokenType,
  TEST_TOKEN_TYPE_ID,
  testTokenTypeModule,
} from '../../../../plugins/api-access-backend/src/__testUtils__/testTokenType';
/* eslint-enable @backstage/no-relative-monorepo-imports */
