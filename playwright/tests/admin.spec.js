// Administration in the browser: analytics charts at phone and desktop widths, a filtered CSV
// download that parses back.
'use strict';
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

test('the analytics page draws its charts on a phone and on a desktop', async ({ page }, testInfo) => {
  await login(page, 'admin@techlearnjess.cd', DEMO_PASSWORD);
  await page.goto('/admin/analytics');
  for (const id of ['chart-learning', 'chart-signups', 'chart-active']) {
    await expect(page.getByTestId(id).locator('svg')).toBeVisible();
    await expect(page.getByTestId(id).locator('svg polyline')).not.toHaveCount(0);
  }
  await expect(page.getByTestId('figure-mau')).not.toHaveText('0'); // the admin just logged in
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await saveScreenshot(page, testInfo, 'admin-analytics-360.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.reload();
  await saveScreenshot(page, testInfo, 'admin-analytics-desktop-dark.png');
});

test('an admin filters users and downloads them as CSV', async ({ page }) => {
  await login(page, 'admin@techlearnjess.cd', DEMO_PASSWORD);
  await page.goto('/admin/users');
  await page.getByTestId('users-role').selectOption('trainer');
  await page.getByRole('button', { name: 'Filtrer' }).click();
  await expect(page.getByTestId('users-list')).toContainText('formateur@techlearnjess.cd');
  await expect(page.getByTestId('users-list')).not.toContainText('apprenant@techlearnjess.cd');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('users-export').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^techlearnjess-users-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = fs.readFileSync(await download.path(), 'utf8');
  const lines = text.trim().split('\n');
  expect(lines[0]).toBe('id,nom,email,roles,email_verifie,actif,inscrit_le');
  expect(lines.slice(1).join('\n')).toContain('formateur@techlearnjess.cd');
  expect(text).not.toContain('apprenant@techlearnjess.cd');
});

test('the audit log reads as sentences with links, on a phone and a desktop, light and dark', async ({ page }, testInfo) => {
  await login(page, 'admin@techlearnjess.cd', DEMO_PASSWORD);
  await page.goto('/admin/users');
  await page.getByTestId('users-role').selectOption('');
  const href = await page.locator('a[href^="/admin/users/"]').filter({ hasText: 'Patrick' }).first().getAttribute('href');
  await page.goto(href);
  await page.getByTestId('role-trainer').check();
  await page.getByTestId('role-trainer').evaluate((el) => el.form.requestSubmit());
  await page.goto('/admin/audit');
  const line = page.getByTestId('audit-text').first();
  await expect(line).toContainText('Rôles de Patrick');
  await expect(line).toContainText('Formateur');
  await expect(line.locator('a')).toHaveAttribute('href', href);
  await expect(page.locator('main')).not.toContainText('learner');
  for (const [width, scheme] of [[360, 'light'], [360, 'dark'], [1280, 'light'], [1280, 'dark']]) {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.reload();
    await saveScreenshot(page, testInfo, `admin-audit-${width}-${scheme}.png`);
  }
});
