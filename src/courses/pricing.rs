//! A course's price in both currencies: the stored one exact, the other converted at the rate in
//! force (`payments::rates`) and shown as approximate (« ≈ 5,00 $US »). The rate is read through
//! the page cache, so a catalogue page costs no extra query while the cache is warm.

use serde::Serialize;

use super::model::{CardView, CourseCard};
use crate::money::{Currency, Money};
use crate::payments::model::{cdf_to_usd, usd_to_cdf};
use crate::state::AppState;

/// The other currency's amount of a price, for display only (what is charged is the
/// checkout's quote).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Approx {
    pub amount_minor: i64,
    pub currency: &'static str,
}

/// `price_minor` in `currency` converted to the other currency at `rate_x10000` (CDF per USD ×
/// 10 000), francs rounded up to `cdf_step` like the checkout; `None` for a free course, an
/// unknown currency or no rate.
fn approx_with_step(
    price_minor: i64,
    currency: &str,
    rate_x10000: Option<i64>,
    cdf_step: i64,
) -> Option<Approx> {
    let rate = rate_x10000.filter(|r| *r > 0)?;
    let price = Money::parse(price_minor, currency).ok()?;
    if price.amount_minor <= 0 {
        return None;
    }
    Some(match price.currency {
        Currency::Usd => Approx {
            amount_minor: usd_to_cdf(price.amount_minor, rate, cdf_step),
            currency: Currency::Cdf.code(),
        },
        Currency::Cdf => Approx {
            amount_minor: cdf_to_usd(price.amount_minor, rate),
            currency: Currency::Usd.code(),
        },
    })
}

/// What pages need to show prices in both currencies: the rate in force and the checkout's
/// rounding step.
#[derive(Clone, Copy, Debug)]
pub struct Rates {
    rate_x10000: Option<i64>,
    cdf_step: i64,
}

impl Rates {
    pub fn approx(&self, price_minor: i64, currency: &str) -> Option<Approx> {
        approx_with_step(price_minor, currency, self.rate_x10000, self.cdf_step)
    }
}

/// The rate in force, from the page cache (the same for every visitor). A failure to read it
/// only hides the converted price: pages still show the exact one.
pub async fn rates(state: &AppState) -> Rates {
    let rate = state
        .page_cache
        .get_or_load("payments:current-rate", || {
            crate::payments::rates::current(state)
        })
        .await;
    let rate_x10000 = match rate {
        Ok(row) => Some(row.rate_x10000),
        Err(error) => {
            tracing::warn!(%error, "exchange rate unavailable: prices shown in one currency");
            None
        }
    };
    Rates {
        rate_x10000,
        cdf_step: state.payments.config.cdf_step,
    }
}

/// Cards with their converted price (home page, catalogue).
pub fn card_views(cards: &[CourseCard], rates: Rates) -> Vec<CardView> {
    cards
        .iter()
        .map(|course| CardView {
            approx: rates.approx(course.price_minor, &course.currency),
            progress: None,
            course: course.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(price_minor: i64, currency: &str, rate_x10000: Option<i64>) -> Option<Approx> {
        approx_with_step(price_minor, currency, rate_x10000, 1)
    }

    #[test]
    fn the_other_currency_is_converted_at_the_rate_and_rounded_up() {
        // 2 850 FC per dollar.
        let rate = Some(28_500_000);
        assert_eq!(
            approx_with_step(1000, "USD", rate, 100),
            Some(Approx {
                amount_minor: 2_850_000,
                currency: "CDF"
            })
        );
        assert_eq!(
            approx_with_step(1250, "USD", rate, 100),
            Some(Approx {
                amount_minor: 3_570_000,
                currency: "CDF"
            })
        );
        assert_eq!(
            approx(1_425_000, "CDF", rate),
            Some(Approx {
                amount_minor: 500,
                currency: "USD"
            })
        );
        assert_eq!(approx(0, "USD", rate), None);
        assert_eq!(approx(1000, "EUR", rate), None);
        assert_eq!(approx(1000, "USD", None), None);
    }
}
