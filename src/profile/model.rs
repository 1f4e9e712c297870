//! Validated profile input (phone, city, bio, language) and what the profile pages show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::auth::model::PersonName;

/// Form errors: field name → translated message.
pub type Errors = BTreeMap<&'static str, String>;

/// A mobile-money phone number stored in international form (`+243…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts digits, spaces, dashes, dots and one leading `+` (or `00`); 9 to 15 digits.
    /// National DRC forms (`0812345678`, `812345678`) become `+243…`.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let t = raw.trim();
        let (plus, rest) = match t.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        if rest
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '.')))
        {
            return Err("profile.error.phone_invalid");
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        let international = if plus {
            digits
        } else if let Some(d) = digits.strip_prefix("00") {
            d.to_owned()
        } else if digits.len() == 10 && digits.starts_with('0') {
            format!("243{}", &digits[1..])
        } else if digits.len() == 9 {
            format!("243{digits}")
        } else {
            digits
        };
        if (9..=15).contains(&international.len()) && !international.starts_with('0') {
            Ok(Self(format!("+{international}")))
        } else {
            Err("profile.error.phone_invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const CITY_MAX: usize = 80;
pub const BIO_MAX: usize = 500;

/// The personal-information form as posted (and re-shown on errors).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub locale: String,
}

/// The personal information once checked.
#[derive(Debug)]
pub struct ProfileInput {
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub city: Option<String>,
    pub bio: Option<String>,
    pub locale: &'static str,
}

fn optional_text(raw: &str, max: usize, key: &'static str) -> Result<Option<String>, &'static str> {
    let t = raw.trim().replace('\0', "");
    if t.chars().count() > max {
        Err(key)
    } else if t.is_empty() {
        Ok(None)
    } else {
        Ok(Some(t))
    }
}

impl ProfileForm {
    /// Checks every field; `Err` maps field names to catalogue keys.
    pub fn parse(&self) -> Result<ProfileInput, BTreeMap<&'static str, &'static str>> {
        let mut errors = BTreeMap::new();
        let name = PersonName::parse(&self.name)
            .map_err(|k| errors.insert("name", k))
            .ok();
        let phone = if self.phone.trim().is_empty() {
            Some(None)
        } else {
            Phone::parse(&self.phone)
                .map(Some)
                .map_err(|k| errors.insert("phone", k))
                .ok()
        };
        let city = optional_text(&self.city, CITY_MAX, "profile.error.city_long")
            .map_err(|k| errors.insert("city", k))
            .ok();
        let bio = optional_text(&self.bio, BIO_MAX, "profile.error.bio_long")
            .map_err(|k| errors.insert("bio", k))
            .ok();
        let locale = match self.locale.trim() {
            "fr" => Some("fr"),
            "en" => Some("en"),
            _ => {
                errors.insert("locale", "profile.error.locale_invalid");
                None
            }
        };
        match (name, phone, city, bio, locale) {
            (Some(name), Some(phone), Some(city), Some(bio), Some(locale)) if errors.is_empty() => {
                Ok(ProfileInput {
                    name,
                    phone,
                    city,
                    bio,
                    locale,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The password-change form.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

/// The e-mail-change form.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EmailForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_email: String,
}

/// A row of the learning history.
#[derive(Debug, Serialize)]
pub struct EnrolmentView {
    pub title: String,
    pub slug: String,
    pub enrolled_on: String,
    pub completed_on: Option<String>,
    pub percent: i64,
    pub lessons_done: i64,
    pub lessons_total: i64,
}

/// A quiz result of the history.
#[derive(Debug, Serialize)]
pub struct QuizResultView {
    pub quiz_title: String,
    pub course_title: String,
    pub score_percent: i64,
    pub passed: bool,
    pub taken_on: String,
}

/// The statistics block.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub enrolled: i64,
    pub completed: i64,
    pub completion_rate: i64,
    pub minutes_spent: i64,
    pub hours: i64,
    pub minutes: i64,
    /// Mean of the best score of each quiz attempted; `None` before any attempt.
    pub quiz_average: Option<i64>,
    pub quizzes_attempted: i64,
}

impl Stats {
    pub fn new(enrolled: i64, completed: i64, minutes_spent: i64, best_scores: &[i64]) -> Self {
        let completion_rate = if enrolled == 0 {
            0
        } else {
            completed * 100 / enrolled
        };
        let count = best_scores.len() as i64;
        let quiz_average = (count > 0).then(|| {
            let sum: i64 = best_scores.iter().sum();
            (sum + count / 2) / count
        });
        Self {
            enrolled,
            completed,
            completion_rate,
            minutes_spent,
            hours: minutes_spent / 60,
            minutes: minutes_spent % 60,
            quiz_average,
            quizzes_attempted: count,
        }
    }
}

/// An active session of the user as listed on the security page (the id itself is a secret and
/// never shown).
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub expires: String,
    pub current: bool,
}

/// `YYYY-MM-DD` of an RFC 3339 timestamp.
pub fn day(ts: &str) -> String {
    ts.chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drc_phone_numbers_are_normalised() {
        for (raw, want) in [
            ("0812345678", "+243812345678"),
            ("081 234 56 78", "+243812345678"),
            ("812345678", "+243812345678"),
            ("+243 81 234 5678", "+243812345678"),
            ("00243812345678", "+243812345678"),
            ("243812345678", "+243812345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
        ] {
            assert_eq!(Phone::parse(raw).map(|p| p.0), Ok(want.into()), "{raw}");
        }
        for bad in [
            "12345",
            "abc0812345678",
            "+243 81<script>",
            "1234567890123456",
            "++243812345678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statistics_round_the_quiz_average_and_handle_no_data() {
        let s = Stats::new(0, 0, 0, &[]);
        assert_eq!((s.completion_rate, s.quiz_average), (0, None));
        let s = Stats::new(3, 1, 125, &[100, 50, 75]);
        assert_eq!(s.completion_rate, 33);
        assert_eq!(s.quiz_average, Some(75));
        assert_eq!((s.hours, s.minutes), (2, 5));
    }
}
