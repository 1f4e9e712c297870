//! Forum rows, validated input, template views and the small rules (edit window, mentions,
//! quoting, search patterns).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::db::{self, flag};
use crate::error::{AppError, AppResult};

/// Topics per page of a topic list.
pub const PAGE_SIZE: i64 = 20;
/// Replies shown on a topic page (the newest ones beyond are still reachable by reload).
pub const MAX_REPLIES: i64 = 500;
/// Posts (topics + replies) a user may write per minute.
pub const POSTS_PER_MINUTE: i64 = 5;
/// Minutes during which an author may edit their post.
pub const EDIT_WINDOW_MINUTES: i64 = 30;
/// Mentions notified per post at most.
const MAX_MENTIONS: usize = 10;

pub const TITLE_MIN: usize = 5;
pub const TITLE_MAX: usize = 150;
pub const BODY_MAX: usize = 10_000;
pub const REASON_MAX: usize = 500;

/// What a like, report or moderation action is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Topic,
    Reply,
}

impl Target {
    pub fn code(self) -> &'static str {
        match self {
            Target::Topic => "topic",
            Target::Reply => "reply",
        }
    }
    pub fn parse(s: &str) -> AppResult<Self> {
        match s {
            "topic" => Ok(Target::Topic),
            "reply" => Ok(Target::Reply),
            _ => Err(AppError::NotFound),
        }
    }
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct CategoryRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A public category with its figures, for the forum index.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct CategorySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub topic_count: i64,
    pub last_activity_at: Option<String>,
}

/// A course forum the user can open, for the forum index.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct CourseForum {
    pub slug: String,
    pub title: String,
    pub topic_count: i64,
}

#[derive(Clone, Debug, FromRow)]
pub struct TopicRow {
    pub id: i64,
    pub category_id: Option<i64>,
    pub course_id: Option<i64>,
    pub author_id: i64,
    pub author_name: String,
    pub title: String,
    pub body: String,
    pub pinned: i64,
    pub locked: i64,
    pub hidden: i64,
    pub last_activity_at: String,
    pub edited_at: Option<String>,
    pub created_at: String,
    pub reply_count: i64,
    pub like_count: i64,
}

impl TopicRow {
    pub fn is_locked(&self) -> bool {
        flag(self.locked)
    }
    pub fn is_hidden(&self) -> bool {
        flag(self.hidden)
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct ReplyRow {
    pub id: i64,
    pub topic_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub hidden: i64,
    pub edited_at: Option<String>,
    pub created_at: String,
    pub like_count: i64,
}

/// One line of a topic list.
#[derive(Clone, Debug, Serialize)]
pub struct TopicItem {
    pub id: i64,
    pub title: String,
    pub author_name: String,
    pub pinned: bool,
    pub locked: bool,
    pub hidden: bool,
    pub reply_count: i64,
    pub like_count: i64,
    /// Stored UTC time; templates show it with `when`.
    pub last_activity: String,
}

impl From<TopicRow> for TopicItem {
    fn from(t: TopicRow) -> Self {
        Self {
            id: t.id,
            pinned: flag(t.pinned),
            locked: flag(t.locked),
            hidden: flag(t.hidden),
            title: t.title,
            author_name: t.author_name,
            reply_count: t.reply_count,
            like_count: t.like_count,
            last_activity: t.last_activity_at,
        }
    }
}

/// A post (the topic's opening post or a reply) as shown to one viewer.
#[derive(Clone, Debug, Serialize)]
pub struct PostView {
    pub id: i64,
    pub topic_id: i64,
    /// "topic" or "reply".
    pub target: &'static str,
    pub author_id: i64,
    pub author_name: String,
    pub body_html: String,
    /// Stored UTC time; templates show it with `when`.
    pub created: String,
    pub edited: bool,
    pub hidden: bool,
    pub like_count: i64,
    pub liked: bool,
    pub own: bool,
    pub can_like: bool,
    pub can_edit: bool,
}

/// Whether a post created at `created_at` may still be edited by its author at `now`.
pub fn within_edit_window(created_at: &str, now: time::OffsetDateTime) -> bool {
    db::parse_timestamp(created_at)
        .is_some_and(|t| now - t <= time::Duration::minutes(EDIT_WINDOW_MINUTES))
}

/// A topic title: 5 to 150 characters once trimmed.
pub fn parse_title(raw: &str) -> Result<String, &'static str> {
    let title = raw.trim();
    let n = title.chars().count();
    if !(TITLE_MIN..=TITLE_MAX).contains(&n) {
        return Err("forum.error.title_length");
    }
    Ok(title.to_owned())
}

/// A post body: 1 to 10 000 characters once trimmed.
pub fn parse_body(raw: &str) -> Result<String, &'static str> {
    let body = raw.trim();
    let n = body.chars().count();
    if n == 0 {
        return Err("forum.error.body_empty");
    }
    if n > BODY_MAX {
        return Err("forum.error.body_too_long");
    }
    Ok(body.to_owned())
}

/// A report or moderation reason: required for reports, at most 500 characters.
pub fn parse_reason(raw: &str, required: bool) -> Result<String, &'static str> {
    let reason = raw.trim();
    if required && reason.is_empty() {
        return Err("forum.error.reason_required");
    }
    if reason.chars().count() > REASON_MAX {
        return Err("forum.error.reason_too_long");
    }
    Ok(reason.to_owned())
}

/// The names mentioned in `body`: `@Prénom_Nom` stands for the user named "Prénom Nom"
/// (underscores for spaces). At most ten, without duplicates.
pub fn mentioned_names(body: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find('@') {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = &rest[at + 1..];
        let end = after
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '\''))
            .map_or(after.len(), |(i, _)| i);
        let token = after[..end].trim_end_matches(['_', '-', '\'']);
        if before_ok && !token.is_empty() {
            let name = token.replace('_', " ");
            if !names.contains(&name) {
                names.push(name);
            }
        }
        rest = &after[end..];
        if names.len() >= MAX_MENTIONS {
            break;
        }
    }
    names
}

/// The mention handle of a user name: spaces become underscores.
pub fn mention_handle(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("_")
}

/// A reply box prefilled with a quote of `body` by `author`.
pub fn quote(author: &str, body: &str) -> String {
    let mut out = format!("@{} :\n", mention_handle(author));
    for line in body.lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// A LIKE pattern matching `q` anywhere, with `%`, `_` and `\` escaped (ESCAPE '\').
pub fn like_pattern(q: &str) -> Option<String> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let q: String = q.chars().take(100).collect();
    Some(crate::db::like_anywhere(&q.to_lowercase()))
}

/// Query string of a topic list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_use_underscores_for_spaces() {
        assert_eq!(
            mentioned_names("Merci @Patrick_Mavungu et @Nadia_Lukusa ! mail@x.cd"),
            vec!["Patrick Mavungu".to_owned(), "Nadia Lukusa".to_owned()]
        );
        assert!(mentioned_names("pas de mention ici @").is_empty());
    }

    #[test]
    fn quotes_prefix_every_line() {
        assert_eq!(
            quote("Patrick Mavungu", "Bonjour\n\nça va ?"),
            "@Patrick_Mavungu :\n> Bonjour\n>\n> ça va ?\n\n"
        );
    }

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a").as_deref(), Some("%50\\%\\_a%"));
        assert_eq!(like_pattern("  "), None);
    }

    #[test]
    fn lengths_are_checked() {
        assert!(parse_title("abcd").is_err());
        assert!(parse_title("  Bonjour  ").is_ok());
        assert!(parse_body("   ").is_err());
        assert!(parse_body(&"x".repeat(BODY_MAX + 1)).is_err());
    }
}

/// A line of the moderation log as people read it.
#[derive(Debug, Serialize)]
pub struct LogLine {
    pub created_at: String,
    pub actor_name: Option<String>,
    /// « Message masqué dans “…” », in the reader's language.
    pub text: String,
    /// Where the target is seen, while it exists.
    pub link: Option<String>,
    /// The moderator's reason; empty when the entry has none to show.
    pub why: String,
}

/// Turns a stored moderation action into its sentence (`forum.log.<action>_<target>`; an
/// unknown pair reads "Action de modération"), its link and its reason.
pub fn log_line(
    i18n: &crate::web::i18n::I18n,
    locale: crate::web::i18n::Locale,
    a: super::queries::ActionRow,
) -> LogLine {
    let key = format!("forum.log.{}_{}", a.action, a.target_type);
    let title = match (a.target_type.as_str(), &a.topic_title) {
        // A category's log line keeps its name in the reason column.
        ("forum_category", _) => a.reason.clone(),
        (_, Some(title)) => title.clone(),
        (_, None) => i18n.t(locale, "forum.log.gone").to_owned(),
    };
    let user = a.target_user_name.clone().unwrap_or_else(|| "—".to_owned());
    let text = if i18n.contains(&key) {
        i18n.format(locale, &key, &[("title", &title), ("user", &user)])
    } else {
        i18n.t(locale, "forum.log.other").to_owned()
    };
    let link = match (a.target_type.as_str(), a.target_id, a.topic_id) {
        ("forum_topic", Some(_), Some(topic)) => Some(format!("/forum/topics/{topic}")),
        ("forum_reply", Some(id), Some(topic)) => Some(format!("/forum/topics/{topic}#reply-{id}")),
        ("chat_message", Some(_), _) => a.chat_room_id.map(|room| format!("/chat/rooms/{room}")),
        _ => None,
    };
    // A dismissed report's reason column holds what it was about, not a reason.
    let why = match (a.target_type.as_str(), a.action.as_str()) {
        ("forum_report", _) | ("forum_category", _) => String::new(),
        _ => a.reason,
    };
    LogLine {
        created_at: a.created_at,
        actor_name: a.actor_name,
        text,
        link,
        why,
    }
}
