// The demo learner's profile on a phone: uploads a photo and sees it; /profile screenshots at
// 360 px in light and dark mode. Never changes the learner's password or e-mail (other specs log in
// as that user).
'use strict';
const zlib = require('zlib');
const { test, expect } = require('@playwright/test');
const { DEMO_PASSWORD, login, saveScreenshot } = require('./helpers');

const LEARNER = 'apprenant@techlearnjess.cd';

test.use({ viewport: { width: 360, height: 640 } });

/** A small RGB PNG (a diagonal gradient), built with zlib only. */
function pngBuffer(width = 120, height = 80) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 2) & 0xff;
      row[2 + x * 3] = (y * 3) & 0xff;
      row[3 + x * 3] = 160;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function noHorizontalScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no horizontal scrolling at 360 px').toBeLessThanOrEqual(1);
}

test.describe('profile', () => {
  test('the learner uploads a photo and sees it; screenshots in light and dark mode', async ({ page }, testInfo) => {
    await login(page, LEARNER, DEMO_PASSWORD);

    await test.step('upload a photo', async () => {
      await page.goto('/profile');
      await page.getByTestId('photo-upload').setInputFiles({
        name: 'moi.png',
        mimeType: 'image/png',
        buffer: pngBuffer(),
      });
      await page.getByTestId('photo-submit').click();
      await expect(page).toHaveURL(/\/profile(\?|#|$)/);
      await expect(page.getByTestId('flash').first()).toBeVisible();
      const img = page.getByTestId('photo-img');
      await expect(img).toBeVisible();
      await expect
        .poll(() => img.evaluate((el) => el.complete && el.naturalWidth))
        .toBe(256);
    });

    await test.step('a course in the learning history', async () => {
      await page.goto('/courses/bases-de-python');
      const enrol = page.getByTestId('enrol-button');
      if (await enrol.isVisible()) {
        await enrol.click();
        await expect(page.getByTestId('flash').first()).toBeVisible();
      }
    });

    await test.step('screenshots at 360 px', async () => {
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto('/profile');
        if (scheme === 'dark') await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
        await expect(page.getByTestId('stats')).toBeVisible();
        await noHorizontalScroll(page);
        await saveScreenshot(page, testInfo, `profile-${scheme}.png`);
        // The learning history: a card per course on a phone, nothing overlapping.
        const rows = page.getByTestId('history-row');
        expect(await rows.count()).toBeGreaterThan(0);
        {
          const boxes = await rows.first().locator('td').evaluateAll((cells) =>
            cells.map((c) => { const r = c.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, right: r.right }; }));
          for (let i = 1; i < boxes.length; i++) {
            expect(boxes[i].top, 'each value of a history card under the previous one').toBeGreaterThanOrEqual(boxes[i - 1].bottom - 1);
          }
          for (const b of boxes) expect(b.right).toBeLessThanOrEqual(360);
          await page.getByTestId('history-table').scrollIntoViewIfNeeded();
          const section = page.locator('section[aria-labelledby=history-title]');
          await section.screenshot({ path: testInfo.outputPath(`profile-history-360-${scheme}.png`) });
        }
        await page.goto('/profile/security');
        await noHorizontalScroll(page);
        await saveScreenshot(page, testInfo, `profile-security-${scheme}.png`);
      }
    });
  });
});
