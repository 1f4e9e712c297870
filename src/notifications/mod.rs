//! Notifications: one store per user, the API every feature calls ([`notify`],
//! [`notify_many`]), the `/notifications` centre, the live badge over SSE and per-type e-mail
//! settings.

pub mod handlers;
pub mod model;
pub mod queries;

use minijinja::context;
use serde::Serialize;

use self::model::{NotificationView, text, view};
use self::queries::Recipient;
use crate::error::AppResult;
use crate::mail::Email;
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::time::TimeZone;
use crate::web::{RequestContext, Routes};

/// What a notification is about. The text shown is `notifications.kind.<code>` with the
/// notice's `subject` (a course title, a sender's name, a topic title) put in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Kind {
    PrivateMessage,
    CoursePublished,
    LiveSession,
    ForumReply,
    ForumMention,
    CertificateAvailable,
    PaymentConfirmed,
    QuizAttemptGranted,
    /// A sponsor's seat enrolled the user (subject: the course's title).
    SeatEnrolment,
    /// A quiz answered offline was graded when the connection came back (subject: its title).
    QuizGraded,
    /// A moderator warned the user (subject: the reason).
    ModerationWarning,
    /// A moderator suspended the user's posting (subject: [`suspension_subject`]).
    ModerationSuspension,
    /// A moderator lifted the suspension.
    ModerationLifted,
    /// A new report waits in the moderation queue (moderators; subject: what was reported).
    ModerationReport,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::PrivateMessage,
        Kind::CoursePublished,
        Kind::LiveSession,
        Kind::ForumReply,
        Kind::ForumMention,
        Kind::CertificateAvailable,
        Kind::PaymentConfirmed,
        Kind::QuizAttemptGranted,
        Kind::SeatEnrolment,
        Kind::QuizGraded,
    ];

    /// Service notices: always shown, e-mailed as their sender decides, not in the settings.
    pub const SERVICE: [Kind; 4] = [
        Kind::ModerationWarning,
        Kind::ModerationSuspension,
        Kind::ModerationLifted,
        Kind::ModerationReport,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::PrivateMessage => "private_message",
            Kind::CoursePublished => "course_published",
            Kind::LiveSession => "live_session",
            Kind::ForumReply => "forum_reply",
            Kind::ForumMention => "forum_mention",
            Kind::CertificateAvailable => "certificate_available",
            Kind::PaymentConfirmed => "payment_confirmed",
            Kind::QuizAttemptGranted => "quiz_attempt_granted",
            Kind::SeatEnrolment => "seat_enrolment",
            Kind::QuizGraded => "quiz_graded",
            Kind::ModerationWarning => "moderation_warning",
            Kind::ModerationSuspension => "moderation_suspension",
            Kind::ModerationLifted => "moderation_lifted",
            Kind::ModerationReport => "moderation_report",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .chain(Kind::SERVICE)
            .find(|k| k.code() == code)
    }

    /// Whether an e-mail is also sent when the user has not chosen.
    pub fn emails_by_default(self) -> bool {
        matches!(
            self,
            Kind::LiveSession
                | Kind::CertificateAvailable
                | Kind::PaymentConfirmed
                | Kind::QuizAttemptGranted
        )
    }
}

/// A notification to send: its kind, the name it shows, and the local path it leads to.
#[derive(Clone, Copy, Debug)]
pub struct Notice<'a> {
    pub kind: Kind,
    pub subject: &'a str,
    pub link: &'a str,
}

/// Stores a notification for `user_id`, pushes it live to their open pages and e-mails it when
/// their settings say so. The e-mail is sent in the background; a mail failure is logged.
pub async fn notify(state: &AppState, user_id: i64, notice: Notice<'_>) -> AppResult<()> {
    notify_many(state, &[user_id], notice).await
}

/// [`notify`] for several users (e.g. every follower of a topic, every enrolled learner).
pub async fn notify_many(state: &AppState, user_ids: &[i64], notice: Notice<'_>) -> AppResult<()> {
    let recipients = notify_many_without_email(state, user_ids, notice).await?;
    if !recipients.is_empty() {
        let state = state.clone();
        let (subject, link) = (notice.subject.to_owned(), notice.link.to_owned());
        let kind = notice.kind;
        let tasks = state.tasks.clone();
        tasks.spawn(async move {
            for r in recipients {
                send_email(&state, &r, kind, &subject, &link).await;
            }
        });
    }
    Ok(())
}

/// [`notify`] for what the user must hear of (a moderator's warning or suspension): the
/// e-mail goes whatever their settings say, in their language and time zone.
pub async fn notify_and_email(state: &AppState, user_id: i64, notice: Notice<'_>) -> AppResult<()> {
    notify_many_without_email(state, &[user_id], notice).await?;
    if let Some(r) = queries::recipient(&state.db, user_id).await? {
        let state = state.clone();
        let (subject, link) = (notice.subject.to_owned(), notice.link.to_owned());
        let kind = notice.kind;
        let tasks = state.tasks.clone();
        tasks.spawn(async move {
            send_email(&state, &r, kind, &subject, &link).await;
        });
    }
    Ok(())
}

/// The stored subject of a suspension notice: when it ends (a stored timestamp, shown in the
/// reader's zone) and why.
pub fn suspension_subject(until: &str, reason: &str) -> String {
    format!("{until}\n{reason}")
}

/// [`notify_many`] for a feature that writes its own e-mail (live reminders): stores and
/// pushes the notice, and returns the users whose settings ask for it by e-mail, with their
/// language.
pub async fn notify_many_without_email(
    state: &AppState,
    user_ids: &[i64],
    notice: Notice<'_>,
) -> AppResult<Vec<Recipient>> {
    for &user_id in user_ids {
        let id = queries::insert(&state.db, user_id, notice).await?;
        state
            .hub
            .publish(&user_topic(user_id), "notification", id, "")
            .await?;
    }
    Ok(queries::email_recipients(&state.db, user_ids, notice.kind).await?)
}

/// E-mails one notification (called in the background by `notify_many`).
async fn send_email(state: &AppState, r: &Recipient, kind: Kind, subject: &str, link: &str) {
    let locale = Locale::parse(&r.locale).unwrap_or(Locale::Fr);
    let zone = r
        .timezone
        .as_deref()
        .and_then(TimeZone::parse)
        .unwrap_or_else(|| state.config.timezone.clone());
    let line = text(state, locale, &zone, kind.code(), subject);
    let url = format!("{}{}", state.config.base_url, link);
    let body = match state.templates.render(
        "views/mail/notification.txt",
        context! {
            locale => locale.code(), name => &r.name, line => &line, url,
            service => Kind::SERVICE.contains(&kind),
        },
    ) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "notification e-mail could not be rendered");
            return;
        }
    };
    let email = Email {
        to_name: r.name.clone(),
        to_address: r.email.clone(),
        subject: line,
        body,
    };
    if let Err(e) = state.mailer.send(email).await {
        tracing::error!(mail.to = %r.email, error = %e, "notification e-mail could not be sent");
    }
}

/// The user's newest notifications, unread first (for the dashboard).
pub async fn latest(
    state: &AppState,
    ctx: &RequestContext,
    user_id: i64,
    n: i64,
) -> AppResult<Vec<NotificationView>> {
    let rows = queries::page(&state.db, user_id, n, 0).await?;
    Ok(rows.into_iter().map(|r| view(state, ctx, r)).collect())
}

/// Tells the learners who follow the course's category or trainer (they are enrolled in one
/// of their courses) that a new course is out; in the background, as they can be many.
pub fn announce_course(state: &AppState, course_id: i64) {
    let state = state.clone();
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        let result: AppResult<()> = async {
            let Some((title, slug)) = queries::course_title(&state.db, course_id).await? else {
                return Ok(());
            };
            let learners = queries::course_audience(&state.db, course_id).await?;
            let link = format!("/courses/{slug}");
            let notice = Notice {
                kind: Kind::CoursePublished,
                subject: &title,
                link: &link,
            };
            notify_many(&state, &learners, notice).await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, course.id = course_id, "course announcement failed");
        }
    });
}

/// The hub topic of one user's notifications.
pub fn user_topic(user_id: i64) -> String {
    format!("user:{user_id}")
}

pub fn router() -> Routes {
    Routes::new()
        .get("/notifications", handlers::list)
        .get("/notifications/stream", handlers::stream)
        .get("/notifications/badge", handlers::badge)
        .post("/notifications/read-all", handlers::mark_all_read)
        .post("/notifications/{id}/read", handlers::mark_read)
        .get("/notifications/settings", handlers::settings_page)
        .post("/notifications/settings", handlers::save_settings)
}
