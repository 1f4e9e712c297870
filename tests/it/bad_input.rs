//! Bad input on every form route of the route table (`authz::routes`): empty bodies, 1 MB
//! fields, letters for numbers, invalid UTF-8, NUL, markup, SQL fragments, huge and negative
//! numbers, duplicated fields, garbage path parameters, multipart file names with `../`. Never a
//! 5xx; markup that is stored comes back escaped. WebSockets and payment callbacks too.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::authz::{ADMIN, LEARNER, PASSWORD, TRAINER, World, concrete, routes, world};
use crate::helpers::{Browser, TestApp, location};

/// A form to post: who, where, which fields.
type Check<'a> = (&'a Browser, String, Vec<(&'static str, String)>);

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// Every field name the app's forms use (hand-listed from the form structs; unknown fields are
/// ignored by the handlers, so each route gets them all).
const FIELDS: &[&str] = &[
    "title",
    "body",
    "name",
    "email",
    "password",
    "password_confirm",
    "current_password",
    "new_password",
    "reason",
    "user_id",
    "id",
    "target",
    "action",
    "role",
    "code",
    "lang",
    "next",
    "direction",
    "quote",
    "description",
    "slug",
    "category_id",
    "summary",
    "level",
    "duration_minutes",
    "price",
    "currency",
    "wallet",
    "phone",
    "quote_id",
    "amount",
    "rate",
    "provider",
    "days",
    "starts_at",
    "duration",
    "course_id",
    "prompt",
    "kind",
    "position",
    "pass_mark",
    "q1",
    "city",
    "bio",
    "question",
    "answer",
    "pin",
    "decision",
];

/// The payloads sent as every field's value.
const VALUES: &[&str] = &[
    "",
    SCRIPT,
    IMG,
    "' OR 1=1 --",
    "1; DROP TABLE users; --",
    "abc",
    "99999999999999999999",
    "-5000",
    "-1",
    "0",
    "../../etc/passwd",
    "é\u{202e}\u{feff}ж漢字",
];

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn raw_post(b: &Browser, path: &str, body: Vec<u8>) -> u16 {
    b.client
        .post(b.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-csrf-token", b.csrf().await)
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Routes a harness must not send for the browser it uses (it would end its session).
fn ends_session(pattern: &str) -> bool {
    pattern == "/logout" || pattern.ends_with("/logout-others")
}

#[tokio::test]
async fn every_form_route_answers_bad_input_without_a_server_error() {
    let started = std::time::Instant::now();
    let w = world().await;
    // The admin may do everything, so every handler runs past its authorisation checks.
    let browsers = [&w.browsers[6]];
    let mut failures = Vec::new();
    let mut sent = 0;
    let posts: Vec<(String, String)> = routes()
        .into_iter()
        .filter(|(m, p)| m == "POST" && !ends_session(p))
        .collect();
    assert!(posts.len() > 50);
    for (_, pattern) in &posts {
        let path = concrete(pattern, &w.ids);
        for b in browsers {
            let mut bodies: Vec<Vec<u8>> = vec![Vec::new()];
            for value in VALUES {
                let pairs: Vec<(String, String)> = FIELDS
                    .iter()
                    .map(|f| ((*f).to_owned(), (*value).to_owned()))
                    .collect();
                bodies.push(encode(&pairs).into_bytes());
            }
            // Duplicated fields, invalid UTF-8 (raw and percent-encoded), NUL.
            bodies.push(b"title=a&title=b&body=x&body=y&id=1&id=2&user_id=1&user_id=x".to_vec());
            bodies.push(b"title=%FF%FE%FD&body=%C3%28&name=%80".to_vec());
            bodies.push(b"title=\xff\xfe&body=\xc3\x28".to_vec());
            bodies.push(b"title=a%00b&body=%00".to_vec());
            bodies.push(b"===&&&%%%=%zz".to_vec());
            // 1 MB fields.
            let big = "A".repeat(1024 * 1024);
            bodies.push(format!("title={big}&body={big}").into_bytes());
            for body in bodies {
                let status = raw_post(b, &path, body.clone()).await;
                sent += 1;
                if !(100..500).contains(&status) {
                    let shown: String = String::from_utf8_lossy(&body).chars().take(80).collect();
                    failures.push(format!("POST {path} [{shown}]: {status}"));
                }
            }
        }
    }
    // Garbage in every path parameter, GET and POST.
    for (method, pattern) in routes() {
        if !pattern.contains('{') || ends_session(&pattern) || pattern.contains("{*path}") {
            continue;
        }
        for garbage in [
            "abc",
            "-1",
            "99999999999999999999",
            "..%2F..%2Fetc%2Fpasswd",
            "%00",
            "%FF%FE",
            "%3Cscript%3E",
        ] {
            let path: String = pattern
                .split('/')
                .map(|s| if s.starts_with('{') { garbage } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let b = browsers[0];
            let status = if method == "GET" {
                let r = b.client.get(b.url(&path));
                let r = if path.ends_with("/ws") {
                    r.header("connection", "upgrade")
                        .header("upgrade", "websocket")
                        .header("sec-websocket-version", "13")
                        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
                } else {
                    r
                };
                r.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
            } else {
                raw_post(b, &path, b"title=x".to_vec()).await
            };
            sent += 1;
            if !(100..500).contains(&status) {
                failures.push(format!("{method} {path}: {status}"));
            }
        }
    }
    // Garbage in the query of every page without path parameters (search, filters, pages).
    for (method, pattern) in routes() {
        if method != "GET" || pattern.contains('{') || pattern.ends_with("/stream") {
            continue;
        }
        for query in [
            "q=%00",
            "q=%27%20OR%201%3D1%20--",
            "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "page=99999999999999999999&level=x&category=%FF&sort=-1",
            "page=-1&before=abc&next=https%3A%2F%2Fevil.example",
        ] {
            let path = format!("{pattern}?{query}");
            let r = browsers[0].get(&path).await;
            let status = r.status().as_u16();
            sent += 1;
            if !(100..500).contains(&status) {
                failures.push(format!("GET {path}: {status}"));
            } else if let Ok(html) = r.text().await
                && html.contains(SCRIPT)
            {
                failures.push(format!("GET {path}: raw <script> reflected"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "server errors:\n{}",
        failures.join("\n")
    );
    // Still serving, and nothing raw came back on the pages that list stored content.
    assert_eq!(w.app.get("/healthz").await.status(), 200);
    assert_no_raw_markup(&w).await;
    eprintln!("bad input: {sent} requests in {:?}", started.elapsed());
}

/// Pages where stored text shows up: markup must come back escaped.
async fn assert_no_raw_markup(w: &World) {
    let admin = &w.browsers[6];
    let ids = &w.ids;
    for path in [
        "/forum".to_owned(),
        format!("/forum/c/{}", ids["forum_cat"]),
        format!("/forum/topics/{}", ids["topic"]),
        format!("/chat/rooms/{}", ids["general"]),
        "/admin/users".to_owned(),
        "/admin/categories".to_owned(),
        "/admin/testimonials".to_owned(),
        "/admin/courses".to_owned(),
        "/admin/audit".to_owned(),
        "/courses".to_owned(),
        "/live".to_owned(),
        "/profile".to_owned(),
        "/teach".to_owned(),
        "/".to_owned(),
    ] {
        let r = admin.get(&path).await;
        let html = r.text().await.unwrap();
        assert!(!html.contains(SCRIPT), "raw <script> on {path}");
        assert!(!html.contains("<img src=x"), "raw <img> on {path}");
    }
}

/// Stores markup through the features that display user text, then checks every place it shows.
#[tokio::test]
async fn stored_markup_comes_back_escaped_everywhere_it_is_shown() {
    let app = TestApp::with_demo().await;
    let learner = app.new_browser();
    learner.login(LEARNER, PASSWORD).await;
    let trainer = app.new_browser();
    trainer.login(TRAINER, PASSWORD).await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let evil = format!("{SCRIPT}{IMG}");
    // Profile name.
    let r = learner.post_form("/profile", &[("name", &evil)]).await;
    assert!(r.status().as_u16() < 500);
    // Forum topic and reply.
    let cat: String = sqlx::query_scalar("SELECT slug FROM forum_categories ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = learner
        .post_form(
            &format!("/forum/c/{cat}"),
            &[
                ("title", &format!("Titre {evil}")),
                ("body", &format!("Corps {evil}")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "topic with markup accepted (and escaped)");
    let topic = location(&r);
    let r = learner
        .post_form(
            &format!("{topic}/replies"),
            &[("body", &format!("Réponse {evil}"))],
        )
        .await;
    assert!(r.status().as_u16() < 500);
    // Chat message in the general room.
    learner.get("/chat").await;
    let general: i64 = sqlx::query_scalar("SELECT id FROM chat_rooms WHERE kind = 'general'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let r = learner
        .post_form(
            &format!("/chat/rooms/{general}/messages"),
            &[("body", &evil)],
        )
        .await;
    assert!(r.status().as_u16() < 500);
    // Course title and summary (multipart, like the authoring form).
    let category: i64 = sqlx::query_scalar("SELECT MIN(id) FROM categories")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("title", format!("Cours {evil}"))
        .text("summary", format!("Résumé {evil}"))
        .text("description", format!("Description {evil}"))
        .text("category_id", category.to_string())
        .text("level", "beginner")
        .text("duration_minutes", "60")
        .text("price", "0")
        .text("currency", "USD");
    let token = trainer.csrf().await;
    let r = trainer
        .client
        .post(trainer.url(&format!("/teach/courses/new?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 500, "course: {}", r.status());
    let course_edit = location(&r);
    // Admin: category, testimonial.
    let r = admin
        .post_form("/admin/categories", &[("name", &evil)])
        .await;
    assert!(r.status().as_u16() < 500);
    let r = admin
        .post_form(
            "/admin/testimonials",
            &[("name", &evil), ("title", &evil), ("quote", &evil)],
        )
        .await;
    assert!(r.status().as_u16() < 500);
    // At least the profile, forum and chat stored it (the test would prove nothing otherwise).
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users WHERE name LIKE '%<script>%') \
         + (SELECT COUNT(*) FROM forum_topics WHERE title LIKE '%<script>%') \
         + (SELECT COUNT(*) FROM chat_messages WHERE body LIKE '%<script>%')",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    // (The profile may refuse markup in a name; the forum and the chat store it as typed.)
    assert!(
        stored >= 2,
        "the markup is stored as typed (escaping is the templates' job): {stored}"
    );
    let mut pages = vec![
        "/profile".to_owned(),
        "/dashboard".to_owned(),
        "/forum".to_owned(),
        format!("/forum/c/{cat}"),
        topic.clone(),
        format!("/chat/rooms/{general}"),
        "/chat".to_owned(),
        "/notifications".to_owned(),
    ];
    if course_edit.starts_with("/teach/") {
        pages.push(course_edit);
        pages.push("/teach".to_owned());
    }
    for (b, path) in pages
        .iter()
        .map(|p| (&learner, p.clone()))
        .chain(
            [
                "/admin/users",
                "/admin/categories",
                "/admin/testimonials",
                "/admin/courses",
                "/admin/moderation",
                "/",
                "/courses",
            ]
            .map(|p| (&admin, p.to_owned())),
        )
        .chain(pages.iter().map(|p| (&trainer, p.clone())))
    {
        let r = b.get(&path).await;
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        let html = r.text().await.unwrap();
        assert!(!html.contains(SCRIPT), "raw <script> on {path}");
        assert!(!html.contains("<img src=x"), "raw <img> on {path}");
    }
    // The topic page shows the payload, escaped.
    let html = learner.get(&topic).await.text().await.unwrap();
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&lt;script"),
        "escaped on the topic"
    );
}

/// Uploads with hostile file names: no server error, nothing written outside the data dir, the
/// stored name has no path.
#[tokio::test]
async fn multipart_file_names_with_paths_are_neutralised() {
    let app = TestApp::with_demo().await;
    let trainer = app.new_browser();
    trainer.login(TRAINER, PASSWORD).await;
    let course: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE slug = 'bases-de-python'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let token = trainer.csrf().await;
    for name in [
        "../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/etc/shadow",
        "a\0b.pdf",
        "<script>.pdf",
        &"x".repeat(5000),
    ] {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%fake\n".to_vec())
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("title", "Fiche piégée")
            .part("file", part);
        let r = trainer
            .client
            .post(trainer.url(&format!("/teach/courses/{course}/resources?_csrf={token}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{name:.40}: {}", r.status());
        // The photo upload too.
        let part = reqwest::multipart::Part::bytes(b"GIF89a-not-really".to_vec())
            .file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("photo", part);
        let r = trainer
            .client
            .post(trainer.url(&format!("/profile/photo?_csrf={token}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().as_u16() < 500,
            "photo {name:.40}: {}",
            r.status()
        );
    }
    let names: Vec<(String, String)> =
        sqlx::query_as("SELECT original_name, stored_name FROM resources")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    for (original, stored) in names {
        for n in [&original, &stored] {
            assert!(
                !n.contains('/') && !n.contains('\\') && !n.contains(".."),
                "{n}"
            );
        }
    }
    assert!(!app.data_dir.parent().unwrap().join("etc").exists());
}

async fn open_ws(
    b: &Browser,
    path: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}{path}", b.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", b.cookie_header().parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// Garbage frames on the chat and live sockets: an error frame or a close, never a crash; the
/// server keeps serving the next connection.
#[tokio::test]
async fn websockets_survive_garbage_frames() {
    let app = TestApp::with_demo().await;
    let learner = app.new_browser();
    learner.login(LEARNER, PASSWORD).await;
    let trainer = app.new_browser();
    trainer.login(TRAINER, PASSWORD).await;
    learner.get("/chat").await;
    let general: i64 = sqlx::query_scalar("SELECT id FROM chat_rooms WHERE kind = 'general'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    // A public live session, started, so the learner may join its room.
    let live: i64 =
        sqlx::query_scalar("SELECT MIN(s.id) FROM live_sessions s WHERE s.course_id IS NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let r = trainer.post_form(&format!("/live/{live}/start"), &[]).await;
    assert!(r.status().as_u16() < 500);
    let garbage: Vec<WsMessage> = vec![
        WsMessage::text("pas du json"),
        WsMessage::text("{"),
        WsMessage::text("null"),
        WsMessage::text("[1,2,3]"),
        WsMessage::text(r#"{"body": 5}"#),
        WsMessage::text(r#"{"body": {"x": [1]}}"#),
        WsMessage::text(r#"{"resume": "abc"}"#),
        WsMessage::text(r#"{"resume": -99999999999999999999}"#),
        WsMessage::text(r#"{"question": 12, "vote": "x", "answered": [], "rtc": 3}"#),
        WsMessage::text(r#"{"vote": 99999999999999999999}"#),
        WsMessage::text(format!(r#"{{"body": "{}"}}"#, "é".repeat(300_000))),
        WsMessage::text(format!(r#"{{"question": "{}"}}"#, SCRIPT)),
        WsMessage::binary(vec![0xff, 0x00, 0xfe]),
        WsMessage::text("\u{0}"),
    ];
    for path in [
        format!("/chat/rooms/{general}/ws"),
        format!("/live/{live}/ws"),
    ] {
        let mut ws = open_ws(&learner, &path).await;
        for frame in garbage.clone() {
            if ws.send(frame).await.is_err() {
                // Closed by the server: fine, reconnect for the next frame.
                ws = open_ws(&learner, &path).await;
            }
        }
        // Drain what the server answered; a close is an acceptable answer.
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, ws.next()).await {
            if let Ok(WsMessage::Text(t)) = frame {
                assert!(
                    !t.as_str().contains(SCRIPT),
                    "raw markup in a frame on {path}"
                );
            }
        }
        // The server still serves a fresh socket and a page.
        let mut fresh = open_ws(&learner, &path).await;
        fresh
            .send(WsMessage::text(r#"{"resume":"0"}"#))
            .await
            .unwrap();
        assert_eq!(learner.get("/healthz").await.status(), 200);
    }
    // The chat still works end to end after the garbage.
    let mut ws = crate::chat::ws_open(&learner, general, 0).await;
    crate::chat::ws_say(&mut ws, "Toujours là").await;
    crate::chat::ws_expect(&mut ws, "Toujours là").await;
}

/// Provider callbacks with malformed bodies: acknowledged or refused, never a 5xx, and no
/// payment changes.
#[tokio::test]
async fn malformed_payment_callbacks_change_nothing() {
    let app = TestApp::with_demo().await;
    let learner = app.new_browser();
    learner.login(LEARNER, PASSWORD).await;
    let reference = crate::authz::start_payment(&learner, "backend-django").await;
    let before: Vec<(String, String)> =
        sqlx::query_as("SELECT reference, status FROM payments ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let anon = app.new_browser();
    for provider in ["orange", "airtel", "mpesa", "flexpay", "inconnu", "..%2F.."] {
        for (ctype, body) in [
            ("application/json", b"{".to_vec()),
            ("application/json", b"null".to_vec()),
            ("application/json", b"[]".to_vec()),
            ("application/json", b"{\"status\":\"SUCCESS\"}".to_vec()),
            (
                "application/json",
                format!("{{\"reference\":\"{reference}\",\"status\":\"SUCCESS\",\"amount\":-5}}")
                    .into_bytes(),
            ),
            ("application/json", vec![0xff, 0xfe, 0x00]),
            ("application/x-www-form-urlencoded", b"a=%FF&b".to_vec()),
            ("text/plain", "x".repeat(3 * 1024 * 1024).into_bytes()),
        ] {
            for path in [
                format!("/payments/callback/{provider}"),
                format!("/payments/callback/{provider}/{reference}"),
            ] {
                let r = anon
                    .client
                    .post(anon.url(&path))
                    .header("content-type", ctype)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
            }
        }
    }
    let after: Vec<(String, String)> =
        sqlx::query_as("SELECT reference, status FROM payments ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert!(
        after.iter().all(|(_, s)| s != "succeeded"),
        "a malformed callback paid: {before:?} → {after:?}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Arbitrary text into sign-up, profile, forum and chat fields: never a 5xx, and what is shown
/// back never contains the raw markup that was sent.
#[test]
fn arbitrary_text_never_gives_a_server_error_and_comes_back_escaped() {
    let rt = runtime();
    let (app, learner, topic, general) = rt.block_on(async {
        let app = TestApp::with_demo().await;
        let learner = app.new_browser();
        learner.login(LEARNER, PASSWORD).await;
        let cat: String =
            sqlx::query_scalar("SELECT slug FROM forum_categories ORDER BY id LIMIT 1")
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap();
        let r = learner
            .post_form(
                &format!("/forum/c/{cat}"),
                &[
                    ("title", "Sujet aléatoire"),
                    ("body", "Un sujet pour proptest."),
                ],
            )
            .await;
        let topic = location(&r);
        learner.get("/chat").await;
        let general: i64 = sqlx::query_scalar("SELECT id FROM chat_rooms WHERE kind = 'general'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        (app, learner, topic, general)
    });
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let strategy = (
        prop_oneof![
            Just(SCRIPT.to_owned()),
            Just(IMG.to_owned()),
            "\\PC{0,40}",
            "[<>\"'&;=%/\\\\a-z0-9 ]{0,40}",
        ],
        "\\PC{0,20}",
    );
    proptest!(config, |((text, noise) in strategy)| {
        let payload = format!("{noise}{text}");
        rt.block_on(async {
            let anon = app.new_browser();
            let checks: Vec<Check> = vec![
                (&anon, "/signup".into(), vec![
                    ("name", payload.clone()),
                    ("email", format!("{}@example.cd", payload.len())),
                    ("password", payload.clone()),
                    ("password_confirm", payload.clone()),
                ]),
                (&learner, "/profile".into(), vec![("name", payload.clone()), ("bio", payload.clone())]),
                (&learner, format!("{topic}/replies"), vec![("body", payload.clone())]),
                (&learner, format!("/chat/rooms/{general}/messages"), vec![("body", payload.clone())]),
            ];
            for (b, path, fields) in checks {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let r = b.post_form(&path, &fields).await;
                assert!(r.status().as_u16() < 500, "{path} with {payload:?}: {}", r.status());
                let html = r.text().await.unwrap();
                assert_escaped(&html, &payload, &path);
            }
            for path in ["/profile".to_owned(), topic.clone(), format!("/chat/rooms/{general}")] {
                let html = learner.get(&path).await.text().await.unwrap();
                assert_escaped(&html, &payload, &path);
            }
        });
    });
}

/// Raw markup from the payload (a tag opening) never appears in the page.
fn assert_escaped(html: &str, payload: &str, path: &str) {
    for needle in ["<script>", "<img src=x"] {
        if payload.contains(needle) {
            assert!(
                !html.contains(needle),
                "raw {needle} on {path} for {payload:?}"
            );
        }
    }
}
