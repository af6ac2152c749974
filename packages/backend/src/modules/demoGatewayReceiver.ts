/*
 * Demo only: the other end of the api-access webhook provisioner, so the demo
 * shows deliveries arriving. It verifies each delivery's signature the way a
 * real gateway sync service would, remembers the last 100 in memory, and
 * lists them at GET /api/api-access-demo-gateway/deliveries.
 */
import express from 'express';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { verifyApiAccessSignature } from '@internal/plugin-api-access-backend-module-webhook';

interface Delivery {
  receivedAt: string;
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
        const router = Router();
        router.post(
          '/hooks',
          express.text({ type: 'application/json', limit: '64kb' }),
          (req, res) => {
            const body = typeof req.body === 'string' ? req.body : '';
            const signatureValid = verifyApiAccessSignature({
              secret,
              body,
              timestamp: req.header('x-api-access-timestamp'),
              signature: req.header('x-api-access-signature'),
            });
            if (!signatureValid) {
              logger.warn('Refused a webhook delivery with a bad signature');
              res.status(401).json({ error: 'bad signature' });
              return;
            }
            const event = JSON.parse(body);
            deliveries.unshift({
              receivedAt: new Date().toISOString(),
              delivery: event.id,
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
