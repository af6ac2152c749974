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
import {
  Grant,
  IssuedCertificate,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { opensslCommand } from './CertificateDialog';
import { ConsumerGrantsCard } from '../ConsumerGrantsCard';

jest.setTimeout(30_000);

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
  requesterRef: 'user:default/breanna.davison',
  environment: 'production',
  scopes: ['pets:read'],
  credentialType: 'mtls-certificate',
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-12-01T00:00:00.000Z',
};

const CSR = [
  '-----BEGIN CERTIFICATE REQUEST-----',
  'MIHzMIGbAgEAMDkxNzA1BgNVBAMMLmNvbXBvbmVudDpkZWZhdWx0L2FydGlzdC1s',
  'b29rdXAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ=',
  '-----END CERTIFICATE REQUEST-----',
].join('\n');

const KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg',
  '-----END PRIVATE KEY-----',
].join('\n');

const issued: IssuedCertificate = {
  id: 'c2',
  grantId: 'g1',
  serial: '4f1c2a9be07d3e55a1c0ffee12345678',
  fingerprint:
    '9a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a1b',
  certificate:
    '-----BEGIN CERTIFICATE-----\nMIIBissued\n-----END CERTIFICATE-----\n',
  caCertificate:
    '-----BEGIN CERTIFICATE-----\nMIIBthe-ca\n-----END CERTIFICATE-----\n',
  notBefore: '2026-11-02T09:55:00.000Z',
  notAfter: '2026-12-01T00:00:00.000Z',
  termsVersion: '7',
  createdAt: '2026-11-02T10:00:00.000Z',
  previousValidUntil: '2026-11-03T10:00:00.000Z',
};

function renderCard(api: Partial<ApiAccessApi>) {
  const me = 'user:default/breanna.davison';
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: me,
      ownershipEntityRefs: [me],
    }),
  };
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, api],
        [identityApiRef, identity],
      ]}
    >
      <EntityProvider entity={artistLookup}>
        <ConsumerGrantsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

async function openDialog(
  api: Partial<ApiAccessApi>,
  shown: Grant = grant,
  action = 'Get certificate for api:default/petstore',
) {
  await renderCard({
    listGrants: jest.fn().mockResolvedValue([shown]),
    getCredentialTerms: jest
      .fn()
      .mockResolvedValue({ version: '7', text: 'Keep the key private.' }),
    ...api,
  });
  await userEvent.click(await screen.findByRole('button', { name: action }));
  const dialog = await screen.findByRole('dialog');
  await within(dialog).findByText('Keep the key private.');
  return dialog;
}

async function paste(dialog: HTMLElement, text: string) {
  await userEvent.click(
    within(dialog).getByRole('textbox', {
      name: 'Certificate signing request (client.csr)',
    }),
  );
  await userEvent.paste(text);
}

describe('CertificateDialog', () => {
  const createObjectURL = jest.fn();
  const revokeObjectURL = jest.fn();
  const blobs: Blob[] = [];

  beforeEach(() => {
    blobs.length = 0;
    createObjectURL.mockReset().mockImplementation((blob: Blob) => {
      blobs.push(blob);
      return `blob:test/${blobs.length}`;
    });
    revokeObjectURL.mockReset();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
  });

  it('offers a certificate, not an API key, for an mTLS grant', async () => {
    await renderCard({
      listGrants: jest.fn().mockResolvedValue([
        {
          ...grant,
          credential: {
            id: 'c1',
            prefix: '0a1b2c3d4e5f',
            createdAt: grant.createdAt,
          },
        },
      ]),
    });
    const row = (await screen.findByText('pets:read')).closest('tr')!;
    expect(row).toHaveTextContent('certificate 0a1b2c3d4e5f');
    expect(
      within(row).getByRole('button', {
        name: 'Renew certificate for api:default/petstore',
      }),
    ).toHaveTextContent('Renew certificate');
    expect(
      within(row).queryByRole('button', { name: /credential for/ }),
    ).not.toBeInTheDocument();
  });

  it('shows the openssl command for the consumer, with the slash escaped for -subj', async () => {
    const dialog = await openDialog({});
    expect(dialog).toHaveTextContent(
      'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj "/CN=component:default\\/artist-lookup"',
    );
    expect(dialog).toHaveTextContent(/The private key stays with you/);
    expect(opensslCommand('component:default/artist-lookup')).toContain(
      '-subj "/CN=component:default\\/artist-lookup"',
    );
  });

  it('refuses a pasted private key without calling the API', async () => {
    const issueCertificate = jest.fn();
    const dialog = await openDialog({ issueCertificate });
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await paste(dialog, `${KEY}\n${CSR}`);
    expect(within(dialog).getByRole('alert')).toHaveTextContent(
      /This is a private key\. Never paste a private key/,
    );
    const submit = within(dialog).getByRole('button', {
      name: 'Get certificate',
    });
    expect(submit).toBeDisabled();
    await userEvent.keyboard('{Tab}');
    expect(issueCertificate).not.toHaveBeenCalled();
  });

  it('refuses text that is not a CSR without calling the API', async () => {
    const issueCertificate = jest.fn();
    const dialog = await openDialog({ issueCertificate });
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await paste(dialog, issued.certificate);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Get certificate' }),
    );
    expect(
      await within(dialog).findByText(
        /This is not a PEM certificate signing request/,
      ),
    ).toBeInTheDocument();
    expect(issueCertificate).not.toHaveBeenCalled();
  });

  it('submits the CSR once the terms are accepted and shows the certificate', async () => {
    const issueCertificate = jest.fn().mockResolvedValue(issued);
    const dialog = await openDialog(
      { issueCertificate },
      {
        ...grant,
        credential: {
          id: 'c1',
          prefix: '0a1b2c3d4e5f',
          createdAt: grant.createdAt,
        },
      },
      'Renew certificate for api:default/petstore',
    );
    expect(dialog).toHaveTextContent(
      /current certificate \(serial 0a1b2c3d4e5f\) keeps working only for the configured overlap/,
    );
    await paste(dialog, `\n${CSR}\n`);
    const submit = within(dialog).getByRole('button', {
      name: 'Renew certificate',
    });
    expect(submit).toBeDisabled();
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await userEvent.click(submit);
    await waitFor(() =>
      expect(issueCertificate).toHaveBeenCalledWith('g1', CSR, '7'),
    );

    expect(
      await within(dialog).findByRole('textbox', {
        name: 'Client certificate',
      }),
    ).toHaveValue(issued.certificate);
    expect(
      within(dialog).getByRole('textbox', { name: 'CA certificate' }),
    ).toHaveValue(issued.caCertificate);
    expect(dialog).toHaveTextContent(`Serial: ${issued.serial}`);
    expect(dialog).toHaveTextContent(
      `Fingerprint (SHA-256): ${issued.fingerprint}`,
    );
    expect(dialog).toHaveTextContent(/Valid from .+ until .+/);
    expect(dialog).toHaveTextContent(
      /The previous certificate keeps working until .+; then it is put on the revocation list/,
    );

    const client = within(dialog).getByRole('link', {
      name: 'Download client.crt',
    });
    const ca = within(dialog).getByRole('link', {
      name: 'Download api-access-ca.crt',
    });
    expect(client).toHaveAttribute('download', 'client.crt');
    expect(ca).toHaveAttribute('download', 'api-access-ca.crt');
    const blobOf = (href: string | null) =>
      blobs[Number(href!.split('/').pop()) - 1];
    expect(await blobOf(client.getAttribute('href')).text()).toBe(
      issued.certificate,
    );
    expect(await blobOf(ca.getAttribute('href')).text()).toBe(
      issued.caCertificate,
    );

    const user = userEvent.setup();
    const copy = within(dialog).getByRole('button', {
      name: 'Copy client certificate',
    });
    const writeText = jest
      .spyOn(navigator.clipboard, 'writeText')
      .mockResolvedValue(undefined);
    await user.click(copy);
    expect(writeText).toHaveBeenCalledWith(issued.certificate);
    expect(copy).toHaveTextContent('Copied');
  });

  it("shows the backend's reason when it refuses the CSR", async () => {
    const issueCertificate = jest
      .fn()
      .mockRejectedValue(
        new Error(
          'Invalid certificate request: the CSR signature does not match its public key',
        ),
      );
    const dialog = await openDialog({ issueCertificate });
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await paste(dialog, CSR);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Get certificate' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'the CSR signature does not match its public key',
    );
    expect(
      within(dialog).queryByRole('textbox', { name: 'Client certificate' }),
    ).not.toBeInTheDocument();
  });
});
