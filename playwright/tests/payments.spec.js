// A learner on a phone buys a paid demo course with mobile money in sandbox mode (`serve --demo`):
// checkout with a quote in CDF, the fake phone page (second page) confirms with the PIN, the
// waiting page sees the course unlock without a reload, and the receipt PDF downloads.
'use strict';
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

const SLUG = 'redaction-web-seo';

test.use({ viewport: { width: 360, height: 640 } });

async function noHorizontalScroll(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
}

test.describe('payments', () => {
  test('a learner buys a paid course with Airtel Money in CDF and gets the receipt', async ({ page, context, browser }, testInfo) => {
    await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
    let reference;

    await test.step('the course page leads to the checkout with both amounts', async () => {
      await page.goto(`/courses/${SLUG}`);
      await page.getByTestId('buy-button').click();
      await expect(page).toHaveURL(new RegExp(`/payments/checkout/${SLUG}$`));
      await expect(page.getByTestId('quote-summary')).toContainText('12,00');
      await expect(page.getByTestId('quote-summary')).toContainText('FC');
      await expect(page.getByTestId('sandbox-notice')).toBeVisible();
      await noHorizontalScroll(page);
      await saveScreenshot(page, testInfo, 'payments-checkout-360.png');
    });

    await test.step('Airtel Money, paid in francs, with a local number', async () => {
      await page.getByTestId('wallet-airtel').check();
      await page.getByTestId('currency-CDF').check();
      await page.getByTestId('phone').fill('099 123 4567');
      await page.getByTestId('pay-submit').click();
      await expect(page).toHaveURL(/\/payments\/TLJ[A-Z0-9]+$/);
      await expect(page.getByRole('heading', { name: 'Confirmez le paiement sur votre téléphone' })).toBeVisible();
      await expect(page.getByTestId('payment-waiting')).toBeVisible();
      reference = page.url().split('/').pop();
      await noHorizontalScroll(page);
      await saveScreenshot(page, testInfo, 'payments-waiting-360.png');
      await page.evaluate(() => { window.__noReload = true; });
    });

    await test.step('the fake phone asks for the PIN and the learner accepts', async () => {
      const phone = await context.newPage();
      await phone.goto(`/payments/sandbox/${reference}`);
      // The initiation runs in the background: the request reaches the phone within a moment.
      await expect(async () => {
        await phone.reload();
        await expect(phone.getByTestId('sandbox-accept')).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 15_000 });
      await expect(phone.getByLabel('Entrez votre code PIN')).toBeVisible();
      await phone.getByTestId('sandbox-pin').fill('1234');
      await phone.getByTestId('sandbox-accept').click();
      await expect(phone.getByTestId('flash').first()).toContainText('Réponse envoyée');
      await phone.close();
    });

    await test.step('the waiting page shows the course unlocked without a reload', async () => {
      await expect(page.getByTestId('payment-succeeded')).toBeVisible({ timeout: 15_000 });
      expect(await page.evaluate(() => window.__noReload)).toBe(true);
      await noHorizontalScroll(page);
      await saveScreenshot(page, testInfo, 'payments-confirmed-360.png');
    });

    await test.step('the receipt page names the seller, in light and dark, phone and desktop', async () => {
      await page.getByTestId('receipt-page-link').click();
      await expect(page).toHaveURL(new RegExp(`/payments/${reference}/receipt$`));
      await expect(page.getByTestId('receipt-seller')).toContainText('TechLearnJess');
      await noHorizontalScroll(page);
      for (const [width, height] of [[360, 640], [1280, 900]]) {
        await page.setViewportSize({ width, height });
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await saveScreenshot(page, testInfo, `payments-receipt-${width}-${scheme}.png`);
        }
      }
      await page.setViewportSize({ width: 360, height: 640 });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goBack();
      await expect(page.getByTestId('receipt-link')).toBeVisible();
    });

    await test.step('the receipt downloads as a PDF', async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('receipt-link').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^recu-TLJ-\d{4}-\d{6}\.pdf$/);
      const file = await download.path();
      expect(fs.readFileSync(file).subarray(0, 4).toString()).toBe('%PDF');
    });

    await test.step('the course is open and the payment is listed', async () => {
      await page.getByTestId('start-course').click();
      await expect(page).toHaveURL(new RegExp(`/courses/${SLUG}$`));
      await expect(page.getByTestId('buy-button')).toHaveCount(0);
      await page.goto('/payments');
      await expect(page.getByTestId('payment-row').filter({ hasText: 'Payé' })).toHaveCount(1);
    });

    await test.step('an admin filters payments and downloads them as CSV', async () => {
      const admin = await (await browser.newContext({ ...testInfo.project.use })).newPage();
      await login(admin, 'admin@techlearnjess.cd', DEMO_PASSWORD);
      await admin.goto('/admin/payments');
      await admin.locator('#f-provider').selectOption('airtel');
      await admin.locator('#f-status').selectOption('succeeded');
      const [download] = await Promise.all([
        admin.waitForEvent('download'),
        admin.getByTestId('payments-export').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^techlearnjess-payments-.*\.csv$/);
      const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
      expect(lines[0]).toContain('reference,facture,apprenant');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('airtel');
      expect(lines[1]).toContain('succeeded');
      await admin.context().close();
    });
  });

  test('a number of another network is flagged before any PIN prompt; a refusal says why', async ({ page, context }, testInfo) => {
    // Two browser contexts, eight screenshots and a background initiation: more than the default 30 s on a slow runner.
    test.setTimeout(60_000);
    const slug = 'marketing-reseaux-sociaux';
    await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
    let reference;

    await test.step('an Airtel number with Orange Money: a warning as it is typed', async () => {
      await page.goto(`/payments/checkout/${slug}`);
      await page.getByTestId('wallet-orange').check();
      await page.getByTestId('currency-USD').check();
      await page.getByTestId('phone').fill('099 123 4567');
      await page.getByTestId('phone').blur();
      await expect(page.getByTestId('prefix-warning')).toContainText('Airtel');
      await expect(page.getByTestId('prefix-warning')).toContainText('Orange Money');
      for (const [width, height] of [[360, 740], [1280, 900]]) {
        await page.setViewportSize({ width, height });
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await saveScreenshot(page, testInfo, `payments-checkout-hint-${width}-${scheme}.png`);
        }
      }
      await page.setViewportSize({ width: 360, height: 640 });
      await page.emulateMedia({ colorScheme: 'light' });
      await noHorizontalScroll(page);
      // The matching wallet: the warning goes.
      await page.getByTestId('wallet-airtel').check();
      await expect(page.getByTestId('prefix-warning')).toHaveCount(0);
    });

    await test.step('without JavaScript the submit asks first, then goes through', async () => {
      const noJs = await page.context().browser().newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 640 } });
      await noJs.addCookies(await context.cookies());
      const plain = await noJs.newPage();
      await plain.goto(`/payments/checkout/${slug}`);
      await plain.getByTestId('wallet-orange').check();
      await plain.getByTestId('currency-USD').check();
      await plain.getByTestId('phone').fill('099 123 4567');
      await plain.getByTestId('pay-submit').click();
      await expect(plain.getByTestId('prefix-warning')).toBeVisible();
      await expect(plain).toHaveURL(new RegExp(`/payments/checkout/${slug}$`));
      await expect(plain.getByTestId('phone')).toHaveValue('099 123 4567');
      await noJs.close();
    });

    await test.step('Airtel refuses: the heading changes without a reload and gives the reason', async () => {
      await page.getByTestId('pay-submit').click();
      await expect(page).toHaveURL(/\/payments\/TLJ[A-Z0-9]+$/);
      await expect(page.getByTestId('waiting-heading')).toHaveText('Confirmez le paiement sur votre téléphone');
      reference = page.url().split('/').pop();
      await page.evaluate(() => { window.__noReload = true; });
      const phone = await context.newPage();
      await phone.goto(`/payments/sandbox/${reference}`);
      await expect(async () => {
        await phone.reload();
        await expect(phone.getByTestId('sandbox-refuse')).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 15_000 });
      await phone.getByTestId('sandbox-refuse').click();
      // Closing the phone before its answer is sent would cancel the answer.
      await expect(phone.getByTestId('flash').first()).toContainText('Réponse envoyée');
      await phone.close();
      await expect(page.getByTestId('waiting-heading')).toHaveText('Paiement non abouti', { timeout: 15_000 });
      await expect(page.getByTestId('payment-reason')).toContainText("L'opérateur a refusé la demande");
      expect(await page.evaluate(() => window.__noReload)).toBe(true);
      await noHorizontalScroll(page);
      for (const [width, height] of [[360, 640], [1280, 900]]) {
        await page.setViewportSize({ width, height });
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await saveScreenshot(page, testInfo, `payments-failed-${width}-${scheme}.png`);
        }
      }
    });
  });
});
