// Second factor with an authenticator app: enrol TOTP (the test computes the codes), log out,
// log in again with a code, on a phone-sized screen.
'use strict';
const crypto = require('crypto');
const { test, expect } = require('@playwright/test');
const { uniqueEmail, clickInNav, signUp, verifyEmail, submitLogin } = require('./helpers');

/** RFC 4648 base32 → bytes. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps) for `stepOffset` steps from now. */
function totp(secret, stepOffset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + stepOffset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const value = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

test.describe('second factor', () => {
  test('a learner enrols an authenticator app, logs out and logs in with a code', async ({ page }) => {
    const email = uniqueEmail('otp');
    const password = 'Lubumbashi2026code';
    let secret = '';

    await test.step('sign up and verify the address', async () => {
      await signUp(page, { name: 'Jess Double Facteur', email, password });
      await verifyEmail(page, email);
    });

    await test.step('log in with the password only', async () => {
      await submitLogin(page, email, password);
      await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
    });

    await test.step('enrol TOTP with the QR code page', async () => {
      await page.goto('/profile/security/otp');
      await page.locator('#totp-password').fill(password);
      await page.getByTestId('otp-setup-totp').click();
      await expect(page.getByTestId('totp-qr').locator('svg')).toBeVisible();
      secret = (await page.getByTestId('totp-secret').innerText()).trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await page.getByTestId('otp-code-input').fill(totp(secret));
      await page.getByTestId('totp-confirm').click();
      const codes = page.getByTestId('recovery-codes').locator('li');
      await expect(codes).toHaveCount(10);
      await expect(codes.first()).toHaveText(/^[a-z0-9]{4}-[a-z0-9]{4}$/);
    });

    await test.step('log out', async () => {
      await page.goto('/dashboard');
      await clickInNav(page, 'logout');
      await expect(page).toHaveURL(/\/$/);
    });

    await test.step('the password leads to the code step, and a code logs in', async () => {
      await submitLogin(page, email, password, { open: true });
      await expect(page).toHaveURL(/\/login\/code(\?|#|$)/);
      await page.goto('/dashboard');
      await expect(page).toHaveURL(/\/login(\?|#|$)/);
      await page.goto('/login/code');
      // The enrolment used the current time step, which cannot be used twice: take the next one
      // (accepted within the ±1 step window).
      await page.getByTestId('otp-code-input').fill(totp(secret, 1));
      await page.getByTestId('otp-submit').click();
      await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
      await expect(page.getByTestId('user-name').first()).toContainText('Jess Double Facteur');
    });
  });
});
