import { screen, waitFor, within } from '@testing-library/react';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  renderInTestApp,
  mockApis,
} from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { AccessRequest } from '@api-access/backstage-plugin-api-access-common';
import { Route, Routes } from 'react-router-dom';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { RequestPage } from './RequestPage';
import { credentialTypes, pendingRequest } from '../../testData';

jest.setTimeout(30_000);

const assessed: AccessRequest = {
  ...pendingRequest,
  scopes: ['pets:read', 'pets:write'],
  approvedScopes: ['pets:read', 'pets:write'],
  steps: [
    {
      id: 'step-1',
      round: 1,
      stageIndex: 0,
      stageName: 'owner',
      name: 'owner',
      reviewerRef: 'group:default/team-c',
      quorum: 1,
      status: 'pending',
      reason: 'owns the API',
      rules: [],
    },
  ],
  decisions: [],
  assessment: {
    round: 1,
    assessedAt: '2026-11-29T10:00:00.000Z',
    risk: {
      score: 25,
      reasons: [
        { factor: 'classification', points: 10, detail: 'internal data' },
        {
          factor: 'environment',
          points: 5,
          detail: 'development: shared development',
        },
        { factor: 'scopes', points: 10, detail: 'writes: pets:write' },
        { factor: 'external', points: 0, detail: 'an internal component' },
        { factor: 'duration', points: 0, detail: '30 days' },
      ],
    },
    findings: [
      {
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
      },
      {
        id: 'completeness.justification-vague',
        severity: 'warning',
        field: 'justification',
        message: 'Say why the consumer needs this API now.',
        assessor: 'completeness',
      },
      {
        id: 'api.experimental',
        severity: 'info',
        field: 'apiRef',
        message: 'petstore is experimental.',
        assessor: 'api',
      },
    ],
  },
};

async function renderPage(
  request: AccessRequest,
  more: Partial<ApiAccessApi> = {},
) {
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: 'user:default/calum.leavy',
      ownershipEntityRefs: ['user:default/calum.leavy', 'group:default/team-c'],
    }),
  };
  const apiAccess = {
    getRequest: jest.fn().mockResolvedValue(request),
    getHistory: jest.fn().mockResolvedValue([]),
    ...more,
  };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, apiAccess],
        [identityApiRef, identity],
      ]}
    >
      <Routes>
        <Route path="/api-access/requests/:id" element={<RequestPage />} />
      </Routes>
    </TestApiProvider>,
    {
      routeEntries: ['/api-access/requests/req-1'],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
  return apiAccess;
}

describe('RequestPage', () => {
  it("names the credential type by the backend's title", async () => {
    await renderPage(
      { ...assessed, credentialType: 'oauth2-client' },
      { getCredentialTypes: jest.fn().mockResolvedValue(credentialTypes) },
    );
    const type = await screen.findByTestId('request-credential-type');
    await waitFor(() =>
      expect(type).toHaveTextContent('OAuth2 client (client credentials)'),
    );
  });

  it('shows the type id when the backend does not know the type', async () => {
    await renderPage(
      { ...assessed, credentialType: 'gone-type' },
      { getCredentialTypes: jest.fn().mockResolvedValue(credentialTypes) },
    );
    expect(
      await screen.findByTestId('request-credential-type'),
    ).toHaveTextContent(/^gone-type$/);
  });

  it("shows reviewers the assistant's risk score with its reasons and the findings by severity", async () => {
    const apiAccess = await renderPage(assessed);
    expect(
      await screen.findByRole('button', { name: 'Approve' }),
    ).toBeInTheDocument();
    expect(apiAccess.getRequest).toHaveBeenCalledWith('req-1');

    expect(screen.getByText('Request assistant')).toBeInTheDocument();
    expect(screen.getByTestId('api-access-risk-score')).toHaveTextContent(
      'Risk 25/100',
    );
    const reasons = screen.getByRole('list', { name: 'Risk score reasons' });
    expect(reasons).toHaveTextContent('scopes: writes: pets:write +10');
    expect(reasons).toHaveTextContent('external: an internal component +0');

    const warnings = screen.getByRole('list', { name: 'Warnings' });
    expect(within(warnings).getAllByRole('listitem')).toHaveLength(2);
    expect(warnings).toHaveTextContent('pets:write allows changes');
    expect(warnings).toHaveTextContent(
      'About the scopes; suggested: Request only pets:read; by least-privilege',
    );
    const hints = screen.getByRole('list', { name: 'Hints' });
    expect(hints).toHaveTextContent('petstore is experimental.');
    expect(screen.queryByRole('list', { name: 'Blockers' })).toBeNull();
    // Reviewers read suggestions; only the requester can apply them.
    expect(
      screen.queryByRole('button', { name: 'Request only pets:read' }),
    ).toBeNull();
  });

  it('tells a reviewer with a stake why there are no decision buttons', async () => {
    await renderPage({
      ...assessed,
      viewerConflict: {
        reason: 'consumer_owner',
        message:
          'You belong to group:default/team-a, which owns the consumer component:default/artist-lookup, so you cannot decide access for your own team',
      },
    });
    expect(await screen.findByTestId('viewer-conflict')).toHaveTextContent(
      'which owns the consumer component:default/artist-lookup',
    );
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('says which rule planned a renewal', async () => {
    await renderPage({
      ...assessed,
      renewalOfGrantId: 'grant-1',
      renewal: {
        grantId: 'grant-1',
        rule: 'policy-plan',
        reason:
          'Reviewed as a new request with these terms would be: beyond the terms last reviewed (90 days, longer than the 30 reviewed)',
        beyondLastReview: ['90 days, longer than the 30 reviewed'],
        lastReviewedAt: '2026-11-01T10:00:00.000Z',
      },
    });
    expect(await screen.findByTestId('renewal-rule')).toHaveTextContent(
      'planned by the rule “policy-plan”: Reviewed as a new request with these terms would be: beyond the terms last reviewed (90 days, longer than the 30 reviewed). Last reviewed by people on 2026-11-01.',
    );
  });

  it('has no assistant card for a request made before the assistant existed', async () => {
    await renderPage({ ...assessed, assessment: undefined });
    expect(await screen.findByText('Terms')).toBeInTheDocument();
    expect(screen.queryByText('Request assistant')).toBeNull();
  });
});
