//! Rate limits, per client address and per account, answered with 429: in this process on
//! SQLite (one instance), in the `rate_limits` table on PostgreSQL, so that every instance
//! behind a load balancer counts toward the same limit.
//!
//! Per-account limits are keyed on the address typed (normalised), whether an account has it or
//! not: a refusal never tells a visitor that an address is registered.

mod queries;

use std::num::NonZeroU32;

use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::clock::Clock;
use crate::db::{Db, Engine};
use crate::error::{AppError, AppResult};

/// A keyed limiter whose windows run on the platform's [`Clock`] (tests move it).
type Limiter = RateLimiter<String, DashMapStateStore<String>, Clock, NoOpMiddleware<Nanos>>;

/// The platform's limits, in one of two stores with the same quotas (`Action::quota`).
pub struct RateLimits {
    store: Store,
}

enum Store {
    /// One instance (SQLite): a governor limiter per action, indexed by `Action as usize`.
    Memory(Vec<Limiter>),
    /// Several instances (PostgreSQL): one row per action and key, updated atomically.
    Shared(Db),
}

/// An action guarded by a rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl Action {
    /// Every action, in declaration order (`ALL[a as usize] == a`).
    const ALL: [Self; 13] = [
        Self::LoginFromIp,
        Self::LoginToAccount,
        Self::Signup,
        Self::Reset,
        Self::ResetToAccount,
        Self::VerifyToAccount,
        Self::TokenFromIp,
        Self::OtpFromIp,
        Self::OtpCode,
        Self::OtpSend,
        Self::ChatMessage,
        Self::SeatCodeFromIp,
        Self::SeatCodeByAccount,
    ];

    /// The allowance: a burst, refilled one request at a time.
    fn quota(self) -> Quota {
        match self {
            Self::LoginFromIp => quota(60, 60),
            Self::LoginToAccount => quota(5, 60),
            Self::Signup => Quota::with_period(std::time::Duration::from_secs(15))
                .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN)),
            Self::Reset => quota(10, 600),
            Self::ResetToAccount | Self::VerifyToAccount => quota(3, 3600),
            Self::TokenFromIp | Self::SeatCodeFromIp => quota(60, 600),
            Self::OtpFromIp => quota(30, 600),
            Self::OtpCode => quota(20, 600),
            Self::OtpSend => quota(5, 600),
            Self::ChatMessage => quota(10, 20),
            Self::SeatCodeByAccount => quota(10, 600),
        }
    }

    /// The action's name in `rate_limits.action`.
    fn name(self) -> &'static str {
        match self {
            Self::LoginFromIp => "login_ip",
            Self::LoginToAccount => "login_account",
            Self::Signup => "signup_ip",
            Self::Reset => "reset_ip",
            Self::ResetToAccount => "reset_account",
            Self::VerifyToAccount => "verify_account",
            Self::TokenFromIp => "token_ip",
            Self::OtpFromIp => "otp_ip",
            Self::OtpCode => "otp_code",
            Self::OtpSend => "otp_send",
            Self::ChatMessage => "chat_message",
            Self::SeatCodeFromIp => "seat_code_ip",
            Self::SeatCodeByAccount => "seat_code_account",
        }
    }
}

fn quota(burst: u32, per_seconds: u64) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let period = std::time::Duration::from_secs(per_seconds) / burst.get();
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl RateLimits {
    /// The store `db`'s engine needs: shared through PostgreSQL, in memory on SQLite; timed by
    /// the database's clock either way.
    pub fn for_db(db: &Db) -> Self {
        match db.engine {
            Engine::Sqlite => Self::in_memory(&db.clock),
            Engine::Postgres => Self {
                store: Store::Shared(db.clone()),
            },
        }
    }

    /// Limits kept in this process, timed by `clock`.
    pub fn in_memory(clock: &Clock) -> Self {
        let limiters = Action::ALL
            .iter()
            .map(|a| RateLimiter::dashmap_with_clock(a.quota(), clock.clone()))
            .collect();
        Self {
            store: Store::Memory(limiters),
        }
    }

    /// Takes one request from `key`'s allowance for `action`: `false` when it is used up (the
    /// request is then not counted).
    pub async fn allows(&self, action: Action, key: &str) -> AppResult<bool> {
        match &self.store {
            Store::Memory(limiters) => {
                Ok(limiters[action as usize].check_key(&key.to_owned()).is_ok())
            }
            Store::Shared(db) => {
                let quota = action.quota();
                Ok(queries::take(db, action.name(), key, &quota).await?)
            }
        }
    }

    /// `TooManyRequests` when `key` has used up its allowance for `action`.
    pub async fn check(&self, action: Action, key: &str) -> AppResult<()> {
        if self.allows(action, key).await? {
            Ok(())
        } else {
            Err(AppError::TooManyRequests)
        }
    }

    /// Forgets keys whose allowance is full again; keeps memory (or the table) bounded.
    pub async fn prune(&self) -> Result<(), sqlx::Error> {
        match &self.store {
            Store::Memory(limiters) => {
                for limiter in limiters {
                    limiter.retain_recent();
                }
                Ok(())
            }
            Store::Shared(db) => queries::delete_full(db).await.map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn allows(limits: &RateLimits, action: Action, key: &str) -> bool {
        limits.allows(action, key).await.expect("in memory")
    }

    #[tokio::test]
    async fn a_class_signs_up_from_one_address_but_a_sign_up_flood_is_refused() {
        let limits = RateLimits::in_memory(&Clock::system());
        for i in 0..100 {
            assert!(
                allows(&limits, Action::Signup, "10.0.0.1").await,
                "sign-up {i}"
            );
        }
        assert!(!allows(&limits, Action::Signup, "10.0.0.1").await);
        assert!(allows(&limits, Action::Signup, "10.0.0.2").await);
    }

    #[tokio::test]
    async fn the_sixth_login_on_one_account_within_a_minute_is_refused() {
        let limits = RateLimits::in_memory(&Clock::system());
        for _ in 0..5 {
            assert!(allows(&limits, Action::LoginToAccount, "jess@example.cd").await);
        }
        assert!(matches!(
            limits
                .check(Action::LoginToAccount, "jess@example.cd")
                .await,
            Err(AppError::TooManyRequests)
        ));
        assert!(allows(&limits, Action::LoginToAccount, "other@example.cd").await);
        // One allowance per action: the account's log-ins leave its seat codes alone.
        assert!(allows(&limits, Action::SeatCodeByAccount, "jess@example.cd").await);
    }

    #[tokio::test]
    async fn a_used_up_allowance_comes_back_one_request_per_interval_on_the_platform_clock() {
        let clock = Clock::adjustable();
        let limits = RateLimits::in_memory(&clock);
        for _ in 0..5 {
            assert!(allows(&limits, Action::LoginToAccount, "jess@example.cd").await);
        }
        assert!(!allows(&limits, Action::LoginToAccount, "jess@example.cd").await);
        // 5 per minute: one more every 12 seconds.
        clock.advance(time::Duration::seconds(12));
        assert!(allows(&limits, Action::LoginToAccount, "jess@example.cd").await);
        assert!(!allows(&limits, Action::LoginToAccount, "jess@example.cd").await);
    }

    #[test]
    fn every_action_has_its_limiter_and_a_name_of_its_own() {
        for (i, action) in Action::ALL.iter().enumerate() {
            assert_eq!(
                *action as usize, i,
                "{action:?} out of order in Action::ALL"
            );
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        // The shared store computes with whole milliseconds.
        for action in Action::ALL {
            let interval = action.quota().replenish_interval();
            assert_eq!(interval.subsec_nanos() % 1_000_000, 0, "{action:?}");
        }
    }
}
