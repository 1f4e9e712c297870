//! Times shown to people: a stored UTC time (`db::now`) in the viewer's zone and language, in
//! one style ("3 déc. 2026 à 11:04", the date alone, "il y a 5 min" within the hour).

use std::fmt;
use std::str::FromStr;

use jiff::civil::DateTime;
use jiff::{Timestamp, ZonedDateTime};

use super::i18n::Locale;

/// The platform default when `TLJ_TIMEZONE` is unset.
pub const DEFAULT_ZONE: &str = "Africa/Kinshasa";

/// A valid IANA time zone, parsed once (from the configuration, a profile form or a stored
/// user setting) and carried with its name.
#[derive(Clone)]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl TimeZone {
    /// The zone named `name` in the bundled database, or `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        // Only real IANA names: no POSIX TZ strings, no fixed offsets, no empty name.
        if name.is_empty() || (!name.contains('/') && name != "UTC") {
            return None;
        }
        let zone = jiff::tz::TimeZone::get(name).ok()?;
        let name = zone.iana_name().unwrap_or(name).to_owned();
        Some(Self { name, zone })
    }

    /// Africa/Kinshasa (UTC+1, no daylight saving): the platform's default zone.
    pub fn kinshasa() -> Self {
        Self::parse(DEFAULT_ZONE).unwrap_or_else(|| Self {
            name: "UTC".into(),
            zone: jiff::tz::TimeZone::UTC,
        })
    }

    /// The IANA name, as stored in `users.timezone`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset from UTC in force at `at`, in whole minutes.
    fn offset_minutes(&self, at: Timestamp) -> i32 {
        self.zone.to_offset(at).seconds() / 60
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::kinshasa()
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TimeZone {}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TimeZone").field(&self.name).finish()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for TimeZone {
    type Err = UnknownZone;
    fn from_str(s: &str) -> Result<Self, UnknownZone> {
        Self::parse(s).ok_or_else(|| UnknownZone(s.to_owned()))
    }
}

/// A name that is not a zone of the IANA database.
#[derive(Debug, thiserror::Error)]
#[error("unknown time zone: {0}")]
pub struct UnknownZone(pub String);

/// The zones offered in the profile: both zones of DR Congo first, then neighbours and the
/// places members often live or work with. Any other valid IANA name is accepted too.
pub const CHOICES: &[&str] = &[
    "Africa/Kinshasa",
    "Africa/Lubumbashi",
    "Africa/Brazzaville",
    "Africa/Luanda",
    "Africa/Bangui",
    "Africa/Kigali",
    "Africa/Bujumbura",
    "Africa/Kampala",
    "Africa/Dar_es_Salaam",
    "Africa/Lusaka",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Africa/Lagos",
    "Africa/Douala",
    "Africa/Abidjan",
    "Africa/Dakar",
    "Africa/Casablanca",
    "Africa/Cairo",
    "Europe/Brussels",
    "Europe/Paris",
    "Europe/London",
    "America/Montreal",
    "America/New_York",
    "Asia/Dubai",
    "Asia/Shanghai",
    "UTC",
];

/// A zone as the profile's select shows it: "Kinshasa (UTC+1)", offset as of `now`.
pub fn zone_label(zone: &TimeZone, now: Timestamp) -> String {
    let city = zone
        .name()
        .rsplit('/')
        .next()
        .unwrap_or(zone.name())
        .replace('_', " ");
    if zone.name() == "UTC" {
        return city;
    }
    let minutes = zone.offset_minutes(now);
    let sign = if minutes < 0 { '-' } else { '+' };
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    if m == 0 {
        format!("{city} (UTC{sign}{h})")
    } else {
        format!("{city} (UTC{sign}{h}:{m:02})")
    }
}

/// How a time is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// "3 déc. 2026 à 11:04"
    DateTime,
    /// "3 déc. 2026"
    Date,
    /// "1er décembre 2026" / "December 1, 2026": the formal date of certificates.
    LongDate,
    /// "il y a 5 min" within the last hour, else like [`Style::DateTime`].
    Relative,
    /// "11:04" (chat lines, where the day is the conversation's).
    Clock,
}

impl Style {
    /// The style named in a template (`{{ at|when("date") }}`); unknown names show the full form.
    pub fn parse(name: &str) -> Self {
        match name {
            "date" => Self::Date,
            "long_date" => Self::LongDate,
            "ago" => Self::Relative,
            "clock" => Self::Clock,
            _ => Self::DateTime,
        }
    }
}

/// What a stored column holds: an instant, or a calendar date without a time.
enum Stored {
    Instant(Timestamp),
    Day(jiff::civil::Date),
}

fn parse_stored(stored: &str) -> Option<Stored> {
    let s = stored.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(Stored::Instant(t));
    }
    s.parse::<jiff::civil::Date>().ok().map(Stored::Day)
}

/// Parses a stored timestamp (RFC 3339).
pub fn parse_timestamp(stored: &str) -> Option<Timestamp> {
    stored.trim().parse::<Timestamp>().ok()
}

/// `stored` in `zone` and `locale`, in `style`; `now` decides what "recent" means.
/// Text that is not a stored time is shown as it is (trimmed) rather than hidden or panicking.
pub fn format(
    stored: &str,
    style: Style,
    zone: &TimeZone,
    locale: Locale,
    now: Timestamp,
) -> String {
    match parse_stored(stored) {
        None => stored.trim().to_owned(),
        Some(Stored::Day(day)) if style == Style::LongDate => long_date_text(day, locale),
        Some(Stored::Day(day)) => date_text(day, locale),
        Some(Stored::Instant(t)) => instant(t, style, zone, locale, now),
    }
}

/// An instant in `zone` and `locale`, in `style`.
pub fn instant(
    t: Timestamp,
    style: Style,
    zone: &TimeZone,
    locale: Locale,
    now: Timestamp,
) -> String {
    let local = t.to_zoned_datetime(zone.zone.clone());
    match style {
        Style::Date => date_text(local.date(), locale),
        Style::LongDate => long_date_text(local.date(), locale),
        Style::Clock => clock_text(&local),
        Style::DateTime => date_time_text(&local, locale),
        Style::Relative => {
            relative(t, now, locale).unwrap_or_else(|| date_time_text(&local, locale))
        }
    }
}

/// The relative form, only for the last hour (and a minute of clock skew ahead): older or future
/// times read better as a date.
fn relative(t: Timestamp, now: Timestamp, locale: Locale) -> Option<String> {
    let seconds = now.as_second() - t.as_second();
    if !(-60..3600).contains(&seconds) {
        return None;
    }
    let minutes = seconds.max(0) / 60;
    Some(match (locale, minutes) {
        (Locale::Fr, 0) => "à l'instant".to_owned(),
        (Locale::En, 0) => "just now".to_owned(),
        (Locale::Fr, n) => format!("il y a {n}\u{a0}min"),
        (Locale::En, n) => format!("{n}\u{a0}min ago"),
    })
}

const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "3 déc. 2026": non-breaking spaces keep a date on one line.
fn date_text(day: jiff::civil::Date, locale: Locale) -> String {
    let months = match locale {
        Locale::Fr => &MONTHS_FR,
        Locale::En => &MONTHS_EN,
    };
    let month = months
        .get(usize::try_from(day.month() - 1).unwrap_or(0))
        .copied()
        .unwrap_or("");
    format!("{}\u{a0}{month}\u{a0}{}", day.day(), day.year())
}

const LONG_MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const LONG_MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1er décembre 2026" (French writes the first day as an ordinal) / "December 1, 2026".
fn long_date_text(day: jiff::civil::Date, locale: Locale) -> String {
    let index = usize::try_from(day.month() - 1).unwrap_or(0);
    match locale {
        Locale::Fr => {
            let month = LONG_MONTHS_FR.get(index).copied().unwrap_or("");
            let d = if day.day() == 1 {
                "1er".to_owned()
            } else {
                day.day().to_string()
            };
            format!("{d}\u{a0}{month} {}", day.year())
        }
        Locale::En => {
            let month = LONG_MONTHS_EN.get(index).copied().unwrap_or("");
            format!("{month}\u{a0}{}, {}", day.day(), day.year())
        }
    }
}

fn clock_text(local: &ZonedDateTime) -> String {
    format!("{:02}:{:02}", local.hour(), local.minute())
}

fn date_time_text(local: &ZonedDateTime, locale: Locale) -> String {
    let date = date_text(local.date(), locale);
    let clock = clock_text(local);
    match locale {
        Locale::Fr => format!("{date} à {clock}"),
        Locale::En => format!("{date}, {clock}"),
    }
}

/// Parses a `datetime-local` form value ("2026-12-01T10:30") typed in `zone`. A time that a
/// daylight-saving change skips or repeats is taken as the clocks' usual reading ("compatible").
pub fn parse_local_input(s: &str, zone: &TimeZone) -> Option<Timestamp> {
    let local: DateTime = s.trim().parse().ok()?;
    local
        .to_zoned_datetime(zone.zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// A stored UTC time as a `datetime-local` value in `zone`; empty for text that is not a time.
pub fn to_local_input(stored: &str, zone: &TimeZone) -> String {
    parse_timestamp(stored)
        .map(|t| {
            let local = t.to_zoned_datetime(zone.zone.clone());
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}",
                local.year(),
                local.month(),
                local.day(),
                local.hour(),
                local.minute()
            )
        })
        .unwrap_or_default()
}

/// The current instant.
pub fn now() -> Timestamp {
    Timestamp::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-12-03T12:00:00Z";

    fn show(stored: &str, style: Style, z: &str, locale: Locale) -> String {
        format(stored, style, &zone(z), locale, at(NOW))
    }

    #[test]
    fn kinshasa_is_one_hour_ahead_of_utc_and_lubumbashi_two() {
        let stored = "2026-12-03T10:04:00Z";
        assert_eq!(
            show(stored, Style::DateTime, "Africa/Kinshasa", Locale::Fr),
            "3\u{a0}déc.\u{a0}2026 à 11:04"
        );
        assert_eq!(
            show(stored, Style::DateTime, "Africa/Lubumbashi", Locale::Fr),
            "3\u{a0}déc.\u{a0}2026 à 12:04"
        );
        assert_eq!(
            show(stored, Style::DateTime, "Africa/Kinshasa", Locale::En),
            "3\u{a0}Dec\u{a0}2026, 11:04"
        );
        assert_eq!(
            show(stored, Style::Clock, "Africa/Lubumbashi", Locale::Fr),
            "12:04"
        );
    }

    #[test]
    fn the_date_is_the_local_one_near_midnight() {
        let stored = "2026-12-31T23:30:00Z";
        assert_eq!(
            show(stored, Style::Date, "UTC", Locale::Fr),
            "31\u{a0}déc.\u{a0}2026"
        );
        assert_eq!(
            show(stored, Style::Date, "Africa/Kinshasa", Locale::Fr),
            "1\u{a0}janv.\u{a0}2027"
        );
        assert_eq!(
            show("2026-08-01", Style::Date, "Africa/Lubumbashi", Locale::En),
            "1\u{a0}Aug\u{a0}2026"
        );
    }

    #[test]
    fn certificates_have_long_dates() {
        assert_eq!(
            show("2026-11-25", Style::LongDate, "UTC", Locale::Fr),
            "25\u{a0}novembre 2026"
        );
        assert_eq!(
            show(
                "2026-07-31T23:30:00Z",
                Style::LongDate,
                "Africa/Kinshasa",
                Locale::Fr
            ),
            "1er\u{a0}août 2026"
        );
        assert_eq!(
            show("2026-02-03", Style::LongDate, "UTC", Locale::En),
            "February\u{a0}3, 2026"
        );
    }

    #[test]
    fn paris_follows_daylight_saving_time() {
        assert_eq!(
            show(
                "2026-07-01T10:00:00Z",
                Style::Clock,
                "Europe/Paris",
                Locale::Fr
            ),
            "12:00"
        );
        assert_eq!(
            show(
                "2026-01-15T10:00:00Z",
                Style::Clock,
                "Europe/Paris",
                Locale::Fr
            ),
            "11:00"
        );
        // 02:30 does not exist on 29 March 2026 in Paris: the compatible reading is 03:30 CEST.
        let skipped = parse_local_input("2026-03-29T02:30", &zone("Europe/Paris")).unwrap();
        assert_eq!(skipped, at("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn recent_times_read_as_minutes_ago_and_older_ones_as_dates() {
        let fr = |s| show(s, Style::Relative, "Africa/Kinshasa", Locale::Fr);
        let en = |s| show(s, Style::Relative, "Africa/Kinshasa", Locale::En);
        assert_eq!(fr("2026-12-03T11:59:30Z"), "à l'instant");
        assert_eq!(en("2026-12-03T11:59:30Z"), "just now");
        assert_eq!(fr("2026-12-03T11:55:00Z"), "il y a 5\u{a0}min");
        assert_eq!(en("2026-12-03T11:01:00Z"), "59\u{a0}min ago");
        assert_eq!(fr("2026-12-03T11:00:00Z"), "3\u{a0}déc.\u{a0}2026 à 12:00");
        // A few seconds in the future (another instance's clock) is still "now"; later is a date.
        assert_eq!(fr("2026-12-03T12:00:20Z"), "à l'instant");
        assert_eq!(fr("2026-12-03T15:00:00Z"), "3\u{a0}déc.\u{a0}2026 à 16:00");
    }

    #[test]
    fn text_that_is_not_a_time_is_shown_as_it_is() {
        for style in [
            Style::DateTime,
            Style::Date,
            Style::LongDate,
            Style::Relative,
            Style::Clock,
        ] {
            assert_eq!(show("n/a", style, "Africa/Kinshasa", Locale::Fr), "n/a");
            assert_eq!(show("", style, "Africa/Kinshasa", Locale::Fr), "");
            assert_eq!(
                show("2026-13-45T99:00:00Z", style, "UTC", Locale::En),
                "2026-13-45T99:00:00Z"
            );
        }
        assert_eq!(to_local_input("garbage", &zone("Africa/Kinshasa")), "");
        assert!(parse_local_input("demain", &zone("Africa/Kinshasa")).is_none());
    }

    #[test]
    fn only_iana_names_are_zones() {
        assert_eq!(zone("Africa/Lubumbashi").name(), "Africa/Lubumbashi");
        assert_eq!(zone("UTC").name(), "UTC");
        for bad in [
            "",
            "Africa/Atlantis",
            "EST5EDT,M3.2.0,M11.1.0",
            "+01:00",
            "Kinshasa",
            "../etc/passwd",
        ] {
            assert!(TimeZone::parse(bad).is_none(), "{bad}");
        }
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
    }

    #[test]
    fn the_profile_labels_show_the_offset() {
        let now = at(NOW);
        assert_eq!(
            zone_label(&zone("Africa/Kinshasa"), now),
            "Kinshasa (UTC+1)"
        );
        assert_eq!(
            zone_label(&zone("Africa/Lubumbashi"), now),
            "Lubumbashi (UTC+2)"
        );
        assert_eq!(
            zone_label(&zone("America/New_York"), now),
            "New York (UTC-5)"
        );
        assert_eq!(zone_label(&zone("UTC"), now), "UTC");
        for name in CHOICES {
            assert!(TimeZone::parse(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_local_input_round_trips_in_the_writers_zone() {
        let kin = zone("Africa/Kinshasa");
        let lub = zone("Africa/Lubumbashi");
        let t = parse_local_input("2026-12-01T10:30", &kin).unwrap();
        assert_eq!(t, at("2026-12-01T09:30:00Z"));
        assert_eq!(
            parse_local_input("2026-12-01T10:30", &lub).unwrap(),
            at("2026-12-01T08:30:00Z")
        );
        assert_eq!(parse_local_input("2026-12-01T10:30:00", &kin).unwrap(), t);
        assert_eq!(
            to_local_input("2026-12-01T09:30:00Z", &kin),
            "2026-12-01T10:30"
        );
        assert_eq!(
            to_local_input("2026-12-01T09:30:00Z", &lub),
            "2026-12-01T11:30"
        );
    }
}
