/*
 * The demo's webhook receiver: it applies a signed delivery once, answers a
 * replay of it (or the backend's retry) 200 without applying it again, and
 * refuses a captured delivery presented under another event id.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { signApiAccessPayload } from '@api-access/backstage-plugin-api-access-backend-module-webhook';
import request from 'supertest';
import { demoGatewayReceiver } from './demoGatewayReceiver';

const secret = 'demo-receiver-test-secret-0123456789';

describe('demoGatewayReceiver', () => {
  it('applies a delivery once and ignores its replay', async () => {
    const backend = await startTestBackend({
      features: [
        demoGatewayReceiver,
        mockServices.rootConfig.factory({
          data: { apiAccessDemo: { webhookSecret: secret } },
        }),
      ],
    });
    const { server } = backend;
    try {
      const eventId = 'b0c1d2e3-task';
      const body = JSON.stringify({
        id: eventId,
        type: 'api-access.grant.provision',
        attempt: 1,
        grant: {
          id: 'grant-1',
          apiRef: 'api:default/petstore',
          consumerRef: 'component:default/team-a-service',
        },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = {
        'Content-Type': 'application/json',
        'X-Api-Access-Event-Id': eventId,
        'X-Api-Access-Timestamp': timestamp,
        'X-Api-Access-Signature': signApiAccessPayload({
          secret,
          timestamp,
          eventId,
          body,
        }),
      };
      const send = (extra: Record<string, string> = {}) =>
        request(server)
          .post('/api/api-access-demo-gateway/hooks')
          .set({ ...headers, ...extra })
          .send(body);

      const first = await send();
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ reference: 'demo-grant-1' });
      const replayed = await send();
      expect(replayed.status).toBe(200);
      expect(replayed.body).toEqual({
        reference: 'demo-grant-1',
        duplicate: true,
      });
      const renamed = await send({ 'X-Api-Access-Event-Id': 'another-id' });
      expect(renamed.status).toBe(401);

      const listed = await request(server).get(
        '/api/api-access-demo-gateway/deliveries',
      );
      expect(listed.body.items).toEqual([
        expect.objectContaining({ delivery: eventId, grantId: 'grant-1' }),
      ]);
    } finally {
      await backend.stop();
    }
  });
});
