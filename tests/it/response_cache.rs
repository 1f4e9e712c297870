//! Anonymous pages served ready-made (`web::response_cache`): the same bytes for every visitor,
//! no visitor's token in them, variants that never mix, compressed once, 304 for the holder, and
//! fresh after a change — on this instance and on another one of the same database.

use std::io::Read;

use crate::helpers::{Browser, TestApp};

const ADMIN: &str = "admin@techlearnjess.cd";
const LEARNER: &str = "apprenant@techlearnjess.cd";
const PASSWORD: &str = "Demo-2026-tlj";

async fn fetch(b: &Browser, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = b.client.get(b.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("GET")
}

/// A header's values, joined as one.
fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The token a response sets in its `tlj_csrf` cookie.
fn set_token(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("tlj_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn every_visitor_gets_the_same_page_without_anyone_s_token() {
    let app = TestApp::with_demo().await;
    let (one, two) = (app.new_browser(), app.new_browser());
    for path in [
        "/",
        "/courses",
        "/courses/bases-de-python",
        "/about",
        "/forum",
    ] {
        let a = fetch(&one, path, &[]).await;
        let b = fetch(&two, path, &[]).await;
        assert!(a.status() == 200 && b.status() == 200, "{path}");
        let (ta, tb) = (set_token(&a), set_token(&b));
        let (ea, eb) = (header(&a, "etag"), header(&b, "etag"));
        let (body_a, body_b) = (a.text().await.unwrap(), b.text().await.unwrap());
        assert_eq!(body_a, body_b, "{path}: the same bytes for both visitors");
        assert_eq!(ea, eb);
        // Each visitor has a token of her own (set on her first visit), in the cookie only.
        if path == "/" {
            assert!(ta.is_some() && tb.is_some(), "a first visit sets a token");
        }
        let (ta, tb) = (
            one.cookie("tlj_csrf").unwrap(),
            two.cookie("tlj_csrf").unwrap(),
        );
        assert_ne!(ta, tb);
        assert!(!body_a.contains(&ta) && !body_a.contains(&tb), "{path}");
    }
    // The second visit of a visitor: no new cookie, the page from memory.
    let again = fetch(&one, "/courses", &[]).await;
    assert!(set_token(&again).is_none());
    assert_eq!(header(&again, "x-cache"), "hit");
}

#[tokio::test]
async fn variants_never_mix() {
    let app = TestApp::with_demo().await;
    let v = app.new_browser();
    let fr = fetch(&v, "/courses", &[]).await.text().await.unwrap();
    assert!(fr.contains("lang=\"fr\""));
    let en = fetch(&v, "/courses", &[("cookie", "tlj_lang=en")]).await;
    assert_eq!(header(&en, "content-language"), "en");
    assert!(en.text().await.unwrap().contains("<html lang=\"en\""));
    let fr_again = fetch(&v, "/courses", &[]).await.text().await.unwrap();
    assert_eq!(
        fr_again, fr,
        "the French page is not replaced by the English one"
    );

    // The data saver (the browser's hint) is its own page.
    let saver = fetch(&v, "/courses", &[("save-data", "on")])
        .await
        .text()
        .await
        .unwrap();
    assert_ne!(saver, fr);
    // A search is its own page, whatever the order or empty fields of its query.
    let a = fetch(&v, "/courses?q=python&level=", &[])
        .await
        .text()
        .await
        .unwrap();
    let b = fetch(&v, "/courses?level=&q=python", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, fr);
    // A fragment asked by htmx is not the page.
    let frag = fetch(
        &v,
        "/courses?q=python",
        &[("hx-request", "true"), ("hx-target", "course-results")],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(!frag.contains("<html"), "a fragment, not the page");
    let page = fetch(&v, "/courses?q=python", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html"));

    // The encodings hold the same page, compressed once.
    let identity = fetch(&v, "/courses", &[]).await.bytes().await.unwrap();
    let br = fetch(&v, "/courses", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&br, "content-encoding"), "br");
    assert!(
        header(&br, "vary")
            .to_lowercase()
            .contains("accept-encoding")
    );
    let br = br.bytes().await.unwrap();
    assert!(
        br.len() * 3 < identity.len(),
        "{} vs {}",
        br.len(),
        identity.len()
    );
    let mut unbr = Vec::new();
    brotli::Decompressor::new(&br[..], 4096)
        .read_to_end(&mut unbr)
        .unwrap();
    assert_eq!(unbr, identity);
    let gz = fetch(&v, "/courses", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    let mut ungz = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_end(&mut ungz)
        .unwrap();
    assert_eq!(ungz, identity);
}

#[tokio::test]
async fn a_repeat_visit_costs_a_304_and_signed_in_pages_are_never_shared() {
    let app = TestApp::with_demo().await;
    let v = app.new_browser();
    let first = fetch(&v, "/courses", &[]).await;
    let etag = header(&first, "etag");
    let r = fetch(&v, "/courses", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());

    let learner = app.new_browser();
    learner.login(LEARNER, PASSWORD).await;
    let mine = fetch(&learner, "/courses", &[]).await;
    assert_ne!(header(&mine, "x-cache"), "hit");
    let mine = mine.text().await.unwrap();
    assert!(mine.contains("data-user="), "the learner's own page");
    let theirs = fetch(&v, "/courses", &[]).await.text().await.unwrap();
    assert!(
        !theirs.contains("data-user="),
        "nothing of hers for the visitor"
    );

    // A visitor's form still needs the token: the cookie's, sent back in the header.
    let token = v.csrf().await;
    let r = v
        .client
        .post(v.url("/login"))
        .form(&[("email", LEARNER), ("password", "wrong-password-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no token: refused");
    let r = v
        .client
        .post(v.url("/login"))
        .header("x-csrf-token", token)
        .form(&[("email", LEARNER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the cookie's token in the header");
}

#[tokio::test]
async fn a_change_shows_at_once_on_this_instance_and_on_another() {
    let app = TestApp::with_demo().await;
    let other = if std::env::var("TLJ_TEST_ENGINE").as_deref() == Ok("postgres") {
        Some(app.second_instance().await)
    } else {
        None // SQLite is one instance
    };
    let v = app.new_browser();
    let w = other.as_ref().map(|o| o.new_browser());
    let has_python = |html: &str| html.contains("/courses/bases-de-python\"");
    assert!(has_python(
        &fetch(&v, "/courses", &[]).await.text().await.unwrap()
    ));
    if let Some(w) = &w {
        assert!(has_python(
            &fetch(w, "/courses", &[]).await.text().await.unwrap()
        ));
    }

    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'bases-de-python'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = admin
        .post_form(&format!("/admin/courses/{id}/unpublish"), &[])
        .await;
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    assert!(
        !has_python(&fetch(&v, "/courses", &[]).await.text().await.unwrap()),
        "this instance forgot its page"
    );
    if let Some(w) = &w {
        // The other instance hears it through the database (LISTEN/NOTIFY).
        let mut gone = false;
        for _ in 0..40 {
            if !has_python(&fetch(w, "/courses", &[]).await.text().await.unwrap()) {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(gone, "the other instance forgot its page within a second");
    }
}
