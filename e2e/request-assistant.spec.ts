/*
 * The request assistant in the browser: a requester asks for a write scope
 * with a read-only use case, the form flags it under the scopes, one click
 * narrows the request to the read scope, and the reviewer sees the risk score
 * and what the assistant noticed at the top of the request.
 * Screenshots 11-assistant-finding and 12-assistant-reviewer go to the user guide.
 */
import { expect, test } from '@playwright/test';
import { shot, signInAs, waitForCatalog } from './personas';

test('a requester fixes a flagged scope with one click; the reviewer sees the assessment', async ({
  page: probe,
  browser,
}) => {
  await waitForCatalog(probe);

  // 1. The requester fills the form, asking for pets:write too.
  let page = await signInAs(browser, 'breanna.davison');
  await page.goto('/catalog/default/api/petstore');
  await page.getByRole('button', { name: 'Request access' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Consumer').click();
  await page.getByRole('option', { name: 'artist-lookup' }).click();
  await dialog.getByLabel('Environment').click();
  await page.getByRole('option', { name: 'development' }).click();
  await dialog.getByRole('checkbox', { name: 'pets:read' }).check();
  await dialog.getByRole('checkbox', { name: 'pets:write' }).check();
  await dialog
    .getByRole('textbox', { name: 'Use case' })
    .fill("Show the artist's pets on the artist lookup page (read only).");
  await dialog
    .getByRole('textbox', { name: 'Business justification' })
    .fill('Product asked for pet names on artist pages this quarter.');
  await dialog
    .getByRole('textbox', { name: 'Credential storage and rotation' })
    .fill('Vault kv/artist-lookup, rotated monthly by the deploy pipeline');
  await dialog.getByRole('spinbutton', { name: 'Duration (days)' }).fill('30');

  // 2. The assistant flags the write scope under the scopes, with a fix.
  const scopeNotes = dialog.getByRole('list', {
    name: 'Request assistant on the scopes',
  });
  await expect(scopeNotes).toContainText(
    'The use case only reads, but pets:write allows changes.',
  );
  const fix = scopeNotes.getByRole('button', {
    name: 'Request only pets:read',
  });
  await expect(fix).toBeVisible();
  await expect(dialog.getByTestId('api-access-risk-score')).toContainText(
    'Risk',
  );
  await expect(dialog.getByTestId('api-access-plan')).toContainText(
    'owner: team-c',
  );
  await dialog
    .getByRole('checkbox', { name: 'pets:read' })
    .scrollIntoViewIfNeeded();
  await shot(page, '11-assistant-finding');

  // 3. One click narrows the request; the finding goes away.
  await fix.click();
  await expect(
    dialog.getByRole('checkbox', { name: 'pets:write' }),
  ).not.toBeChecked();
  await expect(
    dialog.getByRole('checkbox', { name: 'pets:read' }),
  ).toBeChecked();
  await expect(scopeNotes).toBeHidden();

  const created = page.waitForResponse(
    response =>
      response.url().endsWith('/api/api-access/requests') &&
      response.request().method() === 'POST',
  );
  const submit = dialog.getByRole('button', { name: 'Submit request' });
  await expect(submit).toBeEnabled();
  await submit.click();
  const response = await created;
  expect(response.status()).toBe(201);
  const request = await response.json();
  expect(request.scopes).toEqual(['pets:read']);
  expect(request.assessment.risk.score).toEqual(expect.any(Number));
  expect(
    request.assessment.findings.map((f: { id: string }) => f.id),
  ).not.toContain('least-privilege.write-scope-for-read-use');
  await expect(
    page.getByText('Request sent to group:default/team-c for review'),
  ).toBeVisible();
  await page.context().close();

  // 4. A team-c reviewer opens the request and sees the assessment on top.
  page = await signInAs(browser, 'calum.leavy');
  await page.goto(`/api-access/requests/${encodeURIComponent(request.id)}`);
  await expect(page.getByText('Request assistant')).toBeVisible();
  await expect(page.getByTestId('api-access-risk-score')).toHaveText(
    `Risk ${request.assessment.risk.score}/100 (${
      request.assessment.risk.score >= 60
        ? 'high'
        : request.assessment.risk.score >= 30
        ? 'medium'
        : 'low'
    })`,
  );
  const reasons = page.getByRole('list', { name: 'Risk score reasons' });
  await expect(reasons).toContainText('classification: internal data');
  await expect(reasons).toContainText('environment: development');
  await expect(page.getByRole('list', { name: 'Hints' })).toContainText(
    'petstore is experimental',
  );
  await expect(page.getByRole('button', { name: 'Approve' })).toBeVisible();
  await shot(page, '12-assistant-reviewer');
});
