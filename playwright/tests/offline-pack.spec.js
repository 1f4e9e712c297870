// A whole course offline on a phone (issue "Learning without a connection"): the learner sees
// what the course takes, downloads it in one tap, reads every lesson with no connection, marks a
// lesson done offline (recorded once on return), finds the course in "Mes cours hors
// connexion", gets the trainer's later edit at the next connection (only the changed page comes
// again, the rest answers 304), deletes it, and a second person on the same browser sees nothing
// of hers.
'use strict';
const path = require('path');
const { execFileSync } = require('child_process');
const { test, expect } = require('@playwright/test');
const {
  DEMO_PASSWORD,
  clickInNav,
  dataDir,
  login,
  saveScreenshot,
  signUp,
  submitLogin,
  uniqueEmail,
  verifyEmail,
} = require('./helpers');

const SLUG = 'bases-de-python';
const COURSE = `/courses/${SLUG}`;
const PASSWORD = 'Matadi2026coursentier';

test.use({ viewport: { width: 360, height: 640 }, serviceWorkers: 'allow' });

function sql(query) {
  return execFileSync('sqlite3', [path.join(dataDir(), 'tlj.db'), query], { encoding: 'utf8' }).trim();
}

async function cachedPaths(page, name) {
  return page.evaluate(async (n) => {
    const c = await caches.open(n);
    return (await c.keys()).map((r) => new URL(r.url).pathname);
  }, name);
}

async function download(page) {
  await page.goto(`${COURSE}/offline`);
  await expect(page.getByTestId('pack-total')).toContainText('≈');
  await page.getByTestId('pack-start').click();
  await expect(page.getByTestId('pack-status')).toHaveText('Disponible hors connexion.', { timeout: 30_000 });
}

test('a learner downloads a whole course, studies it offline and frees the space', async ({ page, context, browser }, testInfo) => {
  test.setTimeout(150_000);
  const email = uniqueEmail('pack');
  let lessons;
  let quizzes;

  await test.step('a fresh learner enrols in a free course', async () => {
    await signUp(page, { name: 'Cours Entier', email, password: PASSWORD });
    await verifyEmail(page, email);
    await submitLogin(page, email, PASSWORD);
    await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
    await page.goto(COURSE);
    await page.getByTestId('enrol-button').click();
    await expect(page.getByTestId('pack-link')).toBeVisible();
  });

  await test.step('the pack page says what the course takes, then downloads it in one tap', async () => {
    await page.getByTestId('pack-link').click();
    await expect(page).toHaveURL(new RegExp(`${COURSE}/offline$`));
    lessons = await page.locator(`[data-pack-item][data-path^="${COURSE}/lessons/"]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    expect(lessons.length).toBeGreaterThan(1);
    quizzes = await page.locator(`[data-pack-item][data-path^="${COURSE}/quizzes/"]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    expect(quizzes.length).toBeGreaterThan(0);
    await expect(page.getByTestId('pack-total')).toContainText('Ko');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await saveScreenshot(page, testInfo, 'offline-pack-360-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await saveScreenshot(page, testInfo, 'offline-pack-360-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('pack-start').click();
    await expect(page.getByTestId('pack-status')).toHaveText('Disponible hors connexion.', { timeout: 30_000 });
    const kept = await cachedPaths(page, 'tlj-pages');
    for (const l of lessons) expect(kept).toContain(l);
  });

  await test.step('the course and the dashboard say « Disponible hors connexion »', async () => {
    await page.goto(COURSE);
    await expect(page.getByTestId('pack-mark')).toBeVisible();
    await page.goto('/dashboard');
    await expect(page.getByTestId(`pack-mark-${SLUG}`)).toBeVisible();
  });

  await test.step('offline: every lesson opens, one is marked done and recorded once on return', async () => {
    await context.setOffline(true);
    for (const l of lessons) {
      const res = await page.goto(l);
      expect(res.fromServiceWorker()).toBe(true);
      await expect(page.getByTestId('lesson-title')).toBeVisible();
      await expect(page.getByTestId('lesson-body')).not.toBeEmpty();
    }
    // A quiz never opened before: downloaded with the course, answerable offline.
    const res = await page.goto(quizzes[0]);
    expect(res.fromServiceWorker()).toBe(true);
    await expect(page.getByTestId('quiz-form')).toBeVisible();
    const last = lessons[lessons.length - 1];
    await page.goto(last);
    await page.getByTestId('lesson-complete').click();
    await expect(page.getByTestId('offline-queued-lesson')).toBeVisible();
    const id = last.split('/').pop();
    const done = `SELECT COUNT(*) FROM lesson_progress lp JOIN users u ON u.id = lp.user_id WHERE u.email = '${email}' AND lp.lesson_id = ${id}`;
    expect(sql(done)).toBe('0');
    await context.setOffline(false);
    await expect(page.getByTestId('offline-synced')).toBeVisible();
    expect(sql(done)).toBe('1');
  });

  await test.step('the trainer rewrites a lesson: back online, only that page comes again', async () => {
    // The first lesson changes; a middle one (neither it nor the one marked done) does not.
    expect(lessons.length).toBeGreaterThan(2);
    const first = lessons[0];
    const courseId = sql(`SELECT id FROM courses WHERE slug = '${SLUG}'`);
    const trainer = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const tp = await trainer.newPage();
    await login(tp, 'formateur@techlearnjess.cd', DEMO_PASSWORD);
    await tp.goto(`/teach/courses/${courseId}/lessons/${first.split('/').pop()}/edit`);
    const body = tp.locator('textarea[name=body]');
    await body.fill(`${await body.inputValue()}\n\nMise à jour du formateur : un exemple de plus.`);
    await tp.getByTestId('lesson-save').click();
    await expect(tp).toHaveURL(new RegExp(`/teach/courses/${courseId}/edit`));
    await trainer.close();

    // What the worker asks the server while it refreshes the kept course.
    const seen = [];
    const watch = (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith(COURSE) && r.request().serviceWorker()) seen.push([path, r.status()]);
    };
    context.on('response', watch);
    await context.setOffline(true);
    await context.setOffline(false);
    await expect(page.getByTestId('offline-pack-updated')).toContainText('Mis à jour');
    // The worker's requests are reported a moment after it made them.
    const answered = (path, status) => seen.filter(([p, s]) => p === path && s === status).length;
    await expect.poll(() => answered(first, 200)).toBe(1);
    await expect.poll(() => answered(lessons[1], 304)).toBe(1);
    context.off('response', watch);
    expect(answered(`${COURSE}/offline/items`, 200)).toBe(1);
    expect(answered(lessons[1], 200)).toBe(0);

    await context.setOffline(true);
    const res = await page.goto(first);
    expect(res.fromServiceWorker()).toBe(true);
    await expect(page.getByTestId('lesson-body')).toContainText('un exemple de plus');
    await context.setOffline(false);
    await page.goto('/offline/courses');
    await expect(page.getByTestId('kept-course')).toContainText('mis à jour le');
  });

  await test.step('« Mes cours hors connexion » lists it; « Supprimer » frees the space', async () => {
    await page.goto('/offline/courses');
    await expect(page.getByTestId('kept-course')).toHaveCount(1);
    await expect(page.getByTestId('kept-course')).toContainText('Ko');
    await saveScreenshot(page, testInfo, 'offline-kept-360.png');
    await page.getByTestId('kept-delete').click();
    await expect(page.getByTestId('kept-none')).toBeVisible();
    const kept = await cachedPaths(page, 'tlj-pages');
    for (const l of lessons) expect(kept).not.toContain(l);
    await page.goto(COURSE);
    await expect(page.getByTestId('pack-mark')).toBeHidden();
  });

  await test.step('downloaded again, then logged out: the next person on this phone sees nothing', async () => {
    await download(page);
    await page.goto('/dashboard');
    await clickInNav(page, 'logout');
    await expect(page).not.toHaveURL(/\/dashboard/);
    await expect.poll(() => cachedPaths(page, 'tlj-packs')).toEqual([]);
    await login(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
    await page.goto('/offline/courses');
    await expect(page.getByTestId('kept-none')).toBeVisible();
  });
});
