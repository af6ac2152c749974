/*
 * Grants in the catalog graph, in the browser against the demo (the catalog
 * module of plugins/catalog-backend-module-api-access; the demo processes its
 * catalog every 15-22 s and caches grants for 5 s): once calum.leavy approves
 * breanna.davison's request for hello-world-trpc, artist-lookup's own
 * "Consumed APIs" card (from @backstage/plugin-api-docs) lists the API, and
 * after the grant is revoked it is gone again. artist-lookup's YAML declares
 * no such API, so the relation can only come from the grant.
 */
import { expect, Page, test } from '@playwright/test';
import { BACKEND, shot, signInAs, tokenFor, waitForCatalog } from './personas';

const API = `${BACKEND}/api/api-access`;
const API_NAME = 'hello-world-trpc';

/** The Consumed APIs card on artist-lookup's APIs tab, reloaded until it says `present`. */
async function expectConsumed(page: Page, present: boolean) {
  await expect
    .poll(
      async () => {
        await page.goto('/catalog/default/component/artist-lookup/apis');
        const card = page.getByRole('article').filter({
          has: page.getByRole('heading', { name: 'Consumed APIs' }),
        });
        await expect(card).toBeVisible();
        return card.getByRole('link', { name: API_NAME }).count();
      },
      { timeout: 90_000, intervals: [3000] },
    )
    .toBe(present ? 1 : 0);
}

test("an approved grant shows on the consumer's Consumed APIs card, and leaves it when revoked", async ({
  page: first,
  browser,
}) => {
  await waitForCatalog(first);
  const requester = await tokenFor(first.request, 'breanna.davison');
  const owner = await tokenFor(first.request, 'calum.leavy');

  const page = await signInAs(browser, 'breanna.davison');
  await expectConsumed(page, false);

  const profile = await (
    await first.request.get(`${API}/apis/default/${API_NAME}/profile`, {
      headers: requester,
    })
  ).json();
  const created = await first.request.post(`${API}/requests`, {
    headers: requester,
    data: {
      apiRef: `api:default/${API_NAME}`,
      consumerRef: 'component:default/artist-lookup',
      environment: profile.environments.includes('development')
        ? 'development'
        : profile.environments[0],
      scopes: profile.scopes.slice(0, 1),
      useCase: 'Catalog graph demo: the artist page greets in tRPC.',
      justification: 'Shows the grant as a catalog relation.',
      credentialStorage: 'Vault kv/artist-lookup, rotated monthly',
      durationDays: 30,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  let request = await created.json();
  // Each pending step approved by a member of its reviewer group.
  const reviewers: Record<string, string> = {
    'group:default/team-c': 'calum.leavy',
    'group:default/security': 'sam.rivera',
    'group:default/compliance': 'carmen.diaz',
    'group:default/legal': 'lee.walsh',
  };
  while (request.status === 'in_review') {
    const step = request.steps.find((s: any) => s.status === 'pending');
    const decider = await tokenFor(first.request, reviewers[step.reviewerRef]);
    const decided = await first.request.post(
      `${API}/requests/${request.id}/decisions`,
      { headers: decider, data: { decision: 'approve' } },
    );
    expect(decided.status(), await decided.text()).toBe(201);
    request = await decided.json();
  }
  expect(request.status).toBe('approved');

  await expectConsumed(page, true);
  await shot(page, '17-consumed-apis');

  const revoked = await first.request.post(
    `${API}/grants/${request.grantId}/revoke`,
    { headers: owner, data: { reason: 'Catalog graph demo is over.' } },
  );
  expect(revoked.status(), await revoked.text()).toBe(200);
  await expectConsumed(page, false);
});
