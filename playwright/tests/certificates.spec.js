// A learner on a phone finishes a short demo course (every lesson, the quiz), finds the
// certificate from the profile, downloads the PDF, then anyone verifies it from its code —
// even with JavaScript off, as a phone's camera opening the QR code would.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

const SCREENSHOT_DIR = path.join(__dirname, '..', 'screenshots');
const COURSE = '/courses/design-graphique-canva';

/** A PNG of the PDF's first page, when poppler's pdftoppm is installed. */
function pdfPreview(pdfFile, testInfo) {
  try {
    const prefix = testInfo.outputPath('certificate-pdf');
    execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', pdfFile, prefix], { timeout: 20_000 });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    fs.copyFileSync(`${prefix}.png`, path.join(SCREENSHOT_DIR, 'certificate-pdf.png'));
    return `${prefix}.png`;
  } catch (_) {
    return null; // pdftoppm missing: the PDF itself is still checked
  }
}

test.describe('certificates', () => {
  test('a learner completes a course, downloads the certificate and verifies it', async ({ page, browser }, testInfo) => {
    await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);

    await test.step('the learner enrols and marks every lesson done', async () => {
      await page.goto(COURSE);
      const enrol = page.getByTestId('enrol-button');
      if (await enrol.isVisible()) {
        await enrol.click();
        await expect(page.getByTestId('flash').first()).toBeVisible();
      }
      await page.goto(COURSE);
      const lessons = await page.getByTestId('lesson-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      expect(lessons.length).toBeGreaterThan(0);
      for (const href of lessons) {
        await page.goto(href);
        const done = page.getByTestId('lesson-complete');
        if (await done.isVisible()) {
          await done.click();
          await expect(page.getByTestId('lesson-done')).toBeVisible();
        }
      }
    });

    await test.step('passing the quiz completes the course', async () => {
      await page.goto(COURSE);
      await page.getByTestId('quiz-link').first().click();
      await expect(page.getByTestId('quiz-form')).toBeVisible();
      await page.getByLabel('Pratiquer un peu chaque jour', { exact: true }).check();
      await page.getByLabel('Pendant les sessions live', { exact: true }).check();
      await page.getByLabel('Sur le forum du cours', { exact: true }).check();
      await page.getByTestId('quiz-submit').click();
      await expect(page.getByTestId('quiz-verdict')).toHaveText('Réussi !');
      await expect(page.getByTestId('course-completed')).toBeVisible();
    });

    await test.step('the certificate is offered at once: the result, the course page, the dashboard, the menu', async () => {
      const cta = page.getByTestId('certificate-cta');
      await expect(cta).toBeVisible();
      await expect(cta).toHaveText('Télécharger mon attestation');
      await expect(cta).toHaveAttribute('href', /^\/certificates\/TLJ-[2-9A-Z-]+\/pdf$/);
      await saveScreenshot(page, testInfo, 'quiz-certificate-cta.png');
      await page.goto(COURSE);
      await expect(page.getByTestId('certificate-cta')).toBeVisible();
      await expect(page.getByTestId('resume-link')).toHaveCount(0);
      await page.goto('/dashboard');
      await expect(
        page.getByTestId('completed-course').filter({ hasText: 'Design graphique' }).getByTestId('certificate-cta'),
      ).toBeVisible();
      await expect(page.getByTestId('nav-certificates')).toHaveAttribute('href', '/certificates');
      await page.goto('/profile');
      await expect(page.getByTestId('certificates-count')).toContainText(/1 attestation obtenue|\d+ attestations obtenues/);
    });

    let code;
    await test.step('the profile leads to the certificate, which downloads as a PDF', async () => {
      await page.goto('/profile');
      await page.getByTestId('certificates-link').click();
      await expect(page).toHaveURL(/\/certificates$/);
      const item = page.getByTestId('certificate-item').filter({ hasText: 'Design graphique' });
      await expect(item).toHaveCount(1);
      code = (await item.getByTestId('certificate-code').textContent()).trim();
      expect(code).toMatch(/^TLJ-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(360);
      await saveScreenshot(page, testInfo, 'certificates-list.png');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        item.getByTestId('certificate-download').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`attestation-${code}.pdf`);
      const file = testInfo.outputPath(`attestation-${code}.pdf`);
      await download.saveAs(file);
      const bytes = fs.readFileSync(file);
      expect(bytes.subarray(0, 4).toString()).toBe('%PDF');
      expect(bytes.length).toBeGreaterThan(10_000);
      await testInfo.attach('certificate.pdf', { path: file, contentType: 'application/pdf' });
      const png = pdfPreview(file, testInfo);
      if (png) await testInfo.attach('certificate-pdf.png', { path: png, contentType: 'image/png' });
    });

    await test.step('anyone verifies the code with the form, without being signed in', async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
      const visitor = await context.newPage();
      await visitor.goto('/verify');
      await visitor.getByTestId('verify-code').fill(code.toLowerCase());
      await visitor.getByTestId('verify-submit').click();
      await expect(visitor).toHaveURL(new RegExp(`/verify/${code}$`));
      const result = visitor.getByTestId('verify-result');
      await expect(result).toHaveAttribute('data-status', 'valid');
      await expect(visitor.getByTestId('verify-learner')).toHaveText('Patrick Mavungu');
      await expect(visitor.getByTestId('verify-course')).toContainText('Design graphique');
      await saveScreenshot(visitor, testInfo, 'certificate-verify.png');
      await context.close();
    });

    await test.step('the verify page works with JavaScript off (a phone camera opening the QR code)', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 640 } });
      const phone = await context.newPage();
      await phone.goto(`/verify/${code}`);
      await expect(phone.getByTestId('verify-result')).toHaveAttribute('data-status', 'valid');
      await phone.goto('/verify/TLJ-2222-2222');
      await expect(phone.getByTestId('verify-result')).toHaveAttribute('data-status', 'unknown');
      await context.close();
    });
  });
});
