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

// The signed-in header (issue #21): one line at every width from 360 px, for every role (admins
// have the most entries); secondary entries in the account menu from the lg width up.
const ACCOUNTS = {
  learner: 'apprenant@techlearnjess.cd',
  trainer: 'formateur@techlearnjess.cd',
  moderator: 'moderateur@techlearnjess.cd',
  admin: 'admin@techlearnjess.cd',
};
const WIDTHS = [360, 768, 1024, 1280, 1440];

/** Every header item on one line, inside the width, without wrapped text. */
async function expectOneLine(page, who, width) {
  const items = await headerItems(page);
  expect(items.length, `${who} @ ${width}`).toBeGreaterThanOrEqual(2);
  for (const it of items) {
    expect(it.lines, `${who} @ ${width}: « ${it.text} » wraps`).toBeLessThanOrEqual(1);
    expect(it.right, `${who} @ ${width}: « ${it.text} » sticks out`).toBeLessThanOrEqual(width);
  }
  const tops = items.map((i) => i.top);
  expect(Math.max(...tops) - Math.min(...tops), `${who} @ ${width}: the header's items sit on one line`).toBeLessThanOrEqual(12);
  const header = await page.locator('header:has([data-testid=logo])').boundingBox();
  expect(header.height, `${who} @ ${width}: header height`).toBeLessThanOrEqual(64);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${who} @ ${width}`).toBeLessThanOrEqual(width);
}

/** The header's visible items (logo, buttons, links, account menu) and their boxes. */
async function headerItems(page) {
  return page.evaluate(() => {
    const header = document.querySelector('[data-testid=logo]').closest('header');
    const items = [...header.querySelectorAll('a, button, summary, label')];
    return items
      .filter((el) => el.offsetParent !== null && !el.closest('details:not([open]) > div') && !el.closest('[data-testid=nav-menu].hidden'))
      .filter((el) => !el.closest('[data-testid=account-entries]') || getComputedStyle(el.closest('[data-testid=account-entries]')).position !== 'absolute')
      .map((el) => {
        const r = el.getBoundingClientRect();
        const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
        // Text on two lines: the content box holds more than one line.
        const pad = parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom);
        return { text: el.textContent.trim().replace(/\s+/g, ' ').slice(0, 30), top: r.top, bottom: r.bottom, right: r.right, lines: Math.round((r.height - pad) / line) };
      });
  });
}

test.describe('signed-in header', () => {
  for (const [role, email] of Object.entries(ACCOUNTS)) {
    test(`fits one line at every width (${role})`, async ({ page }, testInfo) => {
      const { login } = require('./helpers');
      await login(page, email, 'Demo-2026-tlj');
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto('/dashboard');
        await expectOneLine(page, role, width);
        if (role === 'admin' || role === 'learner') {
          for (const scheme of ['light', 'dark']) {
            if (width === 768) continue;
            await page.emulateMedia({ colorScheme: scheme });
            await page.locator('header:has([data-testid=logo])').screenshot({ path: testInfo.outputPath(`header-${role}-${width}-${scheme}.png`) });
          }
          await page.emulateMedia({ colorScheme: 'light' });
        }
      }
      // Wide screen: the account menu opens, holds the secondary entries and sign-out, and closes
      // on Escape.
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto('/dashboard');
      await expect(page.getByTestId('logout')).toBeHidden();
      await page.getByTestId('account-toggle').click();
      await expect(page.getByTestId('logout')).toBeVisible();
      await expect(page.getByTestId('account-entries').getByRole('link', { name: 'Profil' })).toBeVisible();
      if (role === 'admin') await expect(page.getByTestId('account-entries').getByRole('link', { name: 'Administration' })).toBeVisible();
      if (role === 'trainer') await expect(page.getByTestId('account-entries').getByRole('link', { name: 'Espace formateur' })).toBeVisible();
      await page.screenshot({ path: testInfo.outputPath(`header-${role}-menu-open.png`), clip: { x: 0, y: 0, width: 1280, height: 400 } });
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('logout')).toBeHidden();
      // Phone: the opened menu shows every entry at once, sign-out included.
      await page.setViewportSize({ width: 360, height: 640 });
      await page.goto('/dashboard');
      await page.getByTestId('nav-toggle').click();
      await expect(page.getByTestId('logout')).toBeVisible();
      await expect(page.getByTestId('nav-menu').getByRole('link', { name: 'Profil' })).toBeVisible();
      await page.screenshot({ path: testInfo.outputPath(`header-${role}-360-menu-open.png`) });
    });
  }
});

test('the visitor header fits one line at every width, in French and English', async ({ page, context, baseURL }) => {
  for (const lang of ['fr', 'en']) {
    await context.addCookies([{ name: 'tlj_lang', value: lang, url: baseURL }]);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/courses');
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await expectOneLine(page, `visitor (${lang})`, width);
    }
  }
  await context.clearCookies({ name: 'tlj_lang' });
});

// Language switch (issue #21): the page's lang follows, in the attribute and the header; English
// keeps English punctuation.
test.describe('language', () => {
  test('switching language updates <html lang>, Content-Language and the footer', async ({ page, context }) => {
    await page.goto('/courses');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/courses' && r.request().method() === 'GET'),
      page.getByTestId('lang-en').click(),
    ]);
    expect(response.headers()['content-language']).toBe('en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page).toHaveURL(/\/courses$/);
    const label = await page.getByTestId('lang-form').locator('span').first().textContent();
    expect(label).toBe('Language:');
    await page.getByTestId('lang-fr').click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    expect(await page.getByTestId('lang-form').locator('span').first().textContent()).toBe('Langue\u00a0:');

    // A boosted navigation (htmx swaps the body only) follows the language of the page it brings.
    await context.addCookies([{ name: 'tlj_lang', value: 'en', url: page.url() }]);
    await page.locator('footer a[href="/about"]').click();
    await expect(page).toHaveURL(/\/about$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await context.clearCookies({ name: 'tlj_lang' });
  });
});
