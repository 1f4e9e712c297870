// Trainer side on a 360 px phone: the demo trainer builds a course from nothing (lesson,
// resource, quiz with a question), publishes it, and the editor is captured in light and dark.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

test.use({ viewport: { width: 360, height: 640 } });

test('the demo trainer creates, fills and publishes a course on a phone', async ({ page }, testInfo) => {
  const title = `Cours mobile ${Date.now()}`;
  await login(page, 'formateur@techlearnjess.cd', DEMO_PASSWORD);

  await page.goto('/teach');
  await page.getByTestId('teach-new-course').click();
  const form = page.getByTestId('course-form');
  await form.locator('input[name=title]').fill(title);
  await form.locator('textarea[name=summary]').fill('Un cours créé depuis un téléphone.');
  await form.locator('select[name=category_id]').selectOption({ index: 1 });
  await form.locator('input[name=duration_minutes]').fill('45');
  await page.getByTestId('course-save').click();
  await expect(page).toHaveURL(/\/teach\/courses\/\d+\/edit/);
  await expect(page.getByTestId('course-status')).toHaveText('Brouillon');

  // Section (htmx swaps the curriculum in place), then a lesson.
  await page.locator('#new-section-title').fill('Premiers pas');
  await page.getByTestId('section-add').click();
  await expect(page.getByTestId('section-title')).toHaveText('Premiers pas');
  await page.getByTestId('lesson-add').first().click();
  await page.locator('input[name=title]').fill('Bienvenue');
  await page.locator('textarea[name=body]').fill('## Bonjour\n\nVoici le **programme**.');
  await page.locator('input[name=video_url]').fill('https://www.youtube.com/watch?v=dQw4w9WgXcQ');
  await page.getByTestId('lesson-save').click();
  await expect(page.getByTestId('lesson-title')).toHaveText('Bienvenue');

  // A small text resource.
  const file = path.join(os.tmpdir(), `tlj-notes-${Date.now()}.txt`);
  fs.writeFileSync(file, 'Notes de cours : HTML, CSS et htmx.\n');
  await page.locator('#resource-title').fill('Notes');
  await page.locator('#resource-file').setInputFiles(file);
  await page.getByTestId('resource-upload').click();
  await expect(page.getByTestId('resource')).toContainText('Notes');
  fs.unlinkSync(file);

  // A quiz with a multiple-answer question.
  await page.getByTestId('quiz-add').click();
  await page.locator('#quiz-title').fill('Quiz de bienvenue');
  await page.getByTestId('quiz-save').click();
  await expect(page.getByTestId('quiz-title')).toHaveText('Quiz de bienvenue');
  await page.locator('#prompt').fill('Quels langages servent à écrire une page web ?');
  await page.getByTestId('option-1').fill('HTML');
  await page.getByTestId('correct-1').check();
  await page.getByTestId('option-2').fill('COBOL');
  await page.getByTestId('option-3').fill('CSS');
  await page.getByTestId('correct-3').check();
  await page.getByTestId('question-add').click();
  await expect(page.getByTestId('question')).toHaveCount(1);
  await expect(page.getByTestId('question-multiple')).toBeVisible();

  // Back to the editor: screenshots, then publish.
  await page.getByRole('link', { name: /Retour au cours/ }).click();
  await expect(page).toHaveURL(/\/teach\/courses\/\d+\/edit/);
  const { scrollWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth }));
  expect(scrollWidth, 'the editor fits a 360 px screen').toBeLessThanOrEqual(360);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  await saveScreenshot(page, testInfo, 'teach-editor-light.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
  await saveScreenshot(page, testInfo, 'teach-editor-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByTestId('publish-button').click();
  await expect(page.getByTestId('course-status')).toHaveText('Publié');
  await expect(page.getByTestId('unpublish-button')).toBeVisible();

  await page.goto('/teach');
  const row = page.getByTestId('teach-course').filter({ hasText: title });
  await expect(row.getByTestId('course-status')).toHaveText('Publié');

  // The public course page belongs to the learner side; check it when it exists.
  const slug = await row.getAttribute('data-slug');
  const response = await page.goto(`/courses/${slug}`);
  if (response && response.status() !== 404) {
    expect(response.status()).toBe(200);
    await expect(page.locator('main')).toContainText(title);
  }
});

test('the trainer reads the learners table on a phone (cards) and at desktop width (table)', async ({ page, browser }, testInfo) => {
  // A learner enrolled in the demo trainer's Python course.
  const learnerContext = await browser.newContext();
  const learner = await learnerContext.newPage();
  await login(learner, 'apprenant@techlearnjess.cd', DEMO_PASSWORD);
  await learner.goto('/courses/bases-de-python');
  const enrol = learner.getByTestId('enrol-button');
  if (await enrol.isVisible()) await enrol.click();
  await learnerContext.close();

  await login(page, 'formateur@techlearnjess.cd', DEMO_PASSWORD);
  await page.goto('/teach');
  const href = await page
    .getByTestId('course-enrolled')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  let opened = false;
  for (const h of href) {
    await page.goto(h);
    if ((await page.getByTestId('learner').count()) > 0) {
      opened = true;
      break;
    }
  }
  expect(opened).toBe(true);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 360, height: 640 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    // Cards: each learner's cells stacked, none overlapping the next.
    const row = page.getByTestId('learner').first();
    const box = await row.boundingBox();
    expect(box.width).toBeLessThanOrEqual(360);
    await saveScreenshot(page, testInfo, `teach-learners-360-${scheme}.png`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect(page.getByTestId('learners-table').locator('thead')).toBeVisible();
    await saveScreenshot(page, testInfo, `teach-learners-1280-${scheme}.png`);
  }
});
