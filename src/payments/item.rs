//! What a checkout sells: one course to the learner who pays, or the seats of a sponsor's
//! batch (seats × the price of the batch's courses) to the sponsor who pays for them. Quotes,
//! the one-open-payment rule and the success all follow the item.

use super::queries;
use crate::courses::access::CourseRef;
use crate::db::Db;
use crate::money::{Currency, Money, UnknownCurrency};
use crate::seats::queries::SeatOrder;

pub enum Item {
    Course(CourseRef),
    Seats(Box<SeatOrder>),
}

/// Why a batch cannot be priced.
#[derive(Debug, PartialEq, Eq)]
pub enum PriceError {
    UnknownCurrency(UnknownCurrency),
    /// The batch's courses are priced in different currencies.
    MixedCurrencies,
    /// The batch's courses are all free: nothing to pay.
    Free,
    Overflow,
}

impl From<UnknownCurrency> for PriceError {
    fn from(e: UnknownCurrency) -> Self {
        PriceError::UnknownCurrency(e)
    }
}

impl From<PriceError> for crate::error::AppError {
    fn from(e: PriceError) -> Self {
        match e {
            PriceError::UnknownCurrency(e) => e.into(),
            PriceError::MixedCurrencies => {
                crate::error::AppError::BadRequest("seats.error.mixed_currencies")
            }
            PriceError::Free | PriceError::Overflow => {
                crate::error::AppError::BadRequest("seats.error.not_payable")
            }
        }
    }
}

/// `seats` times the sum of `prices` (the paid courses of a bundle), in their one currency.
pub fn seats_total(prices: &[Money], seats: i64) -> Result<Money, PriceError> {
    let paid: Vec<Money> = prices.iter().copied().filter(|m| !m.is_free()).collect();
    let Some(first) = paid.first() else {
        return Err(PriceError::Free);
    };
    if paid.iter().any(|m| m.currency != first.currency) {
        return Err(PriceError::MixedCurrencies);
    }
    let unit = paid
        .iter()
        .try_fold(0_i64, |sum, m| sum.checked_add(m.amount_minor))
        .ok_or(PriceError::Overflow)?;
    let total = unit.checked_mul(seats).ok_or(PriceError::Overflow)?;
    Ok(Money::new(total, first.currency))
}

/// The pinned price of a bundle in `currency`: `seats` × the sum of the courses' pins, only
/// when every paid course has one in that currency (else the amount is converted).
fn pinned_total(pins_per_course: &[Vec<Money>], currency: Currency, seats: i64) -> Option<Money> {
    let mut unit = 0_i64;
    for pins in pins_per_course {
        let pin = pins.iter().find(|p| p.currency == currency)?;
        unit = unit.checked_add(pin.amount_minor)?;
    }
    Some(Money::new(unit.checked_mul(seats)?, currency))
}

impl Item {
    /// The course the payment row names (a batch's first course, for names and links).
    pub fn course(&self) -> &CourseRef {
        match self {
            Item::Course(c) => c,
            Item::Seats(o) => &o.courses[0],
        }
    }

    pub fn batch_id(&self) -> Option<i64> {
        match self {
            Item::Course(_) => None,
            Item::Seats(o) => Some(o.batch.id),
        }
    }

    /// The price in its reference currency.
    pub fn reference(&self) -> Result<Money, PriceError> {
        match self {
            Item::Course(c) => Ok(Money::parse(c.price_minor, &c.currency)?),
            Item::Seats(o) => {
                let prices = o
                    .courses
                    .iter()
                    .map(|c| Money::parse(c.price_minor, &c.currency))
                    .collect::<Result<Vec<_>, _>>()?;
                seats_total(&prices, o.batch.seats)
            }
        }
    }

    /// Prices the admin pinned per currency (no conversion for those).
    pub async fn pins(&self, db: &Db) -> crate::error::AppResult<Vec<Money>> {
        let pins_of = async |course_id: i64| -> crate::error::AppResult<Vec<Money>> {
            Ok(queries::pinned_prices(db, course_id)
                .await?
                .into_iter()
                .map(|(currency, amount)| Money::parse(amount, &currency))
                .collect::<Result<_, _>>()?)
        };
        match self {
            Item::Course(c) => pins_of(c.id).await,
            Item::Seats(o) => {
                let mut per_course = Vec::new();
                for c in o.courses.iter().filter(|c| !c.is_free()) {
                    per_course.push(pins_of(c.id).await?);
                }
                Ok([Currency::Usd, Currency::Cdf]
                    .into_iter()
                    .filter_map(|cur| pinned_total(&per_course, cur, o.batch.seats))
                    .collect())
            }
        }
    }

    /// Where the checkout form posts.
    pub fn checkout_path(&self) -> String {
        match self {
            Item::Course(c) => format!("/payments/checkout/{}", c.slug),
            Item::Seats(o) => format!("/payments/seats/{}", o.batch.id),
        }
    }

    /// Where "back" leads.
    pub fn back_path(&self) -> String {
        match self {
            Item::Course(c) => format!("/courses/{}", c.slug),
            Item::Seats(o) => format!("/seats/{}", o.batch.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn usd(cents: i64) -> Money {
        Money::new(cents, Currency::Usd)
    }

    #[test]
    fn a_bundle_costs_seats_times_its_paid_courses() {
        let total = seats_total(&[usd(1500), Money::new(0, Currency::Cdf), usd(500)], 50);
        assert_eq!(total, Ok(usd(100_000)));
    }

    #[test]
    fn a_bundle_in_two_currencies_or_all_free_is_not_priced() {
        assert_eq!(
            seats_total(&[usd(1500), Money::new(3_000_000, Currency::Cdf)], 2),
            Err(PriceError::MixedCurrencies)
        );
        assert_eq!(
            seats_total(&[Money::new(0, Currency::Usd)], 2),
            Err(PriceError::Free)
        );
        assert_eq!(seats_total(&[usd(i64::MAX)], 2), Err(PriceError::Overflow));
    }

    #[test]
    fn a_bundle_is_pinned_only_when_every_course_is() {
        let cdf = |m| Money::new(m, Currency::Cdf);
        let both = vec![vec![cdf(1_000_000), usd(500)], vec![cdf(2_000_000)]];
        assert_eq!(pinned_total(&both, Currency::Cdf, 3), Some(cdf(9_000_000)));
        assert_eq!(pinned_total(&both, Currency::Usd, 3), None);
    }
}
