// ******************************************************************
// * THIS FILE IS GENERATED FROM plugins/api-access-backend/src/schema/openapi.yaml
// * by scripts/openapi/generate.mjs (yarn openapi:generate). DO NOT EDIT IT.
// ******************************************************************

// The client only: its methods carry the document's types. The types
// themselves (./schema) stay internal, so the API report shows the client's
// surface and openapi.yaml's own diff shows the contract's details.
export * from './client';
