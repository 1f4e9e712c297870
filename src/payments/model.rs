//! Payment types and pure rules: the state machine, quotes (CDF/USD conversion with rounding
//! up, never undercharging), limits, back-off, references, invoice numbers.
//!
//! Units: amounts in the database and in `Money` are minor units with two decimals for both
//! currencies (USD cents; CDF centimes, always a multiple of 100 here since francs are charged
//! whole; adapters send them as whole francs). A rate is USD→CDF,
//! fixed-point ×10 000 (`2850.50` → `28_505_000`).

use rand::Rng;
use serde::Serialize;
use time::OffsetDateTime;

use super::providers::ProviderStatus;
use crate::money::{Currency, Money};
use crate::web::i18n::Locale;

pub const RATE_SCALE: i64 = 10_000;
/// How long a quote shown on the checkout page stays valid.
pub const QUOTE_MINUTES: i64 = 30;
/// A rate older than this shows a warning (never a block).
pub const STALE_RATE_DAYS: i64 = 7;

/// Where a payment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Created,
    Pending,
    Succeeded,
    Failed,
    Expired,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Created,
        Status::Pending,
        Status::Succeeded,
        Status::Failed,
        Status::Expired,
        Status::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Pending => "pending",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Final for the learner: nothing more happens by itself. (An expired payment the provider
    /// later reports as paid still becomes succeeded: money taken means access granted.)
    pub fn is_final(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Expired)
    }

    /// Statuses the worker still checks with the provider. The `payments_one_open` unique index
    /// (migration 0013) lists the same ones: at most one open payment per learner and course.
    pub const OPEN: [Status; 3] = [Status::Created, Status::Pending, Status::Unknown];

    /// The statuses from which a move to `to` is allowed (the `WHERE status IN (…)` of the
    /// compare-and-set update).
    pub fn allowed_from(to: Status) -> &'static [Status] {
        match to {
            Status::Created => &[],
            Status::Pending => &[Status::Created, Status::Unknown],
            Status::Unknown => &[Status::Created, Status::Pending],
            Status::Failed | Status::Expired => {
                &[Status::Created, Status::Pending, Status::Unknown]
            }
            Status::Succeeded => &[
                Status::Created,
                Status::Pending,
                Status::Unknown,
                Status::Expired,
            ],
        }
    }

    pub fn from_provider(s: &ProviderStatus) -> Status {
        match s {
            ProviderStatus::Pending => Status::Pending,
            ProviderStatus::Succeeded => Status::Succeeded,
            ProviderStatus::Failed => Status::Failed,
            ProviderStatus::Expired => Status::Expired,
            ProviderStatus::Unknown => Status::Unknown,
        }
    }
}

/// Delay before the next status check after `attempts` checks: 15 s, 30 s, 60 s, then 2 min.
pub fn backoff_secs(attempts: i64) -> i64 {
    match attempts {
        i64::MIN..=0 => 15,
        1 => 30,
        2 => 60,
        _ => 120,
    }
}

/// A new merchant reference: `TLJ` + 13 upper-case letters/digits (16 characters, within
/// M-Pesa's 20).
pub fn new_reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..13)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("TLJ{tail}")
}

/// A reference as it may appear in a URL: ASCII alphanumeric, 1–20 characters.
pub fn is_reference(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Invoice number: `TLJ-2026-000042` (sequential per year, gap-free: taken in the same
/// transaction as the success).
pub fn invoice_number(year: i32, n: i64) -> String {
    format!("TLJ-{year}-{n:06}")
}

fn ceil_div(a: i128, b: i128) -> i128 {
    debug_assert!(b > 0 && a >= 0);
    (a + b - 1) / b
}

/// USD cents → CDF minor units (×100), rounded up to whole francs then up to `step` francs.
pub fn usd_to_cdf(usd_cents: i64, rate_x10000: i64, step_francs: i64) -> i64 {
    let francs = ceil_div(
        usd_cents as i128 * rate_x10000 as i128,
        100 * RATE_SCALE as i128,
    );
    let step = step_francs.max(1) as i128;
    let stepped = ceil_div(francs, step) * step;
    (stepped * 100).min(i64::MAX as i128) as i64
}

/// CDF minor units → USD cents, rounded up to the cent.
pub fn cdf_to_usd(cdf_minor: i64, rate_x10000: i64) -> i64 {
    ceil_div(
        cdf_minor as i128 * RATE_SCALE as i128,
        rate_x10000.max(1) as i128,
    )
    .min(i64::MAX as i128) as i64
}

/// Rounds a CDF amount up to whole francs.
pub fn whole_francs(cdf_minor: i64) -> i64 {
    (ceil_div(cdf_minor as i128, 100) * 100) as i64
}

/// What the learner pays for a reference price in the currency they chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub reference: Money,
    pub pay: Money,
    pub rate_x10000: i64,
    pub converted: bool,
    /// The course's pinned price in the pay currency was used instead of converting.
    pub pinned: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteError {
    AboveMax,
    BelowMin,
}

impl QuoteError {
    pub fn key(self) -> &'static str {
        match self {
            QuoteError::AboveMax => "payments.error.above_max",
            QuoteError::BelowMin => "payments.error.below_min",
        }
    }
}

/// Converts `reference` into `pay_currency` at `rate_x10000` (USD→CDF), rounding up (CDF to
/// `step_francs`, USD to the cent), then checks the provider limits `(min, max)`. A `pinned`
/// price in the pay currency (set by an admin) replaces the conversion.
pub fn quote(
    reference: Money,
    pinned: Option<Money>,
    pay_currency: Currency,
    rate_x10000: i64,
    step_francs: i64,
    (min, max): (i64, i64),
) -> Result<Quote, QuoteError> {
    let pinned = pinned.filter(|p| {
        p.currency == pay_currency && p.currency != reference.currency && p.amount_minor > 0
    });
    let amount = match (reference.currency, pay_currency) {
        _ if pinned.is_some() => {
            let p = pinned.map(|p| p.amount_minor).unwrap_or_default();
            if pay_currency == Currency::Cdf {
                whole_francs(p)
            } else {
                p
            }
        }
        (Currency::Usd, Currency::Usd) => reference.amount_minor,
        (Currency::Cdf, Currency::Cdf) => whole_francs(reference.amount_minor),
        (Currency::Usd, Currency::Cdf) => {
            usd_to_cdf(reference.amount_minor, rate_x10000, step_francs)
        }
        (Currency::Cdf, Currency::Usd) => cdf_to_usd(reference.amount_minor, rate_x10000),
    };
    if amount > max {
        return Err(QuoteError::AboveMax);
    }
    if amount < min {
        return Err(QuoteError::BelowMin);
    }
    Ok(Quote {
        reference,
        pay: Money {
            amount_minor: amount,
            currency: pay_currency,
        },
        rate_x10000,
        converted: reference.currency != pay_currency && pinned.is_none(),
        pinned: pinned.is_some(),
    })
}

/// `"2850"`, `"2850.50"`, `"2 850,5"` → rate ×10 000; `None` if not a positive decimal.
pub fn parse_rate(s: &str) -> Option<i64> {
    crate::money::parse_decimal(s, 4).filter(|r| *r > 0)
}

/// A rate for people: `2 850` or `2 850,50` (French) / `2,850.50` (English).
pub fn format_rate(rate_x10000: i64, locale: Locale) -> String {
    let m = Money::new(rate_x10000 / 100, Currency::Cdf).format(locale);
    m.replace("\u{a0}FC", "").replace("FC\u{a0}", "")
}

/// Whether a rate set at `set_at` is older than [`STALE_RATE_DAYS`].
pub fn is_stale(set_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - set_at > time::Duration::days(STALE_RATE_DAYS)
}

/// The reporting-currency (USD) value of a payment at its stored rate, in cents.
pub fn usd_equivalent(amount: Money, rate_x10000: i64) -> i64 {
    match amount.currency {
        Currency::Usd => amount.amount_minor,
        Currency::Cdf => {
            // Nearest cent (a report, not a charge).
            let num = amount.amount_minor as i128 * RATE_SCALE as i128;
            let den = rate_x10000.max(1) as i128;
            ((num + den / 2) / den) as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RATE: i64 = 2850 * RATE_SCALE;

    #[test]
    fn ten_dollars_is_28_500_francs_and_odd_amounts_round_up_to_the_step() {
        assert_eq!(usd_to_cdf(1000, RATE, 100), 2_850_000);
        // 10.01 USD = 28 528.5 FC → 28 529 → 28 600.
        assert_eq!(usd_to_cdf(1001, RATE, 100), 2_860_000);
        assert_eq!(usd_to_cdf(1001, RATE, 1), 2_852_900);
        assert_eq!(usd_to_cdf(1001, RATE, 50), 2_855_000);
        // 28 600 FC → 10.0351 USD → 10.04.
        assert_eq!(cdf_to_usd(2_860_000, RATE), 1004);
    }

    #[test]
    fn quotes_respect_limits_and_same_currency_is_unchanged() {
        let ten = Money::new(1000, Currency::Usd);
        let q = quote(ten, None, Currency::Usd, RATE, 100, (10, 100_000)).expect("ok");
        assert_eq!(q.pay, ten);
        assert!(!q.converted);
        let q = quote(ten, None, Currency::Cdf, RATE, 100, (100, 10_000_000)).expect("ok");
        assert_eq!(q.pay, Money::new(2_850_000, Currency::Cdf));
        assert!(q.converted);
        assert_eq!(
            quote(ten, None, Currency::Cdf, RATE, 100, (100, 2_000_000)),
            Err(QuoteError::AboveMax)
        );
        assert_eq!(
            quote(ten, None, Currency::Usd, RATE, 100, (2000, 100_000)),
            Err(QuoteError::BelowMin)
        );
        // A pinned price replaces the conversion (29 000 FC instead of 28 500).
        let pin = Some(Money::new(2_900_000, Currency::Cdf));
        let q = quote(ten, pin, Currency::Cdf, RATE, 100, (100, 10_000_000)).expect("ok");
        assert_eq!(q.pay, Money::new(2_900_000, Currency::Cdf));
        assert!(q.pinned && !q.converted);
        let q = quote(ten, pin, Currency::Usd, RATE, 100, (10, 100_000)).expect("ok");
        assert_eq!(q.pay, ten);
        assert!(!q.pinned);
    }

    #[test]
    fn state_machine_allows_only_forward_moves() {
        assert!(Status::allowed_from(Status::Succeeded).contains(&Status::Expired));
        assert!(!Status::allowed_from(Status::Succeeded).contains(&Status::Failed));
        assert!(!Status::allowed_from(Status::Failed).contains(&Status::Succeeded));
        assert!(!Status::allowed_from(Status::Pending).contains(&Status::Succeeded));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
            assert!(
                !Status::allowed_from(s).contains(&Status::Succeeded) || s == Status::Succeeded
            );
        }
        assert!(Status::allowed_from(Status::Created).is_empty());
    }

    #[test]
    fn backoff_references_and_parsing() {
        let delays: Vec<i64> = (0..6).map(backoff_secs).collect();
        assert_eq!(delays, [15, 30, 60, 120, 120, 120]);
        let r = new_reference();
        assert!(is_reference(&r) && r.len() <= 20, "{r}");
        assert_ne!(new_reference(), r);
        assert!(!is_reference("../etc"));
        assert_eq!(parse_rate("2850"), Some(28_500_000));
        assert_eq!(parse_rate("2 850,5"), Some(28_505_000));
        assert_eq!(parse_rate("0"), None);
        assert_eq!(parse_rate("1.23456"), None);
        assert_eq!(parse_rate("-1"), None);
        assert_eq!(crate::money::parse_amount("10.5"), Some(1050));
        assert_eq!(format_rate(28_500_000, Locale::Fr), "2\u{202f}850");
        assert_eq!(invoice_number(2026, 42), "TLJ-2026-000042");
        assert_eq!(
            usd_equivalent(Money::new(2_850_000, Currency::Cdf), RATE),
            1000
        );
    }

    proptest! {
        #[test]
        fn converting_never_undercharges(
            cents in 1i64..10_000_000,
            rate in 1_000_000i64..100_000_000,
            step in prop::sample::select(vec![1i64, 50, 100, 500]),
        ) {
            let cdf = usd_to_cdf(cents, rate, step);
            // cdf / 100 francs ≥ cents / 100 × rate / 10 000
            prop_assert!(cdf as i128 * RATE_SCALE as i128 >= cents as i128 * rate as i128);
            prop_assert_eq!(cdf % (step * 100), 0);
            // Rounding adds less than one step plus one franc.
            prop_assert!((cdf as i128 * RATE_SCALE as i128) - (cents as i128 * rate as i128)
                < ((step + 1) * 100) as i128 * RATE_SCALE as i128);
            let back = cdf_to_usd(cdf, rate);
            prop_assert!(back >= cents);
        }

        #[test]
        fn cdf_prices_paid_in_usd_never_undercharge(
            francs in 1i64..100_000_000,
            rate in 1_000_000i64..100_000_000,
        ) {
            let cdf = francs * 100;
            let cents = cdf_to_usd(cdf, rate);
            prop_assert!(cents as i128 * rate as i128 >= cdf as i128 * RATE_SCALE as i128);
            prop_assert!((cents - 1) as i128 * (rate as i128) < cdf as i128 * RATE_SCALE as i128);
        }

        #[test]
        fn quotes_never_exceed_the_provider_maximum(
            cents in 1i64..100_000_000,
            rate in 1_000_000i64..100_000_000,
            max in 100i64..1_000_000_000,
            cdf in any::<bool>(),
        ) {
            let currency = if cdf { Currency::Cdf } else { Currency::Usd };
            match quote(Money::new(cents, Currency::Usd), None, currency, rate, 100, (0, max)) {
                Ok(q) => {
                    prop_assert!(q.pay.amount_minor <= max);
                    prop_assert!(usd_equivalent(q.pay, rate) + 1 >= cents);
                }
                Err(e) => prop_assert_eq!(e, QuoteError::AboveMax),
            }
        }
    }
}
