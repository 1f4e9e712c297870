// Strict Content-Security-Policy (script-src 'self'): no violations, no inline script or handler.
'use strict';
const { test, expect } = require('@playwright/test');

/** Collects CSP violations (DOM events + console messages) and uncaught errors of a page. */
function watch(page) {
  const seen = { console: [], errors: [] };
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) seen.console.push(msg.text());
  });
  page.on('pageerror', (err) => seen.errors.push(String(err)));
  return seen;
}

test.beforeEach(async ({ page }) => {
  // Init scripts are injected by the browser, outside the page's CSP.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
});

/** Lets deferred scripts and first requests finish (bounded: an SSE stream never goes idle). */
async function settle(page) {
  await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => {});
}

async function violations(page) {
  return page.evaluate(() => window.__cspViolations || []);
}

test.describe('content security policy', () => {
  for (const url of ['/', '/login', '/signup']) {
    test(`${url} loads without CSP violations or script errors`, async ({ page }) => {
      const seen = watch(page);
      const response = await page.goto(url, { waitUntil: 'load' });
      const csp = response && (await response.headerValue('content-security-policy'));
      expect(csp, 'Content-Security-Policy header').toBeTruthy();
      expect(csp).toMatch(/script-src[^;]*'self'/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      await settle(page);
      expect(await violations(page)).toEqual([]);
      expect(seen.console).toEqual([]);
      expect(seen.errors).toEqual([]);
    });
  }

  test('pages have no inline scripts or inline event handlers, and htmx is configured', async ({ page }) => {
    await page.goto('/');
    const inline = await page.evaluate(() => {
      const scripts = Array.from(document.querySelectorAll('script:not([src])'))
        .filter((s) => !/json|importmap/i.test(s.type || ''))
        .map((s) => s.outerHTML.slice(0, 80));
      const handlers = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) if (/^on/i.test(a.name)) handlers.push(`${el.tagName}[${a.name}]`);
      }
      const jsLinks = Array.from(document.querySelectorAll('a[href^="javascript:" i]')).map((a) => a.outerHTML);
      return { scripts, handlers, jsLinks };
    });
    expect(inline).toEqual({ scripts: [], handlers: [], jsLinks: [] });
    const htmx = await page.evaluate(() =>
      window.htmx
        ? { indicatorStyles: window.htmx.config.includeIndicatorStyles, swaps422: window.htmx.config.responseHandling.some((r) => r.code === '422' && r.swap) }
        : null,
    );
    expect(htmx, 'htmx and app.js are loaded').toEqual({ indicatorStyles: false, swaps422: true });
  });

  test('a boosted navigation stays free of CSP violations', async ({ page }) => {
    const seen = watch(page);
    await page.goto('/');
    // Follow an in-site link the way a user would; with hx-boost htmx swaps the body.
    const link = page.locator('a[href="/login"], a[href="/about"]').filter({ visible: true }).first();
    if ((await link.count()) > 0) {
      await link.click();
      await expect(page).toHaveURL(/\/(login|about)(\?|#|$)/);
    } else {
      await page.goto('/about');
    }
    await settle(page);
    expect(await violations(page)).toEqual([]);
    expect(seen.console).toEqual([]);
    expect(seen.errors).toEqual([]);
  });
});
