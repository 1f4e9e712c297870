//! What the notification pages and e-mails show of a stored notification: its text in the
//! reader's language.

use serde::Serialize;

use super::queries::Notification;
use crate::state::AppState;
use crate::web::i18n::Locale;

/// A notification with its text in the reader's language.
#[derive(Serialize)]
pub struct NotificationView {
    id: i64,
    kind: String,
    text: String,
    link: String,
    unread: bool,
    created_at: String,
}

pub fn view(state: &AppState, locale: Locale, n: Notification) -> NotificationView {
    NotificationView {
        text: text(state, locale, &n.kind, &n.subject),
        id: n.id,
        kind: n.kind,
        link: n.link,
        unread: n.read_at.is_none(),
        created_at: n.created_at,
    }
}

pub fn text(state: &AppState, locale: Locale, kind: &str, subject: &str) -> String {
    state.i18n.format(
        locale,
        &format!("notifications.kind.{kind}"),
        &[("subject", subject)],
    )
}
