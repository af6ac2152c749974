/* Shared by the browser tests: signing in as a persona, screenshots for the docs. */
import { APIRequestContext, Browser, expect, Page } from '@playwright/test';

export const BACKEND = 'http://localhost:7007';

/** Each persona gets a browser context of their own, as separate people would. */
export async function signInAs(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(
    page.getByRole('button', { name: `Sign in as ${name}` }),
  ).toBeHidden();
  return page;
}

/** Saves a screenshot for the user guide, scrolled to `focus` text when given. */
export async function shot(page: Page, name: string, focus?: string) {
  if (focus) {
    await page
      .getByText(focus, { exact: true })
      .first()
      .scrollIntoViewIfNeeded();
  }
  await page.screenshot({
    path: `docs/screenshots/${name}.png`,
    fullPage: false,
  });
}

/** Waits until the catalog has processed the examples and api-access can read petstore. */
export async function waitForCatalog(page: Page) {
  // The catalog processes the example files asynchronously after start-up.
  await expect
    .poll(
      async () => {
        const auth = await page.request.get(
          `${BACKEND}/api/auth/demo/refresh?userEntityRef=user:default/breanna.davison`,
          { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
        );
        if (!auth.ok()) return `auth ${auth.status()}`;
        const { backstageIdentity } = await auth.json();
        const profile = await page.request.get(
          `${BACKEND}/api/api-access/apis/default/petstore/profile`,
          { headers: { Authorization: `Bearer ${backstageIdentity.token}` } },
        );
        return profile.status();
      },
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe(200);
}

/** A Backstage token for a demo persona, as the demo sign-in issues it. */
export async function tokenFor(request: APIRequestContext, user: string) {
  const response = await request.get(
    `${BACKEND}/api/auth/demo/refresh?userEntityRef=user:default/${user}`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  expect(response.ok()).toBe(true);
  const { backstageIdentity } = await response.json();
  return { Authorization: `Bearer ${backstageIdentity.token}` };
}

/**
 * A grant of team-c's petstore to artist-lookup in sandbox with a key:
 * requested by breanna.davison, approved by calum.leavy, key fetched by
 * breanna, all through the HTTP API (the screens have their own specs).
 */
export async function grantWithKey(
  page: Page,
  useCase: string,
  terms: {
    justification?: string;
    credentialStorage?: string;
    durationDays?: number;
  } = {},
) {
  const API = `${BACKEND}/api/api-access`;
  const requester = await tokenFor(page.request, 'breanna.davison');
  const owner = await tokenFor(page.request, 'calum.leavy');
  const created = await page.request.post(`${API}/requests`, {
    headers: requester,
    data: {
      apiRef: 'api:default/petstore',
      consumerRef: 'component:default/artist-lookup',
      environment: 'sandbox',
      scopes: ['pets:read'],
      useCase,
      justification:
        terms.justification ?? 'The artist page shows pets this quarter.',
      credentialStorage:
        terms.credentialStorage ??
        'Vault kv/artist-lookup; rotated by the pipeline',
      durationDays: terms.durationDays ?? 30,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = await created.json();
  const approved = await page.request.post(`${API}/requests/${id}/decisions`, {
    headers: owner,
    data: { decision: 'approve', comment: 'Fine' },
  });
  expect(approved.status(), await approved.text()).toBe(201);
  const request = await approved.json();
  expect(request.status).toBe('approved');
  const usage = await (
    await page.request.get(`${API}/credentials/terms`, { headers: requester })
  ).json();
  const issued = await page.request.post(
    `${API}/grants/${request.grantId}/credentials`,
    { headers: requester, data: { acceptTerms: usage.version } },
  );
  expect(issued.status(), await issued.text()).toBe(201);
  const { secret, prefix } = await issued.json();
  return {
    grantId: request.grantId as string,
    key: secret as string,
    prefix: prefix as string,
  };
}
