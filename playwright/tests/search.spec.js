// Catalogue search that forgives, in the browser: accents and case do not matter, a wrong letter
// still finds the course, and after Back the search box holds the query of the URL (htmx pushes
// each search's URL; Back asks the server for that page again).
'use strict';
const { test, expect } = require('@playwright/test');
const { saveScreenshot } = require('./helpers');

for (const [width, height] of [[360, 740], [1280, 900]]) {
  test(`search forgives accents and typos, and Back restores the query (${width} px)`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await page.goto('/courses');
    const box = page.getByTestId('course-search');
    const cards = page.getByTestId('course-results').getByTestId('course-card');

    await box.fill('reseaux');
    await expect(page).toHaveURL(/\/courses\?q=reseaux$/);
    await expect(cards).toHaveCount(2);

    await box.fill('entreprenariat');
    await expect(page).toHaveURL(/\/courses\?q=entreprenariat$/);
    await expect(cards).toHaveCount(1);
    await expect(cards.first()).toContainText('Entrepreneuriat');
    await expect(page.getByTestId('search-approximate')).toBeVisible();
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await saveScreenshot(page, testInfo, `search-approximate-${width}-${scheme}.png`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.goBack();
    await expect(page).toHaveURL(/\/courses\?q=reseaux$/);
    await expect(page.getByTestId('course-search')).toHaveValue('reseaux');
    await expect(cards).toHaveCount(2);
    await expect(page.getByTestId('search-approximate')).toHaveCount(0);

    await page.goBack();
    await expect(page).toHaveURL(/\/courses$/);
    await expect(page.getByTestId('course-search')).toHaveValue('');

    await page.goForward();
    await expect(page).toHaveURL(/\/courses\?q=reseaux$/);
    await expect(page.getByTestId('course-search')).toHaveValue('reseaux');
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await saveScreenshot(page, testInfo, `search-results-${width}-${scheme}.png`);
    }
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scroll).toBeLessThanOrEqual(width);
  });
}
