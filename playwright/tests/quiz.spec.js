// A learner takes the Python quiz on a phone (feedback appears in place, without a page reload),
// then finishes every lesson and sees the course at 100 %.
'use strict';
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login } = require('./helpers');

test.describe('quiz', () => {
  test('a learner fails then passes the quiz with feedback shown without a reload', async ({ page }) => {
    await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
    await page.goto('/courses/bases-de-python');
    const enrol = page.getByTestId('enrol-button');
    if (await enrol.isVisible()) {
      await enrol.click();
      await expect(page.getByTestId('flash').first()).toBeVisible();
    }
    await page.getByTestId('quiz-link').first().click();
    await expect(page.getByTestId('quiz-form')).toBeVisible();

    // A marker that a full page load would erase.
    await page.evaluate(() => { window.__noReload = true; });
    const url = page.url();

    await test.step('a wrong answer gives a failing grade, answers stay hidden', async () => {
      await page.getByLabel('func', { exact: true }).check();
      await page.getByTestId('quiz-submit').click();
      await expect(page.getByTestId('quiz-verdict')).toHaveText('Pas encore réussi');
      await expect(page.getByTestId('quiz-score')).toContainText('0 %');
      expect(await page.evaluate(() => window.__noReload)).toBe(true);
      expect(page.url()).toBe(url);
    });

    await test.step('the right answers pass the quiz', async () => {
      await page.getByTestId('quiz-retry').click();
      await expect(page.getByTestId('quiz-form')).toBeVisible();
      await page.evaluate(() => { window.__noReload = true; });
      await page.getByLabel('def', { exact: true }).check();
      await page.getByLabel('int', { exact: true }).check();
      await page.getByLabel('float', { exact: true }).check();
      await page.getByLabel('6', { exact: true }).check();
      await page.getByTestId('quiz-submit').click();
      await expect(page.getByTestId('quiz-verdict')).toHaveText('Réussi !');
      await expect(page.getByTestId('quiz-score')).toContainText('100 %');
      await expect(page.getByTestId('quiz-feedback')).toHaveCount(3);
      expect(await page.evaluate(() => window.__noReload)).toBe(true);
    });

    await page.screenshot({ path: 'playwright/screenshots/quiz-result-light.png', fullPage: true });

    await test.step('finishing every lesson brings the course to 100 %', async () => {
      await page.goto('/courses/bases-de-python');
      const lessons = await page.getByTestId('lesson-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      expect(lessons.length).toBeGreaterThanOrEqual(4);
      for (const href of lessons) {
        await page.goto(href);
        const done = page.getByTestId('lesson-complete');
        if (await done.isVisible()) {
          await done.click();
          await expect(page.getByTestId('lesson-done')).toBeVisible();
        }
      }
      await page.goto('/courses/bases-de-python');
      await expect(page.getByTestId('progress-bar').first()).toHaveAttribute('data-percent', '100');
    });
  });
});
