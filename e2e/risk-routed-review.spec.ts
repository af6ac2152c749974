/*
 * A restricted API requested by an external partner goes through every
 * stage the policy routes it to, each decided by a different person, with
 * one request-changes round on the way:
 * owner (team-c) -> security and compliance in parallel -> legal.
 */
import { Browser, expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs } from './personas';

const APPROVE =
  'Approve api:default/streetlights for group:default/northwind-traders';

/** A reviewer opens their group's page and decides the streetlights request there. */
async function decideOnGroupPage(
  browser: Browser,
  name: string,
  group: string,
  decision: 'Approve' | 'Changes',
  comment: string,
  screenshot?: string,
) {
  const page = await signInAs(browser, name);
  await page.goto(`/catalog/default/group/${group}`);
  const label =
    decision === 'Approve'
      ? APPROVE
      : 'Request changes to api:default/streetlights for group:default/northwind-traders';
  const button = page.getByRole('button', { name: label }).first();
  await button.scrollIntoViewIfNeeded();
  if (screenshot) await shot(page, screenshot);
  await button.click();
  const dialog = page.getByRole('dialog');
  await dialog
    .getByRole('textbox', {
      name: decision === 'Approve' ? 'Comment (optional)' : 'Reason (required)',
    })
    .fill(comment);
  await dialog
    .getByRole('button', {
      name:
        decision === 'Approve' ? 'Confirm approval' : 'Send back for changes',
    })
    .click();
  await expect(
    page.getByText(
      decision === 'Approve'
        ? /^Approved api:default\/streetlights/
        : /^Sent back for changes/,
    ),
  ).toBeVisible();
  await page.context().close();
}

test('a partner request for restricted data passes owner, security, compliance and legal', async ({
  browser,
  page: probe,
}) => {
  await expect
    .poll(
      async () =>
        (await probe.request.get(`${BACKEND}/api/api-access/health`)).status(),
      {
        timeout: 120_000,
      },
    )
    .toBe(200);

  // The partner integrator asks for production access to a restricted API.
  const partner = await signInAs(browser, 'priya.natarajan');
  await partner.goto('/catalog/default/api/streetlights');
  await partner.getByRole('button', { name: 'Request access' }).click();
  const form = partner.getByRole('dialog');
  await expect(
    form.getByText('Northwind Traders (external partner)'),
  ).toBeVisible();
  await form.getByLabel('Environment').click();
  await partner.getByRole('option', { name: 'production' }).click();
  await form.getByRole('checkbox', { name: 'streetlights:dim' }).check();
  await form
    .getByRole('textbox', { name: 'Use case' })
    .fill('Dim street lights on our roads at night.');
  await form
    .getByRole('textbox', { name: 'Business justification' })
    .fill('Contracted energy-saving project with the city.');
  await form
    .getByRole('textbox', { name: 'Credential storage and rotation' })
    .fill('Our HSM');
  await form.getByRole('spinbutton', { name: 'Duration (days)' }).fill('90');
  await expect(form.getByTestId('api-access-plan')).toContainText(
    '2. security + compliance: security and compliance',
  );
  await expect(form.getByTestId('api-access-plan')).toContainText(
    '3. legal: legal',
  );
  await shot(partner, '10-external-request-form');
  await form.getByRole('button', { name: 'Submit request' }).click();
  await expect(
    partner.getByText('Request sent to group:default/team-c for review'),
  ).toBeVisible();

  // The owner asks how the key is rotated.
  await decideOnGroupPage(
    browser,
    'calum.leavy',
    'team-c',
    'Changes',
    'Say how the key is rotated.',
  );

  // The partner edits and resubmits from the request page.
  await partner.goto('/api-access');
  await partner.getByRole('link', { name: 'streetlights' }).first().click();
  await expect(partner.getByText('A reviewer asked for changes')).toBeVisible();
  await shot(partner, '11-changes-requested');
  await partner.getByRole('button', { name: 'Edit and resubmit' }).click();
  const edit = partner.getByRole('dialog');
  await edit
    .getByRole('textbox', { name: 'Credential storage and rotation' })
    .fill('Our HSM; rotated every 30 days by our key service');
  await edit
    .getByRole('textbox', { name: 'What changed (for the reviewers)' })
    .fill('Rotation spelled out');
  await edit.getByRole('button', { name: 'Resubmit' }).click();
  await expect(partner.getByText('Review plan (round 2)')).toBeVisible();

  // Owner, then security and compliance (in parallel), then legal.
  await decideOnGroupPage(
    browser,
    'calum.leavy',
    'team-c',
    'Approve',
    'Fine for the city project.',
  );
  await decideOnGroupPage(
    browser,
    'sam.rivera',
    'security',
    'Approve',
    'HSM storage is fine.',
    '13-security-inbox',
  );
  await decideOnGroupPage(
    browser,
    'carmen.diaz',
    'compliance',
    'Approve',
    'No personal data involved.',
  );
  await decideOnGroupPage(
    browser,
    'lee.walsh',
    'legal',
    'Approve',
    'Partner agreement on file.',
  );

  // The partner sees every stage decided and the whole history.
  await partner.reload();
  await expect(partner.getByRole('heading', { level: 2 })).toContainText(
    'streetlights',
  );
  await expect(
    partner.getByText('Approved', { exact: true }).first(),
  ).toBeVisible();
  for (const step of ['owner', 'security', 'compliance', 'legal']) {
    await expect(partner.getByTestId(`step-${step}`)).toContainText('Approved');
  }
  const history = partner.getByRole('table', { name: 'Request history' });
  await expect(history).toContainText('asked for changes');
  await expect(history).toContainText('resubmitted');
  await expect(history).toContainText('created the grant');
  await shot(partner, '12-request-approved');

  await partner.goto('/catalog/default/group/northwind-traders');
  const grants = partner.getByRole('table', { name: 'API access held' });
  await grants.scrollIntoViewIfNeeded();
  await expect(grants).toContainText('streetlights');
  await expect(grants).toContainText('streetlights:dim');
});
