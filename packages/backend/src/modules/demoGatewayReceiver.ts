/*
 * Demo only: the other end of the api-access webhook provisioner, so the demo
 * shows deliveries arriving. It verifies each delivery's signature the way a
 * real gateway sync service would, remembers the last 100 in memory, and
 * lists them at GET /api/api-access-demo-gateway/deliveries.
 *
 * It de-duplicates on the signed event id (X-Api-Access-Event-Id) for ten
 * minutes, twice the signature's five-minute tolerance: a delivery seen
 * before, whether replayed by someone who captured it or retried by the
 * backend after a lost answer, is answered 200 with `duplicate: true` and not
 * applied (listed) again. 200 rather than 409, so the backend's retry of a
 * delivery that was applied counts as delivered instead of failing the task.
 */
import express from 'express';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  createReplayGuard,
  verifyApiAccessSignature,
} from '@api-access/backstage-plugin-api-access-backend-module-webhook';

interface Delivery {
  receivedAt: string;
  /** The event id. */
  delivery: string;
  type: string;
  grantId: string;
  apiRef: string;
  consumerRef: string;
  signatureValid: boolean;
}

export const demoGatewayReceiver = createBackendPlugin({
  pluginId: 'api-access-demo-gateway',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
      },
      async init({ config, httpRouter, logger }) {
        const secret = config.getOptionalString('apiAccessDemo.webhookSecret');
        if (!secret) return;
        const deliveries: Delivery[] = [];
        const seen = createReplayGuard();
        const router = Router();
        router.post(
          '/hooks',
          express.text({ type: 'application/json', limit: '64kb' }),
          (req, res) => {
            const body = typeof req.body === 'string' ? req.body : '';
            const eventId = req.header('x-api-access-event-id');
            const signatureValid = verifyApiAccessSignature({
              secret,
              body,
              timestamp: req.header('x-api-access-timestamp'),
              eventId,
              signature: req.header('x-api-access-signature'),
            });
            if (!signatureValid) {
              logger.warn('Refused a webhook delivery with a bad signature');
              res.status(401).json({ error: 'bad signature' });
              return;
            }
            const event = JSON.parse(body);
            const claim = seen.claim(eventId!);
            if (claim === 'full') {
              res
                .status(503)
                .json({ error: 'too many deliveries, retry later' });
              return;
            }
            if (claim === 'seen') {
              logger.info(
                `Demo gateway ignored ${event.type} ${eventId}: delivered before`,
              );
              res.json({
                reference: `demo-${event.grant?.id}`,
                duplicate: true,
              });
              return;
            }
            deliveries.unshift({
              receivedAt: new Date().toISOString(),
              delivery: eventId!,
              type: event.type,
              grantId: event.grant?.id,
              apiRef: event.grant?.apiRef,
              consumerRef: event.grant?.consumerRef,
              signatureValid,
            });
            deliveries.splice(100);
            logger.info(
              `Demo gateway received ${event.type} for grant ${event.grant?.id}`,
            );
            res.json({ reference: `demo-${event.grant?.id}` });
          },
        );
        router.get('/deliveries', (_req, res) => {
          res.json({ items: deliveries });
        });
        httpRouter.use(router);
        // The signature authenticates deliveries; the list holds no secrets.
        httpRouter.addAuthPolicy({ path: '/hooks', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({
          path: '/deliveries',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
