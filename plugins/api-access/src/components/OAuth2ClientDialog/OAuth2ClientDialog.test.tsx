/*
 * The OAuth2 client reveal, reached as a requester reaches it: the grant on
 * the consumer's card, "Get client secret", the usage terms, then the
 * client id, secret, token endpoint and scopes once, with copy buttons and
 * a curl example.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  renderInTestApp,
  mockApis,
} from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import {
  ApiAccessApi,
  IssuedOAuth2Client,
  apiAccessApiRef,
} from '../../api/ApiAccessApi';
import { ConsumerGrantsCard } from '../ConsumerGrantsCard';
import { oauth2CurlExample, tokenCurlCommand } from './OAuth2ClientDialog';

jest.setTimeout(30_000);

const me = 'user:default/breanna.davison';

const artistLookup = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'artist-lookup', namespace: 'default' },
  spec: { owner: 'team-a' },
};

const grant: Grant = {
  id: 'g1',
  requestId: 'r1',
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  requesterRef: me,
  environment: 'sandbox',
  scopes: ['pets:read'],
  credentialType: 'oauth2-client',
  status: 'active',
  createdAt: '2026-12-03T08:00:00.000Z',
  expiresAt: '2027-03-03T08:00:00.000Z',
  provisioning: {
    state: 'done',
    tasks: [
      {
        id: 't1',
        provisionerId: 'oauth2-client',
        action: 'provision',
        status: 'succeeded',
        attempts: 1,
      },
    ],
  },
};

const issued: IssuedOAuth2Client = {
  id: 'c1',
  grantId: 'g1',
  credentialType: 'oauth2-client',
  termsVersion: '7',
  createdAt: '2026-12-03T08:01:00.000Z',
  clientId: 'tPa3kLq9',
  clientSecret: 'Zs2-very-secret-value',
  tokenEndpoint: 'http://127.0.0.1:7010/token',
  scopes: ['pets:read'],
  audience: 'urn:api-access:api:default:petstore',
  issuer: 'http://127.0.0.1:7010',
};

async function openDialog(api: Partial<ApiAccessApi>, shown: Grant = grant) {
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: me,
      ownershipEntityRefs: [me],
    }),
  };
  const apiAccess: Partial<ApiAccessApi> = {
    listGrants: jest.fn().mockResolvedValue([shown]),
    getCredentialTerms: jest
      .fn()
      .mockResolvedValue({ version: '7', text: 'Keep the secret private.' }),
    ...api,
  };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, apiAccess],
        [identityApiRef, identity],
      ]}
    >
      <EntityProvider entity={artistLookup}>
        <ConsumerGrantsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  return apiAccess;
}

async function clickGetSecret() {
  await userEvent.click(
    await screen.findByRole('button', {
      name: 'Get client secret for api:default/petstore',
    }),
  );
  const dialog = await screen.findByRole('dialog');
  await within(dialog).findByText('Keep the secret private.');
  return dialog;
}

async function acceptAndShow(dialog: HTMLElement) {
  const show = within(dialog).getByRole('button', {
    name: 'Show the client secret',
  });
  expect(show).toBeDisabled();
  await userEvent.click(
    within(dialog).getByRole('checkbox', {
      name: 'I accept these usage terms',
    }),
  );
  await userEvent.click(show);
}

describe('OAuth2ClientDialog', () => {
  it('shows client id, secret, token endpoint and scopes once, after the terms, with the warning', async () => {
    const issueCredential = jest.fn().mockResolvedValue(issued);
    await openDialog({ issueCredential });
    const dialog = await clickGetSecret();
    expect(
      within(dialog).getByText(
        'Get the client secret for api:default/petstore',
      ),
    ).toBeInTheDocument();
    // Nothing secret before the terms are accepted.
    expect(within(dialog).queryByTestId('oauth2-client-secret')).toBeNull();
    await acceptAndShow(dialog);
    await waitFor(() =>
      expect(issueCredential).toHaveBeenCalledWith('g1', '7'),
    );
    expect(await within(dialog).findByTestId('oauth2-client-id')).toHaveValue(
      'tPa3kLq9',
    );
    expect(within(dialog).getByTestId('oauth2-client-secret')).toHaveValue(
      'Zs2-very-secret-value',
    );
    expect(within(dialog).getByTestId('oauth2-token-endpoint')).toHaveValue(
      'http://127.0.0.1:7010/token',
    );
    expect(within(dialog).getByTestId('oauth2-scopes')).toHaveTextContent(
      'Scopes: pets:read',
    );
    expect(
      within(dialog).getByTestId('oauth2-client-warning'),
    ).toHaveTextContent('You will not see it again');
    // The terms are done with.
    expect(within(dialog).queryByText('Keep the secret private.')).toBeNull();
  });

  it('copies each field and the example', async () => {
    await openDialog({ issueCredential: jest.fn().mockResolvedValue(issued) });
    const dialog = await clickGetSecret();
    await acceptAndShow(dialog);
    await within(dialog).findByTestId('oauth2-client-secret');
    const user = userEvent.setup();
    const writeText = jest
      .spyOn(navigator.clipboard, 'writeText')
      .mockResolvedValue(undefined);
    const copySecret = within(dialog).getByRole('button', {
      name: 'Copy Client secret',
    });
    await user.click(copySecret);
    expect(writeText).toHaveBeenLastCalledWith('Zs2-very-secret-value');
    expect(copySecret).toHaveTextContent('Copied');
    await user.click(
      within(dialog).getByRole('button', { name: 'Copy Client id' }),
    );
    expect(writeText).toHaveBeenLastCalledWith('tPa3kLq9');
    await user.click(
      within(dialog).getByRole('button', { name: 'Copy Token endpoint' }),
    );
    expect(writeText).toHaveBeenLastCalledWith('http://127.0.0.1:7010/token');
    await user.click(
      within(dialog).getByRole('button', { name: 'Copy the example' }),
    );
    expect(writeText).toHaveBeenLastCalledWith(oauth2CurlExample(issued));
  });

  it('shows curl lines that fetch a token and call the API with it, without the secret in them', async () => {
    await openDialog({ issueCredential: jest.fn().mockResolvedValue(issued) });
    const dialog = await clickGetSecret();
    await acceptAndShow(dialog);
    const example = await within(dialog).findByTestId('oauth2-curl-example');
    expect(example.textContent).toBe(
      [
        "export CLIENT_ID='tPa3kLq9'",
        '# CLIENT_SECRET: read it from the storage you put it in, e.g.',
        '# export CLIENT_SECRET="$(vault kv get -field=secret kv/my-service)"',
        `TOKEN="$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope='pets:read' 'http://127.0.0.1:7010/token' | jq -r .access_token)"`,
        "# API_URL: the API's address at your gateway",
        'curl -H "Authorization: Bearer $TOKEN" "$API_URL"',
      ].join('\n'),
    );
    expect(example.textContent).not.toContain('Zs2-very-secret-value');
  });

  it('shows no secret when closed and opened again', async () => {
    const issueCredential = jest.fn().mockResolvedValue(issued);
    const apiAccess = await openDialog({ issueCredential });
    let dialog = await clickGetSecret();
    await acceptAndShow(dialog);
    await within(dialog).findByTestId('oauth2-client-secret');
    (apiAccess.listGrants as jest.Mock).mockResolvedValue([
      {
        ...grant,
        credential: {
          id: 'c1',
          prefix: 'tPa3kLq9',
          createdAt: issued.createdAt,
        },
      },
    ]);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('Zs2-very-secret-value')).toBeNull();
    expect(
      await screen.findByText('OAuth client tPa3kLq9'),
    ).toBeInTheDocument();

    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Rotate client for api:default/petstore',
      }),
    );
    dialog = await screen.findByRole('dialog');
    await within(dialog).findByText('Keep the secret private.');
    expect(within(dialog).queryByTestId('oauth2-client-secret')).toBeNull();
    expect(
      within(dialog).queryByDisplayValue('Zs2-very-secret-value'),
    ).toBeNull();
    expect(
      within(dialog).getByText(/keeps working only for the configured overlap/),
    ).toHaveTextContent('tPa3kLq9');
    expect(issueCredential).toHaveBeenCalledTimes(1);
  });

  it("shows the backend's reason when it refuses", async () => {
    await openDialog({
      issueCredential: jest
        .fn()
        .mockRejectedValue(
          new Error(
            'The OAuth client is not registered yet at the identity provider (retrying: connect ECONNREFUSED)',
          ),
        ),
    });
    const dialog = await clickGetSecret();
    await acceptAndShow(dialog);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'not registered yet at the identity provider',
    );
    expect(within(dialog).queryByTestId('oauth2-client-secret')).toBeNull();
  });
});

describe('tokenCurlCommand', () => {
  it('URL-encodes several scopes as one space-separated value', () => {
    expect(
      tokenCurlCommand({
        tokenEndpoint: 'https://idp.example.com/oauth2/token',
        scopes: ['pets:read', 'pets:write'],
      }),
    ).toBe(
      `curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials --data-urlencode 'scope=pets:read pets:write' 'https://idp.example.com/oauth2/token'`,
    );
  });

  it('asks for no scope when the grant has none', () => {
    expect(
      tokenCurlCommand({ tokenEndpoint: 'https://idp/t', scopes: [] }),
    ).toBe(
      `curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials 'https://idp/t'`,
    );
  });
});
