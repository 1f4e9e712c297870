//! Cross-cutting HTTP behaviour: CSRF, security headers, assets, compression, htmx errors.

use crate::helpers::{TestApp, count, location, text_of};

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused_in_french() {
    let app = TestApp::spawn().await;
    app.csrf().await;
    let r = app
        .client
        .post(app.url("/lang"))
        .form(&[("lang", "en")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("Le formulaire a expiré"), "{body}");
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url("/lang"))
        .header("origin", "https://evil.example")
        .form(&[("lang", "en"), ("_csrf", token.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn htmx_requests_may_send_the_token_in_a_header() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url("/lang"))
        .header("x-csrf-token", &token)
        .header("hx-request", "true")
        .form(&[("lang", "en")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn pages_carry_a_strict_csp_and_no_inline_script_or_handler() {
    let app = TestApp::with_demo().await;
    for path in [
        "/",
        "/about",
        "/login",
        "/signup",
        "/forgot-password",
        "/nope",
    ] {
        let r = app.get(path).await;
        let csp = r
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.headers()
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            r.headers().get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..])
        );
        let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
        assert_eq!(
            count(&html, "script:not([src])"),
            0,
            "{path} has an inline script"
        );
        assert_eq!(count(&html, "[style]"), 0, "{path} has an inline style");
        let sel = scraper::Selector::parse("*").expect("selector");
        for el in html.select(&sel) {
            for (name, _) in el.value().attrs() {
                assert!(!name.starts_with("on"), "{path}: inline handler {name}");
            }
        }
        let forms = scraper::Selector::parse("form[method=post]").expect("selector");
        let token = scraper::Selector::parse("input[name=_csrf]").expect("selector");
        for form in html.select(&forms) {
            assert_eq!(
                form.select(&token).count(),
                1,
                "{path}: a POST form without CSRF token"
            );
        }
    }
}

#[tokio::test]
async fn static_assets_have_hashed_names_a_year_long_cache_and_are_compressed() {
    let app = TestApp::spawn().await;
    let (_, html) = app.page("/").await;
    let sel = scraper::Selector::parse("link[rel=stylesheet]").expect("selector");
    let href = html
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("href"))
        .expect("a stylesheet")
        .to_owned();
    assert!(
        href.starts_with("/static/app.")
            && href.ends_with(".css")
            && href.len() > "/static/app.css".len()
    );
    let r = app
        .client
        .get(app.url(&href))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        r.headers().get("content-encoding").is_some(),
        "CSS is compressed"
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/css")
    );
    let r = app.get("/static/app.0000000000.css").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_page_for_signed_in_users_redirects_visitors_to_login_with_next() {
    let app = TestApp::spawn().await;
    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fdashboard");
    let r = app
        .client
        .get(app.url("/dashboard"))
        .header("hx-request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(
        r.headers().get("hx-redirect").and_then(|v| v.to_str().ok()),
        Some("/login?next=%2Fdashboard")
    );
}

#[tokio::test]
async fn an_htmx_fragment_request_that_fails_gets_a_toast_not_a_page() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/nope"))
        .header("hx-request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers().get("hx-retarget").and_then(|v| v.to_str().ok()),
        Some("#toast")
    );
    let html = scraper::Html::parse_fragment(&r.text().await.unwrap_or_default());
    assert_eq!(count(&html, "html body header"), 0);
    assert_eq!(
        text_of(&html, "[data-testid=toast] p").map(|t| t.starts_with("La page demandée")),
        Some(true)
    );
}

#[tokio::test]
async fn a_wrong_method_or_a_malformed_form_is_a_french_4xx() {
    let app = TestApp::spawn().await;
    let r = app.get("/logout").await;
    assert_eq!(r.status(), 405);
    let html = scraper::Html::parse_document(&r.text().await.unwrap_or_default());
    assert_eq!(
        text_of(&html, "[data-testid=error-message]").as_deref(),
        Some("Cette action n'est pas autorisée sur cette page.")
    );
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={token}&email=%FF%FE&password=x"))
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let token = app.csrf().await;
    let big = "a".repeat(3 * 1024 * 1024);
    let r = app
        .client
        .post(app.url("/signup"))
        .header("x-csrf-token", &token)
        .form(&[("name", big.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 413);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("trop volumineuses")
    );
}

#[tokio::test]
async fn no_form_answers_500_to_hostile_input() {
    let app = TestApp::with_demo().await;
    let long = "é".repeat(60_000);
    let payloads = [
        "",
        " ",
        long.as_str(),
        "<script>alert('x')</script>",
        "🎓🇨🇩😀",
        "' OR 1=1; DROP TABLE users; --",
        "\u{0}\u{1}\u{7f}",
        "../../etc/passwd",
    ];
    let forms: [(&str, &[&str]); 7] = [
        (
            "/signup",
            &["name", "email", "password", "password_confirm"],
        ),
        ("/login", &["email", "password", "next"]),
        ("/forgot-password", &["email"]),
        ("/verify-email/resend", &["email"]),
        ("/reset-password/abc", &["password", "password_confirm"]),
        ("/verify-email/abc", &[]),
        ("/lang", &["lang", "next"]),
    ];
    for (path, fields) in forms {
        for payload in payloads {
            let body: Vec<(&str, &str)> = fields.iter().map(|f| (*f, payload)).collect();
            let browser = app.new_browser();
            let r = browser.post_form(path, &body).await;
            let status = r.status();
            assert!(
                status.as_u16() < 500,
                "{path} with {:?} gave {status}",
                payload.get(..20)
            );
            let text = r.text().await.unwrap_or_default();
            assert!(
                !text.contains("<script>alert"),
                "{path} echoed markup unescaped"
            );
        }
    }
}

#[tokio::test]
async fn every_url_that_serves_a_page_or_a_fragment_varies_on_hx_request() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login("admin@techlearnjess.cd", "Demo-2026-tlj").await;
    for path in [
        "/courses",
        "/courses?q=python",
        "/forum/c/entraide",
        "/notifications",
        "/admin/users",
        "/admin/certificates",
    ] {
        for htmx in [false, true] {
            let mut request = admin.client.get(admin.url(path));
            if htmx {
                request = request.header("hx-request", "true");
            }
            let r = request.send().await.expect("GET");
            assert_eq!(r.status(), 200, "{path}");
            let vary: Vec<String> = r
                .headers()
                .get_all("vary")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_ascii_lowercase())
                .collect();
            assert!(
                vary.iter().any(|v| v == "hx-request"),
                "{path} (htmx: {htmx}) varies on {vary:?}"
            );
            let body = r.text().await.expect("body");
            assert_eq!(body.contains("<html"), !htmx, "{path}: page or fragment");
        }
    }
    // An error is a page or a toast too.
    let r = admin
        .client
        .get(admin.url("/forum/c/inconnue"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains("HX-Request")))
    );
}

#[tokio::test]
async fn pages_say_their_language_in_content_language_and_the_switch_reloads_the_page() {
    let app = TestApp::spawn().await;
    let r = app.get("/").await;
    assert_eq!(
        r.headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("fr")
    );
    let (_, home) = app.page("/").await;
    // A whole page load (not an htmx swap of the body), so that <html lang> follows.
    assert_eq!(
        count(
            &home,
            "[data-testid=lang-form] a[href^='/lang?'][hx-boost=false]"
        ),
        2,
        "the language links are not boosted"
    );
    let r = app
        .post_form("/lang", &[("lang", "en"), ("next", "/courses")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/courses");
    let r = app.get("/courses").await;
    assert_eq!(
        r.headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("en")
    );
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    let lang = html
        .select(&scraper::Selector::parse("html").unwrap())
        .next()
        .and_then(|e| e.value().attr("lang"))
        .map(str::to_owned);
    assert_eq!(lang.as_deref(), Some("en"));
    // English punctuation: no space before the colon.
    assert!(
        text_of(&html, "[data-testid=lang-form] span").is_some_and(|t| t.trim() == "Language:"),
        "{:?}",
        text_of(&html, "[data-testid=lang-form] span")
    );
}
