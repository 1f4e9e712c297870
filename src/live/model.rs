//! Rules of live sessions: form validation (the start typed in the planner's zone), reminder
//! times, question ordering and the iCalendar (RFC 5545) text.

use serde::{Deserialize, Serialize};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::db;
use crate::web::time::TimeZone;

/// Africa/Kinshasa, the default zone: UTC+1 all year (demo sessions are planned at round
/// Kinshasa hours; tests type start times as a Kinshasa planner would).
pub const KINSHASA: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

const ICS_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

pub const TITLE_MIN: usize = 5;
pub const TITLE_MAX: usize = 150;
pub const DESCRIPTION_MAX: usize = 5000;
pub const DURATION_MIN: i64 = 15;
pub const DURATION_MAX: i64 = 480;
pub const QUESTION_MIN: usize = 3;
pub const QUESTION_MAX: usize = 300;
/// Questions a user may ask per minute in a session.
pub const QUESTIONS_PER_MINUTE: i64 = 3;
pub const SAY_MAX: usize = 500;
/// Chat lines a user may send per [`SAY_WINDOW_SECONDS`].
pub const SAY_PER_WINDOW: i64 = 10;
pub const SAY_WINDOW_SECONDS: i64 = 20;

/// The scheduling form as posted.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SessionForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Course id, or empty for a public session.
    #[serde(default)]
    pub course_id: String,
    /// `datetime-local` in Kinshasa time.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub external_url: String,
}

/// A validated form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSession {
    pub title: String,
    pub description: String,
    pub course_id: Option<i64>,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub external_url: Option<String>,
}

/// Field → catalogue key of the error.
pub type ErrorKeys = Vec<(&'static str, &'static str)>;

impl SessionForm {
    /// Checks every field; the start is read in `zone` and `now` decides what "in the past"
    /// means. The course's ownership is checked by the caller (it needs the database).
    pub fn validate(
        &self,
        now: OffsetDateTime,
        zone: &TimeZone,
    ) -> Result<ValidSession, ErrorKeys> {
        let mut errors = ErrorKeys::new();
        let title = self.title.trim().to_owned();
        let n = title.chars().count();
        if !(TITLE_MIN..=TITLE_MAX).contains(&n) {
            errors.push(("title", "live.error.title"));
        }
        let description = self.description.trim().to_owned();
        if description.chars().count() > DESCRIPTION_MAX {
            errors.push(("description", "live.error.description"));
        }
        let course_id = match self.course_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.push(("course_id", "live.error.course"));
                    None
                }
            },
        };
        let starts_at = match parse_local(&self.starts_at, zone) {
            Some(t) if t > now => Some(t),
            Some(_) => {
                errors.push(("starts_at", "live.error.past"));
                None
            }
            None => {
                errors.push(("starts_at", "live.error.start"));
                None
            }
        };
        let duration_minutes = match self.duration_minutes.trim().parse::<i64>() {
            Ok(d) if (DURATION_MIN..=DURATION_MAX).contains(&d) => d,
            _ => {
                errors.push(("duration_minutes", "live.error.duration"));
                0
            }
        };
        let external_url = match self.external_url.trim() {
            "" => None,
            s if is_http_url(s) => Some(s.to_owned()),
            _ => {
                errors.push(("external_url", "live.error.url"));
                None
            }
        };
        match starts_at {
            Some(starts_at) if errors.is_empty() => Ok(ValidSession {
                title,
                description,
                course_id,
                starts_at,
                duration_minutes,
                external_url,
            }),
            _ => Err(errors),
        }
    }
}

fn is_http_url(s: &str) -> bool {
    s.len() <= 500
        && url::Url::parse(s)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Parses a `datetime-local` value typed in `zone` (the planner's).
pub fn parse_local(s: &str, zone: &TimeZone) -> Option<OffsetDateTime> {
    let t = crate::web::time::parse_local_input(s, zone)?;
    OffsetDateTime::from_unix_timestamp(t.as_second()).ok()
}

/// The reminders of a session starting at `start`: (kind, due) for those not already past,
/// `first` being "scheduled" or "moved" (due now).
pub fn reminders(
    first: &'static str,
    start: OffsetDateTime,
    now: OffsetDateTime,
) -> Vec<(&'static str, OffsetDateTime)> {
    let mut out = vec![(first, now)];
    for (kind, before) in [("24h", Duration::hours(24)), ("15m", Duration::minutes(15))] {
        let due = start - before;
        if due > now {
            out.push((kind, due));
        }
    }
    out
}

/// Status of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Scheduled,
    Live,
    Ended,
    Cancelled,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s {
            "live" => Status::Live,
            "ended" => Status::Ended,
            "cancelled" => Status::Cancelled,
            _ => Status::Scheduled,
        }
    }
}

/// Validates a question body.
pub fn validate_question(body: &str) -> Result<String, &'static str> {
    let body = body.trim();
    let n = body.chars().count();
    if (QUESTION_MIN..=QUESTION_MAX).contains(&n) {
        Ok(body.to_owned())
    } else {
        Err("live.error.question_length")
    }
}

/// Validates a chat line.
pub fn validate_say(body: &str) -> Result<String, &'static str> {
    let body = body.trim();
    let n = body.chars().count();
    if (1..=SAY_MAX).contains(&n) {
        Ok(body.to_owned())
    } else {
        Err("live.error.say_length")
    }
}

/// One event of an iCalendar file.
pub struct IcsEvent<'a> {
    pub uid: String,
    pub start: &'a str,
    pub duration_minutes: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub url: String,
    pub cancelled: bool,
}

/// A whole VCALENDAR with `events`, CRLF line ends and lines folded at 75 octets.
pub fn ics(name: &str, events: &[IcsEvent<'_>], now: OffsetDateTime) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//TechLearnJess//Sessions live//FR".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    let stamp = ics_time(now);
    for e in events {
        let Some(start) = db::parse_timestamp(e.start) else {
            continue;
        };
        let end = start + Duration::minutes(e.duration_minutes);
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", e.uid));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART:{}", ics_time(start)));
        lines.push(format!("DTEND:{}", ics_time(end)));
        lines.push(format!("SUMMARY:{}", escape(e.title)));
        if !e.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(e.description)));
        }
        lines.push(format!("URL:{}", e.url));
        if e.cancelled {
            lines.push("STATUS:CANCELLED".into());
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
    }
    out
}

fn ics_time(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(ICS_TIME)
        .unwrap_or_default()
}

/// Escapes iCalendar TEXT values (RFC 5545 §3.3.11): backslash, comma, semicolon and newlines;
/// not HTML, hence not `markdown::escape_html`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a UTF-8 character) and ends it with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    #[test]
    fn a_start_typed_in_kinshasa_or_lubumbashi_is_stored_in_utc() {
        let t = parse_local("2026-12-01T10:30", &zone("Africa/Kinshasa")).unwrap();
        assert_eq!(db::timestamp(t), "2026-12-01T09:30:00Z");
        let t = parse_local("2026-12-01T10:30", &zone("Africa/Lubumbashi")).unwrap();
        assert_eq!(db::timestamp(t), "2026-12-01T08:30:00Z");
        assert!(parse_local("demain", &zone("Africa/Kinshasa")).is_none());
    }

    #[test]
    fn form_rules() {
        let now = datetime!(2026-11-25 12:00 UTC);
        let mut f = SessionForm {
            title: "Atelier Rust".into(),
            description: String::new(),
            course_id: String::new(),
            starts_at: "2026-11-26T10:00".into(),
            duration_minutes: "60".into(),
            external_url: "https://meet.example.org/x".into(),
        };
        let ok = f.validate(now, &zone("Africa/Kinshasa")).unwrap();
        assert_eq!(db::timestamp(ok.starts_at), "2026-11-26T09:00:00Z");
        f.starts_at = "2026-11-25T12:30".into(); // 11:30 UTC: past
        assert!(
            f.validate(now, &zone("Africa/Kinshasa"))
                .unwrap_err()
                .contains(&("starts_at", "live.error.past"))
        );
        f.starts_at = "2026-11-26T10:00".into();
        f.duration_minutes = "10".into();
        assert!(f.validate(now, &zone("Africa/Kinshasa")).is_err());
        f.duration_minutes = "480".into();
        f.external_url = "javascript:alert(1)".into();
        assert!(f.validate(now, &zone("Africa/Kinshasa")).is_err());
        f.external_url = String::new();
        f.title = "Abc".into();
        assert!(f.validate(now, &zone("Africa/Kinshasa")).is_err());
    }

    #[test]
    fn ice_servers_setting_must_be_a_json_array() {
        let config = |ice: &'static str| {
            crate::config::Config::from_lookup(move |k| {
                (k == "TLJ_LIVE_ICE_SERVERS").then(|| ice.to_owned())
            })
        };
        assert_eq!(config("").unwrap().live_ice_servers, "[]");
        let ok = r#"[{"urls":"stun:stun.example.org:3478"}]"#;
        assert_eq!(config(ok).unwrap().live_ice_servers, ok);
        let err = config(r#"{"urls":"x"}"#).unwrap_err().to_string();
        assert!(
            err.contains("TLJ_LIVE_ICE_SERVERS doit être un tableau JSON"),
            "{err}"
        );
    }

    #[test]
    fn reminder_times() {
        let now = datetime!(2026-11-25 12:00 UTC);
        let r = reminders("scheduled", datetime!(2026-11-27 12:00 UTC), now);
        assert_eq!(
            r,
            vec![
                ("scheduled", now),
                ("24h", datetime!(2026-11-26 12:00 UTC)),
                ("15m", datetime!(2026-11-27 11:45 UTC))
            ]
        );
        let r = reminders("moved", datetime!(2026-11-25 13:00 UTC), now);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn ics_is_escaped_and_folded() {
        let long = "é".repeat(60);
        let text = ics(
            "Sessions",
            &[IcsEvent {
                uid: "live-1@x".into(),
                start: "2026-12-01T09:30:00Z",
                duration_minutes: 90,
                title: "A, b; c\\d",
                description: &format!("ligne 1\nligne 2 {long}"),
                url: "http://x/live/1".into(),
                cancelled: false,
            }],
            datetime!(2026-11-25 12:00 UTC),
        );
        assert!(text.contains("DTSTART:20261201T093000Z\r\n"));
        assert!(text.contains("DTEND:20261201T110000Z\r\n"));
        assert!(text.contains("SUMMARY:A\\, b\\; c\\\\d\r\n"));
        assert!(text.contains("DESCRIPTION:ligne 1\\nligne 2"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
