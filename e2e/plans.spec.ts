/*
 * Plans, end to end (issue 14): team-c's petstore offers two plans in its
 * catalog metadata (catalog/demo-overlay.yaml stands in for its
 * catalog-info.yaml: starter at 2 requests a second and 40 a day, standard at
 * 20 a second). A team-a developer picks the smaller one in the request form
 * for www-artist; through a real gateway (Debian's nginx, configured from
 * examples/nginx with the demo's plans) the key gets 429 past the plan's rate
 * and past its quota; a team-c member upgrades the plan on the API's page and
 * the same key gets the higher rate; suspends the grant and the key is
 * refused within a second; resumes it and it works again; the usage chart on
 * www-artist's page shows the calls.
 */
import { expect, test } from '@playwright/test';
import {
  BACKEND,
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
const WHO =
  "component:default/www-artist's access to api:default/petstore in sandbox";

test('a requester picks the smaller plan; the gateway enforces its rate and quota; the owner upgrades, suspends and resumes with the same key', async ({
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
    name: 'petstore-plans',
    listen: await freePort(),
    apiRef: 'api:default/petstore',
    readScope: 'pets:read',
    writeScope: 'pets:write',
    environment: 'sandbox',
    // The demo's plans and petstore's tailored rates, each enforced exactly.
    rateLimits: [
      ...gatewayModule.rateLimitsFromAppConfig('app-config.yaml'),
      '2;w=1',
      '20;w=1',
    ],
  });
  const call = (key: string) =>
    fetch(`${petstore.url}/pets`, { headers: { 'X-Api-Key': key } });
  const burst = async (key: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => call(key)));

  try {
    // 1. The requester sees petstore's two plans side by side and picks the smaller.
    let page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/api/petstore');
    await page.getByRole('button', { name: 'Request access' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('plan-starter')).toContainText(
      '2 requests per 1 s',
    );
    await expect(dialog.getByTestId('plan-standard')).toBeVisible();
    await dialog.getByRole('radio', { name: 'Starter' }).check();
    await dialog.getByLabel('Consumer').click();
    await page.getByRole('option', { name: 'www-artist' }).click();
    await dialog.getByLabel('Environment').click();
    await page.getByRole('option', { name: 'sandbox' }).click();
    await dialog.getByRole('checkbox', { name: 'pets:read' }).check();
    await dialog
      .getByRole('textbox', { name: 'Use case' })
      .fill('Show pet pictures beside each artist on the artist site.');
    await dialog
      .getByRole('textbox', { name: 'Business justification' })
      .fill('A marketing experiment this quarter; light traffic.');
    await dialog
      .getByRole('textbox', { name: 'Credential storage and rotation' })
      .fill('Vault kv/www-artist, rotated by the deploy pipeline');
    await dialog
      .getByRole('spinbutton', { name: 'Duration (days)' })
      .fill('30');
    await shot(page, '18-plans-request-form');
    await dialog.getByRole('button', { name: 'Submit request' }).click();
    await expect(page.getByText(/Request sent to/)).toBeVisible();

    // 2. team-c approves; the requester fetches the key (HTTP: the approval
    //    and credential screens have their own specs).
    const requester = await tokenFor(setupPage.request, 'breanna.davison');
    const owner = await tokenFor(setupPage.request, 'calum.leavy');
    const mine = await (
      await setupPage.request.get(`${API}/requests?view=mine`, {
        headers: requester,
      })
    ).json();
    const request = mine.items.find(
      (r: any) =>
        r.consumerRef === 'component:default/www-artist' &&
        r.status === 'in_review',
    );
    expect(request.requestedPlan).toBe('starter');
    const approved = await setupPage.request.post(
      `${API}/requests/${request.id}/decisions`,
      { headers: owner, data: { decision: 'approve', comment: 'Fine' } },
    );
    expect(approved.status(), await approved.text()).toBe(201);
    const { grantId } = await approved.json();
    const terms = await (
      await setupPage.request.get(`${API}/credentials/terms`, {
        headers: requester,
      })
    ).json();
    const issued = await setupPage.request.post(
      `${API}/grants/${grantId}/credentials`,
      { headers: requester, data: { acceptTerms: terms.version } },
    );
    expect(issued.status(), await issued.text()).toBe(201);
    const { secret: key } = await issued.json();

    // 3. Past the plan's rate: 2 a second, so a burst of 10 gets 429s.
    const first = await burst(key, 10);
    const statuses = first.map(r => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    const limited = first.find(r => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await limited.json()).reason).toMatch(/rate/);

    // 4. Past its quota (40 a day): calls at the plan's rate until the
    //    gateway refuses with 429 naming the quota and when it resets.
    await new Promise(r => setTimeout(r, 1100));
    let quotaRefusal: Response | undefined;
    for (let i = 0; i < 60 && !quotaRefusal; i++) {
      const answer = await call(key);
      if (answer.status === 429) {
        const body = await answer.json();
        if (/quota/.test(body.reason)) quotaRefusal = answer;
      } else {
        expect(answer.status).toBe(200);
      }
      await new Promise(r => setTimeout(r, 600));
    }
    expect(quotaRefusal, 'the quota was never reached').toBeDefined();
    expect(Number(quotaRefusal!.headers.get('retry-after'))).toBeGreaterThan(
      0,
    );
    expect((await call(key)).status).toBe(429);

    // 5. The owner upgrades the plan on the API's page: the same key works
    //    again, at the higher rate.
    page = await signInAs(browser, 'calum.leavy');
    await page.goto('/catalog/default/api/petstore');
    await page
      .getByRole('button', { name: `Change the plan of ${WHO}` })
      .click();
    const planDialog = page.getByRole('dialog');
    await planDialog.getByRole('radio', { name: /Standard/ }).check();
    await shot(page, '19-plans-change-plan');
    await planDialog.getByRole('button', { name: 'Change plan' }).click();
    await expect(planDialog).toBeHidden();
    await expect
      .poll(async () => (await call(key)).status, { timeout: 5000 })
      .toBe(200);
    await new Promise(r => setTimeout(r, 1100));
    const upgraded = await burst(key, 10);
    expect(upgraded.map(r => r.status)).toEqual(Array(10).fill(200));

    // 6. Suspended: refused within a second; resumed: the same key works.
    await page.getByRole('button', { name: `Suspend ${WHO}` }).click();
    const suspendDialog = page.getByRole('dialog');
    await suspendDialog
      .getByRole('textbox', { name: /Reason/ })
      .fill('Calls at night look like a runaway job; paused until fixed.');
    let clicked = Date.now();
    await suspendDialog.getByRole('button', { name: 'Suspend access' }).click();
    let status = 0;
    while (Date.now() - clicked < 5000) {
      status = (await call(key)).status;
      if (status === 403) break;
      await new Promise(r => setTimeout(r, 20));
    }
    const suspendedAfter = Date.now() - clicked;
    expect(status).toBe(403);
    expect(suspendedAfter).toBeLessThan(1500);
    await expect(
      page.getByLabel(/^Suspended: Calls at night/).first(),
    ).toBeVisible();
    await shot(page, '20-plans-suspended');

    await page.getByRole('button', { name: `Resume ${WHO}` }).click();
    clicked = Date.now();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Resume access' })
      .click();
    status = 0;
    while (Date.now() - clicked < 5000) {
      status = (await call(key)).status;
      if (status === 200) break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    const resumedAfter = Date.now() - clicked;

    // 7. The usage chart on www-artist's page shows the calls of today.
    page = await signInAs(browser, 'breanna.davison');
    await page.goto('/catalog/default/component/www-artist');
    await page.getByRole('button', { name: `Usage of ${WHO}` }).click();
    const chart = page.getByRole('img', { name: /Calls per day/ });
    await expect(chart).toBeVisible();
    const label = (await chart.getAttribute('aria-label')) ?? '';
    const calls = Number(label.match(/: (\d+) calls/)?.[1] ?? 0);
    expect(calls).toBeGreaterThanOrEqual(40);
    await shot(page, '21-plans-usage');

    const usage = await (
      await setupPage.request.get(`${API}/grants/${grantId}/usage?days=7`, {
        headers: requester,
      })
    ).json();
    expect(usage.days).toHaveLength(7);
    // eslint-disable-next-line no-console
    console.log(
      `plans: ${statuses.filter(s => s === 429).length}/10 of the first burst over the rate; quota refusal after the 40th call; suspended key refused ${suspendedAfter} ms after the click, resumed key accepted ${resumedAfter} ms after; usage today ${calls} calls (quota ${JSON.stringify(
        usage.quota,
      )})`,
    );
  } finally {
    await petstore.stop();
    upstream.close();
  }
});
