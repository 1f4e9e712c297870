// Sponsored seats on a phone: an admin creates a batch for an NGO and prints its cards; a visitor
// who scans a card signs up, comes back to the code and is enrolled; the NGO's contact reads the
// report and downloads its CSV; an invitation link enrols in one tap.
'use strict';
const fs = require('fs');
const { test, expect } = require('@playwright/test');
const {
  DEMO_PASSWORD,
  login,
  saveScreenshot,
  submitLogin,
  uniqueEmail,
  verifyEmail,
} = require('./helpers');

const SPONSOR_CONTACT = 'moderateur@techlearnjess.cd';

test.use({ viewport: { width: 360, height: 640 } });

async function noHorizontalScroll(page, width = 360) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scroll).toBeLessThanOrEqual(width);
}

/** Screenshots of the current page in light and dark. */
async function bothThemes(page, testInfo, name) {
  await page.emulateMedia({ colorScheme: 'light' });
  await saveScreenshot(page, testInfo, `${name}-light.png`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
  await saveScreenshot(page, testInfo, `${name}-dark.png`);
  await page.emulateMedia({ colorScheme: 'light' });
}

test.describe('sponsored seats', () => {
  test('an NGO batch: printed cards, a code redeemed after sign-up, the sponsor report', async ({ page, browser }, testInfo) => {
    test.setTimeout(90_000);
    let batchUrl;
    let code;
    let courseTitle;
    const learnerEmail = uniqueEmail('place');

    await test.step('the admin creates a free batch of three seats on a phone', async () => {
      await login(page, 'admin@techlearnjess.cd', DEMO_PASSWORD);
      await page.goto('/admin/seats/new');
      await noHorizontalScroll(page);
      await page.getByTestId('seat-sponsor').fill('ONG Jeunesse Matadi');
      await page.getByTestId('seat-contact').fill(SPONSOR_CONTACT);
      await page.getByTestId('seat-count').fill('3');
      await page.getByTestId('seat-expires').fill('2099-06-30');
      const course = page.locator('input[name=course_ids]').first();
      courseTitle = (await course.locator('xpath=..').innerText()).trim();
      await course.check();
      await page.getByTestId('seat-payment-kind').selectOption('free');
      await page.getByTestId('seat-create').click();
      await expect(page).toHaveURL(/\/seats\/\d+$/);
      batchUrl = new URL(page.url()).pathname;
      await expect(page.getByTestId('seat-total')).toHaveText('3');
      await expect(page.getByTestId('seat-free')).toHaveText('3');
      await noHorizontalScroll(page);
      await bothThemes(page, testInfo, 'seats-report-admin-360');
    });

    await test.step('the cards print as a PDF, one a free code', async () => {
      code = (await page.locator('[data-testid=seat-row][data-status=free] [data-testid=seat-code]').first().innerText()).trim();
      expect(code).toMatch(/^TLJ-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      await expect(page.getByTestId('seat-cards')).toContainText('3 cartes');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('seat-cards').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^techlearnjess-cartes-\d+\.pdf$/);
      const file = testInfo.outputPath('cartes.pdf');
      await download.saveAs(file);
      const pdf = fs.readFileSync(file);
      expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
      expect(pdf.toString('latin1')).toContain('count:3');
      await testInfo.attach('cartes.pdf', { path: file, contentType: 'application/pdf' });
    });

    await test.step('a visitor scans a card: signs up, logs in, finds the code typed, is enrolled', async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
      const phone = await context.newPage();
      await phone.goto(`/codes?code=${code}`);
      await expect(phone.getByTestId('redeem-signin')).toContainText(code);
      await noHorizontalScroll(phone);
      await phone.getByTestId('redeem-signup').click();
      await expect(phone).toHaveURL(/\/signup\?next=/);
      await phone.locator('input[name=name]').fill('Grâce Nsimba');
      await phone.locator('input[name=email]').fill(learnerEmail);
      await phone.locator('input[name=password]').fill(DEMO_PASSWORD);
      await phone.locator('input[name=password_confirm]').fill(DEMO_PASSWORD);
      await phone.getByTestId('signup-submit').click();
      await expect(phone).toHaveURL(/\/login\?next=/);
      // The e-mail opens in another tab; the sign-up tab keeps where to go next.
      const mail = await context.newPage();
      await verifyEmail(mail, learnerEmail);
      await mail.close();
      await submitLogin(phone, learnerEmail, DEMO_PASSWORD);
      await expect(phone).toHaveURL(/\/codes\?code=/);
      await expect(phone.getByTestId('redeem-code')).toHaveValue(code);
      await bothThemes(phone, testInfo, 'seats-redeem-360');
      await phone.getByTestId('redeem-submit').click();
      await expect(phone).toHaveURL(/\/courses\/[a-z0-9-]+$/);
      await expect(phone.getByTestId('flash').first()).toContainText('Code accepté');
      await phone.goto('/notifications');
      await expect(phone.locator('body')).toContainText('Place offerte');
      await context.close();
    });

    await test.step('the sponsor reads the report and downloads its CSV', async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
      const sponsor = await context.newPage();
      await login(sponsor, SPONSOR_CONTACT, DEMO_PASSWORD);
      await sponsor.goto('/seats');
      await sponsor.getByTestId('seat-batch').filter({ hasText: 'ONG Jeunesse Matadi' }).first().getByRole('link').first().click();
      await expect(sponsor).toHaveURL(new RegExp(`${batchUrl}$`));
      await expect(sponsor.getByTestId('seat-used')).toHaveText('1');
      await expect(sponsor.locator('[data-testid=seat-row][data-status=used]')).toContainText('Grâce Nsimba');
      await noHorizontalScroll(sponsor);
      await bothThemes(sponsor, testInfo, 'seats-report-sponsor-360');
      const [download] = await Promise.all([
        sponsor.waitForEvent('download'),
        sponsor.getByTestId('seat-csv').click(),
      ]);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      expect(csv.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe(
        'code,statut,apprenant,email,utilise_le,progression_pourcent,cours_termines,termine_le,attestation',
      );
      expect(csv).toContain(`${code},used,Grâce Nsimba,${learnerEmail}`);
      await sponsor.setViewportSize({ width: 1280, height: 800 });
      await sponsor.reload();
      await noHorizontalScroll(sponsor, 1280);
      await bothThemes(sponsor, testInfo, 'seats-report-sponsor-1280');
      await context.close();
    });

    await test.step('an invitation link for one seat enrols in one tap, then is full', async () => {
      await page.goto(batchUrl);
      await page.getByTestId('seat-invite-seats').fill('1');
      await page.getByTestId('seat-invite-create').click();
      const link = await page.getByTestId('seat-invite-url').inputValue();
      expect(link).toMatch(/\/codes\/invite\/[0-9a-f]{32}$/);
      await expect(page.getByTestId('seat-cards')).toContainText('la carte libre');
      const learner = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
      const phone = await learner.newPage();
      await login(phone, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
      await phone.goto(link);
      await expect(phone.getByTestId('invite')).toContainText(courseTitle);
      await noHorizontalScroll(phone);
      await bothThemes(phone, testInfo, 'seats-invite-360');
      await phone.getByTestId('invite-join').click();
      await expect(phone).toHaveURL(/\/courses\/[a-z0-9-]+$/);
      await phone.goto(link);
      await expect(phone.getByTestId('invite')).toHaveAttribute('data-state', 'holds');
      await learner.close();
    });
  });
});
