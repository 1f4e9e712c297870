// Forum on phones: a learner opens a topic, a trainer replies without a reload and the reply
// appears live on the learner's page (SSE) with a notification; the learner reports it and a
// moderator, whose menu shows the reports waiting, hides it from the queue and it leaves the
// learner's open page live; screenshot of a topic at 360 px in dark mode.
'use strict';
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, revealInNav, saveScreenshot } = require('./helpers');

const LEARNER = 'apprenant@techlearnjess.cd';
const TRAINER = 'formateur@techlearnjess.cd';
const MODERATOR = 'moderateur@techlearnjess.cd';

test.use({ viewport: { width: 360, height: 640 } });

async function noHorizontalScroll(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
}

test.describe('forum', () => {
  test('a reply appears live for the author, who is notified; a moderator hides it once reported', async ({ browser }, testInfo) => {
    const phone = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, locale: 'fr-FR' };
    const learnerCtx = await browser.newContext(phone);
    const trainerCtx = await browser.newContext(phone);
    const moderatorCtx = await browser.newContext(phone);
    const learner = await learnerCtx.newPage();
    const trainer = await trainerCtx.newPage();
    const moderator = await moderatorCtx.newPage();
    const title = `Question en direct ${Date.now()}`;
    const answer = `Réponse du formateur ${Date.now()}`;
    let topicUrl;

    await test.step('the learner opens a topic in « Entraide »', async () => {
      await login(learner, LEARNER, DEMO_PASSWORD);
      await learner.goto('/forum');
      await learner.getByTestId('forum-category').filter({ hasText: 'Entraide' }).click();
      await expect(learner.getByTestId('forum-name')).toHaveText('Entraide');
      await learner.getByTestId('new-topic').click();
      await learner.getByTestId('topic-title').fill(title);
      await learner.getByTestId('topic-body').fill('Comment **afficher** une liste en Python ?');
      await learner.getByTestId('topic-submit').click();
      await expect(learner.getByTestId('topic-title')).toHaveText(title);
      await expect(learner.getByTestId('follow-button')).toHaveText('Ne plus suivre');
      topicUrl = new URL(learner.url()).pathname;
      await learner.evaluate(() => { window.__noReload = true; });
    });

    await test.step('the trainer replies without a reload; the learner sees it live', async () => {
      await login(trainer, TRAINER, DEMO_PASSWORD);
      await trainer.goto(topicUrl);
      await trainer.evaluate(() => { window.__noReload = true; });
      await trainer.getByTestId('reply-body').fill(`${answer}\n\n\`\`\`python\nprint([1, 2, 3])\n\`\`\``);
      await trainer.getByTestId('reply-submit').click();
      await expect(trainer.getByTestId('forum-reply').filter({ hasText: answer })).toHaveCount(1);
      await expect(trainer.getByTestId('reply-body')).toHaveValue('');
      expect(await trainer.evaluate(() => window.__noReload)).toBe(true);

      const live = learner.getByTestId('forum-reply').filter({ hasText: answer });
      await expect(live).toHaveCount(1, { timeout: 15_000 });
      await expect(live.locator('pre code')).toContainText('print([1, 2, 3])');
      expect(await learner.evaluate(() => window.__noReload)).toBe(true);
    });

    await test.step('the learner likes the reply in place', async () => {
      const reply = learner.getByTestId('forum-reply').filter({ hasText: answer });
      await reply.getByTestId('like-button').click();
      await expect(reply.getByTestId('like-count')).toHaveText('1');
      await expect(reply.getByTestId('like-button')).toHaveAttribute('aria-pressed', 'true');
    });

    await test.step('screenshot of the topic at 360 px in dark mode', async () => {
      await trainer.emulateMedia({ colorScheme: 'dark' });
      await trainer.goto(topicUrl);
      if (!(await trainer.evaluate(() => document.documentElement.classList.contains('dark')))) {
        await trainer.getByTestId('theme-toggle').click();
      }
      await expect(trainer.locator('html')).toHaveClass(/dark/);
      await expect(trainer.getByTestId('topic-title')).toHaveText(title);
      await noHorizontalScroll(trainer);
      await saveScreenshot(trainer, testInfo, 'forum-topic-360-dark.png');
    });

    await test.step('the learner has a notification for the reply', async () => {
      await learner.goto('/notifications');
      await expect(
        learner.getByTestId('notification').filter({ hasText: `Nouvelle réponse dans « ${title} »` }),
      ).toHaveCount(1);
    });

    await test.step('the learner reports the reply', async () => {
      await learner.goto(topicUrl);
      const reply = learner.getByTestId('forum-reply').filter({ hasText: answer });
      await reply.getByTestId('report').locator('summary').click();
      await reply.getByTestId('report-reason').fill('Hors sujet');
      await reply.getByTestId('report-submit').click();
      await expect(reply.getByTestId('reported')).toBeVisible();
      // The learner keeps this page open: the moderator's decision reaches it live.
      await learner.evaluate(() => { window.__noReload = true; });
    });

    await test.step("the moderator's menu leads to the queue, with the reports waiting", async () => {
      await login(moderator, MODERATOR, DEMO_PASSWORD);
      await moderator.goto('/forum');
      await revealInNav(moderator, 'nav-moderation');
      await expect(moderator.getByTestId('moderation-count')).toHaveText(/^[1-9][0-9]*$/, { timeout: 15_000 });
      await saveScreenshot(moderator, testInfo, 'moderation-menu-badge-360.png', { fullPage: false });
      await moderator.getByTestId('nav-moderation').click();
      await expect(moderator).toHaveURL(/\/forum\/moderation$/);
    });

    await test.step('a moderator hides the reported reply from the queue', async () => {
      await moderator.goto('/forum/moderation');
      const item = moderator.getByTestId('report-item').filter({ hasText: title });
      await expect(item).toHaveCount(1);
      await expect(item.getByTestId('report-reason')).toHaveText('Hors sujet');
      await item.getByTestId('queue-hide').click();
      await expect(moderator.getByTestId('flash').first()).toContainText('Action de modération enregistrée');
      await expect(moderator.getByTestId('report-item').filter({ hasText: title })).toHaveCount(0);
      await moderator.goto(topicUrl);
      const hidden = moderator.getByTestId('forum-reply').filter({ hasText: answer });
      await expect(hidden.getByTestId('hidden-marker')).toBeVisible();

      // Gone from the page the learner kept open, without a reload.
      await expect(learner.getByTestId('forum-reply').filter({ hasText: answer })).toHaveCount(0, { timeout: 15_000 });
      expect(await learner.evaluate(() => window.__noReload)).toBe(true);
    });

    await learnerCtx.close();
    await trainerCtx.close();
    await moderatorCtx.close();
  });

  test("the demo topic list searches as you type and the course forum is closed to outsiders", async ({ page }) => {
    await page.goto('/forum');
    await expect(page.getByTestId('forum-category')).toHaveCount(3);
    await page.goto('/forum/c/entraide');
    await expect(page.getByTestId('topic-item').first()).toBeVisible();
    await noHorizontalScroll(page);
    await page.getByTestId('forum-search').pressSequentially('Indentation', { delay: 30 });
    await expect(page.getByTestId('topic-item')).toHaveCount(1);
    await expect(page).toHaveURL(/q=Indentation/);
    await page.goto('/forum/courses/bases-de-python');
    await expect(page).toHaveURL(/\/login/);
  });
});
