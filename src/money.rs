//! Money as integer minor units with an explicit currency (USD or CDF), never a float.

use serde::Serialize;

use crate::web::i18n::Locale;

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
    /// Builds an amount; an unknown currency code is read as USD (codes are checked at the edge).
    pub fn new(amount_minor: i64, currency: &str) -> Self {
        Self {
            amount_minor,
            currency: Currency::parse(currency).unwrap_or(Currency::Usd),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_formatted_the_french_way_by_default() {
        assert_eq!(Money::new(1250, "USD").format(Locale::Fr), "12,50\u{a0}$US");
        assert_eq!(
            Money::new(2_500_000, "CDF").format(Locale::Fr),
            "25\u{202f}000\u{a0}FC"
        );
        assert_eq!(
            Money::new(123_456_789, "USD").format(Locale::En),
            "US$1,234,567.89"
        );
        assert!(Money::new(0, "USD").is_free());
    }

    #[test]
    fn currency_codes_are_parsed_strictly() {
        assert_eq!(Currency::parse("cdf"), Some(Currency::Cdf));
        assert_eq!(Currency::parse("EUR"), None);
    }
}
