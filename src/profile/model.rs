//! Validated profile input (phone, city, bio, language) and what the profile pages show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::auth::model::PersonName;
use crate::web::time::TimeZone;

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
    /// An IANA name; empty follows the platform's zone.
    #[serde(default)]
    pub timezone: String,
}

/// The personal information once checked.
#[derive(Debug)]
pub struct ProfileInput {
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub city: Option<String>,
    pub bio: Option<String>,
    pub locale: &'static str,
    pub timezone: Option<TimeZone>,
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
        let timezone = match self.timezone.trim() {
            "" => Some(None),
            name => TimeZone::parse(name)
                .map(Some)
                .ok_or_else(|| errors.insert("timezone", "profile.error.timezone_invalid"))
                .ok(),
        };
        match (name, phone, city, bio, locale, timezone) {
            (Some(name), Some(phone), Some(city), Some(bio), Some(locale), Some(timezone))
                if errors.is_empty() =>
            {
                Ok(ProfileInput {
                    name,
                    phone,
                    city,
                    bio,
                    locale,
                    timezone,
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

/// An option of the profile's zone select.
#[derive(Debug, Serialize)]
pub struct ZoneOption {
    pub name: String,
    pub label: String,
}

/// The zones offered, with their current offset ("Lubumbashi (UTC+2)"); a stored zone that is
/// not in the usual list is offered too, so saving the form keeps it.
pub fn zone_options(current: &str, now: jiff::Timestamp) -> Vec<ZoneOption> {
    let mut names: Vec<&str> = crate::web::time::CHOICES.to_vec();
    if !current.is_empty() && !names.contains(&current) {
        names.push(current);
    }
    names
        .into_iter()
        .filter_map(TimeZone::parse)
        .map(|z| ZoneOption {
            label: crate::web::time::zone_label(&z, now),
            name: z.name().to_owned(),
        })
        .collect()
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
    fn the_zone_is_optional_and_must_be_a_real_one() {
        let mut form = ProfileForm {
            name: "Amani Kabila".into(),
            locale: "fr".into(),
            ..ProfileForm::default()
        };
        assert_eq!(form.parse().map(|p| p.timezone), Ok(None));
        form.timezone = "Africa/Lubumbashi".into();
        let zone = form.parse().ok().and_then(|p| p.timezone);
        assert_eq!(zone.as_ref().map(TimeZone::name), Some("Africa/Lubumbashi"));
        form.timezone = "Africa/Goma".into();
        assert_eq!(
            form.parse().err().and_then(|e| e.get("timezone").copied()),
            Some("profile.error.timezone_invalid")
        );
    }

    #[test]
    fn the_zone_list_starts_with_both_zones_of_the_country_and_keeps_a_stored_one() {
        let now: jiff::Timestamp = "2026-12-03T12:00:00Z".parse().unwrap();
        let options = zone_options("", now);
        assert_eq!(options[0].label, "Kinshasa (UTC+1)");
        assert_eq!(options[1].label, "Lubumbashi (UTC+2)");
        let kept = zone_options("Asia/Tokyo", now);
        assert_eq!(kept.last().map(|o| o.label.as_str()), Some("Tokyo (UTC+9)"));
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
