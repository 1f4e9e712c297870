// Shared helpers for the TechLearnJess browser tests (not a spec file).
'use strict';
const fs = require('fs');
const path = require('path');
const { expect } = require('@playwright/test');

const DEMO_PASSWORD = 'Demo-2026-tlj';

/** The data dir the config handed to the server (mail outbox lives under it). */
function dataDir() {
  const dir = process.env.TLJ_E2E_DATA_DIR;
  if (!dir) throw new Error('TLJ_E2E_DATA_DIR is not set: run with -c playwright/playwright.config.js');
  return dir;
}

/** A unique address per test run. */
function uniqueEmail(tag = 'e2e') {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

// ---------------------------------------------------------------- e-mail (RFC 5322 + MIME) ---

function decodeQuotedPrintable(text) {
  const noSoftBreaks = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < noSoftBreaks.length; i++) {
    const c = noSoftBreaks[i];
    const hex = noSoftBreaks.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits a message or MIME part into unfolded headers (lower-case names) and its body. */
function splitHeaders(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

/** Returns the decoded text of every leaf part of a MIME message. */
function decodedParts(raw) {
  const { headers, body } = splitHeaders(raw);
  const type = headers['content-type'] || 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type);
  if (/^multipart\//i.test(type) && boundary) {
    const sep = `--${boundary[1]}`;
    return body
      .split(sep)
      .slice(1) // preamble
      .filter((p) => !p.startsWith('--')) // closing delimiter / epilogue
      .flatMap((p) => decodedParts(p.replace(/^\r?\n/, '')));
  }
  const cte = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  if (cte === 'base64') return [Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')];
  if (cte === 'quoted-printable') return [decodeQuotedPrintable(body)];
  return [body];
}

/** The whole message as searchable text: every decoded part plus the QP-decoded raw text. */
function messageText(raw) {
  return [...decodedParts(raw), decodeQuotedPrintable(raw)].join('\n');
}

/**
 * Waits for the newest e-mail in <data dir>/outbox whose To: header contains `address`.
 * Returns { file, headers, text }.
 */
async function waitForEmail(address, { timeout = 15_000 } = {}) {
  const outbox = path.join(dataDir(), 'outbox');
  const deadline = Date.now() + timeout;
  for (;;) {
    let found = [];
    if (fs.existsSync(outbox)) {
      found = fs
        .readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => path.join(outbox, f))
        .map((file) => ({ file, raw: fs.readFileSync(file, 'utf8'), mtime: fs.statSync(file).mtimeMs }))
        .map((m) => ({ ...m, ...splitHeaders(m.raw) }))
        .filter((m) => (m.headers.to || '').toLowerCase().includes(address.toLowerCase()))
        .sort((a, b) => b.mtime - a.mtime);
    }
    if (found.length > 0) {
      const m = found[0];
      return { file: m.file, headers: m.headers, text: messageText(m.raw) };
    }
    if (Date.now() > deadline) {
      throw new Error(`no e-mail to ${address} in ${outbox} after ${timeout} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The e-mail verification link in a message's text. */
function verificationLink(text) {
  const m = /https?:\/\/[^\s"'<>]+\/verify-email\/[A-Za-z0-9_-]+/.exec(text);
  if (!m) throw new Error(`no /verify-email/<token> link in the e-mail:\n${text.slice(0, 2000)}`);
  return m[0];
}

// ------------------------------------------------------------------------- navigation UI ---

/**
 * The visible element with this test id; on a phone it may sit in the collapsed
 * navigation (data-testid=nav-menu), which its toggle (data-testid=nav-toggle) opens first; on a
 * wide screen in the account menu (data-testid=account-toggle).
 */
async function revealInNav(page, testId) {
  await page.waitForLoadState('domcontentloaded');
  const visible = page.getByTestId(testId).filter({ visible: true });
  if ((await visible.count()) === 0) {
    const menu = page.getByTestId('nav-menu').first();
    if (!(await menu.isVisible())) await page.getByTestId('nav-toggle').filter({ visible: true }).first().click();
    // Secondary entries (profile, sign-out…) sit in the account menu from the lg width up.
    const account = page.getByTestId('account-toggle').filter({ visible: true });
    if ((await visible.count()) === 0 && (await account.count()) > 0) await account.first().click();
  }
  const target = visible.first();
  await expect(target).toBeVisible();
  return target;
}

async function clickInNav(page, testId) {
  const target = await revealInNav(page, testId);
  await target.click();
}

// ------------------------------------------------------------------- accounts and forms ---

/** Fills and sends the sign-up form (the server answers with the log-in page). */
async function signUp(page, { name, email, password }) {
  await page.goto('/signup');
  await page.locator('input[name=name]').fill(name);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('input[name=password_confirm]').fill(password);
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/login(\?|#|$)/);
}

/** Opens the verification link e-mailed to `email` and confirms it; ends on the log-in page. */
async function verifyEmail(page, email) {
  const mail = await waitForEmail(email);
  await page.goto(verificationLink(mail.text));
  await page.getByTestId('verify-submit').click();
  await expect(page).toHaveURL(/\/login(\?|#|$)/);
}

/** Fills and sends the log-in form of the current page (`/login` first when `open`). */
async function submitLogin(page, email, password, { open = false } = {}) {
  if (open) await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByTestId('login-submit').click();
}

/** The page's CSRF token, as htmx sends it (`<body hx-headers>`), for requests a test makes. */
async function csrfToken(page) {
  return page.evaluate(() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']);
}

/** Saves a screenshot in the test's output, attaches it, and copies it to playwright/screenshots. */
async function saveScreenshot(page, testInfo, name, { fullPage = true } = {}) {
  const file = testInfo.outputPath(name);
  await page.screenshot({ path: file, fullPage, animations: 'disabled' });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  const dir = path.join(__dirname, '..', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(file, path.join(dir, name));
}

/** Logs in through the form and waits for the dashboard. */
// Sessions of accounts already logged in during this run, reused so that the many specs that
// sign in as the demo accounts stay under the per-account login rate limit (5 per minute).
const sessionCookies = new Map();

async function login(page, email, password) {
  const cached = sessionCookies.get(email);
  if (cached) {
    await page.context().addCookies(cached);
    await page.goto('/dashboard');
    if (/\/dashboard(\?|#|$)/.test(page.url())) return;
  }
  await submitLogin(page, email, password, { open: true });
  await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
  sessionCookies.set(email, (await page.context().cookies()).filter((c) => c.name === 'tlj_session'));
}

module.exports = {
  DEMO_PASSWORD,
  dataDir,
  uniqueEmail,
  decodeQuotedPrintable,
  decodedParts,
  messageText,
  waitForEmail,
  verificationLink,
  revealInNav,
  clickInNav,
  signUp,
  verifyEmail,
  submitLogin,
  csrfToken,
  saveScreenshot,
  login,
};
