/*
 * Bulk decisions in the browser: breanna.davison (team-a) asks for three of
 * team-c's APIs for artist-lookup; calum.leavy selects all three on team-c's
 * page and opens the approval for all three; while the dialog is open a
 * colleague (frank.tiernan, team-c) rejects one of them (a live update takes
 * its row out of the inbox, the dialog keeps what calum opened). Two are
 * decided, and the third is refused with the reason shown beside it: each
 * request is decided on its own under the single decision's rules.
 *
 * Requests whose consumer the reviewer's own team owns never reach their
 * inbox (the inbox filters them); the conflict-of-interest refusal in a bulk
 * decision is proven by the backend's tests (requests/bulkDecisions.test.ts
 * and the authorization matrix), which name such ids directly.
 */
import { expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs, tokenFor, waitForCatalog } from './personas';

const API = `${BACKEND}/api/api-access`;

test('a reviewer approves three requests at once; the one a colleague rejected meanwhile is refused with its reason', async ({
  page: first,
  browser,
}) => {
  await waitForCatalog(first);
  const requester = await tokenFor(first.request, 'breanna.davison');
  const colleague = await tokenFor(first.request, 'frank.tiernan');

  // Three requests of breanna's, one per API team-c owns.
  const ids: string[] = [];
  for (const api of ['petstore', 'streetlights', 'hello-world']) {
    const profile = await (
      await first.request.get(`${API}/apis/default/${api}/profile`, {
        headers: requester,
      })
    ).json();
    const created = await first.request.post(`${API}/requests`, {
      headers: requester,
      data: {
        apiRef: `api:default/${api}`,
        consumerRef: 'component:default/artist-lookup',
        environment: profile.environments.includes('development')
          ? 'development'
          : profile.environments[0],
        scopes: profile.scopes.slice(0, 1),
        useCase: `Bulk review demo: read ${api} from the artist lookup page.`,
        justification: 'Three integrations for one release, reviewed together.',
        credentialStorage: 'Vault kv/artist-lookup, rotated monthly',
        durationDays: 30,
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    ids.push((await created.json()).id);
  }

  const page = await signInAs(browser, 'calum.leavy');
  await page.goto('/catalog/default/group/team-c');
  const rows = ids.map(id => page.getByTestId(`review-${id}`));
  for (const row of rows) {
    await expect(row).toBeVisible();
    await row.getByRole('checkbox').check();
  }
  const bar = page.getByRole('toolbar', {
    name: 'Decide the selected requests',
  });
  await expect(bar.getByText('3 selected')).toBeVisible();

  await bar.getByRole('button', { name: 'Approve 3' }).click();
  const dialog = page.getByRole('dialog');
  await dialog
    .getByRole('textbox', { name: 'Comment' })
    .fill('Read-only access for the artist lookup release.');

  // Meanwhile a colleague rejects the third. The live update takes its row
  // out of the inbox behind the dialog; the dialog keeps what calum opened.
  const rejected = await first.request.post(
    `${API}/requests/${ids[2]}/decisions`,
    {
      headers: colleague,
      data: { decision: 'reject', comment: 'hello-world is being retired.' },
    },
  );
  expect(rejected.status(), await rejected.text()).toBe(201);
  await expect(rows[2]).toBeHidden({ timeout: 15_000 });

  await dialog.getByRole('button', { name: 'Approve 3' }).click();
  await expect(dialog.getByText('2 of 3 decided')).toBeVisible();
  await expect(dialog.getByTestId(`bulk-${ids[0]}`)).toContainText(
    'Decided: now',
  );
  await expect(dialog.getByTestId(`bulk-${ids[1]}`)).toContainText(
    'Decided: now',
  );
  await expect(dialog.getByTestId(`bulk-${ids[2]}`)).toContainText(
    'Not decided:',
  );
  await shot(page, '15-bulk-decision');
  await dialog.getByRole('button', { name: 'Done' }).click();
  for (const row of rows) await expect(row).toBeHidden();

  // The backend agrees: one decision each, by calum, with the one comment.
  for (const id of ids.slice(0, 2)) {
    const request = await (
      await first.request.get(`${API}/requests/${id}`, { headers: requester })
    ).json();
    expect(
      request.decisions.map((d: any) => [d.deciderRef, d.comment]),
    ).toEqual([
      [
        'user:default/calum.leavy',
        'Read-only access for the artist lookup release.',
      ],
    ]);
  }
  const third = await (
    await first.request.get(`${API}/requests/${ids[2]}`, {
      headers: requester,
    })
  ).json();
  expect(third.status).toBe('rejected');
  expect(third.decisions).toHaveLength(1);
});
