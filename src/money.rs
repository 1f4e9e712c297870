//! Money as integer minor units with an explicit currency (USD or CDF), never a float: parsing
//! of typed and provider amounts, and every formatting of an amount.

use serde::Serialize;

use crate::error::AppError;
use crate::web::i18n::Locale;

/// A currency code the platform does not handle (a stored row or a provider answer): an error,
/// never silently read as another currency.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency code {0:?}")]
pub struct UnknownCurrency(pub String);

impl From<UnknownCurrency> for AppError {
    fn from(e: UnknownCurrency) -> Self {
        AppError::Internal(e.into())
    }
}

/// A supported currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Currency {
    Usd,
    Cdf,
}

impl Currency {
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "USD" => Some(Self::Usd),
            "CDF" => Some(Self::Cdf),
            _ => None,
        }
    }

    /// A stored or received code; an unknown one is an error.
    pub fn from_code(code: &str) -> Result<Self, UnknownCurrency> {
        Self::parse(code).ok_or_else(|| UnknownCurrency(code.to_owned()))
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Usd => "USD",
            Self::Cdf => "CDF",
        }
    }

    /// Digits after the decimal separator (cents for USD; the Congolese franc has centimes too).
    pub fn exponent(self) -> u32 {
        2
    }
}

/// An amount in minor units (cents, centimes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    /// An amount read with its stored currency code; an unknown code is an error.
    pub fn parse(amount_minor: i64, currency: &str) -> Result<Self, UnknownCurrency> {
        Ok(Self::new(amount_minor, Currency::from_code(currency)?))
    }

    pub fn is_free(self) -> bool {
        self.amount_minor == 0
    }

    /// Human format: `12,50 $US` / `25 000 FC` in French, `US$12.50` / `FC 25,000` in English.
    pub fn format(self, locale: Locale) -> String {
        let scale = 10_i64.pow(self.currency.exponent());
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        let units = abs / scale as u64;
        let cents = abs % scale as u64;
        let (group, decimal) = match locale {
            Locale::Fr => ('\u{202f}', ','),
            Locale::En => (',', '.'),
        };
        let mut digits = units.to_string();
        let mut grouped = String::new();
        while digits.len() > 3 {
            let tail = digits.split_off(digits.len() - 3);
            grouped = format!("{group}{tail}{grouped}");
        }
        grouped = format!("{digits}{grouped}");
        let number = if cents == 0 && self.currency == Currency::Cdf {
            grouped
        } else {
            format!("{grouped}{decimal}{cents:02}")
        };
        match (locale, self.currency) {
            (Locale::Fr, Currency::Usd) => format!("{sign}{number}\u{a0}$US"),
            (Locale::Fr, Currency::Cdf) => format!("{sign}{number}\u{a0}FC"),
            (Locale::En, Currency::Usd) => format!("{sign}US${number}"),
            (Locale::En, Currency::Cdf) => format!("{sign}FC\u{a0}{number}"),
        }
    }
}

/// A decimal typed by a person or sent by a provider (`"2 850,5"`, `"12.50"`, `"7"`), scaled by
/// 10^`scale_digits`; `None` when malformed, negative, or with more decimals than allowed.
pub fn parse_decimal(s: &str, scale_digits: u32) -> Option<i64> {
    let s = s
        .trim()
        .replace([' ', '\u{202f}', '\u{a0}'], "")
        .replace(',', ".");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > scale_digits as usize
        || int.len() > 12
    {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut frac_v: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    frac_v *= 10_i64.pow(scale_digits - frac.len() as u32);
    int.checked_mul(10_i64.pow(scale_digits))?
        .checked_add(frac_v)
}

/// An amount typed in major units (`"12,50"`, `"12.5"`, `"25 000"`) in minor units (both
/// currencies have two decimals).
pub fn parse_amount(s: &str) -> Option<i64> {
    parse_decimal(s, 2)
}

/// An amount as a form field shows it for editing again: `12,50`, no grouping, no currency.
pub fn input_text(amount_minor: i64) -> String {
    format!("{},{:02}", amount_minor / 100, amount_minor % 100)
}

/// The amount in major units as a decimal string without trailing zeros, as providers take it:
/// `28600` (CDF), `10`, `12.5`, `12.05` (USD); `None` for CDF that is not whole francs.
pub fn major_units_text(currency: Currency, amount_minor: i64) -> Option<String> {
    let scale = 10_i64.pow(currency.exponent());
    let units = amount_minor / scale;
    let rest = amount_minor % scale;
    if rest == 0 {
        return Some(units.to_string());
    }
    if currency == Currency::Cdf {
        return None;
    }
    let width = currency.exponent() as usize;
    let frac = format!("{rest:0width$}");
    Some(format!("{units}.{}", frac.trim_end_matches('0')))
}

/// A provider's major-unit amount (`"28600"`, `"12.5"`, `"12.50"`) back in minor units; `None`
/// when malformed, negative or more precise than the currency.
pub fn minor_from_major_text(currency: Currency, text: &str) -> Option<i64> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let exp = currency.exponent() as usize;
    let frac = frac.trim_end_matches('0');
    if frac.len() > exp || int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let units: i64 = int.parse().ok()?;
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<exp$}").parse().ok()?
    };
    units
        .checked_mul(10_i64.pow(exp as u32))?
        .checked_add(frac_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_formatted_the_french_way_by_default() {
        assert_eq!(
            Money::new(1250, Currency::Usd).format(Locale::Fr),
            "12,50\u{a0}$US"
        );
        assert_eq!(
            Money::new(2_500_000, Currency::Cdf).format(Locale::Fr),
            "25\u{202f}000\u{a0}FC"
        );
        assert_eq!(
            Money::new(123_456_789, Currency::Usd).format(Locale::En),
            "US$1,234,567.89"
        );
        assert!(Money::new(0, Currency::Usd).is_free());
    }

    #[test]
    fn currency_codes_are_parsed_strictly() {
        assert_eq!(Currency::parse("cdf"), Some(Currency::Cdf));
        assert_eq!(Currency::parse("EUR"), None);
    }

    #[test]
    fn an_unknown_currency_is_an_error_not_dollars() {
        assert_eq!(
            Money::parse(1250, "EUR"),
            Err(UnknownCurrency("EUR".to_owned()))
        );
        assert_eq!(Money::parse(1250, ""), Err(UnknownCurrency(String::new())));
        assert_eq!(
            Money::parse(1250, "cdf"),
            Ok(Money::new(1250, Currency::Cdf))
        );
    }

    #[test]
    fn typed_amounts_are_parsed_to_minor_units_without_floats() {
        assert_eq!(parse_amount("12,50"), Some(1250));
        assert_eq!(parse_amount("12.5"), Some(1250));
        assert_eq!(parse_amount("25 000"), Some(2_500_000));
        assert_eq!(parse_amount("7"), Some(700));
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount("1,234"), None);
        assert_eq!(parse_amount("-3"), None);
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("99999999999999"), None);
        assert_eq!(parse_decimal("2 850,5", 4), Some(28_505_000));
        assert_eq!(input_text(1205), "12,05");
    }

    #[test]
    fn provider_amounts_round_trip_in_major_units() {
        assert_eq!(
            major_units_text(Currency::Cdf, 2_860_000).as_deref(),
            Some("28600")
        );
        assert_eq!(
            major_units_text(Currency::Usd, 1250).as_deref(),
            Some("12.5")
        );
        assert_eq!(
            major_units_text(Currency::Usd, 1205).as_deref(),
            Some("12.05")
        );
        assert_eq!(major_units_text(Currency::Cdf, 2_860_050), None);
        assert_eq!(minor_from_major_text(Currency::Usd, "12.50"), Some(1250));
        assert_eq!(minor_from_major_text(Currency::Usd, "12.005"), None);
        assert_eq!(minor_from_major_text(Currency::Cdf, "-3"), None);
    }
}
