/*
 * A real HTTP receiver on a free local port, verifying every delivery with
 * the exported helper, as a receiving gateway would.
 */
import {
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
  createServer,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { ProvisioningTask } from '@api-access/backstage-plugin-api-access-node';
import { verifyApiAccessSignature } from '../signature';
import { ApiAccessReplayGuard } from '../replayGuard';

export interface ReceivedDelivery {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body. */
  body: string;
  json: any;
  /** Signature, timestamp and event id checked with verifyApiAccessSignature. */
  verified: boolean;
}

export type Responder = (
  delivery: ReceivedDelivery,
  res: ServerResponse,
  req: IncomingMessage,
) => void;

/** Answers 200 with a reference if the signature checks out, else 401. */
export const verifyingResponder: Responder = (delivery, res) => {
  if (!delivery.verified) {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'bad signature' }));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ reference: `consumer-${delivery.json.grant.id}` }));
};

/**
 * Like verifyingResponder, and de-duplicates on the signed event id as the
 * README tells receivers to: a delivery seen before answers 200 with
 * `duplicate: true` and is not applied again. `applied` lists what was.
 */
export function dedupingResponder(guard: ApiAccessReplayGuard): {
  respond: Responder;
  applied: ReceivedDelivery[];
} {
  const applied: ReceivedDelivery[] = [];
  const respond: Responder = (delivery, res) => {
    if (!delivery.verified) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'bad signature' }));
      return;
    }
    const claim = guard.claim(
      String(delivery.headers['x-api-access-event-id']),
    );
    if (claim === 'full') {
      res.writeHead(503).end();
      return;
    }
    if (claim === 'new') applied.push(delivery);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        reference: `consumer-${delivery.json.grant.id}`,
        duplicate: claim === 'seen',
      }),
    );
  };
  return { respond, applied };
}

export interface TestReceiver {
  url: string;
  deliveries: ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startReceiver(options: {
  secret: string;
  respond?: Responder;
}): Promise<TestReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const respond = options.respond ?? verifyingResponder;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const delivery: ReceivedDelivery = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        verified: verifyApiAccessSignature({
          secret: options.secret,
          timestamp: req.headers['x-api-access-timestamp'] as string,
          eventId: req.headers['x-api-access-event-id'] as string,
          body,
          signature: req.headers['x-api-access-signature'] as string,
        }),
      };
      deliveries.push(delivery);
      respond(delivery, res, req);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/api-access`,
    deliveries,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/api-access`;
}

export function makeTask(
  overrides: Partial<ProvisioningTask> = {},
): ProvisioningTask {
  return {
    id: 'task-0001',
    action: 'provision',
    attempt: 1,
    grant: {
      id: 'grant-42',
      requestId: 'request-7',
      apiRef: 'api:default/petstore',
      consumerRef: 'component:default/artist-lookup',
      requesterRef: 'user:default/breanna.davison',
      environment: 'production',
      scopes: ['pets:read', 'pets:write'],
      credentialType: 'api-key',
      expiresAt: '2026-06-30T00:00:00.000Z',
    },
    ...overrides,
  };
}
