/*
 * A real gateway honours what people decide in the portal. Debian's nginx,
 * configured from examples/nginx, guards a small upstream in front of the
 * demo backend. People do their steps in the browser (request, approve, get
 * the key, revoke); the test calls the gateway as the consumer would.
 * Expiry is shown by the backend's gateway test with a fake clock
 * (packages/backend/src/gateway/gateway.test.ts): a browser cannot
 * wait out a day.
 */
import { expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs, waitForCatalog } from './personas';
import {
  GATEWAY_TOKEN,
  freePort,
  gatewayModule,
  requireNginx,
  startUpstream,
} from './gateway';

test('the gateway lets the approved key through and stops it within its cache second of revocation', async ({
  page: firstPage,
  browser,
}) => {
  requireNginx();
  await waitForCatalog(firstPage);

  const upstream = await startUpstream();
  const common = {
    upstream: upstream.address,
    backend: '127.0.0.1:7007',
    token: GATEWAY_TOKEN,
  };
  const petstore = await gatewayModule.startGateway({
    ...common,
    name: 'petstore',
    listen: await freePort(),
    apiRef: 'api:default/petstore',
    readScope: 'pets:read',
    writeScope: 'pets:write',
    environment: 'sandbox',
  });
  const other = await gatewayModule.startGateway({
    ...common,
    name: 'helloworld',
    listen: await freePort(),
    apiRef: 'api:default/hello-world',
    readScope: 'read',
    writeScope: 'write',
  });
  const call = (url: string, key?: string, method = 'GET') =>
    fetch(`${url}/pets`, {
      method,
      headers: key ? { 'X-Api-Key': key } : {},
    });

  try {
    // 1. The requester asks for read-only sandbox access for artist-lookup.
    let page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/api/petstore');
    await page.getByRole('button', { name: 'Request access' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Consumer').click();
    await page.getByRole('option', { name: 'artist-lookup' }).click();
    await form.getByLabel('Environment').click();
    await page.getByRole('option', { name: 'sandbox' }).click();
    await form.getByRole('checkbox', { name: 'pets:read' }).check();
    await form
      .getByRole('textbox', { name: 'Use case' })
      .fill('Try the pet search in the sandbox before building the page.');
    await form
      .getByRole('textbox', { name: 'Business justification' })
      .fill('Spike for the artist pets feature planned this quarter.');
    await form
      .getByRole('textbox', { name: 'Credential storage and rotation' })
      .fill('Local .env outside git for the spike; rotated when it ends');
    await form.getByRole('spinbutton', { name: 'Duration (days)' }).fill('7');
    await form.getByRole('button', { name: 'Submit request' }).click();
    await expect(
      page.getByText(/Request sent to group:default\/team-c/),
    ).toBeVisible();

    // 2. The owner approves it on team-c's page.
    page = await signInAs(browser, 'calum.leavy');
    await page.goto('/catalog/default/group/team-c');
    await page
      .getByRole('button', {
        name: 'Approve api:default/petstore for component:default/artist-lookup',
      })
      .first()
      .click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    await expect(page.getByText(/\(now approved\)/)).toBeVisible();

    // 3. The requester gets the key from the component's page.
    page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/component/artist-lookup');
    const grants = page.getByRole('table', { name: 'API access held' });
    const row = grants
      .getByRole('row')
      .filter({ hasText: 'sandbox' })
      .filter({ hasText: 'petstore' })
      .first();
    await expect(row).toContainText('Active');
    await row
      .getByRole('button', { name: 'Get credential for api:default/petstore' })
      .click();
    const keyDialog = page.getByRole('dialog');
    await keyDialog
      .getByRole('checkbox', { name: 'I accept these usage terms' })
      .check();
    await keyDialog.getByRole('button', { name: 'Show my key' }).click();
    const keyBox = keyDialog.getByRole('textbox', { name: 'API key' });
    await expect(keyBox).toHaveValue(/^aak_/);
    const key = await keyBox.inputValue();
    await keyDialog.getByRole('button', { name: 'Done' }).click();

    // 4. The gateway: no key 401, the key 200, another API 403, a write 403.
    expect((await call(petstore.url)).status).toBe(401);
    const ok = await call(petstore.url, key);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      pets: ['Rex'],
      consumer: 'component:default/artist-lookup',
    });
    expect((await call(other.url, key)).status).toBe(403);
    const write = await call(petstore.url, key, 'POST');
    expect(write.status).toBe(403);
    expect((await write.json()).reason).toBe(
      'the API key lacks the scope pets:write',
    );

    // 5. The requester revokes it; the gateway refuses the key within a second.
    await row
      .getByRole('button', {
        name: "Revoke component:default/artist-lookup's access to api:default/petstore in sandbox",
      })
      .click();
    const revokeDialog = page.getByRole('dialog');
    await revokeDialog
      .getByRole('textbox', { name: /Reason/ })
      .fill('Spike finished; the key is no longer needed.');
    await shot(page, '09-revoke-grant');
    const clicked = Date.now();
    await revokeDialog.getByRole('button', { name: 'Revoke access' }).click();
    let status = 0;
    while (Date.now() - clicked < 5000) {
      status = (await call(petstore.url, key)).status;
      if (status === 401) break;
      await new Promise(r => setTimeout(r, 20));
    }
    const elapsed = Date.now() - clicked;
    expect(status).toBe(401);
    // nginx caches decisions for apiAccess.gateway.decisionCacheSeconds (1 s
    // in the demo): the click, the revocation and at most that second.
    expect(elapsed).toBeLessThan(1500);
    // eslint-disable-next-line no-console
    console.log(
      `gateway refused the revoked key ${elapsed} ms after the click`,
    );
    const revokedRow = grants
      .getByRole('row')
      .filter({ hasText: 'Spike finished' });
    await expect(revokedRow).toContainText('Revoked');
    await shot(page, '10-revoked-grant', 'API access held');

    // 6. The webhook provisioner told the (demo) gateway both times, signed.
    await expect
      .poll(
        async () => {
          const response = await fetch(
            `${BACKEND}/api/api-access-demo-gateway/deliveries`,
          );
          const { items } = await response.json();
          return items
            .filter(
              (d: any) => d.consumerRef === 'component:default/artist-lookup',
            )
            .map((d: any) => d.type);
        },
        { timeout: 30_000 },
      )
      .toEqual(
        expect.arrayContaining([
          'api-access.grant.provision',
          'api-access.grant.revoke',
        ]),
      );
  } finally {
    await petstore.stop();
    await other.stop();
    upstream.close();
  }
});
