//! Markdown written by trainers and users, rendered to sanitised HTML (never trusted as-is).

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
}
