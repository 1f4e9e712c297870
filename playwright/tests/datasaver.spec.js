// Data saver: a phone whose browser sends `Save-Data: on` sees the video's data use first and
// loads the player only after a tap; screenshots at 360 px, light and dark.
'use strict';
const { test, expect } = require('@playwright/test');
const { saveScreenshot } = require('./helpers');

const COURSE = '/courses/bases-de-python';

/** A phone context that asks to save data; video hosts answer with an empty page (no network). */
async function saverContext(browser, colorScheme) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'fr-FR',
    colorScheme,
    extraHTTPHeaders: { 'Save-Data': 'on' },
  });
  const videoRequests = [];
  await context.route(/youtube|vimeo|ytimg|googlevideo/, (route) => {
    videoRequests.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>vidéo</title>' });
  });
  return { context, videoRequests };
}

async function firstLessonUrl(page) {
  await page.goto(COURSE);
  const href = await page.getByTestId('lesson-link').first().getAttribute('href');
  expect(href).toMatch(/\/lessons\/\d+$/);
  return href;
}

for (const scheme of ['light', 'dark']) {
  test(`with Save-Data the lesson video waits for a tap (${scheme})`, async ({ browser }, testInfo) => {
    const { context, videoRequests } = await saverContext(browser, scheme);
    const page = await context.newPage();
    const lesson = await firstLessonUrl(page);
    await page.goto(lesson);

    const saver = page.getByTestId('video-saver');
    await expect(saver).toBeVisible();
    await expect(page.getByTestId('video-size')).toHaveText('Vidéo externe — environ 300 Mo/h');
    await expect(page.getByTestId('video-lesson-size')).toContainText('pour les');
    await expect(page.locator('iframe')).toHaveCount(0);
    await expect(page.getByTestId('data-saver-indicator')).toContainText('Économie de données : activée');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    if (scheme === 'dark') {
      expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    }
    await saveScreenshot(page, testInfo, `datasaver-lesson-360-${scheme}.png`);
    expect(videoRequests, 'nothing from the video host before the tap').toEqual([]);

    await page.getByTestId('video-play').click();
    const frame = page.getByTestId('video-embed').locator('iframe');
    await expect(frame).toHaveCount(1);
    await expect(frame).toHaveAttribute('src', /youtube/);
    await expect(saver).toHaveCount(0);
    await expect.poll(() => videoRequests.length).toBeGreaterThan(0);
    await context.close();
  });
}

test('the footer link changes the choice, and "always off" wins over Save-Data', async ({ browser }) => {
  const { context, videoRequests } = await saverContext(browser, 'light');
  const page = await context.newPage();
  const lesson = await firstLessonUrl(page);
  await page.goto(lesson);
  await page.getByTestId('data-saver-change').click();
  await expect(page).toHaveURL(/\/data-saver$/);
  await expect(page.getByTestId('data-saver-auto')).toBeChecked();
  await page.getByTestId('data-saver-off').check();
  await page.getByTestId('data-saver-save').click();
  await expect(page.getByTestId('flash').first()).toContainText('Économie de données désactivée');
  await page.goto(lesson);
  await expect(page.getByTestId('video-saver')).toHaveCount(0);
  await expect(page.getByTestId('video-play')).toBeVisible();
  await expect(page.getByTestId('data-saver-indicator')).toContainText('désactivée');
  expect(videoRequests).toEqual([]);
  await context.close();
});
