/*
 * A periodic access review, end to end: team-c's petstore has two grants to
 * artist-lookup, each with a key that works at a real gateway (Debian's nginx,
 * configured from examples/nginx). A review of team-c's grants starts (in the
 * demo on demand: apiAccess.accessReviews.ownersMayStart lets a member start
 * one through POST /access-reviews/run, since nobody waits a quarter in a
 * demo); a team-c member keeps one grant and revokes the other on team-c's
 * Group page, and the gateway refuses the revoked key while the kept one
 * still works. Due dates, reminders and the unanswered outcome are shown by
 * the backend's tests with a fake clock
 * (plugins/api-access-backend/src/accessReviews/*.test.ts).
 *
 * The grants are set up through the HTTP API (the request and approval
 * screens have their own specs); the review itself is done in the browser.
 */
import { expect, test } from '@playwright/test';
import {
  BACKEND,
  grantWithKey,
  shot,
  signInAs,
  tokenFor,
  waitForCatalog,
} from './personas';
import {
  GATEWAY_TOKEN,
  freePort,
  gatewayModule,
  requireNginx,
  startUpstream,
} from './gateway';

const API = `${BACKEND}/api/api-access`;
const TEAM_C = 'group:default/team-c';
const ACCESS =
  "component:default/artist-lookup's access to api:default/petstore in sandbox";

test('an owner keeps one grant and revokes another in an access review; the gateway refuses the revoked key', async ({
  page: setupPage,
  browser,
}) => {
  requireNginx();
  await waitForCatalog(setupPage);

  const upstream = await startUpstream();
  const petstore = await gatewayModule.startGateway({
    upstream: upstream.address,
    backend: '127.0.0.1:7007',
    token: GATEWAY_TOKEN,
    name: 'petstore-review',
    listen: await freePort(),
    apiRef: 'api:default/petstore',
    readScope: 'pets:read',
    writeScope: 'pets:write',
    environment: 'sandbox',
  });
  const call = (key: string) =>
    fetch(`${petstore.url}/pets`, { headers: { 'X-Api-Key': key } });

  try {
    // 1. Two grants of artist-lookup to petstore, both keys working.
    const kept = await grantWithKey(
      setupPage,
      'Show pets on the artist page (kept in the access review).',
      {
        justification:
          'Spike for the artist pets feature planned this quarter.',
        credentialStorage:
          'Local .env outside git; rotated when the spike ends',
        durationDays: 7,
      },
    );
    const revoked = await grantWithKey(
      setupPage,
      'One-off pet import (revoked in the access review).',
      {
        justification:
          'Spike for the artist pets feature planned this quarter.',
        credentialStorage:
          'Local .env outside git; rotated when the spike ends',
        durationDays: 7,
      },
    );
    expect((await call(kept.key)).status).toBe(200);
    expect((await call(revoked.key)).status).toBe(200);

    // 2. A review of team-c's grants starts now (demo trigger, documented in
    //    docs/configuration.md: apiAccess.accessReviews.ownersMayStart).
    const owner = await tokenFor(setupPage.request, 'calum.leavy');
    const started = await setupPage.request.post(`${API}/access-reviews/run`, {
      headers: owner,
      data: { ownerRef: TEAM_C },
    });
    expect(started.status(), await started.text()).toBe(201);
    const [review] = (await started.json()).items;
    expect(review.items.map((i: any) => i.grantId)).toEqual(
      expect.arrayContaining([kept.grantId, revoked.grantId]),
    );

    // 3. A team-c member opens the group's page and finds both grants.
    const page = await signInAs(browser, 'calum.leavy');
    await page.goto('/catalog/default/group/team-c');
    // Only this review lists these new grants; earlier runs left others.
    const keptRow = page.getByTestId(`access-review-item-${kept.grantId}`);
    const revokedRow = page.getByTestId(
      `access-review-item-${revoked.grantId}`,
    );
    await expect(keptRow).toContainText(`${kept.prefix}…`);
    await expect(revokedRow).toContainText(`${revoked.prefix}…`);
    await expect(keptRow).toContainText('pets:read');

    // 4. Keep the first: a comment is required.
    await keptRow.getByRole('button', { name: `Keep ${ACCESS}` }).click();
    let dialog = page.getByRole('dialog');
    const keepButton = dialog.getByRole('button', { name: 'Keep access' });
    await expect(keepButton).toBeDisabled();
    await dialog
      .getByRole('textbox', { name: /Why is this access still needed/ })
      .fill('The artist page shows pets from this key every day.');
    await keepButton.click();
    await expect(dialog).toBeHidden();
    await expect(keptRow).toContainText('Kept');
    // The catalog's display name, or the ref while it loads.
    await expect(keptRow).toContainText(/Calum Leavy|calum\.leavy/);
    await expect(keptRow).toContainText(
      'The artist page shows pets from this key every day.',
    );
    await shot(page, '14-access-review', 'Access reviews');

    // 5. Revoke the second; the gateway refuses its key within a second.
    await revokedRow.getByRole('button', { name: `Revoke ${ACCESS}` }).click();
    dialog = page.getByRole('dialog');
    await dialog
      .getByRole('textbox', { name: /Reason/ })
      .fill('The import ran once; the key is no longer needed.');
    const clicked = Date.now();
    await dialog.getByRole('button', { name: 'Revoke access' }).click();
    let status = 0;
    while (Date.now() - clicked < 5000) {
      status = (await call(revoked.key)).status;
      if (status === 401) break;
      await new Promise(r => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    // eslint-disable-next-line no-console
    console.log(
      `gateway refused the key revoked in the review ${
        Date.now() - clicked
      } ms after the click`,
    );
    await expect(revokedRow).toContainText('Revoked');
    await expect(revokedRow).toContainText(
      'The import ran once; the key is no longer needed.',
    );
    // The kept key still works.
    expect((await call(kept.key)).status).toBe(200);

    // 6. The review's history has both answers and the revocation.
    const history = await setupPage.request.get(
      `${API}/access-reviews/${review.id}/history`,
      { headers: owner },
    );
    const actions = (await history.json()).items.map(
      (e: any) => `${e.action} ${e.subjectId}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        `access-review.started ${review.id}`,
        `access-review.kept ${kept.grantId}`,
        `grant.revoked ${revoked.grantId}`,
        `access-review.revoked ${revoked.grantId}`,
      ]),
    );
  } finally {
    await petstore.stop();
    upstream.close();
  }
});
