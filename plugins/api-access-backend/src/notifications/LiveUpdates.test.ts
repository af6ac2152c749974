/*
 * Live updates end to end inside the backend, on SQLite and PostgreSQL: the
 * real signals service (signals-node's default, over the real in-process
 * events bus) carries a message on the `api-access` channel to the people
 * whose screens show a request or grant, after each change. A recorder
 * plugin subscribes to the events bus as the signals backend would.
 */
import {
  createBackendPlugin,
  coreServices,
} from '@backstage/backend-plugin-api';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import {
  SUITE_ENTITIES,
  as,
  client,
  productionDraft,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();

interface Recorded {
  recipients: { type: string; entityRef?: string[] };
  channel: string;
  message: { kind: string; id: string; status: string };
}

function signalRecorder(recorded: Recorded[]) {
  return createBackendPlugin({
    pluginId: 'signal-recorder',
    register(env) {
      env.registerInit({
        deps: { events: eventsServiceRef, logger: coreServices.logger },
        async init({ events }) {
          await events.subscribe({
            id: 'signal-recorder',
            topics: ['signals'],
            onEvent: async event => {
              recorded.push(event.eventPayload as Recorded);
            },
          });
        },
      });
    },
  });
}

describe.each(databases.eachSupportedId())('live updates on %p', databaseId => {
  const recorded: Recorded[] = [];
  let http: ReturnType<typeof client>;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startApiAccessBackend({
      knex: await databases.init(databaseId),
      // The real events service (startTestBackend's mock keeps one bus per
      // plugin), in-process only: there is no events backend here.
      config: { events: { useEventBus: 'never' } },
      extraFeatures: [eventsServiceFactory, signalRecorder(recorded)],
      waitFor: SUITE_ENTITIES,
    });
    http = client(backend.server);
    stop = () => backend.stop();
  }, 120_000);

  afterAll(async () => {
    await stop?.();
  });

  const about = (id: string) =>
    recorded
      .filter(r => r.message.id === id)
      .map(r => ({
        to: [...(r.recipients.entityRef ?? [])].sort(),
        channel: r.channel,
        ...r.message,
      }));

  it("tells the requester and each step's reviewers when a request changes, and a grant's requester and owner when it ends", async () => {
    const created = await http.submit('requester', productionDraft);
    expect(about(created.id)).toEqual([
      {
        to: [
          'group:default/security',
          'group:default/team-c',
          'user:default/requester',
        ],
        channel: 'api-access',
        kind: 'request',
        id: created.id,
        status: 'in_review',
      },
    ]);

    expect(
      (await http.decide('owner.one', created.id, { decision: 'approve' }))
        .status,
    ).toBe(201);
    const approved = await http.decide('sec.one', created.id, {
      decision: 'approve',
    });
    expect(approved.body.status).toBe('approved');
    expect(about(created.id).map(m => m.status)).toEqual([
      'in_review',
      'in_review',
      'approved',
    ]);

    // A refused decision changes nothing, so it signals nothing.
    const before = recorded.length;
    expect(
      (await http.decide('owner.two', created.id, { decision: 'approve' }))
        .status,
    ).toBe(409);
    expect(recorded.length).toBe(before);

    const grantId = approved.body.grantId;
    const revoked = await http.call(
      'post',
      `/grants/${grantId}/revoke`,
      as('owner.one'),
      { reason: 'Incident drill.' },
    );
    expect(revoked.status).toBe(200);
    expect(about(grantId)).toEqual([
      {
        to: ['group:default/team-c', 'user:default/requester'],
        channel: 'api-access',
        kind: 'grant',
        id: grantId,
        status: 'revoked',
      },
    ]);
  });
});
