//! Chat rules: room kinds, who may enter a room, message validation and rendering of a
//! message body (plain text, links made clickable, everything escaped).

use serde::Serialize;

/// Longest message, in characters.
pub const MAX_LEN: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    General,
    Course,
    Direct,
}

impl RoomKind {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "general" => Some(Self::General),
            "course" => Some(Self::Course),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Course => "course",
            Self::Direct => "direct",
        }
    }
}

/// The key that makes a private conversation between two users unique, whoever starts it.
pub fn direct_key(a: i64, b: i64) -> String {
    format!("dm:{}:{}", a.min(b), a.max(b))
}

/// A message body, trimmed; `Err(key)` when empty or too long.
pub fn validate_body(body: &str) -> Result<String, &'static str> {
    let body = body.trim();
    if body.is_empty() {
        Err("chat.error.empty")
    } else if body.chars().count() > MAX_LEN {
        Err("chat.error.too_long")
    } else if body.contains('\0') {
        Err("chat.error.invalid")
    } else {
        Ok(body.to_owned())
    }
}

/// The body as safe HTML: escaped, line breaks kept, `http(s)://` links made clickable.
pub fn body_html(body: &str) -> String {
    crate::markdown::plain_text_html(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_escaped_and_links_clickable() {
        let html = body_html("voir https://exemple.cd/a?b=1&c=<x>, puis <script>alert(1)</script>");
        assert!(
            html.contains("href=\"https://exemple.cd/a?b=1&amp;c=\""),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert_eq!(body_html("a\nb"), "a<br>b");
    }

    #[test]
    fn bodies_are_checked() {
        assert_eq!(validate_body("  salut  "), Ok("salut".to_owned()));
        assert_eq!(validate_body("   "), Err("chat.error.empty"));
        assert_eq!(
            validate_body(&"é".repeat(MAX_LEN)).map(|b| b.chars().count()),
            Ok(MAX_LEN)
        );
        assert_eq!(
            validate_body(&"é".repeat(MAX_LEN + 1)),
            Err("chat.error.too_long")
        );
        assert_eq!(validate_body("a\0b"), Err("chat.error.invalid"));
    }

    #[test]
    fn direct_keys_ignore_order() {
        assert_eq!(direct_key(7, 3), direct_key(3, 7));
        assert_ne!(direct_key(3, 7), direct_key(3, 8));
    }
}
