//! Sessions end everywhere at once: log-out, "log out everywhere else", password change and
//! reset, suspension and role change close the user's chat and live sockets and their
//! notification and forum streams within 2 s (on every instance), each socket message checks
//! the session again, a reset voids every other link, and signed-in pages are never stored.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::chat::{ws_expect, ws_open, ws_say};
use crate::helpers::{Browser, TestApp, count, location, text_of};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PASSWORD: &str = "Mot-de-passe-2026";
const NEW_PASSWORD: &str = "Nouveau-mot-2026";
const DEMO: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";
/// 1008: the session ended, the htmx ws extension does not reconnect.
const CLOSED: u16 = 1008;
/// 1012: rights changed, the htmx ws extension reconnects.
const REOPEN: u16 = 1012;

async fn user(app: &TestApp, name: &str, email: &str) -> (Browser, i64) {
    app.signup_verified(name, email, PASSWORD).await;
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    (b, app.user_id(email).await)
}

/// Another browser (a second phone) signed in on the same account.
async fn phone(app: &TestApp, email: &str, password: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, password).await;
    b
}

async fn general_room(b: &Browser) -> i64 {
    let (status, html) = b.page("/chat").await;
    assert_eq!(status, 200);
    let sel = scraper::Selector::parse("[data-testid=chat-room-general]").unwrap();
    let href = html
        .select(&sel)
        .next()
        .expect("general room listed")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    href.rsplit('/').next().unwrap().parse().unwrap()
}

/// Reads frames until the server closes the socket; returns the close code and the text
/// frames sent before it. Panics when the socket is still open after 2 s.
async fn closed_within_two_seconds(ws: &mut Ws) -> (Option<u16>, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut texts = String::new();
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("socket still open 2 s after the revocation; got: {texts}"),
            Ok(Some(Ok(WsMessage::Close(frame)))) => {
                return (frame.map(|f| u16::from(f.code)), texts);
            }
            Ok(Some(Ok(WsMessage::Text(t)))) => texts.push_str(t.as_str()),
            Ok(Some(Ok(_))) => {}
            Ok(None) | Ok(Some(Err(_))) => return (None, texts),
        }
    }
}

/// Asserts that nothing containing `needle` arrives within `ms` (and the socket stays open).
async fn ws_never(ws: &mut Ws, needle: &str, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(frame) = tokio::time::timeout_at(deadline, ws.next()).await {
        match frame {
            Some(Ok(WsMessage::Text(t))) => {
                assert!(!t.as_str().contains(needle), "unexpected: {}", t.as_str())
            }
            Some(Ok(WsMessage::Close(_))) | None => panic!("socket closed"),
            _ => {}
        }
    }
}

/// Sends a chat message on a socket the server may already have closed.
async fn try_say(ws: &mut Ws, body: &str) {
    let json = serde_json::json!({ "body": body, "HEADERS": { "HX-Request": "true" } });
    let _ = ws.send(WsMessage::text(json.to_string())).await;
}

/// Whether `body` was stored in `room`, as a member sees the room page.
async fn room_shows(b: &Browser, room: i64, body: &str) -> bool {
    let (status, html) = b.page(&format!("/chat/rooms/{room}")).await;
    assert_eq!(status, 200);
    html.html().contains(body)
}

/// An open server-sent events response.
async fn sse_open(b: &Browser, path: &str, ready: &str) -> reqwest::Response {
    let mut r = b.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    if !ready.is_empty() {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut seen = String::new();
        while !seen.contains(ready) {
            let chunk = tokio::time::timeout_at(deadline, r.chunk())
                .await
                .unwrap_or_else(|_| panic!("no {ready:?} on {path}"))
                .expect("readable")
                .expect("open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    r
}

/// Reads until the stream ends; panics when it is still open after 2 s.
async fn sse_ends_within_two_seconds(r: &mut reqwest::Response) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        match tokio::time::timeout_at(deadline, r.chunk()).await {
            Err(_) => panic!("stream still open 2 s after the revocation"),
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None) | Err(_)) => return,
        }
    }
}

/// Asserts that the stream is still open `ms` later.
async fn sse_stays_open(r: &mut reqwest::Response, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(chunk) = tokio::time::timeout_at(deadline, r.chunk()).await {
        assert!(
            matches!(chunk, Ok(Some(_))),
            "the stream of another session ended"
        );
    }
}

async fn live_open(b: &Browser, id: i64) -> Ws {
    let url = format!("{}/live/{id}/ws", b.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("ws request");
    request
        .headers_mut()
        .insert("cookie", b.cookie_header().parse().expect("cookie"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("live socket opens");
    ws_expect(&mut ws, r#""rtc":"hello""#).await;
    ws
}

#[tokio::test]
async fn logging_out_closes_that_sessions_socket_and_stream_but_not_another_sessions() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let amani_phone = phone(&app, "amani@exemple.cd", PASSWORD).await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let room = general_room(&amani).await;
    let mut a1 = ws_open(&amani, room, 0).await;
    let mut a2 = ws_open(&amani_phone, room, 0).await;
    let mut b = ws_open(&bola, room, 0).await;
    ws_say(&mut a1, "Bonjour depuis la tablette").await;
    ws_expect(&mut b, "Bonjour depuis la tablette").await;
    let mut stream1 = sse_open(&amani, "/notifications/stream", "event: badge").await;
    let mut stream2 = sse_open(&amani_phone, "/notifications/stream", "event: badge").await;

    let r = amani.post_form("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()
            .get("clear-site-data")
            .and_then(|v| v.to_str().ok()),
        Some("\"cache\""),
        "the browser drops its HTTP cache of the signed-in pages"
    );
    try_say(&mut a1, "Écrit après la déconnexion").await;

    let (code, texts) = closed_within_two_seconds(&mut a1).await;
    assert_eq!(code, Some(CLOSED));
    assert!(
        texts.contains("Votre session a pris fin"),
        "the page says why: {texts}"
    );
    sse_ends_within_two_seconds(&mut stream1).await;
    ws_never(&mut b, "après la déconnexion", 500).await;
    assert!(!room_shows(&bola, room, "après la déconnexion").await);

    // The phone's session is another one: its socket and stream carry on.
    ws_say(&mut a2, "Toujours là sur le téléphone").await;
    ws_expect(&mut b, "Toujours là sur le téléphone").await;
    sse_stays_open(&mut stream2, 300).await;
    assert_eq!(amani_phone.get("/dashboard").await.status(), 200);
}

#[tokio::test]
async fn a_message_on_a_socket_whose_account_was_suspended_behind_its_back_is_refused() {
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let room = general_room(&amani).await;
    let mut a = ws_open(&amani, room, 0).await;
    let mut b = ws_open(&bola, room, 0).await;
    ws_say(&mut a, "Premier message").await;
    ws_expect(&mut b, "Premier message").await;

    // Straight in the table, with no event: as if the bus had lost the revocation. The check
    // each message makes must catch it on its own.
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(amani_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    ws_say(&mut a, "Message d'un compte suspendu").await;
    let (code, texts) = closed_within_two_seconds(&mut a).await;
    assert_eq!(code, Some(CLOSED));
    assert!(texts.contains("Votre session a pris fin"), "{texts}");
    ws_never(&mut b, "compte suspendu", 500).await;
    assert!(!room_shows(&bola, room, "compte suspendu").await);
}

#[tokio::test]
async fn suspending_an_account_closes_its_sockets_and_streams_on_every_page() {
    let app = TestApp::with_demo().await;
    let admin = phone(&app, "admin@techlearnjess.cd", DEMO).await;
    let trainer = phone(&app, "formateur@techlearnjess.cd", DEMO).await;
    let learner = phone(&app, LEARNER, DEMO).await;
    let learner_id = app.user_id(LEARNER).await;
    let room = general_room(&learner).await;
    let mut chat = ws_open(&learner, room, 0).await;
    let mut watcher = ws_open(&trainer, room, 0).await;
    let r = trainer
        .post_form(
            "/live",
            &[
                ("title", "Questions du vendredi"),
                ("description", "Session publique"),
                ("course_id", ""),
                ("starts_at", &kinshasa_in_minutes(30)),
                ("duration_minutes", "60"),
                ("external_url", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "public session scheduled");
    let live_id: i64 = location(&r).trim_start_matches("/live/").parse().unwrap();
    let mut live = live_open(&learner, live_id).await;
    let topic: i64 = sqlx::query_scalar("SELECT MIN(id) FROM forum_topics WHERE course_id IS NULL")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let forum_path = format!("/forum/topics/{topic}/stream");
    let mut forum = sse_open(&learner, &forum_path, "").await;
    let mut visitor_forum = sse_open(&app.new_browser(), &forum_path, "").await;
    let mut notifications = sse_open(&learner, "/notifications/stream", "event: badge").await;

    let r = admin
        .post_form(&format!("/admin/users/{learner_id}/suspend"), &[])
        .await;
    assert_eq!(r.status(), 303);
    try_say(&mut chat, "Après la suspension").await;

    assert_eq!(closed_within_two_seconds(&mut chat).await.0, Some(CLOSED));
    assert_eq!(closed_within_two_seconds(&mut live).await.0, Some(CLOSED));
    sse_ends_within_two_seconds(&mut notifications).await;
    sse_ends_within_two_seconds(&mut forum).await;
    sse_stays_open(&mut visitor_forum, 300).await;
    ws_never(&mut watcher, "Après la suspension", 500).await;
    assert!(!room_shows(&trainer, room, "Après la suspension").await);
    assert_eq!(learner.get("/dashboard").await.status(), 303);
}

/// `datetime-local` value (Kinshasa time) of now + `minutes`.
fn kinshasa_in_minutes(minutes: i64) -> String {
    let t = (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
        .to_offset(techlearnjess::live::model::KINSHASA);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[tokio::test]
async fn a_role_change_reopens_the_users_sockets_with_the_session_kept() {
    let app = TestApp::with_demo().await;
    let admin = phone(&app, "admin@techlearnjess.cd", DEMO).await;
    let learner = phone(&app, LEARNER, DEMO).await;
    let learner_id = app.user_id(LEARNER).await;
    let room = general_room(&learner).await;
    let mut chat = ws_open(&learner, room, 0).await;
    let mut notifications = sse_open(&learner, "/notifications/stream", "event: badge").await;

    let r = admin
        .post_form(
            &format!("/admin/users/{learner_id}/roles"),
            &[("role", "moderator")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (code, texts) = closed_within_two_seconds(&mut chat).await;
    assert_eq!(code, Some(REOPEN), "the page reconnects: {texts}");
    sse_ends_within_two_seconds(&mut notifications).await;

    // Still signed in: the reconnected socket runs with the new rights.
    assert_eq!(learner.get("/dashboard").await.status(), 200);
    let mut again = ws_open(&learner, room, 0).await;
    ws_say(&mut again, "De retour avec mes nouveaux droits").await;
    ws_expect(&mut again, "De retour avec mes nouveaux droits").await;
}

#[tokio::test]
async fn changing_the_password_closes_the_other_sessions_and_reopens_this_browsers_sockets() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let amani_phone = phone(&app, "amani@exemple.cd", PASSWORD).await;
    let room = general_room(&amani).await;
    let mut here = ws_open(&amani, room, 0).await;
    let mut there = ws_open(&amani_phone, room, 0).await;
    let mut there_stream = sse_open(&amani_phone, "/notifications/stream", "event: badge").await;

    let r = amani
        .post_form(
            "/profile/security/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(closed_within_two_seconds(&mut there).await.0, Some(CLOSED));
    sse_ends_within_two_seconds(&mut there_stream).await;
    // This browser got a new session id: its other tabs reconnect with it.
    assert_eq!(closed_within_two_seconds(&mut here).await.0, Some(REOPEN));
    let mut reopened = ws_open(&amani, room, 0).await;
    ws_say(&mut reopened, "Nouveau mot de passe, même conversation").await;
    ws_expect(&mut reopened, "Nouveau mot de passe, même conversation").await;
    assert_eq!(amani_phone.get("/dashboard").await.status(), 303);
}

#[tokio::test]
async fn logging_out_everywhere_else_keeps_this_sessions_socket() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let amani_phone = phone(&app, "amani@exemple.cd", PASSWORD).await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let room = general_room(&amani).await;
    let mut here = ws_open(&amani, room, 0).await;
    let mut there = ws_open(&amani_phone, room, 0).await;
    let mut b = ws_open(&bola, room, 0).await;
    let mut here_stream = sse_open(&amani, "/notifications/stream", "event: badge").await;
    let mut there_stream = sse_open(&amani_phone, "/notifications/stream", "event: badge").await;

    let r = amani
        .post_form("/profile/security/sessions/logout-others", &[])
        .await;
    assert_eq!(r.status(), 303);
    let (code, _) = closed_within_two_seconds(&mut there).await;
    assert_eq!(code, Some(CLOSED));
    sse_ends_within_two_seconds(&mut there_stream).await;

    ws_say(&mut here, "Seule session restante").await;
    ws_expect(&mut b, "Seule session restante").await;
    ws_expect(&mut here, "Seule session restante").await;
    sse_stays_open(&mut here_stream, 300).await;
}

#[tokio::test]
async fn a_password_reset_logs_out_every_session_and_voids_a_pending_e_mail_change() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let amani_phone = phone(&app, "amani@exemple.cd", PASSWORD).await;
    let room = general_room(&amani).await;
    let mut tablet = ws_open(&amani, room, 0).await;
    let mut mobile = ws_open(&amani_phone, room, 0).await;
    let mut stream = sse_open(&amani_phone, "/notifications/stream", "event: badge").await;
    let r = amani
        .post_form(
            "/profile/security/email",
            &[
                ("new_email", "amani.autre@exemple.cd"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let change = app.link_in_last_email("amani.autre@exemple.cd", "/profile/email/confirm/");

    let visitor = app.new_browser();
    visitor
        .post_form("/forgot-password", &[("email", "amani@exemple.cd")])
        .await;
    let link = app.link_in_last_email("amani@exemple.cd", "/reset-password/");
    let r = visitor
        .post_form(
            link.trim_start_matches(&app.base),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&r), "/login");

    assert_eq!(closed_within_two_seconds(&mut tablet).await.0, Some(CLOSED));
    assert_eq!(closed_within_two_seconds(&mut mobile).await.0, Some(CLOSED));
    sse_ends_within_two_seconds(&mut stream).await;
    for b in [&amani, &amani_phone] {
        let r = b.get("/dashboard").await;
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("/login"));
    }
    let (status, _) = visitor.page(change.trim_start_matches(&app.base)).await;
    assert_eq!(
        status, 404,
        "the e-mail change asked before the reset is void"
    );
    app.new_browser()
        .login("amani@exemple.cd", NEW_PASSWORD)
        .await;
}

#[tokio::test]
async fn a_password_reset_voids_the_older_reset_links_and_the_verification_link() {
    let app = TestApp::spawn().await;
    // Signed up, not verified yet: the verification link is still unused.
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Chris Luzolo"),
                ("email", "chris@exemple.cd"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let verify = app.link_in_last_email("chris@exemple.cd", "/verify-email/");
    app.post_form("/forgot-password", &[("email", "chris@exemple.cd")])
        .await;
    let older = app.link_in_last_email("chris@exemple.cd", "/reset-password/");
    app.post_form("/forgot-password", &[("email", "chris@exemple.cd")])
        .await;
    let newer = app.link_in_last_email("chris@exemple.cd", "/reset-password/");
    assert_ne!(older, newer);
    let older = older.trim_start_matches(&app.base).to_owned();
    let (status, _) = app.page(&older).await;
    assert_eq!(status, 200, "both links work until one is used");

    let r = app
        .post_form(
            newer.trim_start_matches(&app.base),
            &[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&r), "/login");

    // The older link is refused, in French, whether opened or submitted.
    let r = app.get(&older).await;
    assert_eq!(location(&r), "/forgot-password");
    let (_, html) = app.page("/forgot-password").await;
    assert_eq!(
        text_of(&html, "[data-testid=flash]").as_deref(),
        Some("Ce lien n'est plus valide. Demandez-en un nouveau.")
    );
    let r = app
        .post_form(
            &older,
            &[
                ("password", "Encore-autre-2026"),
                ("password_confirm", "Encore-autre-2026"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/forgot-password");
    let (status, html) = app.page(verify.trim_start_matches(&app.base)).await;
    assert_eq!(status, 404, "the verification link is void too");
    assert_eq!(count(&html, "[data-testid=verify-submit]"), 0);
    assert!(
        text_of(&html, "[data-testid=verify-invalid]")
            .is_some_and(|t| t.contains("n'est plus valide"))
    );
    app.new_browser()
        .login("chris@exemple.cd", NEW_PASSWORD)
        .await;
}

#[tokio::test]
async fn signed_in_pages_are_never_stored_and_visitor_pages_are_revalidated() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let cache = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    for path in ["/dashboard", "/profile/security", "/", "/courses"] {
        let r = amani.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(cache(&r), "private, no-store", "signed in: {path}");
    }
    let r = app.new_browser().get("/courses").await;
    assert_eq!(cache(&r), "private, no-cache", "a visitor's page");
}

#[tokio::test]
async fn a_revocation_on_one_instance_closes_the_socket_held_by_another() {
    if std::env::var("TLJ_TEST_ENGINE").as_deref() != Ok("postgres") {
        return; // the in-process bus of SQLite is one instance by design
    }
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let other = app.second_instance().await;
    // The same account signed in twice through instance 2 (the session store is shared).
    let amani_2 = other.new_browser();
    amani_2.login("amani@exemple.cd", PASSWORD).await;
    let room = general_room(&amani).await;
    let mut on_2 = ws_open(&amani_2, room, 0).await;
    let mut stream_on_2 = sse_open(&amani_2, "/notifications/stream", "event: badge").await;
    let mut b = ws_open(&bola, room, 0).await;
    ws_say(&mut on_2, "Depuis l'instance 2").await;
    ws_expect(&mut b, "Depuis l&#39;instance 2").await;

    // Instance 1 ends every other session of the account.
    let r = amani
        .post_form("/profile/security/sessions/logout-others", &[])
        .await;
    assert_eq!(r.status(), 303);
    // Nothing is sent on the socket first: only the event from instance 1 can close it (a
    // message would race the per-message check, tested above on one instance).
    assert_eq!(closed_within_two_seconds(&mut on_2).await.0, Some(CLOSED));
    sse_ends_within_two_seconds(&mut stream_on_2).await;
    try_say(&mut on_2, "Encore depuis l'instance 2").await;
    ws_never(&mut b, "Encore depuis", 500).await;
}

#[tokio::test]
async fn signing_in_on_a_phone_someone_left_signed_in_closes_their_sockets() {
    let app = TestApp::spawn().await;
    let (shared_phone, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    app.signup_verified("Bola Nsimba", "bola@exemple.cd", PASSWORD)
        .await;
    let room = general_room(&shared_phone).await;
    let mut left_open = ws_open(&shared_phone, room, 0).await;
    let mut stream = sse_open(&shared_phone, "/notifications/stream", "event: badge").await;

    // Bola signs in on the phone Amani did not log out of.
    shared_phone.login("bola@exemple.cd", PASSWORD).await;
    assert_eq!(
        closed_within_two_seconds(&mut left_open).await.0,
        Some(CLOSED)
    );
    sse_ends_within_two_seconds(&mut stream).await;
}

#[tokio::test]
async fn a_second_factor_sign_in_on_a_phone_someone_left_signed_in_closes_their_sockets() {
    let app = TestApp::spawn().await;
    let (shared_phone, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    app.signup_verified("Bola Nsimba", "bola@exemple.cd", PASSWORD)
        .await;
    sqlx::query("UPDATE users SET otp_method = 'email' WHERE email = $1")
        .bind("bola@exemple.cd")
        .execute(&app.state.db.pool)
        .await
        .expect("second factor on");
    let room = general_room(&shared_phone).await;
    let mut left_open = ws_open(&shared_phone, room, 0).await;
    let mut stream = sse_open(&shared_phone, "/notifications/stream", "event: badge").await;

    // Bola's password is right: the phone now waits for her code, and Amani is signed out.
    let r = shared_phone
        .post_form(
            "/login",
            &[("email", "bola@exemple.cd"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login/code"), "{}", location(&r));
    assert_eq!(
        closed_within_two_seconds(&mut left_open).await.0,
        Some(CLOSED)
    );
    sse_ends_within_two_seconds(&mut stream).await;
}
