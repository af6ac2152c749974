/*
 * An express router typed by the OpenAPI document (generated/schema.ts, from
 * openapi.yaml): a route the document does not declare for that method does
 * not compile, and neither does a `res.json(...)` whose body is not one of
 * the answers the document gives that operation. Request bodies and queries
 * stay `unknown` to the handler on purpose: the zod schemas in -common parse
 * them, so a 400 names every bad field in plain words. openapi.test.ts checks
 * the same agreement at run time (routes both ways, live answers).
 */
import express, { NextFunction, Request, Response } from 'express';
import Router from 'express-promise-router';
import type { paths } from './generated/schema';

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

/** `/requests/{id}/steps/{stepId}` -> `/requests/:id/steps/:stepId`. */
export type ExpressPath<P extends string> =
  P extends `${infer Head}{${infer Param}}${infer Tail}`
    ? `${Head}:${Param}${ExpressPath<Tail>}`
    : P;

/** Each operation the document declares for one method, with its express path. */
type Entry<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never]
    ? never
    : { path: ExpressPath<P & string>; op: NonNullable<paths[P][M]> };
}[keyof paths];

/** The express paths the document declares for one method. */
export type DocumentedPath<M extends Method> = Entry<M>['path'];

type OperationAt<M extends Method, P> = Extract<Entry<M>, { path: P }>['op'];

type ContentOf<R> = R extends { content: infer C }
  ? C extends { 'application/json': infer J }
    ? J
    : string
  : never;

/** Every body the document lets this operation answer (successes and errors). */
export type AnswerOf<Op> = Op extends { responses: infer Responses }
  ? { [Code in keyof Responses]: ContentOf<Responses[Code]> }[keyof Responses]
  : never;

type PathParamsOf<Op> = Op extends {
  parameters: { path: infer Params };
}
  ? Params extends Record<string, unknown>
    ? { [K in keyof Params]: string }
    : Record<string, string>
  : Record<string, string>;

/** A handler of one documented operation. */
export type DocumentedHandler<Op> = (
  req: Request<PathParamsOf<Op>, AnswerOf<Op>, unknown>,
  res: Response<AnswerOf<Op>>,
  next: NextFunction,
) => unknown;

/** Middleware (body limits, auth) and the handler, all typed by the operation. */
type Route<M extends Method> = <P extends DocumentedPath<M>>(
  path: P,
  ...handlers: Array<DocumentedHandler<OperationAt<M, P>>>
) => DocumentedRouter;

/**
 * express.Router with get/post/... narrowed to the document's routes; still a
 * request handler, so it mounts like any router (`router.use(documented)`).
 */
export type DocumentedRouter = Omit<
  express.Router,
  'get' | 'post' | 'put' | 'delete' | 'patch'
> &
  ((req: Request, res: Response, next: NextFunction) => void) & {
  get: Route<'get'>;
  post: Route<'post'>;
  put: Route<'put'>;
  delete: Route<'delete'>;
  patch: Route<'patch'>;
};

/**
 * A plain express-promise-router at run time (an async handler's rejection
 * reaches the error handler); only its types come from the document.
 */
export function createDocumentedRouter(): DocumentedRouter {
  return Router() as unknown as DocumentedRouter;
}
