// The demo learner's dashboard on a phone (360 px): no horizontal scroll, light and dark screenshots.
'use strict';
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

test.use({ viewport: { width: 360, height: 640 } });

async function expectNoHorizontalScroll(page) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, 'document width of /dashboard').toBeLessThanOrEqual(360);
}

test('the learner dashboard fits a 360 px phone in light and dark mode', async ({ page }, testInfo) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);

  // Enrol in a free course (idempotent) so the dashboard has a course in progress.
  await page.goto('/courses/bases-de-python');
  const enrol = page.getByTestId('enrol-button');
  if (await enrol.count()) {
    await enrol.click();
    await expect(page.getByTestId('resume-link')).toBeVisible();
  }

  await page.goto('/dashboard');
  await expect(page.getByTestId('dashboard-welcome')).toBeVisible();
  await expect(page.getByTestId('courses-in-progress')).toBeVisible();
  await expect(page.getByTestId('resume-link-bases-de-python')).toBeVisible();
  await expect(page.getByTestId('live-section')).toContainText('Questions-réponses');
  await expect(page.getByTestId('recommendations')).toBeVisible();
  await expect(page.locator('html')).not.toHaveClass(/(^|\s)dark(\s|$)/);
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, 'dashboard-light.png');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
  await expectNoHorizontalScroll(page);
  await saveScreenshot(page, testInfo, 'dashboard-dark.png');
});
