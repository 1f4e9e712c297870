//! The operator's reason for refusing a payment, when its answer gives one: the documented
//! codes of Airtel Money (`DP008000010xx`, protocols.md §Airtel) and M-Pesa (`INS-…`) become
//! catalogue keys (`payments.reason.*`) that the waiting page shows in words, never the code.

/// Known refusal codes and the catalogue key each one is shown with.
const CODES: &[(&str, &str)] = &[
    // Airtel Open API (`status.response_code`).
    ("DP00800001002", "payments.reason.wrong_pin"),
    ("DP00800001003", "payments.reason.limit"),
    ("DP00800001004", "payments.reason.invalid_amount"),
    ("DP00800001005", "payments.reason.no_pin"),
    ("DP00800001007", "payments.reason.insufficient_funds"),
    ("DP00800001008", "payments.reason.refused"),
    ("DP00800001009", "payments.reason.declined"),
    ("DP00800001010", "payments.reason.not_permitted"),
    ("DP00800001024", "payments.reason.no_pin"),
    ("DP00800001029", "payments.reason.expired"),
    // M-Pesa OpenAPI (`output_ResponseCode`).
    ("INS-5", "payments.reason.cancelled"),
    ("INS-6", "payments.reason.refused"),
    ("INS-15", "payments.reason.invalid_amount"),
    ("INS-2006", "payments.reason.insufficient_funds"),
    ("INS-2051", "payments.reason.invalid_number"),
];

/// The catalogue key of the first known refusal code in `answer` (a provider's raw JSON
/// answer or an adapter's error text), matched as a whole word: `INS-5` is not `INS-51`.
pub fn reason_key(answer: &str) -> Option<&'static str> {
    answer
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find_map(|word| CODES.iter().find(|(code, _)| *code == word))
        .map(|(_, key)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_become_catalogue_keys_and_others_none() {
        let mpesa =
            r#"{"output_ResponseCode":"INS-2006","output_ResponseDesc":"Insufficient balance"}"#;
        assert_eq!(
            reason_key(mpesa),
            Some("payments.reason.insufficient_funds")
        );
        let airtel = r#"{"data":{"transaction":{"status":"TF"}},"status":{"response_code":"DP00800001002","success":false}}"#;
        assert_eq!(reason_key(airtel), Some("payments.reason.wrong_pin"));
        assert_eq!(reason_key(r#"{"output_ResponseCode":"INS-51"}"#), None);
        assert_eq!(
            reason_key("refused by the provider: INS-5 Cancelled"),
            Some("payments.reason.cancelled")
        );
        assert_eq!(reason_key(""), None);
    }
}
