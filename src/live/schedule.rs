//! What is coming: the sessions a user may attend next (the dashboard's list) and the reminders
//! sent before them, each e-mailed in its recipient's language.

use ::time::{Duration, OffsetDateTime};
use minijinja::context;
use serde::Serialize;

use super::access;
use super::model::Status;
use super::queries::{self, Session};
use crate::auth::model::User;
use crate::db;
use crate::error::AppResult;
use crate::mail::Email;
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::time::{self as clock, Style, TimeZone};

/// A session ready for a template.
#[derive(Serialize)]
pub struct SessionView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub trainer_name: String,
    pub course_title: Option<String>,
    pub course_slug: Option<String>,
    /// Stored UTC time; templates show it with `when`.
    pub starts_at: String,
    pub duration_minutes: i64,
    pub external_url: Option<String>,
    pub status: Status,
    pub editable: bool,
}

impl SessionView {
    pub fn new(s: &Session, user: Option<&User>) -> Self {
        Self {
            id: s.id,
            title: s.title.clone(),
            description: s.description.clone(),
            trainer_name: s.trainer_name.clone(),
            course_title: s.course_title.clone(),
            course_slug: s.course_slug.clone(),
            starts_at: s.starts_at.clone(),
            duration_minutes: s.duration_minutes,
            external_url: s.external_url.clone(),
            status: Status::parse(&s.status),
            editable: user.is_some_and(|u| access::can_edit(u, s)),
        }
    }
}

pub fn is_upcoming(s: &Session, now: OffsetDateTime) -> bool {
    match Status::parse(&s.status) {
        Status::Live => true,
        Status::Scheduled => db::parse_timestamp(&s.starts_at)
            .is_some_and(|t| t + Duration::minutes(s.duration_minutes) > now),
        Status::Ended | Status::Cancelled => false,
    }
}

/// The next sessions `user` may attend (the dashboard's list).
pub async fn upcoming_for(
    state: &AppState,
    user: &User,
    limit: usize,
) -> AppResult<Vec<SessionView>> {
    let now = OffsetDateTime::now_utc();
    let since = db::timestamp(now - Duration::hours(8));
    let courses = access::attended_courses(&state.db, user).await?;
    Ok(queries::coming_sessions(&state.db, &since)
        .await?
        .iter()
        .filter(|s| access::visible(user, s, &courses) && is_upcoming(s, now))
        .take(limit)
        .map(|s| SessionView::new(s, Some(user)))
        .collect())
}

/// Sends every reminder due at `now` exactly once (across instances and restarts): each is
/// claimed by an update that only one caller wins, then notified. The notification names the
/// session; the e-mail says which reminder it is, in each recipient's language.
pub async fn send_due_reminders(state: &AppState, now: OffsetDateTime) -> AppResult<usize> {
    let now_s = db::timestamp(now);
    let mut sent = 0;
    for r in queries::due_reminders(&state.db, &now_s).await? {
        if !queries::claim_reminder(&state.db, r.id, &now_s).await? {
            continue;
        }
        let Some(s) = queries::session(&state.db, r.session_id).await? else {
            continue;
        };
        let audience: Vec<i64> = queries::audience(&state.db, &s)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let link = format!("/live/{}", s.id);
        let notice = Notice {
            kind: Kind::LiveSession,
            subject: &s.title,
            link: &link,
        };
        let recipients = notifications::notify_many_without_email(state, &audience, notice).await?;
        for recipient in &recipients {
            let locale = Locale::parse(&recipient.locale).unwrap_or_default();
            let zone = recipient
                .timezone
                .as_deref()
                .and_then(TimeZone::parse)
                .unwrap_or_else(|| state.config.timezone.clone());
            match reminder_email(state, locale, &zone, &recipient.name, &r.kind, &s, &link) {
                Ok((subject, body)) => {
                    let email = Email {
                        to_name: recipient.name.clone(),
                        to_address: recipient.email.clone(),
                        subject,
                        body,
                    };
                    if let Err(e) = state.mailer.send(email).await {
                        tracing::error!(mail.to = %recipient.email, live.id = s.id, error = %e, "live reminder e-mail could not be sent");
                    }
                }
                Err(e) => {
                    tracing::error!(live.id = s.id, error = %e, "live reminder e-mail could not be rendered");
                }
            }
        }
        sent += 1;
    }
    Ok(sent)
}

/// The subject and body of a reminder (`kind`: scheduled, moved, 24h, 15m) in `locale`, the
/// start shown in `zone` (the recipient's) and named ("Lubumbashi (UTC+2)").
fn reminder_email(
    state: &AppState,
    locale: Locale,
    zone: &TimeZone,
    name: &str,
    kind: &str,
    s: &Session,
    link: &str,
) -> Result<(String, String), minijinja::Error> {
    let kind = match kind {
        "moved" | "24h" | "15m" => kind,
        _ => "scheduled",
    };
    let at = clock::parse_timestamp(&s.starts_at).unwrap_or_else(clock::now);
    let when = clock::instant(at, Style::DateTime, zone, locale, at);
    let zone = clock::zone_label(zone, at);
    let subject = state.i18n.format(
        locale,
        &format!("mail.live_reminder.subject_{kind}"),
        &[
            ("title", s.title.as_str()),
            ("when", when.as_str()),
            ("zone", zone.as_str()),
        ],
    );
    let url = format!("{}{link}", state.config.base_url);
    let body = state.templates.render(
        "views/mail/live_reminder.txt",
        context! { locale => locale.code(), name, subject => &subject, url },
    )?;
    Ok((subject, body))
}
