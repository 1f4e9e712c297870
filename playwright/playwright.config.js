// Playwright configuration for TechLearnJess browser tests.
// Runs Debian's Chromium (/usr/bin/chromium; never `npx playwright install`) against the release
// binary, which the test script builds first: `${CARGO_TARGET_DIR:-target}/release/techlearnjess`.
// Each run gets a free port and a fresh temp data dir (SQLite database + mail outbox).
// Run: npx playwright test -c playwright/playwright.config.js   (or: npm run test:e2e)
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const os = require('os');
const path = require('path');
const { defineConfig } = require('@playwright/test');

const repoRoot = path.resolve(__dirname, '..');
const targetDir = path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target');
const binary = process.env.TLJ_E2E_BINARY || path.join(targetDir, 'release', 'techlearnjess');

/** A port the OS says is free now (asked from a child process: config loading is synchronous). */
function freePort() {
  try {
    const script =
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
    const port = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 }));
    if (port > 0) return port;
  } catch (_) {
    /* fall back below */
  }
  return 20000 + Math.floor(Math.random() * 10000);
}

// The config module is evaluated by the runner AND again by each worker process. The runner sets
// these variables first and workers inherit its environment, so they all agree on one port and
// one data dir.
if (!process.env.TLJ_E2E_PORT) {
  process.env.TLJ_E2E_PORT = String(freePort());
}
if (!process.env.TLJ_E2E_DATA_DIR) {
  // Created by the webServer command (not here, so `--list` leaves nothing behind); removed by
  // global-teardown.js.
  process.env.TLJ_E2E_DATA_DIR = path.join(os.tmpdir(), `tlj-e2e-${crypto.randomBytes(6).toString('hex')}`);
}
const PORT = Number(process.env.TLJ_E2E_PORT);
const DATA_DIR = process.env.TLJ_E2E_DATA_DIR;
const BASE_URL = `http://127.0.0.1:${PORT}`;
process.env.TLJ_E2E_BASE_URL = BASE_URL;
// No SMTP in tests: the server writes e-mails to <TLJ_DATA_DIR>/outbox, which the tests read.
delete process.env.TLJ_SMTP_URL;

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// A low-end Android phone: 360 px wide, touch, honours <meta name="viewport">.
const phone = {
  viewport: { width: 360, height: 640 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

module.exports = defineConfig({
  testDir: path.join(__dirname, 'tests'),
  outputDir: path.join(__dirname, 'test-results'),
  globalTeardown: path.join(__dirname, 'global-teardown.js'),
  fullyParallel: false,
  workers: 1, // 2-core machines: one browser next to the server
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 30_000,
  expect: { timeout: 7_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: path.join(__dirname, 'report'), open: 'never' }],
  ],
  use: {
    baseURL: BASE_URL,
    locale: 'fr-FR',
    timezoneId: 'Africa/Kinshasa',
    testIdAttribute: 'data-testid',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.TLJ_E2E_CHROMIUM || '/usr/bin/chromium',
      args: chromiumArgs,
    },
  },
  projects: [
    { name: 'mobile', use: { ...phone } },
    {
      // Desktop layout (full header, no collapsed menu); no sign-up here to stay clear of rate limits.
      name: 'desktop',
      testMatch: /(theme|csp)\.spec\.js$/,
      use: { viewport: { width: 1280, height: 800 } },
    },
  ],
  webServer: {
    // Playwright runs this through a shell; `exec` keeps the server as the process it stops.
    command:
      `test -x '${binary}' || { echo "e2e: ${binary} is missing: run cargo build --release first" >&2; exit 1; }; ` +
      `mkdir -p '${DATA_DIR}' && exec '${binary}' serve --demo`,
    cwd: repoRoot,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: process.env.TLJ_E2E_SERVER_LOG ? 'pipe' : 'ignore',
    stderr: 'pipe',
    env: {
      TLJ_ADDR: `127.0.0.1:${PORT}`,
      DATABASE_URL: `sqlite://${DATA_DIR}/tlj.db`,
      TLJ_DATA_DIR: DATA_DIR,
      TLJ_BASE_URL: BASE_URL,
      TLJ_SECURE_COOKIES: 'false',
      RUST_LOG: process.env.RUST_LOG || 'info',
    },
  },
});
