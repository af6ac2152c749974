/*
 * Incident revocation, end to end: artist-lookup holds three grants to
 * team-c's petstore, each with a key that works at a real gateway (Debian's
 * nginx, configured from examples/nginx). Its key leaked; a team-c member
 * opens artist-lookup's page, dry-runs "Revoke all access…", sees what
 * ends, confirms, and follows the batch's progress page until the webhook
 * provisioner has confirmed every revocation; the gateway refuses each key.
 *
 * The grants are set up through the HTTP API (the request and approval
 * screens have their own specs); the incident revocation is done in the
 * browser.
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

test("an owner dry-runs and then revokes all of a consumer's grants; the gateway refuses each key", async ({
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
    name: 'petstore-incident',
    listen: await freePort(),
    apiRef: 'api:default/petstore',
    readScope: 'pets:read',
    writeScope: 'pets:write',
    environment: 'sandbox',
  });
  const call = (key: string) =>
    fetch(`${petstore.url}/pets`, { headers: { 'X-Api-Key': key } });

  try {
    // 1. Three grants of artist-lookup to petstore, every key working.
    const grants = [];
    for (const useCase of [
      'Show pets on the artist page.',
      'Nightly pet import for the artist catalogue.',
      'Pet search in the artist admin screen.',
    ]) {
      grants.push(await grantWithKey(setupPage, useCase));
    }
    for (const { key } of grants) expect((await call(key)).status).toBe(200);

    // 2. A team-c member opens artist-lookup's page: "Revoke all access…".
    const page = await signInAs(browser, 'calum.leavy');
    await page.goto('/catalog/default/component/artist-lookup');
    await page.getByRole('button', { name: 'Revoke all access…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('textbox', { name: /Reason/ })
      .fill("artist-lookup's key leaked in a public repository.");
    await dialog.getByRole('button', { name: 'Show what ends' }).click();

    // 3. The dry run: which grants end; nothing has changed yet.
    const heading = dialog.getByText(/^These \d+ grants? will end$/);
    await expect(heading).toBeVisible();
    const count = Number((await heading.innerText()).match(/\d+/)![0]);
    expect(count).toBeGreaterThanOrEqual(grants.length);
    await expect(
      dialog.getByRole('table', { name: 'Grants that will end' }),
    ).toContainText('petstore');
    for (const { key } of grants) expect((await call(key)).status).toBe(200);
    await shot(page, '16-incident-revocation-dry-run');

    // 4. Confirm: every key is refused at the gateway within its cache second.
    const clicked = Date.now();
    await dialog
      .getByRole('button', {
        name: `Revoke ${count} grant${count === 1 ? '' : 's'}`,
      })
      .click();
    const refusedAfter: number[] = [];
    for (const { key } of grants) {
      let status = 0;
      while (Date.now() - clicked < 10_000) {
        status = (await call(key)).status;
        if (status === 401) break;
        await new Promise(r => setTimeout(r, 20));
      }
      expect(status).toBe(401);
      refusedAfter.push(Date.now() - clicked);
    }

    // 5. The progress page follows the provisioners until every one confirmed.
    await expect(page).toHaveURL(/\/api-access\/revocations\//);
    await expect(page.getByText(/every provisioner confirmed/)).toBeVisible({
      timeout: 60_000,
    });
    const table = page.getByRole('table', {
      name: 'Grants of this revocation',
    });
    await expect(table).toContainText('Revoked by this batch');
    await expect(table).toContainText(/confirmed/);
    const done = Date.now() - clicked;
    await shot(page, '17-incident-revocation-progress');

    // 6. The batch is one history event; each grant's own carries its id.
    const owner = await tokenFor(setupPage.request, 'calum.leavy');
    const batchId = decodeURIComponent(page.url().split('/revocations/')[1]);
    const batch = await (
      await setupPage.request.get(`${API}/grants/revocations/${batchId}`, {
        headers: owner,
      })
    ).json();
    expect(batch.done).toBe(true);
    expect(batch.items.map((i: any) => i.id)).toEqual(
      expect.arrayContaining(grants.map(g => g.grantId)),
    );
    // eslint-disable-next-line no-console
    console.log(
      `incident revocation of ${count} grants: the gateway refused the ${
        grants.length
      } keys ${refusedAfter.join(
        ', ',
      )} ms after the click; every provisioner confirmed (page shows done) after ${done} ms`,
    );
  } finally {
    await petstore.stop();
    upstream.close();
  }
});
