import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { identityApiRef } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  AssessmentResult,
  Finding,
} from '@api-access/backstage-plugin-api-access-common';
import {
  ApiAccessApi,
  DraftToAssess,
  apiAccessApiRef,
} from '../../api/ApiAccessApi';
import { RequestAccessDialog } from './RequestAccessDialog';
import {
  credentialTypes,
  pendingRequest,
  petstoreProfile,
} from '../../testData';

// Typing into MUI fields in jsdom is slow on a 2-core machine.
jest.setTimeout(60_000);

const risk: AssessmentResult['risk'] = {
  score: 35,
  reasons: [
    { factor: 'classification', points: 20, detail: 'confidential data' },
    { factor: 'environment', points: 5, detail: 'development: shared' },
    { factor: 'scopes', points: 10, detail: 'writes: pets:write' },
    { factor: 'external', points: 0, detail: 'an internal component' },
    { factor: 'duration', points: 0, detail: '90 days' },
  ],
};

const writeForRead: Finding = {
  id: 'least-privilege.write-scope-for-read-use',
  severity: 'warning',
  field: 'scopes',
  message: 'The use case only reads, but pets:write allows changes.',
  assessor: 'least-privilege',
  suggestion: {
    field: 'scopes',
    value: ['pets:read'],
    label: 'Request only pets:read',
  },
};

const overPolicy = (days: number): Finding => ({
  id: 'least-privilege.duration-over-policy',
  severity: 'blocker',
  field: 'durationDays',
  message: `${days} days is longer than policy allows for development (at most 180 days).`,
  assessor: 'least-privilege',
  suggestion: { field: 'durationDays', value: 180, label: 'Ask for 180 days' },
});

/** A stand-in for the backend's assessors, enough for the form. */
function fakeAssess(draft: DraftToAssess): AssessmentResult {
  const findings: Finding[] = [
    {
      id: 'api.experimental',
      severity: 'info',
      field: 'apiRef',
      message: 'petstore is experimental: it may change without notice.',
      assessor: 'api',
    },
  ];
  if (!draft.useCase) {
    findings.push({
      id: 'completeness.missing-field',
      severity: 'blocker',
      field: 'useCase',
      message: 'Describe the use case.',
      assessor: 'completeness',
    });
  } else if (draft.useCase.split(' ').length < 5) {
    findings.push({
      id: 'completeness.use-case-too-short',
      severity: 'warning',
      field: 'useCase',
      message: 'Say in a sentence what the consumer does with the API.',
      assessor: 'completeness',
    });
  }
  if (draft.scopes?.includes('pets:write')) findings.push(writeForRead);
  if ((draft.durationDays ?? 0) > 180) {
    findings.push(overPolicy(draft.durationDays!));
  }
  return { findings, risk };
}

function setup(overrides: Partial<ApiAccessApi> = {}) {
  const apiAccess = {
    previewPlan: jest
      .fn()
      .mockResolvedValue({ autoApproved: false, stages: [] }),
    assess: jest.fn(async (draft: DraftToAssess) => fakeAssess(draft)),
    createRequest: jest.fn().mockResolvedValue(pendingRequest),
    getCredentialTypes: jest.fn().mockResolvedValue(credentialTypes),
    ...overrides,
  };
  const catalog = catalogApiMock({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'artist-lookup', namespace: 'default' },
        spec: { owner: 'team-a' },
        relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
      },
    ],
  });
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: 'user:default/breanna.davison',
      ownershipEntityRefs: [
        'user:default/breanna.davison',
        'group:default/team-a',
      ],
    }),
  };
  const onSubmitted = jest.fn();
  const render = async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [apiAccessApiRef, apiAccess],
          [catalogApiRef, catalog],
          [identityApiRef, identity],
        ]}
      >
        <RequestAccessDialog
          open
          profile={petstoreProfile}
          onClose={jest.fn()}
          onSubmitted={onSubmitted}
        />
      </TestApiProvider>,
    );
    const dialog = await screen.findByRole('dialog');
    // The only component the user's groups own is preselected.
    await waitFor(() =>
      expect(within(dialog).getByText('artist-lookup')).toBeInTheDocument(),
    );
    return dialog;
  };
  return { apiAccess, render, onSubmitted };
}

async function fill(
  dialog: HTMLElement,
  text: { useCase: string; justification: string; storage: string },
) {
  // Pasted: typing long text key by key is slow in jsdom.
  const paste = async (name: string, value: string) => {
    await userEvent.click(within(dialog).getByRole('textbox', { name }));
    await userEvent.paste(value);
  };
  await paste('Use case', text.useCase);
  await paste('Business justification', text.justification);
  await paste('Credential storage and rotation', text.storage);
}

const notesOn = (dialog: HTMLElement, what: string) =>
  within(dialog).findByRole(
    'list',
    { name: `Request assistant on ${what}` },
    { timeout: 5000 },
  );

describe('RequestAccessDialog with the request assistant', () => {
  it('shows each finding under the field it is about, request-level ones at the top, and the risk score', async () => {
    const { render, apiAccess } = setup();
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:write' }),
    );
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Use case' }),
      'Show pets',
    );

    const scopes = await notesOn(dialog, 'the scopes');
    expect(scopes).toHaveTextContent('pets:write allows changes');
    expect(scopes).not.toHaveTextContent('sentence');
    const useCase = await notesOn(dialog, 'the use case');
    expect(useCase).toHaveTextContent(
      'Say in a sentence what the consumer does with the API.',
    );
    expect(within(useCase).getByTitle('Warning')).toBeInTheDocument();
    const top = await notesOn(dialog, 'the request');
    expect(top).toHaveTextContent('petstore is experimental');
    expect(within(top).getByTitle('Hint')).toBeInTheDocument();
    // Layout: the request's notes come before the consumer field, the scope
    // notes between the scopes and the use case.
    const useCaseField = within(dialog).getByRole('textbox', {
      name: 'Use case',
    });
    expect(
      top.compareDocumentPosition(
        within(dialog).getByRole('checkbox', { name: 'pets:read' }),
      ) & Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
    expect(
      scopes.compareDocumentPosition(useCaseField) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
    // The form lists missing fields itself; the assistant's are not repeated.
    expect(within(dialog).queryByText('Describe the use case.')).toBeNull();

    expect(
      within(dialog).getByTestId('api-access-risk-score'),
    ).toHaveTextContent('Risk 35/100');
    expect(within(dialog).getByText(/writes: pets:write \+10/)).toBeVisible();

    // Debounced: one check per pause, not one per keystroke.
    expect((apiAccess.assess as jest.Mock).mock.calls.length).toBeLessThan(6);
    expect(apiAccess.assess).toHaveBeenLastCalledWith(
      expect.objectContaining({
        apiRef: 'api:default/petstore',
        consumerRef: 'component:default/artist-lookup',
        environment: 'development',
        scopes: ['pets:write'],
        useCase: 'Show pets',
        durationDays: 90,
      }),
      undefined,
    );
    // After a longer pause the module assessors are asked too.
    await waitFor(
      () =>
        expect(apiAccess.assess).toHaveBeenCalledWith(
          expect.objectContaining({ useCase: 'Show pets' }),
          { modules: true },
        ),
      { timeout: 5000 },
    );
  });

  it('applies a suggestion in one click: the narrower scopes', async () => {
    const { render, apiAccess } = setup();
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:write' }),
    );
    await fill(dialog, {
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'Product asked for pet names this quarter.',
      storage: 'Vault kv/artist-lookup, rotated monthly',
    });

    const fix = await within(dialog).findByRole(
      'button',
      { name: 'Request only pets:read' },
      { timeout: 5000 },
    );
    await userEvent.click(fix);
    expect(
      within(dialog).getByRole('checkbox', { name: 'pets:write' }),
    ).not.toBeChecked();
    expect(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    ).toBeChecked();
    await waitFor(
      () =>
        expect(
          within(dialog).queryByRole('list', {
            name: 'Request assistant on the scopes',
          }),
        ).toBeNull(),
      { timeout: 5000 },
    );

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    await waitFor(() =>
      expect(apiAccess.createRequest).toHaveBeenCalledWith(
        expect.objectContaining({
          scopes: ['pets:read'],
          credentialType: 'api-key',
        }),
      ),
    );
  });

  it('disables submit with the reason while a blocker stands, until its fix is applied', async () => {
    const { render, apiAccess } = setup();
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    await fill(dialog, {
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'Product asked for pet names this quarter.',
      storage: 'Vault kv/artist-lookup, rotated monthly',
    });
    const duration = within(dialog).getByRole('spinbutton', {
      name: 'Duration (days)',
    });
    await userEvent.clear(duration);
    await userEvent.type(duration, '365');

    const submit = within(dialog).getByRole('button', {
      name: 'Submit request',
    });
    const notes = await notesOn(dialog, 'the duration');
    expect(notes).toHaveTextContent('365 days is longer than policy allows');
    expect(within(notes).getByTitle('Blocker')).toBeInTheDocument();
    expect(submit).toBeDisabled();
    expect(
      within(dialog).getByTestId('api-access-submit-blocked'),
    ).toHaveTextContent('Fix first: 365 days is longer than policy allows');

    await userEvent.click(
      within(notes).getByRole('button', { name: 'Ask for 180 days' }),
    );
    expect(duration).toHaveValue(180);
    await waitFor(() => expect(submit).toBeEnabled(), { timeout: 5000 });
    expect(
      within(dialog).queryByTestId('api-access-submit-blocked'),
    ).toBeNull();
    expect(apiAccess.createRequest).not.toHaveBeenCalled();
  });

  it('asks for the chosen credential type', async () => {
    const { render, apiAccess } = setup();
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    await fill(dialog, {
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'Product asked for pet names this quarter.',
      storage: 'Vault kv/artist-lookup, rotated monthly',
    });
    await userEvent.click(within(dialog).getByLabelText('Credential type'));
    await userEvent.click(
      await screen.findByRole('option', {
        name: /^Client certificate \(mTLS\)/,
      }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    await waitFor(() =>
      expect(apiAccess.createRequest).toHaveBeenCalledWith(
        expect.objectContaining({ credentialType: 'mtls-certificate' }),
      ),
    );
  });

  it("offers the backend's credential types, a module's too, and disables those not offered with the reason", async () => {
    const { render, apiAccess } = setup({
      getCredentialTypes: jest.fn().mockResolvedValue(
        credentialTypes.map(type =>
          type.id === 'mtls-certificate'
            ? {
                ...type,
                offered: false,
                reason: 'no certificate authority is configured',
              }
            : type,
        ),
      ),
    });
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    await fill(dialog, {
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'Product asked for pet names this quarter.',
      storage: 'Vault kv/artist-lookup, rotated monthly',
    });
    await userEvent.click(within(dialog).getByLabelText('Credential type'));
    const listbox = await screen.findByRole('listbox');
    const mtls = within(listbox).getByRole('option', {
      name: /^Client certificate \(mTLS\)/,
    });
    expect(mtls).toHaveAttribute('aria-disabled', 'true');
    expect(mtls).toHaveTextContent(
      'Not offered here: no certificate authority is configured',
    );
    const oauth2 = within(listbox).getByRole('option', {
      name: /^OAuth2 client \(client credentials\)/,
    });
    expect(oauth2).not.toHaveAttribute('aria-disabled', 'true');
    expect(oauth2).toHaveTextContent(
      "A client at the organization's identity provider",
    );
    await userEvent.click(oauth2);
    // The chosen type's description is the field's help.
    expect(
      within(dialog).getByText(
        "A client at the organization's identity provider; it fetches short-lived tokens.",
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    await waitFor(() =>
      expect(apiAccess.createRequest).toHaveBeenCalledWith(
        expect.objectContaining({ credentialType: 'oauth2-client' }),
      ),
    );
  });

  it('shows the findings a refused submission returns', async () => {
    const blocker: Finding = {
      id: 'secrets.detected',
      severity: 'blocker',
      field: 'credentialStorage',
      message:
        'The credential storage plan contains what looks like an AWS access key id. Remove it.',
      assessor: 'secrets',
    };
    const body = {
      error: { name: 'InputError', message: 'The request assistant found…' },
      request: { method: 'POST', url: '/api/api-access/requests' },
      response: { statusCode: 400 },
      findings: [blocker],
    };
    const refusal = await ResponseError.fromResponse({
      status: 400,
      statusText: 'Bad Request',
      headers: new Headers({ 'content-type': 'application/json' }),
      text: async () => JSON.stringify(body),
    } as unknown as Response);
    const { render, apiAccess, onSubmitted } = setup({
      createRequest: jest.fn().mockRejectedValue(refusal),
    });
    const dialog = await render();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    await fill(dialog, {
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'Product asked for pet names this quarter.',
      storage: 'Vault kv/artist-lookup, rotated monthly',
    });
    const submit = within(dialog).getByRole('button', {
      name: 'Submit request',
    });
    await userEvent.click(submit);
    await waitFor(() => expect(apiAccess.createRequest).toHaveBeenCalled());

    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The request assistant found a problem to fix before submitting',
    );
    expect(await notesOn(dialog, 'the credential storage')).toHaveTextContent(
      'looks like an AWS access key id',
    );
    expect(submit).toBeDisabled();
    expect(onSubmitted).not.toHaveBeenCalled();
  });
});
