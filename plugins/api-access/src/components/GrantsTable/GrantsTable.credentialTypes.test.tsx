/*
 * The grants table by credential type: the credential's words, the issue
 * button and the dialog it opens, and, for an oauth2-client grant, where the
 * registration of its client at the identity provider stands.
 */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  Grant,
  GrantProvisioning,
  ProvisioningTaskStatus,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { GrantsTable, clientRegistration } from './GrantsTable';

jest.setTimeout(30_000);

const me = 'user:default/breanna.davison';

function grantOf(credentialType: string, more: Partial<Grant> = {}): Grant {
  return {
    id: `g-${credentialType}`,
    requestId: 'r1',
    apiRef: `api:default/${credentialType}-api`,
    consumerRef: 'component:default/artist-lookup',
    requesterRef: me,
    environment: 'sandbox',
    scopes: ['pets:read'],
    credentialType,
    status: 'active',
    createdAt: '2026-12-03T08:00:00.000Z',
    expiresAt: '2027-03-03T08:00:00.000Z',
    ...more,
  };
}

function task(more: Partial<ProvisioningTaskStatus>): ProvisioningTaskStatus {
  return {
    id: 't1',
    provisionerId: 'oauth2-client',
    action: 'provision',
    status: 'pending',
    attempts: 0,
    ...more,
  };
}

function oauth2Grant(tasks: ProvisioningTaskStatus[]): Grant {
  let state: GrantProvisioning['state'] = 'done';
  if (tasks.some(t => t.status === 'failed')) state = 'failed';
  else if (tasks.some(t => t.status === 'pending' && t.attempts > 0))
    state = 'retrying';
  else if (tasks.some(t => t.status === 'pending')) state = 'pending';
  return grantOf('oauth2-client', { provisioning: { state, tasks } });
}

async function renderTable(grants: Grant[]) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [
          apiAccessApiRef,
          {
            getCredentialTerms: jest
              .fn()
              .mockResolvedValue({ version: '7', text: 'The terms.' }),
          },
        ],
      ]}
    >
      <GrantsTable
        grants={grants}
        show="api"
        me={me}
        canManage={() => true}
        onChanged={() => {}}
        label="API access held"
      />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('GrantsTable by credential type', () => {
  it('names each credential in its own words', async () => {
    await renderTable([
      grantOf('api-key', {
        credential: { id: 'c1', prefix: 'aak_AbCd', createdAt: '' },
      }),
      grantOf('mtls-certificate', {
        credential: { id: 'c2', prefix: '4f1c2a9b', createdAt: '' },
      }),
      grantOf('oauth2-client', {
        credential: { id: 'c3', prefix: 'tPa3kLq9', createdAt: '' },
      }),
    ]);
    expect(await screen.findByText('API key aak_AbCd…')).toBeInTheDocument();
    expect(screen.getByText('certificate 4f1c2a9b')).toBeInTheDocument();
    expect(screen.getByText('OAuth client tPa3kLq9')).toBeInTheDocument();
  });

  it.each([
    [
      'api-key',
      'Get credential for api:default/api-key-api',
      'Get credential',
      'Get the API key for api:default/api-key-api',
    ],
    [
      'mtls-certificate',
      'Get certificate for api:default/mtls-certificate-api',
      'Get certificate',
      'Get a client certificate for api:default/mtls-certificate-api',
    ],
    [
      'oauth2-client',
      'Get client secret for api:default/oauth2-client-api',
      'Get client secret',
      'Get the client secret for api:default/oauth2-client-api',
    ],
  ])(
    'a %s grant gets its own button and dialog',
    async (type, name, label, title) => {
      await renderTable([grantOf(type)]);
      const button = await screen.findByRole('button', { name });
      expect(button).toHaveTextContent(label);
      await userEvent.click(button);
      const dialog = await screen.findByRole('dialog');
      expect(
        within(dialog).getByRole('heading', { level: 2 }),
      ).toHaveTextContent(title);
    },
  );

  it('says the client is being registered, and offers no secret yet', async () => {
    await renderTable([oauth2Grant([task({})])]);
    expect(
      await screen.findByTestId('oauth2-registration-g-oauth2-client'),
    ).toHaveTextContent(
      'Registering the OAuth client at the identity provider…',
    );
    expect(
      screen.getByRole('button', {
        name: 'Get client secret for api:default/oauth2-client-api',
      }),
    ).toBeDisabled();
  });

  it('shows why a registration is retried, and why it failed', async () => {
    await renderTable([
      oauth2Grant([
        task({
          attempts: 2,
          lastError:
            'the identity provider answered 503 at the registration endpoint',
          nextAttemptAt: '2026-12-03T08:05:00.000Z',
        }),
      ]),
    ]);
    expect(
      await screen.findByTestId('oauth2-registration-g-oauth2-client'),
    ).toHaveTextContent(
      'Registering the OAuth client at the identity provider failed and is retried: the identity provider answered 503 at the registration endpoint',
    );
  });

  it('shows the reason of a failed registration', async () => {
    await renderTable([
      oauth2Grant([
        task({
          status: 'failed',
          attempts: 8,
          lastError:
            "invalid_client_metadata: scope 'pets:admin' is not allowed",
        }),
      ]),
    ]);
    expect(
      await screen.findByTestId('oauth2-registration-g-oauth2-client'),
    ).toHaveTextContent(
      "The OAuth client could not be registered at the identity provider: invalid_client_metadata: scope 'pets:admin' is not allowed",
    );
    expect(
      screen.getByRole('button', {
        name: 'Get client secret for api:default/oauth2-client-api',
      }),
    ).toBeDisabled();
  });

  it('offers the secret once the client is registered, whatever other provisioners do', async () => {
    await renderTable([
      oauth2Grant([
        task({ status: 'succeeded', attempts: 1 }),
        task({
          id: 't2',
          provisionerId: 'webhook',
          attempts: 3,
          lastError: 'down',
        }),
      ]),
    ]);
    expect(
      await screen.findByRole('button', {
        name: 'Get client secret for api:default/oauth2-client-api',
      }),
    ).toBeEnabled();
    expect(
      screen.queryByTestId('oauth2-registration-g-oauth2-client'),
    ).toBeNull();
  });
});

describe('clientRegistration', () => {
  it('is registered once a credential exists, even while an update is retried', () => {
    expect(
      clientRegistration({
        ...oauth2Grant([task({ attempts: 1, lastError: 'x' })]),
        credential: { id: 'c1', prefix: 'p', createdAt: '' },
      }),
    ).toEqual({ state: 'registered' });
  });
});

describe('GrantsTable by credential type, with other provisioners', () => {
  it("shows the OAuth client's registration, not another provisioner's failure", async () => {
    await renderTable([
      oauth2Grant([
        task({}),
        task({
          id: 't2',
          provisionerId: 'webhook',
          status: 'failed',
          attempts: 8,
          lastError: 'the webhook answered 500',
        }),
      ]),
    ]);
    const text = await screen.findByTestId(
      'oauth2-registration-g-oauth2-client',
    );
    expect(text).toHaveTextContent(
      'Registering the OAuth client at the identity provider…',
    );
    expect(text).not.toHaveTextContent('webhook');
  });
});
