//! Congolese mobile numbers: what learners type (`08…`, `243…`, `+243…`, `00243…`, with
//! spaces, dashes, dots or brackets) → canonical E.164 `+243XXXXXXXXX`, and the format each
//! provider wants.

use crate::payments::providers::{ProviderKind, Wallet};

/// Catalogue key of the error shown when a number is not a Congolese mobile number.
pub const INVALID: &str = "payment_providers.msisdn_invalid";

/// Parses learner input into `+243` followed by 9 digits, the first being 8 or 9.
pub fn parse(input: &str) -> Result<String, &'static str> {
    let trimmed = input.trim();
    let mut digits = String::with_capacity(trimmed.len());
    let mut plus = false;
    for c in trimmed.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' | '\u{202f}' => {}
            _ => return Err(INVALID),
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("00243") {
        rest
    } else if let Some(rest) = digits.strip_prefix("243").filter(|r| r.len() == 9) {
        rest
    } else if let Some(rest) = digits.strip_prefix('0').filter(|r| r.len() == 9) {
        rest
    } else if plus {
        return Err(INVALID);
    } else {
        digits.as_str()
    };
    if plus && !digits.starts_with("243") {
        return Err(INVALID);
    }
    if national.len() != 9 || !matches!(national.as_bytes()[0], b'8' | b'9') {
        return Err(INVALID);
    }
    Ok(format!("+243{national}"))
}

/// The 9-digit national significant number of a canonical number (`+243991234567` →
/// `991234567`), or `None` when it is not canonical.
pub fn national(e164: &str) -> Option<&str> {
    let rest = e164.strip_prefix("+243")?;
    (rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit())).then_some(rest)
}

/// The local form `0XXXXXXXXX` (display, Orange SOAP).
pub fn local(e164: &str) -> Option<String> {
    national(e164).map(|n| format!("0{n}"))
}

/// The number as the provider wants it: Airtel 9 digits, M-Pesa and FlexPay `243XXXXXXXXX`,
/// Orange Web Payment none (the customer types it on Orange's page).
pub fn for_provider(kind: ProviderKind, e164: &str) -> Option<String> {
    let n = national(e164)?;
    match kind {
        ProviderKind::Airtel => Some(n.to_string()),
        ProviderKind::Mpesa | ProviderKind::Flexpay => Some(format!("243{n}")),
        ProviderKind::Orange => None,
    }
}

/// The network a number was first given by, from its prefix (protocols.md: Vodacom
/// 081/082/083, Airtel 097/098/099, Orange 080/084/085/089, Africell 090/091). Numbers move
/// between operators, so this is only ever a hint, never a reason to refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    Vodacom,
    Airtel,
    Orange,
    Africell,
}

impl Network {
    /// Catalogue key of the network's name.
    pub fn key(self) -> &'static str {
        match self {
            Network::Vodacom => "payments.network.vodacom",
            Network::Airtel => "payments.network.airtel",
            Network::Orange => "payments.network.orange",
            Network::Africell => "payments.network.africell",
        }
    }

    /// The wallet of this network's subscribers (Africell's is not offered here).
    pub fn wallet(self) -> Option<Wallet> {
        match self {
            Network::Vodacom => Some(Wallet::Mpesa),
            Network::Airtel => Some(Wallet::Airtel),
            Network::Orange => Some(Wallet::Orange),
            Network::Africell => None,
        }
    }
}

/// The network of a canonical number's prefix, `None` for a prefix not in the table.
pub fn network(e164: &str) -> Option<Network> {
    match national(e164)?.get(..2)? {
        "81" | "82" | "83" => Some(Network::Vodacom),
        "97" | "98" | "99" => Some(Network::Airtel),
        "80" | "84" | "85" | "89" => Some(Network::Orange),
        "90" | "91" => Some(Network::Africell),
        _ => None,
    }
}

/// The network of `e164` when its prefix belongs to another wallet than `wallet` (the
/// checkout's warning); `None` when it matches or the prefix is unknown.
pub fn mismatch(wallet: Wallet, e164: &str) -> Option<Network> {
    network(e164).filter(|n| n.wallet() != Some(wallet))
}

/// Display form `+243 99 123 4567`.
pub fn display(e164: &str) -> String {
    match national(e164) {
        Some(n) => format!("+243 {} {} {}", &n[..2], &n[2..5], &n[5..]),
        None => e164.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_ways_of_writing_a_number_are_accepted() {
        for input in [
            "0991234567",
            "099 123 4567",
            "099-123-45-67",
            "099.123.45.67",
            "243991234567",
            "+243991234567",
            "+243 99 123 4567",
            "00243 991234567",
            "991234567",
            " (+243) 991-234-567 ",
        ] {
            assert_eq!(parse(input), Ok("+243991234567".to_string()), "{input}");
        }
        assert_eq!(parse("0812345678"), Ok("+243812345678".to_string()));
    }

    #[test]
    fn other_numbers_are_refused_with_the_catalogue_key() {
        for input in [
            "",
            "abc",
            "0712345678",
            "099123456",
            "09912345678",
            "+33612345678",
            "+2430991234567",
            "24399123456",
            "099123456a",
            "0991+234567",
            "+243 71 234 5678",
        ] {
            assert_eq!(parse(input), Err(INVALID), "{input}");
        }
    }

    #[test]
    fn each_provider_gets_its_format() {
        let n = "+243991234567";
        assert_eq!(
            for_provider(ProviderKind::Airtel, n).as_deref(),
            Some("991234567")
        );
        assert_eq!(
            for_provider(ProviderKind::Mpesa, n).as_deref(),
            Some("243991234567")
        );
        assert_eq!(
            for_provider(ProviderKind::Flexpay, n).as_deref(),
            Some("243991234567")
        );
        assert_eq!(for_provider(ProviderKind::Orange, n), None);
        assert_eq!(local(n).as_deref(), Some("0991234567"));
        assert_eq!(display(n), "+243 99 123 4567");
        assert_eq!(for_provider(ProviderKind::Airtel, "0991234567"), None);
    }

    #[test]
    fn a_prefix_of_another_wallet_is_a_mismatch() {
        assert_eq!(network("+243812345678"), Some(Network::Vodacom));
        assert_eq!(mismatch(Wallet::Mpesa, "+243812345678"), None);
        assert_eq!(
            mismatch(Wallet::Orange, "+243991234567"),
            Some(Network::Airtel)
        );
        assert_eq!(mismatch(Wallet::Orange, "+243841234567"), None);
        assert_eq!(
            mismatch(Wallet::Airtel, "+243841234567"),
            Some(Network::Orange)
        );
        assert_eq!(
            mismatch(Wallet::Airtel, "+243901234567"),
            Some(Network::Africell)
        );
        // A prefix outside the table says nothing.
        assert_eq!(network("+243861234567"), None);
        assert_eq!(mismatch(Wallet::Airtel, "+243861234567"), None);
        assert_eq!(network("0991234567"), None);
    }

    proptest! {
        #[test]
        fn any_valid_number_in_any_form_parses_to_the_same_canonical_number(
            first in prop::sample::select(vec!['8', '9']),
            rest in "[0-9]{8}",
            form in 0usize..5,
            sep in prop::sample::select(vec!["", " ", "-", "."]),
        ) {
            let national = format!("{first}{rest}");
            let grouped = format!("{}{sep}{}{sep}{}", &national[..2], &national[2..5], &national[5..]);
            let input = match form {
                0 => format!("0{grouped}"),
                1 => format!("243{sep}{grouped}"),
                2 => format!("+243{sep}{grouped}"),
                3 => format!("00243{sep}{grouped}"),
                _ => grouped.clone(),
            };
            let canonical = parse(&input);
            prop_assert_eq!(canonical.clone(), Ok(format!("+243{national}")));
            let canonical = canonical.unwrap_or_default();
            // Idempotent, and every provider format reads back to the same number.
            prop_assert_eq!(parse(&canonical), Ok(canonical.clone()));
            let airtel = for_provider(ProviderKind::Airtel, &canonical).unwrap_or_default();
            prop_assert_eq!(airtel.len(), 9);
            prop_assert_eq!(parse(&airtel), Ok(canonical.clone()));
            let mpesa = for_provider(ProviderKind::Mpesa, &canonical).unwrap_or_default();
            prop_assert_eq!(mpesa.len(), 12);
            prop_assert_eq!(parse(&mpesa), Ok(canonical.clone()));
        }

        #[test]
        fn parse_never_panics_and_only_returns_canonical_numbers(input in ".{0,20}") {
            if let Ok(n) = parse(&input) {
                prop_assert!(national(&n).is_some());
                prop_assert!(matches!(n.as_bytes()[4], b'8' | b'9'));
            }
        }
    }
}
