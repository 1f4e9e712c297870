// Phone layout (360 x 640): no horizontal scroll; home screenshots in light and dark for humans.
'use strict';
const { test, expect } = require('@playwright/test');
const { saveScreenshot } = require('./helpers');

const PAGES = ['/', '/about', '/login', '/signup'];

test.use({ viewport: { width: 360, height: 640 } });

test.describe('phone layout', () => {
  for (const url of PAGES) {
    test(`${url} has no horizontal scroll at 360 px`, async ({ page }, testInfo) => {
      const response = await page.goto(url);
      expect(response && response.status(), `GET ${url}`).toBe(200);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(innerWidth, 'layout viewport is the phone width (<meta name="viewport">)').toBeLessThanOrEqual(360);
      expect(scrollWidth, `document width of ${url}`).toBeLessThanOrEqual(360);
      if (url !== '/') {
        const name = `${url.slice(1)}-light.png`;
        await saveScreenshot(page, testInfo, name);
      }
    });
  }

  test('the home page is French and shows the slogan and demo courses', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByTestId('home-slogan')).toContainText('Apprendre ici, réussir partout.');
    expect(await page.getByTestId('course-card').count()).toBeGreaterThanOrEqual(1);
    // The menu toggle is shown below the md breakpoint.
    await expect(page.getByTestId('nav-toggle').first()).toBeVisible();
  });

  test('home page screenshots in light and dark mode', async ({ page }, testInfo) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/');
    await expect(page.locator('html')).not.toHaveClass(/(^|\s)dark(\s|$)/);
    await saveScreenshot(page, testInfo, 'home-light.png');

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
    await saveScreenshot(page, testInfo, 'home-dark.png');
  });
});
