//! Sponsored seats: what a batch is, how its creation form is checked, and why a code is refused.

use serde::Serialize;

use crate::money::{Currency, Money, parse_amount};

/// Most seats one batch may hold (a programme larger than this is several batches).
pub const MAX_SEATS: i64 = 2000;
/// Longest sponsor name, payer and reference, and note.
const NAME_MAX: usize = 150;
const NOTE_MAX: usize = 500;

/// How a batch was paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PaymentKind {
    /// Given by the platform: the admin's own decision, kept in the audit log.
    Free,
    /// Paid outside the platform (cash, bank transfer): payer, amount, reference and date
    /// recorded.
    Offline,
    /// Paid by the sponsor's wallet through the checkout (seats × price, one quote): the codes
    /// are issued when the payment succeeds.
    MobileMoney,
}

impl PaymentKind {
    /// In the order the forms offer them.
    pub const ALL: [PaymentKind; 3] = [
        PaymentKind::MobileMoney,
        PaymentKind::Offline,
        PaymentKind::Free,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentKind::Free => "free",
            PaymentKind::Offline => "offline",
            PaymentKind::MobileMoney => "mobile_money",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "free" => Some(PaymentKind::Free),
            "offline" => Some(PaymentKind::Offline),
            "mobile_money" => Some(PaymentKind::MobileMoney),
            _ => None,
        }
    }
}

/// The admin list's filters (`?q=…&state=…&kind=…`); anything unknown means "all".
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize)]
pub struct BatchFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub kind: String,
}

impl BatchFilter {
    /// `awaiting` (a payment), `active`, `expired`, or `""` for all.
    pub fn state(&self) -> &'static str {
        match self.state.as_str() {
            "awaiting" => "awaiting",
            "active" => "active",
            "expired" => "expired",
            _ => "",
        }
    }

    pub fn kind(&self) -> Option<PaymentKind> {
        PaymentKind::parse(&self.kind)
    }
}

/// The creation form as typed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BatchForm {
    pub sponsor_name: String,
    pub contact_email: String,
    pub note: String,
    pub seats: String,
    /// `YYYY-MM-DD`: the codes work until the end of that day, in the admin's time zone.
    pub expires_on: String,
    /// The courses the batch opens (one or several: a bundle).
    pub course_ids: Vec<i64>,
    pub payment_kind: String,
    pub payer: String,
    pub payment_reference: String,
    /// `YYYY-MM-DD`, for an offline payment.
    pub paid_on: String,
    /// What was paid offline, as typed (`1 250,50`), and in which currency.
    pub amount: String,
    pub currency: String,
}

/// A checked creation form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBatch {
    pub sponsor_name: String,
    pub contact_email: Option<String>,
    pub note: String,
    pub seats: i64,
    pub expires_on: time::Date,
    pub course_ids: Vec<i64>,
    pub payment_kind: PaymentKind,
    pub payer: String,
    pub payment_reference: String,
    pub paid_on: Option<time::Date>,
    /// What was paid offline.
    pub paid: Option<Money>,
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn date(s: &str) -> Option<time::Date> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl BatchForm {
    /// The form from its fields as posted (`course_ids` repeats, one per course ticked).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "sponsor_name" => form.sponsor_name = value,
                "contact_email" => form.contact_email = value,
                "note" => form.note = value,
                "seats" => form.seats = value,
                "expires_on" => form.expires_on = value,
                "course_ids" => form.course_ids.extend(value.trim().parse::<i64>().ok()),
                "payment_kind" => form.payment_kind = value,
                "payer" => form.payer = value,
                "payment_reference" => form.payment_reference = value,
                "paid_on" => form.paid_on = value,
                "amount" => form.amount = value,
                "currency" => form.currency = value,
                _ => {}
            }
        }
        form
    }

    /// The checked batch, or each refused field with its message key. `today` is the admin's
    /// date: a batch must still be valid tomorrow.
    pub fn check(&self, today: time::Date) -> Result<NewBatch, Vec<(&'static str, &'static str)>> {
        let mut errors = Vec::new();
        let sponsor_name = one_line(&self.sponsor_name);
        if sponsor_name.is_empty() || sponsor_name.chars().count() > NAME_MAX {
            errors.push(("sponsor_name", "seats.error.sponsor_name"));
        }
        let contact = self.contact_email.trim();
        let contact_email = if contact.is_empty() {
            None
        } else if let Ok(email) = crate::auth::model::Email::parse(contact) {
            Some(email.as_str().to_owned())
        } else {
            errors.push(("contact_email", "seats.error.contact_email"));
            None
        };
        let note = self.note.trim().to_owned();
        if note.chars().count() > NOTE_MAX {
            errors.push(("note", "seats.error.note"));
        }
        let seats = self.seats.trim().parse::<i64>().unwrap_or(0);
        if !(1..=MAX_SEATS).contains(&seats) {
            errors.push(("seats", "seats.error.seats"));
        }
        let expires_on = date(&self.expires_on).filter(|d| *d > today);
        if expires_on.is_none() {
            errors.push(("expires_on", "seats.error.expires_on"));
        }
        let mut course_ids = self.course_ids.clone();
        course_ids.sort_unstable();
        course_ids.dedup();
        if course_ids.is_empty() || course_ids.len() > 20 {
            errors.push(("course_ids", "seats.error.courses"));
        }
        let payment_kind = PaymentKind::parse(&self.payment_kind);
        let (payer, payment_reference) = (one_line(&self.payer), one_line(&self.payment_reference));
        let mut paid_on = None;
        let mut paid = None;
        match payment_kind {
            None => errors.push(("payment_kind", "seats.error.payment_kind")),
            Some(PaymentKind::Free | PaymentKind::MobileMoney) => {}
            Some(PaymentKind::Offline) => {
                if payer.is_empty() || payer.chars().count() > NAME_MAX {
                    errors.push(("payer", "seats.error.payer"));
                }
                if payment_reference.is_empty() || payment_reference.chars().count() > NAME_MAX {
                    errors.push(("payment_reference", "seats.error.payment_reference"));
                }
                paid_on = date(&self.paid_on).filter(|d| *d <= today);
                if paid_on.is_none() {
                    errors.push(("paid_on", "seats.error.paid_on"));
                }
                let amount = parse_amount(&self.amount).filter(|a| *a > 0);
                match (amount, Currency::parse(self.currency.trim())) {
                    (Some(a), Some(c)) => paid = Some(Money::new(a, c)),
                    (None, _) => errors.push(("amount", "seats.error.amount")),
                    (_, None) => errors.push(("currency", "seats.error.currency")),
                }
            }
        }
        match (errors.is_empty(), expires_on, payment_kind) {
            (true, Some(expires_on), Some(payment_kind)) => Ok(NewBatch {
                sponsor_name,
                contact_email,
                note,
                seats,
                expires_on,
                course_ids,
                payment_kind,
                payer,
                payment_reference,
                paid_on,
                paid,
            }),
            _ => Err(errors),
        }
    }
}

/// Why a code typed at `/codes` does not give a seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a code, or no such code (the two are not told apart).
    Unknown,
    Used,
    Revoked,
    Expired,
    /// This learner already holds a seat of the same batch: a second code would waste a seat.
    AlreadyInBatch,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::Unknown => "seats.redeem.unknown",
            Refusal::Used => "seats.redeem.used",
            Refusal::Revoked => "seats.redeem.revoked",
            Refusal::Expired => "seats.redeem.expired",
            Refusal::AlreadyInBatch => "seats.redeem.already_in_batch",
        }
    }
}

/// What a code looked up says, before anyone takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeState {
    pub used_by: Option<i64>,
    pub revoked: bool,
    pub expired: bool,
}

impl CodeState {
    /// Why `user_id` cannot take this code, if it cannot.
    pub fn refusal(&self, user_id: i64, holds_seat_in_batch: bool) -> Option<Refusal> {
        if self.revoked {
            Some(Refusal::Revoked)
        } else if self.used_by.is_some_and(|u| u != user_id) {
            Some(Refusal::Used)
        } else if self.used_by == Some(user_id) || holds_seat_in_batch {
            Some(Refusal::AlreadyInBatch)
        } else if self.expired {
            Some(Refusal::Expired)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 12 - 03)
    }

    fn form() -> BatchForm {
        BatchForm {
            sponsor_name: "  ONG  Jeunesse Matadi ".into(),
            seats: "50".into(),
            expires_on: "2027-06-30".into(),
            course_ids: vec![3, 1, 3],
            payment_kind: "free".into(),
            ..BatchForm::default()
        }
    }

    #[test]
    fn a_free_batch_is_checked_and_tidied() {
        let batch = form().check(today()).unwrap();
        assert_eq!(batch.sponsor_name, "ONG Jeunesse Matadi");
        assert_eq!(batch.course_ids, vec![1, 3]);
        assert_eq!(batch.seats, 50);
        assert_eq!(batch.paid_on, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = BatchForm {
            sponsor_name: " ".into(),
            contact_email: "pas-une-adresse".into(),
            seats: "0".into(),
            expires_on: "2026-12-03".into(),
            course_ids: vec![],
            payment_kind: "offline".into(),
            paid_on: "2026-12-04".into(),
            ..BatchForm::default()
        };
        let fields: Vec<&str> = bad
            .check(today())
            .unwrap_err()
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(
            fields,
            [
                "sponsor_name",
                "contact_email",
                "seats",
                "expires_on",
                "course_ids",
                "payer",
                "payment_reference",
                "paid_on",
                "amount"
            ]
        );
        let too_many = BatchForm {
            seats: (MAX_SEATS + 1).to_string(),
            ..form()
        };
        assert!(too_many.check(today()).is_err());
    }

    #[test]
    fn an_offline_payment_needs_payer_reference_and_a_past_date() {
        let batch = BatchForm {
            payment_kind: "offline".into(),
            payer: "Caritas Matadi".into(),
            payment_reference: "VIR-2026-118".into(),
            paid_on: "2026-12-01".into(),
            amount: "1 250,50".into(),
            currency: "USD".into(),
            ..form()
        }
        .check(today())
        .unwrap();
        assert_eq!(batch.payment_kind, PaymentKind::Offline);
        assert_eq!(batch.paid_on, Some(time::macros::date!(2026 - 12 - 01)));
        assert_eq!(batch.paid, Some(Money::new(125_050, Currency::Usd)));
        let no_currency = BatchForm {
            payment_kind: "offline".into(),
            payer: "Caritas Matadi".into(),
            payment_reference: "VIR-2026-118".into(),
            paid_on: "2026-12-01".into(),
            amount: "100".into(),
            currency: "EUR".into(),
            ..form()
        };
        let fields: Vec<&str> = no_currency
            .check(today())
            .unwrap_err()
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(fields, ["currency"]);
    }

    #[test]
    fn a_code_is_refused_for_the_first_reason_that_holds() {
        let fresh = CodeState {
            used_by: None,
            revoked: false,
            expired: false,
        };
        assert_eq!(fresh.refusal(7, false), None);
        assert_eq!(fresh.refusal(7, true), Some(Refusal::AlreadyInBatch));
        let used = CodeState {
            used_by: Some(8),
            ..fresh.clone()
        };
        assert_eq!(used.refusal(7, false), Some(Refusal::Used));
        assert_eq!(used.refusal(8, true), Some(Refusal::AlreadyInBatch));
        let expired = CodeState {
            expired: true,
            ..fresh.clone()
        };
        assert_eq!(expired.refusal(7, false), Some(Refusal::Expired));
        let revoked = CodeState {
            revoked: true,
            ..used
        };
        assert_eq!(revoked.refusal(8, true), Some(Refusal::Revoked));
    }
}
