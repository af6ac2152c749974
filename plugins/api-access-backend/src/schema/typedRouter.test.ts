/*
 * The document-typed router: tsc (in CI) checks the @ts-expect-error lines,
 * so a router that stopped refusing undocumented routes or answers would
 * fail the type check; jest checks it still routes like express.
 */
import express from 'express';
import request from 'supertest';
import { createDocumentedRouter } from './typedRouter';

describe('createDocumentedRouter', () => {
  it('routes like an express router, typed by the document', async () => {
    const router = createDocumentedRouter();
    router.get('/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    router.get('/requests/:id', (req, res, next) => {
      const id: string = req.params.id;
      if (id === 'missing') {
        res.status(404).json({
          error: { name: 'NotFoundError', message: 'no such request' },
          request: { method: 'GET', url: req.url },
          response: { statusCode: 404 },
        });
        return;
      }
      next();
    });
    // @ts-expect-error: the document has no GET /nothing
    router.get('/nothing', (_req, res) => res.json({}));
    router.get('/health', (_req, res) => {
      // @ts-expect-error: not an answer the document gives GET /health
      res.json({ healthy: true });
    });
    router.post('/requests/:id/decisions', req => {
      // @ts-expect-error: the document names no such path parameter
      return req.params.decisionId;
    });

    const app = express().use(router);
    expect((await request(app).get('/health')).body).toEqual({
      status: 'ok',
    });
    expect((await request(app).get('/requests/missing')).status).toBe(404);
    expect((await request(app).get('/nothing')).status).toBe(200);
  });
});
