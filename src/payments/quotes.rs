//! Quotes kept on the server. The checkout page stores what it shows — per currency: amount,
//! reference price, rate, expiry, bound to the payer and the item (a course, or a batch's
//! seats) — under a random token,
//! and the form sends back only that token: the client never names a rate or an amount.

use time::OffsetDateTime;

use super::item::Item;
use super::model::{QUOTE_MINUTES, Quote, quote};
use super::queries::{self, NewQuote, NewQuoteLine, QuoteRow, RateRow};
use super::rates;
use crate::db;
use crate::error::AppResult;
use crate::money::{Currency, Money};
use crate::state::AppState;
use crate::web::tokens::random_hex;

/// A reload shows the same quote while it has at least this long to live (a reload loop adds
/// no rows), else a fresh one.
const REUSE_MINUTES: i64 = 20;
/// Length of a quote token (random hex).
const TOKEN_LEN: usize = 32;

/// Why a submitted quote is not honoured (message keys of the checkout form).
pub const QUOTE_EXPIRED: &str = "payments.error.quote_expired";
pub const QUOTE_INVALID: &str = "payments.error.quote_invalid";

/// What the learner pays for `course` in `currency` at `rate_x10000`, or the message key of
/// why that currency cannot be offered (provider limits).
fn compute(
    state: &AppState,
    reference: Money,
    pins: &[Money],
    currency: Currency,
    rate_x10000: i64,
) -> Result<Quote, &'static str> {
    let cfg = &state.payments.config;
    quote(
        reference,
        pins.iter().copied().find(|p| p.currency == currency),
        currency,
        rate_x10000,
        cfg.cdf_step,
        cfg.limits(currency),
    )
    .map_err(|e| e.key())
}

/// A quote as the checkout page shows it.
pub struct Issued {
    /// What the form sends back (`quote_id`).
    pub token: String,
    /// The rate the quote was made at.
    pub rate: RateRow,
    pub expires_at: OffsetDateTime,
    /// USD then CDF: the stored line, or the message key of why that currency is not offered.
    pub offers: Vec<(Currency, Result<QuoteRow, &'static str>)>,
}

fn same_line(row: &QuoteRow, q: &Quote, rate_id: i64) -> bool {
    row.currency == q.pay.currency.code()
        && row.amount_minor == q.pay.amount_minor
        && row.ref_currency == q.reference.currency.code()
        && row.ref_amount_minor == q.reference.amount_minor
        && db::flag(row.pinned) == q.pinned
        && row.rate_id == Some(rate_id)
}

/// The quote for the checkout page of `item`: the payer's recent one when it still says the
/// same (rate, price, pinned prices), else a new one valid [`QUOTE_MINUTES`] minutes.
pub async fn issue(state: &AppState, user_id: i64, item: &Item) -> AppResult<Issued> {
    let rate = rates::current(state).await?;
    let reference = item.reference()?;
    let pins = item.pins(&state.db).await?;
    let computed: Vec<(Currency, Result<Quote, &'static str>)> = [Currency::Usd, Currency::Cdf]
        .into_iter()
        .map(|c| (c, compute(state, reference, &pins, c, rate.rate_x10000)))
        .collect();
    let offered: Vec<&Quote> = computed
        .iter()
        .filter_map(|(_, q)| q.as_ref().ok())
        .collect();
    let now = state.clock.now();
    let recent = queries::latest_quote(
        &state.db,
        user_id,
        item.course().id,
        item.batch_id(),
        &db::timestamp(now + time::Duration::minutes(REUSE_MINUTES)),
    )
    .await?;
    let reusable = !recent.is_empty()
        && recent.len() == offered.len()
        && offered
            .iter()
            .all(|q| recent.iter().any(|r| same_line(r, q, rate.id)));
    let (token, expires_at) = match recent.first().filter(|_| reusable) {
        Some(r) => (
            r.token.clone(),
            db::parse_timestamp(&r.expires_at).unwrap_or(now),
        ),
        None => {
            let token = random_hex(TOKEN_LEN / 2);
            let expires_at = now + time::Duration::minutes(QUOTE_MINUTES);
            queries::insert_quote(
                &state.db,
                &NewQuote {
                    token: &token,
                    user_id,
                    course_id: item.course().id,
                    seat_batch_id: item.batch_id(),
                    rate_id: rate.id,
                    rate_x10000: rate.rate_x10000,
                    expires_at: &db::timestamp(expires_at),
                    lines: offered
                        .iter()
                        .map(|q| NewQuoteLine {
                            currency: q.pay.currency.code(),
                            amount_minor: q.pay.amount_minor,
                            ref_currency: q.reference.currency.code(),
                            ref_amount_minor: q.reference.amount_minor,
                            pinned: q.pinned,
                        })
                        .collect(),
                },
            )
            .await?;
            (token, expires_at)
        }
    };
    let mut offers = Vec::new();
    for (currency, computed) in computed {
        let offer = match computed {
            Ok(_) => queries::quote_line(&state.db, &token, currency.code())
                .await?
                .ok_or(QUOTE_EXPIRED),
            Err(key) => Err(key),
        };
        offers.push((currency, offer));
    }
    Ok(Issued {
        token,
        rate,
        expires_at,
        offers,
    })
}

fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The line of the quote `token` the payer accepted in `currency`, if it is his, for this
/// item, not expired, and the price (and pinned price) has not changed since: the amount
/// charged is the stored one, at the rate stored with it. `Err` holds the message key.
pub async fn redeem(
    state: &AppState,
    user_id: i64,
    item: &Item,
    token: &str,
    currency: Currency,
) -> AppResult<Result<QuoteRow, &'static str>> {
    let token = token.trim();
    if !is_token(token) {
        return Ok(Err(QUOTE_INVALID));
    }
    // Someone else's quote, or another course's, is "unknown" too: nothing is revealed.
    let Some(line) = queries::quote_line(&state.db, token, currency.code())
        .await?
        .filter(|l| {
            l.user_id == user_id
                && l.course_id == item.course().id
                && l.seat_batch_id == item.batch_id()
        })
    else {
        return Ok(Err(QUOTE_INVALID));
    };
    let alive = db::parse_timestamp(&line.expires_at).is_some_and(|t| state.clock.now() < t);
    if !alive {
        return Ok(Err(QUOTE_EXPIRED));
    }
    let reference = item.reference()?;
    let pins = item.pins(&state.db).await?;
    let still = match (
        line.rate_id,
        compute(state, reference, &pins, currency, line.rate_x10000),
    ) {
        (Some(rate_id), Ok(q)) => same_line(&line, &q, rate_id),
        _ => false,
    };
    if !still {
        return Ok(Err(QUOTE_EXPIRED));
    }
    Ok(Ok(line))
}
