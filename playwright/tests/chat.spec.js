// Chat and notifications in real time, with two people in two browser contexts.
'use strict';
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

async function openGeneralRoom(page) {
  await page.goto('/chat');
  await page.getByTestId('chat-room-general').click();
  await expect(page.getByTestId('chat-title')).toHaveText(/Salon général/);
  // The socket is open once the page said which message it holds (htmx:wsOpen).
  await page.waitForFunction(() => {
    const el = document.querySelector('[ws-connect]');
    const ws = el && window.htmx && htmx.closest(el, '[ws-connect]');
    return ws && el['htmx-internal-data'] && el['htmx-internal-data'].webSocket
      && el['htmx-internal-data'].webSocket.socket.readyState === 1;
  });
}

test('two people chat live; a hidden message disappears for the other', async ({ browser }, testInfo) => {
  const learnerCtx = await browser.newContext({ ...testInfo.project.use, colorScheme: 'dark' });
  const modCtx = await browser.newContext({ ...testInfo.project.use });
  const learner = await learnerCtx.newPage();
  const moderator = await modCtx.newPage();
  await login(learner, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
  await login(moderator, 'moderateur@techlearnjess.cd', DEMO_PASSWORD);
  await openGeneralRoom(learner);
  await openGeneralRoom(moderator);

  const stamp = Date.now();
  await learner.getByTestId('chat-input').fill(`Bonjour Nadia ! ${stamp}`);
  await learner.getByTestId('chat-input').press('Enter');
  const onModerator = moderator.getByTestId('chat-message').filter({ hasText: `Bonjour Nadia ! ${stamp}` });
  await expect(onModerator).toBeVisible();
  await expect(learner.getByTestId('chat-input')).toHaveValue('');

  await moderator.getByTestId('chat-input').fill(`Bienvenue Patrick ${stamp}`);
  await moderator.getByTestId('chat-send').click();
  await expect(learner.getByTestId('chat-message').filter({ hasText: `Bienvenue Patrick ${stamp}` })).toBeVisible();

  // Too long: a clear French message, nothing sent.
  await learner.evaluate(() => document.getElementById('chat-input').removeAttribute('maxlength'));
  await learner.getByTestId('chat-input').fill('x'.repeat(2001));
  await learner.getByTestId('chat-send').click();
  await expect(learner.getByTestId('chat-error')).toHaveText('Le message dépasse 2 000 caractères.');

  await saveScreenshot(learner, testInfo, 'chat-room-360-dark.png', { fullPage: false });
  const width = await learner.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);

  // The moderator hides the learner's message: it disappears on the learner's page.
  const learnerMessage = learner.getByTestId('chat-message').filter({ hasText: `Bonjour Nadia ! ${stamp}` });
  await expect(learnerMessage).toBeVisible();
  await onModerator.getByTestId('chat-hide').click();
  await expect(learnerMessage).toHaveCount(0);
  await expect(onModerator).toHaveCount(0);
  await learnerCtx.close();
  await modCtx.close();
});

test('a notification arrives without reload and the badge counts it', async ({ browser }, testInfo) => {
  const learnerCtx = await browser.newContext({ ...testInfo.project.use });
  const modCtx = await browser.newContext({ ...testInfo.project.use });
  const learner = await learnerCtx.newPage();
  const moderator = await modCtx.newPage();
  await login(learner, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
  await login(moderator, 'moderateur@techlearnjess.cd', DEMO_PASSWORD);
  // Start from zero unread.
  await learner.goto('/notifications');
  const readAll = learner.getByTestId('notifications-read-all');
  if (await readAll.count()) await readAll.click();
  await learner.goto('/dashboard');
  await expect(learner.getByTestId('notif-badge').getByTestId('notif-none')).toHaveCount(1);

  // The moderator writes privately; the learner is elsewhere on the site.
  await moderator.goto('/chat?q=Patrick');
  await moderator.getByTestId('chat-write').first().click();
  await expect(moderator.getByTestId('chat-title')).toHaveText(/Patrick/);
  await moderator.getByTestId('chat-input').fill('Patrick, as-tu vu le nouveau cours ?');
  await moderator.getByTestId('chat-send').click();

  await expect(learner.getByTestId('notif-toast')).toContainText('Nouveau message privé de Nadia Lukusa');
  await expect(learner.getByTestId('notif-count')).toHaveText('1');
  await saveScreenshot(learner, testInfo, 'notification-toast-360.png', { fullPage: false });

  // Following it opens the conversation, and the badge goes back to zero.
  await learner.goto('/notifications');
  await learner.getByTestId('notification').first().getByRole('button').click();
  await expect(learner.getByTestId('chat-message').filter({ hasText: 'as-tu vu le nouveau cours' })).toBeVisible();
  await expect(learner.getByTestId('notif-badge').getByTestId('notif-none')).toHaveCount(1);
  await learnerCtx.close();
  await modCtx.close();
});
