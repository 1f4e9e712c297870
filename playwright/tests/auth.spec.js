// Sign-up, e-mail verification, login and logout, as a learner on a phone would do it.
'use strict';
const { test, expect } = require('@playwright/test');
const { uniqueEmail, waitForEmail, verificationLink, revealInNav, clickInNav, signUp, submitLogin, DEMO_PASSWORD } = require('./helpers');

test.describe('account life cycle', () => {
  test('a visitor signs up, verifies the e-mail, logs in and logs out', async ({ page, baseURL }) => {
    const email = uniqueEmail('signup');
    const name = `Jess Testeuse ${Date.now() % 100000}`;
    const password = 'Kinshasa2026apprendre';

    await test.step('sign up', async () => {
      await signUp(page, { name, email, password });
      const flash = page.getByTestId('flash').first();
      await expect(flash).toBeVisible();
      await expect(flash).toContainText(/e-?mail|courriel|bo[iî]te/i);
    });

    await test.step('logging in before verifying the e-mail is refused in French', async () => {
      await submitLogin(page, email, password);
      const error = page.getByTestId('form-error').first();
      await expect(error).toBeVisible();
      // A French sentence about the unverified address (accents or French words, not English).
      await expect(error).toContainText(/v[ée]rifi|confirm|activ|adresse|courriel|e-?mail/i);
      await expect(error).not.toContainText(/\b(please|verify your|not verified)\b/i);
      await expect(page).toHaveURL(/\/login(\?|#|$)/);
    });

    await test.step('open the verification link from the outbox', async () => {
      const mail = await waitForEmail(email);
      const link = verificationLink(mail.text);
      expect(link.startsWith(`${baseURL}/verify-email/`), `link ${link} uses TLJ_BASE_URL`).toBe(true);
      // The link opens a confirmation page (GET never changes state; mail scanners follow links).
      await page.goto(link);
      await page.getByTestId('verify-submit').click();
      await expect(page).toHaveURL(/\/login(\?|#|$)/);
      await expect(page.getByTestId('flash').first()).toBeVisible();
    });

    await test.step('log in', async () => {
      await submitLogin(page, email, password);
      await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
      await expect(page.getByTestId('user-name').first()).toContainText(name);
    });

    await test.step('log out', async () => {
      await clickInNav(page, 'logout');
      await expect(page).toHaveURL(`${baseURL}/`);
      await revealInNav(page, 'login-link');
    });
  });

  test('a wrong password is refused with a French message', async ({ page }) => {
    await submitLogin(page, 'apprenant@techlearnjess.cd', 'pas-le-bon-mot-de-passe-1', { open: true });
    await expect(page.getByTestId('form-error').first()).toBeVisible();
    await expect(page).toHaveURL(/\/login(\?|#|$)/);
  });

  test('a demo learner logs in and sees the dashboard', async ({ page }) => {
    await submitLogin(page, 'apprenant@techlearnjess.cd', DEMO_PASSWORD, { open: true });
    await expect(page).toHaveURL(/\/dashboard(\?|#|$)/);
    await expect(page.getByTestId('user-name').first()).not.toBeEmpty();
  });
});
