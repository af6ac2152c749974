/*
 * Tokens from an identity provider, end to end (issue 13): a team-a
 * developer requests team-c's petstore with the credential type "OAuth2
 * client (client credentials)"; a team-c member approves it; api-access
 * registers a client for the grant at the demo's identity provider
 * (oidc-provider on 127.0.0.1:7010, started by the demo backend); the
 * requester accepts the terms and sees client id and secret once; a token
 * fetched with them passes a real nginx gateway; the requester revokes the
 * grant on the component's page, and the same token is refused within a
 * second while the provider refuses new tokens for the deleted client.
 * Screenshots for the user guide.
 */
import { expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs, tokenFor, waitForCatalog } from './personas';
import {
  GATEWAY_TOKEN,
  freePort,
  gatewayModule,
  requireNginx,
  startUpstream,
} from './gateway';

const API = `${BACKEND}/api/api-access`;
const USE_CASE = 'Fetch pet names with a token from the identity provider.';

test('an OAuth2 client grant: request, approve, secret once, token through nginx, revoked within a second and deleted at the provider', async ({
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
    name: 'petstore-oauth2',
    listen: await freePort(),
    apiRef: 'api:default/petstore',
    readScope: 'pets:read',
    writeScope: 'pets:write',
    environment: 'sandbox',
  });
  const call = (token: string) =>
    fetch(`${petstore.url}/pets`, {
      headers: { Authorization: `Bearer ${token}` },
    });

  try {
    // 1. The requester (team-a) asks for petstore (team-c) with an OAuth2 client.
    let page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/api/petstore');
    await page.getByRole('button', { name: 'Request access' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Consumer').click();
    await page.getByRole('option', { name: 'artist-lookup' }).click();
    await form.getByLabel('Environment').click();
    await page.getByRole('option', { name: 'sandbox' }).click();
    await form.getByRole('checkbox', { name: 'pets:read' }).check();
    await form.getByLabel('Credential type').click();
    await page
      .getByRole('option', { name: /^OAuth2 client \(client credentials\)/ })
      .click();
    await expect(form.getByLabel('Credential type')).toContainText(
      'OAuth2 client (client credentials)',
    );
    await form.getByRole('textbox', { name: 'Use case' }).fill(USE_CASE);
    await form
      .getByRole('textbox', { name: 'Business justification' })
      .fill('The artist page shows pets; the platform issues tokens now.');
    await form
      .getByRole('textbox', { name: 'Credential storage and rotation' })
      .fill('Vault kv/artist-lookup-oauth, rotated by the deploy pipeline');
    await form.getByRole('spinbutton', { name: 'Duration (days)' }).fill('30');
    await shot(page, 'oauth2-client-request-form');
    await form.getByRole('button', { name: 'Submit request' }).click();
    await expect(page.getByText(/Request sent to/)).toBeVisible();

    const requester = await tokenFor(setupPage.request, 'breanna.davison');
    const mine = await (
      await setupPage.request.get(`${API}/requests?view=mine`, {
        headers: requester,
      })
    ).json();
    const request = mine.items.find(
      (r: any) =>
        r.useCase === USE_CASE &&
        r.credentialType === 'oauth2-client' &&
        r.status === 'in_review',
    );
    expect(request, 'the request just submitted').toBeTruthy();

    // 2. A team-c member approves it on the request's page.
    page = await signInAs(browser, 'calum.leavy');
    await page.goto(`/api-access/requests/${request.id}`);
    await expect(page.getByTestId('request-credential-type')).toHaveText(
      'OAuth2 client (client credentials)',
    );
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Confirm approval' }).click();
    let grantId = '';
    await expect
      .poll(
        async () => {
          const approved = await (
            await setupPage.request.get(`${API}/requests/${request.id}`, {
              headers: requester,
            })
          ).json();
          grantId = approved.grantId ?? '';
          return approved.status;
        },
        { timeout: 15_000 },
      )
      .toBe('approved');

    // The provisioning queue registers the grant's client at the provider
    // (a second or so); until then the requester cannot get a secret.
    await expect
      .poll(
        async () => {
          const held = await (
            await setupPage.request.get(
              `${API}/grants?consumerRef=${encodeURIComponent(
                'component:default/artist-lookup',
              )}`,
              { headers: requester },
            )
          ).json();
          const grant = held.items.find((g: any) => g.id === grantId);
          return grant?.provisioning?.state;
        },
        { timeout: 30_000, intervals: [500] },
      )
      .toBe('done');
    // The owner's view: the grant on the API's page, provisioned.
    await page.goto('/catalog/default/api/petstore/api-access');
    const provisioned = page.getByLabel('provisioning done').first();
    await expect(provisioned).toBeVisible();
    // The grant's row, not the card above it, is what the picture is for.
    await provisioned.evaluate(el =>
      el.scrollIntoView({ block: 'center', inline: 'nearest' }),
    );
    await shot(page, 'oauth2-client-owner-provisioned');

    // 3. The requester gets the client secret, once, after the terms.
    page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/component/artist-lookup');
    const grants = page.getByRole('table', { name: 'API access held' });
    const getSecret = grants
      .getByRole('button', {
        name: 'Get client secret for api:default/petstore',
      })
      .first();
    // Greyed out ("Registering the OAuth client…") until the client exists.
    await expect(getSecret).toBeEnabled({ timeout: 30_000 });
    await getSecret.click();
    let dialog = page.getByRole('dialog');
    await dialog
      .getByRole('checkbox', { name: 'I accept these usage terms' })
      .check();
    await dialog
      .getByRole('button', { name: 'Show the client secret' })
      .click();
    const clientId = await dialog.getByTestId('oauth2-client-id').inputValue();
    const clientSecret = await dialog
      .getByTestId('oauth2-client-secret')
      .inputValue();
    const tokenEndpoint = await dialog
      .getByTestId('oauth2-token-endpoint')
      .inputValue();
    expect(clientId).toBeTruthy();
    expect(clientSecret.length).toBeGreaterThan(20);
    expect(tokenEndpoint).toBe('http://127.0.0.1:7010/token');
    await expect(dialog.getByTestId('oauth2-scopes')).toHaveText(
      'Scopes: pets:read',
    );
    await expect(dialog.getByTestId('oauth2-client-warning')).toContainText(
      'You will not see it again',
    );
    await expect(dialog.getByTestId('oauth2-curl-example')).toContainText(
      `-d scope='pets:read' '${tokenEndpoint}'`,
    );
    await shot(page, 'oauth2-client-secret');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // Closing and opening again shows no secret: only a rotation is offered.
    const row = grants
      .getByRole('row')
      .filter({ hasText: `OAuth client ${clientId}` });
    await expect(row).toBeVisible();
    await row
      .getByRole('button', { name: 'Rotate client for api:default/petstore' })
      .click();
    dialog = page.getByRole('dialog');
    await expect(
      dialog.getByRole('checkbox', { name: 'I accept these usage terms' }),
    ).toBeVisible();
    await expect(dialog.getByTestId('oauth2-client-secret')).toHaveCount(0);
    await expect(dialog.getByText(clientSecret)).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // 4. A token from the provider with those credentials passes the gateway.
    const fetchToken = () =>
      fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(
            `${clientId}:${clientSecret}`,
          ).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'pets:read',
        }),
      });
    const tokenAnswer = await fetchToken();
    expect(tokenAnswer.status, await tokenAnswer.clone().text()).toBe(200);
    const { access_token: token } = await tokenAnswer.json();
    expect(token.split('.')).toHaveLength(3);
    const ok = await call(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      pets: ['Rex'],
      consumer: 'component:default/artist-lookup',
    });
    // Without the token, or with a forged one, nginx refuses.
    expect((await fetch(`${petstore.url}/pets`)).status).toBe(401);
    const [h, p] = token.split('.');
    expect((await call(`${h}.${p}.forged-signature`)).status).toBe(401);

    // 5. The requester revokes it on the component's page; the same token is
    //    refused by nginx within a second.
    await row
      .getByRole('button', {
        name: "Revoke component:default/artist-lookup's access to api:default/petstore in sandbox",
      })
      .click();
    const revokeDialog = page.getByRole('dialog');
    await revokeDialog
      .getByRole('textbox', { name: /Reason/ })
      .fill('Moving to the new pets service; the client is not needed.');
    // Measured from the revocation's answer. No call is made between the
    // click and that answer, so nginx holds no fresh 200 for the token (a
    // token's answer may be kept apiAccess.gateway.tokenDecisionCacheSeconds,
    // 1 s, and no purge can name it); the last one (step 4) has expired.
    const revokeAnswer = page.waitForResponse(
      response =>
        response.url().endsWith(`/grants/${grantId}/revoke`) &&
        response.request().method() === 'POST',
    );
    await revokeDialog.getByRole('button', { name: 'Revoke access' }).click();
    expect((await revokeAnswer).status()).toBe(200);
    const answeredAt = Date.now();
    let refused: Response | undefined;
    while (Date.now() - answeredAt < 5000) {
      const answer = await call(token);
      if (answer.status === 401) {
        refused = answer;
        break;
      }
      expect(answer.status).toBe(200);
      await new Promise(r => setTimeout(r, 100));
    }
    const elapsed = Date.now() - answeredAt;
    expect(refused?.status).toBe(401);
    expect(elapsed).toBeLessThan(1000);
    expect((await refused!.json()).reason).toBe(
      "the token's client has no active grant",
    );
    // eslint-disable-next-line no-console
    console.log(
      `nginx refused the revoked grant's token ${elapsed} ms after the revocation's answer`,
    );
    await expect(
      grants
        .getByRole('row')
        .filter({ hasText: 'Moving to the new pets service' }),
    ).toContainText('Revoked');
    await shot(page, 'oauth2-client-revoked', 'API access held');

    // 6. The client was deleted at the provider: no new tokens for it.
    await expect
      .poll(
        async () => {
          const answer = await fetchToken();
          if (answer.status === 200) return 'issued';
          return `${answer.status} ${(await answer.json()).error}`;
        },
        { timeout: 15_000, intervals: [500] },
      )
      .toBe('401 invalid_client');

    // The owner sees the revoked grant and its provisioning done.
    page = await signInAs(browser, 'calum.leavy');
    await page.goto('/catalog/default/api/petstore/api-access');
    const revokedRow = page
      .getByRole('row')
      .filter({ hasText: 'Moving to the new pets service' })
      .first();
    await expect(revokedRow).toContainText('Revoked');
    await revokedRow.evaluate(el =>
      el.scrollIntoView({ block: 'center', inline: 'nearest' }),
    );
    await shot(page, 'oauth2-client-owner-revoked');
  } finally {
    await petstore.stop();
    upstream.close();
  }
});
