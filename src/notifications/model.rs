//! What the notification pages and e-mails show of a stored notification: its text in the
//! reader's language.

use serde::Serialize;

use super::Kind;
use super::queries::Notification;
use crate::state::AppState;
use crate::web::RequestContext;
use crate::web::i18n::Locale;
use crate::web::time::{self, Style, TimeZone};

/// A notification with its text in the reader's language.
#[derive(Serialize)]
pub struct NotificationView {
    id: i64,
    kind: String,
    text: String,
    link: String,
    unread: bool,
    created_at: String,
    /// How many notifications the line stands for.
    count: i64,
}

pub fn view(state: &AppState, ctx: &RequestContext, n: Notification) -> NotificationView {
    let group_key = format!("notifications.group.{}", n.kind);
    let text = if n.count > 1 && state.i18n.contains(&format!("{group_key}.other")) {
        state
            .i18n
            .plural(ctx.locale, &group_key, n.count, &[("subject", &n.subject)])
    } else {
        text(state, ctx.locale, &ctx.timezone, &n.kind, &n.subject)
    };
    NotificationView {
        text,
        count: n.count,
        id: n.id,
        kind: n.kind,
        link: n.link,
        unread: n.read_at.is_none(),
        created_at: n.created_at,
    }
}

/// The notification's sentence in `locale`; a time it holds (a suspension's end) in `zone`.
pub fn text(
    state: &AppState,
    locale: Locale,
    zone: &TimeZone,
    kind: &str,
    subject: &str,
) -> String {
    if kind == Kind::ModerationSuspension.code()
        && let Some((until, reason)) = subject.split_once('\n')
    {
        let until = time::format(until, Style::DateTime, zone, locale, time::now());
        return state.i18n.format(
            locale,
            "notifications.kind.moderation_suspension",
            &[("until", &until), ("reason", reason)],
        );
    }
    state.i18n.format(
        locale,
        &format!("notifications.kind.{kind}"),
        &[("subject", subject)],
    )
}
