// Live session with two (three) browser contexts and Chromium's fake camera: the trainer plans
// a session and starts it, turns on the camera, and the learner's video plays; a learner's
// question shows up live for the trainer, a moderator's upvote reorders it, "answered" shows
// for both. Room screenshot at 360 px.
'use strict';
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

test.use({
  viewport: { width: 360, height: 640 },
  trace: 'off',
  launchOptions: {
    executablePath: process.env.TLJ_E2E_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  },
});

/** `datetime-local` value in Kinshasa time (UTC+1) `minutes` from now. */
function kinshasaIn(minutes) {
  const t = new Date(Date.now() + minutes * 60_000 + 3_600_000);
  return t.toISOString().slice(0, 16);
}

async function socketOpen(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector('[ws-connect]');
    const data = el && el['htmx-internal-data'];
    return data && data.webSocket && data.webSocket.socket && data.webSocket.socket.readyState === 1;
  });
}

async function openRoom(page, id) {
  await page.goto(`/live/${id}`);
  await expect(page.getByTestId('live-title')).toBeVisible();
  await socketOpen(page);
}

test('a trainer broadcasts the camera to a learner; questions, votes and answers flow live', async ({ browser }, testInfo) => {
  test.setTimeout(90_000);
  const use = testInfo.project.use;
  const trainerCtx = await browser.newContext({ ...use });
  const learnerCtx = await browser.newContext({ ...use });
  const modCtx = await browser.newContext({ ...use });
  const trainer = await trainerCtx.newPage();
  const learner = await learnerCtx.newPage();
  const moderator = await modCtx.newPage();
  await login(trainer, 'formateur@techlearnjess.cd', DEMO_PASSWORD);
  await login(learner, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
  await login(moderator, 'moderateur@techlearnjess.cd', DEMO_PASSWORD);

  const stamp = Date.now();
  const title = `Session live ${stamp}`;
  let id;
  await test.step('the trainer plans a public session starting in a few minutes', async () => {
    await trainer.goto('/live');
    await trainer.getByTestId('live-new').click();
    await trainer.locator('#title').fill(title);
    await trainer.locator('#starts_at').fill(kinshasaIn(5));
    await trainer.locator('#duration_minutes').fill('45');
    await trainer.getByTestId('live-submit').click();
    await expect(trainer.getByTestId('live-title')).toHaveText(title);
    id = Number(new URL(trainer.url()).pathname.split('/').pop());
    expect(id).toBeGreaterThan(0);
  });

  await test.step('the trainer starts the session and the camera', async () => {
    await socketOpen(trainer);
    await trainer.getByTestId('live-start').click();
    await expect(trainer.getByTestId('live-status-badge')).toHaveText(/En direct/);
    await socketOpen(trainer);
    await trainer.getByTestId('live-camera').click();
    await trainer.waitForFunction(() => document.getElementById('live-video').videoWidth > 0);
  });

  await test.step("the learner's video plays the trainer's camera", async () => {
    await openRoom(learner, id);
    await expect(learner.getByTestId('live-status-badge')).toHaveText(/En direct/);
    await learner.waitForFunction(() => document.getElementById('live-video').videoWidth > 0, null, { timeout: 20_000 });
    const size = await learner.evaluate(() => {
      const v = document.getElementById('live-video');
      return { w: v.videoWidth, h: v.videoHeight };
    });
    expect(size.w).toBeGreaterThan(0);
    expect(size.h).toBeGreaterThan(0);
  });

  await test.step("a learner's questions appear live for the trainer", async () => {
    await learner.getByTestId('live-ask-input').fill(`Première question ${stamp}`);
    await learner.getByTestId('live-ask').click();
    await expect(learner.getByTestId('live-ask-input')).toHaveValue('');
    await learner.getByTestId('live-ask-input').fill(`Seconde question ${stamp}`);
    await learner.getByTestId('live-ask').click();
    const list = trainer.getByTestId('live-question');
    await expect(list).toHaveCount(2);
    await expect(list.nth(0)).toContainText(`Première question ${stamp}`);
    await expect(list.nth(1)).toContainText(`Seconde question ${stamp}`);
  });

  await test.step('an upvote by the moderator reorders the questions for everyone', async () => {
    await openRoom(moderator, id);
    await moderator.getByTestId('live-question').filter({ hasText: `Seconde question ${stamp}` }).getByTestId('live-vote').click();
    for (const page of [trainer, learner, moderator]) {
      await expect(page.getByTestId('live-question').nth(0)).toContainText(`Seconde question ${stamp}`);
      await expect(page.getByTestId('live-question').nth(0).getByTestId('live-votes')).toHaveText('1');
    }
  });

  await test.step('"answered" shows for the trainer and the learner', async () => {
    await trainer.getByTestId('live-question').filter({ hasText: `Seconde question ${stamp}` }).getByTestId('live-mark-answered').click();
    for (const page of [trainer, learner]) {
      await expect(page.getByTestId('live-question').filter({ hasText: `Seconde question ${stamp}` }).getByTestId('live-answered')).toBeVisible();
    }
    // Learners have no moderation buttons.
    await expect(learner.getByTestId('live-mark-answered')).toHaveCount(0);
  });

  await test.step('the room at 360 px', async () => {
    const width = await learner.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await saveScreenshot(learner, testInfo, 'live-room-360.png');
    await saveScreenshot(trainer, testInfo, 'live-room-trainer-360.png');
  });

  await test.step('the trainer ends the session: the summary lists attendance', async () => {
    await trainer.getByTestId('live-end').click();
    await expect(trainer.getByTestId('live-summary')).toBeVisible();
    await expect(learner.getByTestId('live-status-badge')).toHaveText(/Terminée/);
    await expect(trainer.getByTestId('live-attendance').locator('tbody tr')).not.toHaveCount(0);
    await expect(trainer.getByTestId('live-question')).toHaveCount(2);
  });

  await trainerCtx.close();
  await learnerCtx.close();
  await modCtx.close();
});
