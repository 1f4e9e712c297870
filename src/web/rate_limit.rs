//! In-memory rate limits, per client address and per account, answered with 429.
//!
//! Per-account limits are keyed on the address typed (normalised), whether an account has it or
//! not: a refusal never tells a visitor that an address is registered.

use std::num::NonZeroU32;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;
use crate::error::{AppError, AppResult};

/// A keyed limiter whose windows run on the platform's [`Clock`] (tests move it).
type Limiter = RateLimiter<String, DashMapStateStore<String>, Clock, NoOpMiddleware<Nanos>>;

/// One limiter per guarded action.
pub struct RateLimits {
    login_ip: Limiter,
    login_account: Limiter,
    signup_ip: Limiter,
    reset_ip: Limiter,
    reset_account: Limiter,
    verify_account: Limiter,
    token_ip: Limiter,
    otp_ip: Limiter,
    otp_code: Limiter,
    otp_send: Limiter,
    chat_message: Limiter,
    seat_code_ip: Limiter,
    seat_code_account: Limiter,
}

/// An action guarded by a rate limit.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Log-in attempts from one address (60 per minute: a classroom or cybercafé shares one).
    LoginFromIp,
    /// Log-in attempts on one account, whatever the address (5 per minute).
    LoginToAccount,
    /// Valid sign-ups from one address: a burst of 100 (a class, or two, signing up together
    /// behind one school, cybercafé or carrier-grade NAT address), then 240 an hour.
    Signup,
    /// Password-reset and verification e-mails requested from one address (10 per 10 minutes).
    Reset,
    /// Password-reset e-mails requested for one e-mail address (3 per hour).
    ResetToAccount,
    /// Verification e-mails requested again for one e-mail address (3 per hour).
    VerifyToAccount,
    /// E-mailed links (verification, reset) opened or used from one address (60 per 10
    /// minutes: tokens are 256-bit, this only stops a scan).
    TokenFromIp,
    /// Second-factor codes typed, or re-sent, from one address (30 per 10 minutes).
    OtpFromIp,
    /// Second-factor codes typed for one account (20 per 10 minutes; each e-mail code also
    /// dies after 5 wrong tries).
    OtpCode,
    /// Second-factor codes e-mailed to one account (5 per 10 minutes).
    OtpSend,
    /// Chat messages from one account (10 per 20 seconds: a conversation, not a flood).
    ChatMessage,
    /// Seat codes typed from one address (60 per 10 minutes: a class redeeming its cards
    /// together behind one address; a code is 40 bits, this stops a scan).
    SeatCodeFromIp,
    /// Seat codes typed by one account (10 per 10 minutes).
    SeatCodeByAccount,
}

fn quota(burst: u32, per_seconds: u64) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let period = std::time::Duration::from_secs(per_seconds) / burst.get();
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl RateLimits {
    /// The platform's limits, timed by `clock`.
    pub fn new(clock: &Clock) -> Self {
        let keyed = |quota: Quota| RateLimiter::dashmap_with_clock(quota, clock.clone());
        Self {
            login_ip: keyed(quota(60, 60)),
            login_account: keyed(quota(5, 60)),
            signup_ip: keyed(
                Quota::with_period(std::time::Duration::from_secs(15))
                    .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
                    .allow_burst(NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN)),
            ),
            reset_ip: keyed(quota(10, 600)),
            reset_account: keyed(quota(3, 3600)),
            verify_account: keyed(quota(3, 3600)),
            token_ip: keyed(quota(60, 600)),
            otp_ip: keyed(quota(30, 600)),
            otp_code: keyed(quota(20, 600)),
            otp_send: keyed(quota(5, 600)),
            chat_message: keyed(quota(10, 20)),
            seat_code_ip: keyed(quota(60, 600)),
            seat_code_account: keyed(quota(10, 600)),
        }
    }

    /// `TooManyRequests` when `key` has used up its allowance for `action`.
    pub fn check(&self, action: Action, key: &str) -> AppResult<()> {
        let limiter = match action {
            Action::LoginFromIp => &self.login_ip,
            Action::LoginToAccount => &self.login_account,
            Action::Signup => &self.signup_ip,
            Action::Reset => &self.reset_ip,
            Action::ResetToAccount => &self.reset_account,
            Action::VerifyToAccount => &self.verify_account,
            Action::TokenFromIp => &self.token_ip,
            Action::OtpFromIp => &self.otp_ip,
            Action::OtpCode => &self.otp_code,
            Action::OtpSend => &self.otp_send,
            Action::ChatMessage => &self.chat_message,
            Action::SeatCodeFromIp => &self.seat_code_ip,
            Action::SeatCodeByAccount => &self.seat_code_account,
        };
        limiter
            .check_key(&key.to_owned())
            .map_err(|_| AppError::TooManyRequests)
    }

    /// Forgets keys whose allowance is full again; keeps memory bounded.
    pub fn prune(&self) {
        self.login_ip.retain_recent();
        self.login_account.retain_recent();
        self.signup_ip.retain_recent();
        self.reset_ip.retain_recent();
        self.reset_account.retain_recent();
        self.verify_account.retain_recent();
        self.token_ip.retain_recent();
        self.otp_ip.retain_recent();
        self.otp_code.retain_recent();
        self.otp_send.retain_recent();
        self.chat_message.retain_recent();
        self.seat_code_ip.retain_recent();
        self.seat_code_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_signs_up_from_one_address_but_a_sign_up_flood_is_refused() {
        let limits = RateLimits::new(&Clock::system());
        for i in 0..100 {
            assert!(
                limits.check(Action::Signup, "10.0.0.1").is_ok(),
                "sign-up {i}"
            );
        }
        assert!(limits.check(Action::Signup, "10.0.0.1").is_err());
        assert!(limits.check(Action::Signup, "10.0.0.2").is_ok());
    }

    #[test]
    fn the_sixth_login_on_one_account_within_a_minute_is_refused() {
        let limits = RateLimits::new(&Clock::system());
        for _ in 0..5 {
            assert!(
                limits
                    .check(Action::LoginToAccount, "jess@example.cd")
                    .is_ok()
            );
        }
        assert!(
            limits
                .check(Action::LoginToAccount, "jess@example.cd")
                .is_err()
        );
        assert!(
            limits
                .check(Action::LoginToAccount, "other@example.cd")
                .is_ok()
        );
    }
}
