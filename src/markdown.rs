//! User text to HTML: Markdown rendered and sanitised (never trusted as-is), plain text (chat)
//! escaped with its links made clickable, and the one HTML escaper used outside templates.

use linkify::{LinkFinder, LinkKind};
use pulldown_cmark::{Options, Parser, html};

/// Renders `source` to HTML and strips anything unsafe (scripts, handlers, `javascript:` links).
/// Links get `rel="noopener noreferrer nofollow"`.
pub fn render(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

/// [`render`] for content written by any user (forum posts, chat): links also get
/// `rel="nofollow ugc"` so search engines do not credit them to the platform.
pub fn render_user_content(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    ammonia::Builder::default()
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

/// Escapes `text` for HTML text and quoted attribute values (`& < > " '`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut *out, text);
}

/// Plain text written by a user (chat messages) as safe HTML: everything escaped, line breaks
/// kept as `<br>`, `http(s)://` links made clickable (`rel="nofollow ugc noopener"`, new tab).
/// Trailing punctuation is left out of a link, as `linkify` decides.
pub fn plain_text_html(text: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for span in finder.spans(line) {
            let piece = span.as_str();
            let is_web_link = span.kind() == Some(&LinkKind::Url)
                && url::Url::parse(piece).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if is_web_link {
                out.push_str(
                    "<a class=\"link break-all\" rel=\"nofollow ugc noopener\" target=\"_blank\" href=\"",
                );
                push_escaped(&mut out, piece);
                out.push_str("\">");
                push_escaped(&mut out, piece);
                out.push_str("</a>");
            } else {
                push_escaped(&mut out, piece);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render("## Titre\n\nDu **gras** et une [lien](https://example.cd).");
        assert!(html.contains("<h2>Titre</h2>"));
        assert!(html.contains("<strong>gras</strong>"));
        assert!(html.contains(r#"href="https://example.cd""#));
        assert!(html.contains("noopener"));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))\n\n<iframe src=https://evil></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn user_content_links_are_nofollow_ugc() {
        let html = render_user_content("[site](https://example.cd) <a href=\"javascript:x\">y</a>");
        assert!(
            html.contains(r#"rel="nofollow ugc noopener noreferrer""#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
    }

    #[test]
    fn a_chat_message_is_escaped_and_its_links_made_clickable() {
        let html = plain_text_html(
            "voir https://exemple.cd/a?b=1&c=2, puis <script>alert(1)</script>\nfin",
        );
        assert!(
            html.contains(r#"href="https://exemple.cd/a?b=1&amp;c=2">https://exemple.cd/a?b=1&amp;c=2</a>, puis"#),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.ends_with("<br>fin"), "{html}");
    }

    #[test]
    fn only_web_links_become_anchors_and_quotes_cannot_break_out() {
        assert_eq!(
            plain_text_html("javascript:alert(1)"),
            "javascript:alert(1)"
        );
        assert!(!plain_text_html("mailto:a@b.cd ftp://x.cd/f").contains("<a"));
        assert!(!plain_text_html("\"onmouseover=alert(1)").contains('"'));
        assert_eq!(
            escape_html("Python & <co> \"'"),
            "Python &amp; &lt;co&gt; &quot;&#39;"
        );
    }
}
