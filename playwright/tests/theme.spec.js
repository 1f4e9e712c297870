// Dark / light theme: stored choice, system preference, no flash of the wrong theme.
'use strict';
const { test, expect } = require('@playwright/test');
const { clickInNav } = require('./helpers');

const DARK = /(^|\s)dark(\s|$)/;

test.describe('theme with a light system preference', () => {
  test.use({ colorScheme: 'light' });

  test('the toggle switches to dark and back, and the choice survives a reload', async ({ page }) => {
    await page.goto('/');
    const html = page.locator('html');
    await expect(html).not.toHaveClass(DARK);
    await expect(page.getByTestId('theme-toggle').first()).toHaveAttribute('data-theme-toggle', /.*/);

    await clickInNav(page, 'theme-toggle');
    await expect(html).toHaveClass(DARK);
    expect(await page.evaluate(() => localStorage.getItem('tlj-theme'))).toBe('dark');
    await expect(page.getByTestId('theme-toggle').first()).toHaveAttribute('aria-pressed', 'true');

    await page.reload();
    await expect(html).toHaveClass(DARK);
    await expect(page.getByTestId('theme-toggle').first()).toHaveAttribute('aria-pressed', 'true');

    await clickInNav(page, 'theme-toggle');
    await expect(html).not.toHaveClass(DARK);
    expect(await page.evaluate(() => localStorage.getItem('tlj-theme'))).toBe('light');
    await expect(page.getByTestId('theme-toggle').first()).toHaveAttribute('aria-pressed', 'false');

    await page.reload();
    await expect(html).not.toHaveClass(DARK);
  });

  test('with no stored choice the page follows a change of the system preference', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('html')).not.toHaveClass(DARK);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(page.locator('html')).toHaveClass(DARK);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(page.locator('html')).not.toHaveClass(DARK);
  });

  test('a stored choice wins over the system preference', async ({ page }) => {
    await page.goto('/');
    await clickInNav(page, 'theme-toggle'); // now stored: dark
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect(page.locator('html')).toHaveClass(DARK);
  });
});

test.describe('theme with a dark system preference', () => {
  test.use({ colorScheme: 'dark' });

  test('the first load is dark without touching the toggle', async ({ page }) => {
    // Record the class of <html> at the first paint-relevant moment: when <body> starts.
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.body) {
          window.__tljDarkAtBody = document.documentElement.classList.contains('dark');
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto('/', { waitUntil: 'domcontentloaded' });
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    expect(await page.evaluate(() => window.__tljDarkAtBody), 'dark before <body> is parsed').toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('tlj-theme'))).toBeNull();
  });

  test('theme.js is a blocking script in <head>', async ({ page }) => {
    await page.goto('/');
    const scripts = await page.evaluate(() =>
      Array.from(document.head.querySelectorAll('script[src*="theme"]')).map((s) => ({
        src: s.getAttribute('src'),
        defer: s.defer,
        async: s.async,
        module: s.type === 'module',
      })),
    );
    expect(scripts.length, 'a <script src=".../theme...js"> in <head>').toBeGreaterThan(0);
    for (const s of scripts) expect(s, `${s.src} must block (no defer/async/module)`).toMatchObject({ defer: false, async: false, module: false });
  });
});
