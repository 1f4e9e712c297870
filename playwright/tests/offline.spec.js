// Offline learning on a phone (issue #12): a lesson opened online reads offline (service worker),
// with the offline banner and the "Disponible hors connexion" mark; a lesson marked done and a
// quiz answered offline are sent once when the connection comes back.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { test, expect } = require('@playwright/test');
const { dataDir, uniqueEmail, signUp, verifyEmail, submitLogin, csrfToken, saveScreenshot } = require('./helpers');

const COURSE = '/courses/site-web-html-css';
const PASSWORD = 'Kinshasa2026horsligne';

test.use({ viewport: { width: 360, height: 640 }, serviceWorkers: 'allow' });

/** One SQL answer from the server's SQLite database (what the server stored, not what a page says). */
function sql(query) {
  return execFileSync('sqlite3', [path.join(dataDir(), 'tlj.db'), query], { encoding: 'utf8' }).trim();
}

// A fresh learner (the demo learner's progress belongs to other specs), enrolled in a free course.
let email;
async function signIn(page) {
  if (!email) {
    email = uniqueEmail('offline');
    await signUp(page, { name: 'Hors Ligne', email, password: PASSWORD });
    await verifyEmail(page, email);
  } else {
    await page.goto('/login');
  }
  await submitLogin(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
  await page.goto(COURSE);
  const enrol = page.getByTestId('enrol-button');
  if (await enrol.isVisible()) {
    await enrol.click();
    await expect(page.getByTestId('flash').first()).toBeVisible();
  }
}

async function lessonLinks(page) {
  await page.goto(COURSE);
  return page.getByTestId('lesson-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
}

function userId() {
  return sql(`SELECT id FROM users WHERE email = '${email}'`);
}

test.describe.configure({ mode: 'serial' });

test.describe('offline', () => {
  test('a lesson read online opens offline, with the banner and the offline mark', async ({ page, context }, testInfo) => {
    await signIn(page);
    const [lesson] = await lessonLinks(page);
    await page.goto(lesson);
    const title = await page.getByTestId('lesson-title').textContent();
    // The worker keeps the page, then the page shows the mark.
    await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('offline-ready')).toHaveText('Disponible hors connexion');
    await expect(page.getByTestId('offline-banner')).toBeHidden();

    await context.setOffline(true);
    await expect(page.getByTestId('offline-banner')).toBeVisible();
    await expect(page.getByTestId('offline-banner')).toContainText('Vous êtes hors connexion.');

    const response = await page.goto(lesson);
    expect(response.fromServiceWorker()).toBe(true);
    await expect(page.getByTestId('lesson-title')).toHaveText(title);
    await expect(page.getByTestId('lesson-body')).not.toBeEmpty();
    await expect(page.getByTestId('offline-ready')).toBeVisible();
    const banner = page.getByTestId('offline-banner');
    await expect(banner).toBeVisible();
    // The app shell (CSS) came from the cache too: the banner is styled, not raw text.
    expect(await banner.evaluate((el) => getComputedStyle(el).borderBottomWidth)).toBe('1px');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await saveScreenshot(page, testInfo, 'offline-lesson-light.png', { fullPage: false });
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    await saveScreenshot(page, testInfo, 'offline-lesson-dark.png', { fullPage: false });
    await page.evaluate(() => document.documentElement.classList.remove('dark'));

    // A page never opened: the French offline page, not the browser's error.
    await page.goto('/forum');
    await expect(page.getByTestId('offline-page')).toBeVisible();
    await expect(page.locator('h1')).toHaveText('Vous êtes hors connexion');
    await saveScreenshot(page, testInfo, 'offline-page.png', { fullPage: false });

    await context.setOffline(false);
    await expect(page.getByTestId('offline-banner')).toBeHidden();
  });

  test('the first page of a visit is kept from the page itself, not downloaded again', async ({ browser, page }) => {
    await signIn(page);
    const lessons = await lessonLinks(page);
    const lesson = lessons[lessons.length - 1];
    const cookies = (await page.context().cookies()).filter((c) => c.name === 'tlj_session');
    // A new phone context: no worker yet, so the lesson is loaded before the worker exists.
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, serviceWorkers: 'allow', locale: 'fr-FR' });
    await context.addCookies(cookies);
    const loads = [];
    context.on('request', (r) => { if (new URL(r.url()).pathname === lesson) loads.push(r.serviceWorker() ? 'worker' : 'page'); });
    const first = await context.newPage();
    const response = await first.goto(lesson);
    expect(response.fromServiceWorker()).toBe(false);
    const title = await first.getByTestId('lesson-title').textContent();
    await expect(first.getByTestId('offline-ready')).toBeVisible({ timeout: 15_000 });
    expect(loads, 'the lesson is fetched once, by the page').toEqual(['page']);

    await context.setOffline(true);
    const again = await first.goto(lesson);
    expect(again.fromServiceWorker()).toBe(true);
    await expect(first.getByTestId('lesson-title')).toHaveText(title);
    await expect(first.getByTestId('lesson-body')).not.toBeEmpty();
    await expect(first.getByTestId('offline-banner')).toBeVisible();
    // The kept copy is the page as served: the app shell works (styles, the "done" button).
    expect(await first.getByTestId('offline-banner').evaluate((el) => getComputedStyle(el).borderBottomWidth)).toBe('1px');
    await expect(first.getByTestId('lesson-complete')).toBeEnabled();
    await context.close();
  });

  test('a lesson marked done offline is recorded once when back online', async ({ page, context }) => {
    await signIn(page);
    const lessons = await lessonLinks(page);
    const lesson = lessons[1];
    const lessonId = lesson.split('/').pop();
    await page.goto(lesson);
    await expect(page.getByTestId('lesson-complete')).toBeVisible();
    const done = `SELECT COUNT(*) FROM lesson_progress WHERE user_id = ${userId()} AND lesson_id = ${lessonId}`;

    await context.setOffline(true);
    await expect(page.getByTestId('offline-banner')).toBeVisible();
    await page.getByTestId('lesson-complete').click();
    await expect(page.getByTestId('offline-queued-lesson')).toBeVisible();
    await expect(page.getByTestId('lesson-complete')).toBeDisabled();
    await page.waitForTimeout(500);
    expect(sql(done)).toBe('0');

    await context.setOffline(false);
    await expect(page.getByTestId('offline-synced')).toBeVisible();
    // Still on the lesson: the server's answer replaces the button.
    await expect(page.getByTestId('lesson-done')).toBeVisible();
    expect(sql(done)).toBe('1');
    expect(await page.evaluate(() => localStorage.getItem('tlj-outbox'))).toBe('[]');

    // The course page says so too.
    await page.goto(COURSE);
    await expect(page.locator(`[data-testid=curriculum-lesson]:has(a[href="${lesson}"]) [data-testid=lesson-done-mark]`)).toHaveCount(1);
  });

  test('a quiz answered offline is submitted once when back online', async ({ page, context }) => {
    await signIn(page);
    await page.goto(COURSE);
    await page.getByTestId('quiz-link').first().click();
    await expect(page.getByTestId('quiz-form')).toBeVisible();
    const quizId = page.url().split('/').pop();
    const attempts = `SELECT COUNT(*) FROM quiz_attempts WHERE user_id = ${userId()} AND quiz_id = ${quizId}`;
    expect(sql(attempts)).toBe('0');

    await context.setOffline(true);
    await expect(page.getByTestId('offline-banner')).toBeVisible();
    const questions = page.getByTestId('quiz-question');
    for (let i = 0; i < (await questions.count()); i++) {
      await questions.nth(i).locator('input').first().check();
    }
    await page.getByTestId('quiz-submit').click();
    await expect(page.getByTestId('offline-queued-quiz')).toHaveText('Réponses gardées sur ce téléphone\u00a0: sera corrigé au retour de la connexion.');
    await expect(page.getByTestId('quiz-submit')).toBeDisabled();
    await page.waitForTimeout(500);
    expect(sql(attempts)).toBe('0');

    await context.setOffline(false);
    await expect(page.getByTestId('offline-synced')).toBeVisible();
    await expect(page.getByTestId('quiz-verdict')).toBeVisible();
    const score = await page.getByTestId('quiz-score').textContent();
    expect(sql(attempts)).toBe('1');
    expect(sql(`SELECT COUNT(client_key) FROM quiz_attempts WHERE user_id = ${userId()}`)).toBe('1');
    // Graded on return, and told in the notifications too.
    expect(sql(`SELECT COUNT(*) FROM notifications WHERE user_id = ${userId()} AND kind = 'quiz_graded'`)).toBe('1');

    // The same submission replayed (a second tab, a flaky connection): still one attempt.
    const key = sql(`SELECT client_key FROM quiz_attempts WHERE user_id = ${userId()} AND quiz_id = ${quizId}`);
    const csrf = await csrfToken(page);
    const replay = await page.evaluate(async ({ url, key, csrf }) => {
      const body = new URLSearchParams({ client_key: key, _csrf: csrf });
      const r = await fetch(url, { method: 'POST', body, headers: { 'HX-Request': 'true' } });
      return { status: r.status, html: await r.text() };
    }, {
      url: new URL(page.url()).pathname,
      key,
      csrf,
    });
    expect(replay.status).toBe(200);
    expect(replay.html).toContain(score.trim());
    expect(sql(attempts)).toBe('1');
  });
});
