/*
 * Kept only for src/schema/openapi.test.ts, which the OpenAPI work owns and
 * which imports the router from here; the router lives in http/router.ts.
 * Delete this file once that test imports from there.
 */
export { createRouter } from '../http/router';
