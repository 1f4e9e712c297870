#!/usr/bin/env node
// What keeping a whole course offline costs a learner on a 2G phone: for each demo course, the
// pack page's "Télécharger le cours" in Chromium (the service worker downloads every page and the
// resources ticked by default, up to 5 MB each), through an emulated 2G link, timed from the tap
// to « Disponible hors connexion. ». Prints a Markdown table (scripts/bench puts it in
// docs/performance.md).
//
// The link: a TCP relay between Chromium and the server, 250 kbit/s each way and 600 ms of round
// trip (300 ms each way). Not CDP's `Network.emulateNetworkConditions`: that throttles the page's
// own requests, and the pack is fetched by the service worker, outside the page's target. The
// relay also counts the bytes on the wire (compressed, headers included): the data the learner
// pays for.
//
// Usage: node scripts/offline-packs.js BASE_URL [slug ...]
//   BASE_URL: a running server with the demo data (`serve --demo`); slugs default to the demo's.
//   Signs in as the demo moderator, who may study every course without buying it.
'use strict';
const net = require('net');
const { chromium } = require('@playwright/test');

const KBIT = 250;
const RTT_MS = 600;
const RATE = (KBIT * 1000) / 8; // bytes per second
const EMAIL = 'moderateur@techlearnjess.cd';
const PASSWORD = 'Demo-2026-tlj';
let BASE = '';
const DEMO = [
  'bases-de-python', 'site-web-html-css', 'javascript-pour-le-web', 'backend-django',
  'design-graphique-canva', 'ux-design-mobile', 'entrepreneuriat-matadi', 'gestion-financiere-pme',
  'excel-zero-expert', 'word-powerpoint-bureau', 'marketing-digital', 'marketing-reseaux-sociaux',
  'redaction-web-seo',
];

/** One direction of the link: paced at RATE, each slice delivered RTT/2 after it was sent. */
function link(from, to, count) {
  let free = 0;
  let last = 0;
  from.on('data', (chunk) => {
    for (let i = 0; i < chunk.length; i += 1460) {
      const slice = chunk.subarray(i, i + 1460);
      const now = Date.now();
      free = Math.max(now, free) + (slice.length * 1000) / RATE;
      last = free + RTT_MS / 2;
      if (count) count(slice.length);
      setTimeout(() => { if (!to.destroyed) to.write(slice); }, last - now);
    }
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
  from.on('error', () => to.destroy());
}

async function relay(base) {
  const target = new URL(base);
  const r = { down: 0, sockets: new Set() };
  r.server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    r.sockets.add(client).add(upstream);
    link(client, upstream, null);
    link(upstream, client, (n) => { r.down += n; });
  });
  await new Promise((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${r.server.address().port}`;
  r.close = () => {
    for (const s of r.sockets) s.destroy();
    return new Promise((resolve) => r.server.close(resolve));
  };
  return r;
}

function kb(bytes) {
  return `${(bytes / 1024).toLocaleString('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} KB`;
}

/** Signs in once, straight to the server (the account's log-in limit is 5 a minute). */
async function signIn(browser, base) {
  const context = await browser.newContext({ baseURL: base, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('input[name=email]').fill(EMAIL);
  await page.locator('input[name=password]').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/dashboard/), page.getByTestId('login-submit').click()]);
  const cookies = await context.cookies();
  await context.close();
  return cookies;
}

/** One course's pack on a fresh phone (a new origin: the relay's port), through the 2G link. */
async function measure(browser, cookies, slug) {
  const slow = await relay(BASE);
  const phone = await browser.newContext({ baseURL: slow.url, serviceWorkers: 'allow', viewport: { width: 360, height: 640 }, locale: 'fr-FR' });
  await phone.addCookies(cookies.map((c) => ({ name: c.name, value: c.value, url: slow.url })));
  const p = await phone.newPage();
  await p.goto(`/courses/${slug}/offline`, { timeout: 120_000 });
  if (!new URL(p.url()).pathname.endsWith('/offline')) {
    await phone.close();
    await slow.close();
    return { slug, missing: new URL(p.url()).pathname };
  }
  await p.evaluate(() => navigator.serviceWorker.ready);
  const pages = await p.locator('[data-testid=pack-pages] [data-pack-item]').count();
  const resources = await p.locator('input[data-pack-item]:checked').count();
  const expected = await p.getByTestId('pack-total').textContent();
  const before = slow.down;
  const started = Date.now();
  await p.getByTestId('pack-start').click();
  await p.getByTestId('pack-status').filter({ hasText: 'Disponible hors connexion.' }).waitFor({ timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const wire = slow.down - before;
  const kept = await p.evaluate(async (s) => {
    const c = await caches.open('tlj-packs');
    const r = await c.match(`/__pack/${encodeURIComponent(s)}`);
    const pack = await r.json();
    return pack.items.reduce((sum, i) => sum + (i.got > 0 ? i.got : 0), 0);
  }, slug);
  await phone.close();
  await slow.close();
  return { slug, pages, resources, expected: (expected || '').replace('≈', '').trim(), kept, wire, seconds };
}

(async () => {
  const [base, ...slugs] = process.argv.slice(2);
  BASE = base;
  if (!base) {
    console.error('usage: node scripts/offline-packs.js BASE_URL [slug ...]');
    process.exit(2);
  }
  const browser = await chromium.launch({
    executablePath: process.env.TLJ_E2E_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
  });
  const rows = [];
  const cookies = await signIn(browser, base);
  for (const slug of slugs.length ? slugs : DEMO) rows.push(await measure(browser, cookies, slug));
  await browser.close();
  console.log(`| course | pages | resources | announced | kept on the phone | on the wire | time on 2G (${KBIT} kbit/s, ${RTT_MS} ms) |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows.filter((x) => x.missing)) console.error(`${r.slug}: no pack page (sent to ${r.missing})`);
  for (const r of rows.filter((x) => !x.missing)) {
    console.log(`| \`${r.slug}\` | ${r.pages} | ${r.resources} | ${r.expected} | ${kb(r.kept)} | ${kb(r.wire)} | ${r.seconds.toFixed(1)} s |`);
  }
  const done = rows.filter((x) => !x.missing);
  const wire = done.reduce((s, r) => s + r.wire, 0);
  const secs = done.reduce((s, r) => s + r.seconds, 0);
  console.log(`| all ${done.length} | | | | | ${kb(wire)} | ${secs.toFixed(0)} s |`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
