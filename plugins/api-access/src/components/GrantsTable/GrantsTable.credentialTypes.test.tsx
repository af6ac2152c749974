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
  CredentialTypeInfo,
  Grant,
  GrantProvisioning,
  ProvisioningTaskStatus,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { credentialTypes } from '../../testData';
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

async function renderTable(grants: Grant[], api: Partial<ApiAccessApi> = {}) {
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
            ...api,
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

/** GET /credential-types with a second module's bearer-token type, 'acme-token'. */
const withAcme: CredentialTypeInfo[] = [
  ...credentialTypes,
  {
    id: 'acme-token',
    title: 'Acme token',
    description: "Tokens from Acme's token service.",
    presentation: 'bearer-token',
    offered: true,
  },
];

function acmeGrant(more: Partial<Grant> = {}): Grant {
  return grantOf('acme-token', more);
}

describe("GrantsTable by the credential type's presentation", () => {
  it("gives another module's bearer-token type the client's button and dialog, and an API key its own", async () => {
    await renderTable([acmeGrant(), grantOf('api-key')], {
      getCredentialTypes: jest.fn().mockResolvedValue(withAcme),
    });
    const acme = await screen.findByRole('button', {
      name: 'Get client secret for api:default/acme-token-api',
    });
    expect(acme).toHaveTextContent('Get client secret');
    const key = screen.getByRole('button', {
      name: 'Get credential for api:default/api-key-api',
    });
    expect(key).toHaveTextContent('Get credential');

    await userEvent.click(acme);
    let dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading', { level: 2 })).toHaveTextContent(
      'Get the client secret for api:default/acme-token-api',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );

    await userEvent.click(key);
    dialog = await screen.findByRole('dialog', {
      name: 'Get the API key for api:default/api-key-api',
    });
    expect(dialog).toBeInTheDocument();
  });

  it("names an issued bearer-token type's credential as an OAuth client", async () => {
    await renderTable(
      [
        acmeGrant({
          credential: { id: 'c1', prefix: 'acme-c-1', createdAt: '' },
        }),
      ],
      { getCredentialTypes: jest.fn().mockResolvedValue(withAcme) },
    );
    expect(
      await screen.findByText('OAuth client acme-c-1'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', {
        name: 'Rotate client for api:default/acme-token-api',
      }),
    ).toHaveTextContent('Rotate client');
  });

  it("waits for the type's own provisioner (by the type's id), not another's failure", async () => {
    await renderTable(
      [
        acmeGrant({
          provisioning: {
            state: 'failed',
            tasks: [
              task({ provisionerId: 'acme-token' }),
              task({
                id: 't2',
                provisionerId: 'webhook',
                status: 'failed',
                attempts: 8,
                lastError: 'the webhook answered 500',
              }),
            ],
          },
        }),
      ],
      { getCredentialTypes: jest.fn().mockResolvedValue(withAcme) },
    );
    expect(
      await screen.findByTestId('oauth2-registration-g-acme-token'),
    ).toHaveTextContent(
      'Registering the OAuth client at the identity provider…',
    );
    expect(
      screen.getByRole('button', {
        name: 'Get client secret for api:default/acme-token-api',
      }),
    ).toBeDisabled();
  });

  it("shows a bearer-token type's client id, secret and token endpoint once issued", async () => {
    const issueCredential = jest.fn().mockResolvedValue({
      id: 'c1',
      grantId: 'g-acme-token',
      credentialType: 'acme-token',
      termsVersion: '7',
      createdAt: '2026-12-03T08:00:00.000Z',
      clientId: 'acme-c-1',
      clientSecret: 'acme-s3cr3t',
      tokenEndpoint: 'https://acme.example/token',
      scopes: ['pets:read'],
      issuer: 'https://acme.example',
    });
    await renderTable([acmeGrant()], {
      getCredentialTypes: jest.fn().mockResolvedValue(withAcme),
      issueCredential,
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Get client secret for api:default/acme-token-api',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByText('The terms.');
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Show the client secret' }),
    );
    expect(await within(dialog).findByTestId('oauth2-client-id')).toHaveValue(
      'acme-c-1',
    );
    expect(within(dialog).getByTestId('oauth2-client-secret')).toHaveValue(
      'acme-s3cr3t',
    );
    expect(within(dialog).getByTestId('oauth2-token-endpoint')).toHaveValue(
      'https://acme.example/token',
    );
    expect(issueCredential).toHaveBeenCalledWith('g-acme-token', '7');
  });

  it("shows a bearer-token type's own fields as they came when its answer has no client id", async () => {
    await renderTable([acmeGrant()], {
      getCredentialTypes: jest.fn().mockResolvedValue(withAcme),
      issueCredential: jest.fn().mockResolvedValue({
        id: 'c1',
        grantId: 'g-acme-token',
        credentialType: 'acme-token',
        termsVersion: '7',
        createdAt: '2026-12-03T08:00:00.000Z',
        token: '<b>acme-token-value</b>',
        audiences: ['api:default/acme-token-api'],
      }),
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Get client secret for api:default/acme-token-api',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByText('The terms.');
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Show the client secret' }),
    );
    expect(
      await within(dialog).findByTestId('credential-field-token'),
    ).toHaveValue('<b>acme-token-value</b>');
    expect(
      within(dialog).getByTestId('credential-field-audiences'),
    ).toHaveValue('["api:default/acme-token-api"]');
    expect(within(dialog).queryByTestId('credential-field-grantId')).toBeNull();
    expect(within(dialog).queryByTestId('oauth2-client-id')).toBeNull();
    expect(
      within(dialog).queryByText(/something other than an OAuth client/),
    ).toBeNull();
  });

  it('keeps oauth2-client on its dialog while the types load, then follows the presentation', async () => {
    let answer: (types: CredentialTypeInfo[]) => void = () => {};
    const types = new Promise<CredentialTypeInfo[]>(resolve => {
      answer = resolve;
    });
    await renderTable([grantOf('oauth2-client'), acmeGrant()], {
      getCredentialTypes: () => types,
    });
    const button = await screen.findByRole('button', {
      name: 'Get client secret for api:default/oauth2-client-api',
    });
    // Unknown until the types answer: the key's words.
    expect(
      screen.getByRole('button', {
        name: 'Get credential for api:default/acme-token-api',
      }),
    ).toBeInTheDocument();
    await userEvent.click(button);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading', { level: 2 })).toHaveTextContent(
      'Get the client secret for api:default/oauth2-client-api',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    answer(withAcme);
    expect(
      await screen.findByRole('button', {
        name: 'Get client secret for api:default/acme-token-api',
      }),
    ).toHaveTextContent('Get client secret');
    expect(
      screen.getByRole('button', {
        name: 'Get client secret for api:default/oauth2-client-api',
      }),
    ).toBeInTheDocument();
  });
});
