//! Notifications: the store and its pages, e-mail settings, the SSE stream with resume after a
//! drop, and delivery across two instances on one PostgreSQL database.

use std::time::Duration;

use techlearnjess::AppState;
use techlearnjess::notifications::{Kind, Notice, notify};

use crate::helpers::{Browser, TestApp, count, location, text_of};

const PASSWORD: &str = "Mot-de-passe-2026";

async fn user(app: &TestApp, name: &str, email: &str) -> (Browser, i64) {
    app.signup_verified(name, email, PASSWORD).await;
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    (b, app.user_id(email).await)
}

async fn send(state: &AppState, user_id: i64, kind: Kind, subject: &str, link: &str) {
    notify(
        state,
        user_id,
        Notice {
            kind,
            subject,
            link,
        },
    )
    .await
    .expect("notified");
}

/// An open SSE response and what it has received so far.
struct Stream {
    response: reqwest::Response,
    seen: String,
}

impl Stream {
    async fn open(browser: &Browser, last_event_id: Option<i64>) -> Self {
        let mut request = browser.client.get(browser.url("/notifications/stream"));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            seen: String::new(),
        }
    }

    /// Reads until the received text contains `needle` (panics after 5 s); returns it all.
    async fn expect(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !self.seen.contains(needle) {
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no {needle:?} within 5 s; got:\n{}", self.seen))
                .expect("stream readable")
                .expect("stream still open");
            self.seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        self.seen.clone()
    }
}

#[tokio::test]
async fn the_centre_lists_unread_first_and_marks_read() {
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    for i in 0..25 {
        send(
            &app.state,
            amani_id,
            Kind::CoursePublished,
            &format!("Cours {i}"),
            "/courses",
        )
        .await;
    }
    send(
        &app.state,
        amani_id,
        Kind::ForumReply,
        "Aide <script>",
        "/forum",
    )
    .await;

    let (status, html) = amani.page("/notifications").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&html, "[data-testid=notification]"),
        20,
        "paginated by 20"
    );
    let body = html.html();
    assert!(
        body.contains("Nouvelle réponse dans «&nbsp;Aide &lt;script&gt;&nbsp;»"),
        "escaped, newest first"
    );
    assert!(body.contains("Non lues&nbsp;: 26"));

    // Reading one follows its link; someone else cannot touch it.
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE user_id = $1 AND kind = 'forum_reply'",
    )
    .bind(amani_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let r = bola
        .post_form(&format!("/notifications/{id}/read"), &[])
        .await;
    assert_eq!(r.status(), 404);
    let r = amani
        .post_form(&format!("/notifications/{id}/read"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/forum");
    let (_, html) = amani.page("/notifications?page=2").await;
    assert_eq!(count(&html, "[data-testid=notification]"), 6);
    let (status, past) = amani.page("/notifications?page=999").await;
    assert_eq!(status, 200, "a page past the end is the last page");
    assert_eq!(count(&past, "[data-testid=notification]"), 6);
    assert_eq!(
        text_of(&past, "[data-testid=page-current] .sr-only").as_deref(),
        Some("Page 2 sur 2")
    );
    assert_eq!(
        count(&html, "[data-testid=notification][data-unread=false]"),
        1,
        "the read one comes last"
    );
    let r = amani.post_form("/notifications/read-all", &[]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = amani.page("/notifications").await;
    assert!(html.html().contains("Non lues&nbsp;: 0"));
    // Out-of-range pages are not errors.
    assert_eq!(amani.get("/notifications?page=abc").await.status(), 200);
}

#[tokio::test]
async fn e_mails_follow_the_user_settings() {
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let before = app.emails_to("amani@exemple.cd").len();
    // Certificates e-mail by default; forum replies do not.
    send(
        &app.state,
        amani_id,
        Kind::CertificateAvailable,
        "Python",
        "/certificates",
    )
    .await;
    send(&app.state, amani_id, Kind::ForumReply, "Sujet", "/forum").await;
    // The e-mails are sent in the background: every one that will go has gone.
    app.state.tasks.settled().await;
    let mails = app.emails_to("amani@exemple.cd");
    assert_eq!(mails.len(), before + 1);
    assert!(
        mails
            .last()
            .unwrap()
            .contains("Votre attestation est disponible")
    );

    // Turn forum replies on and certificates off.
    let r = amani
        .post_form("/notifications/settings", &[("email_forum_reply", "on")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = amani.page("/notifications/settings").await;
    assert_eq!(count(&html, "[data-testid=email-forum_reply][checked]"), 1);
    assert_eq!(
        count(&html, "[data-testid=email-certificate_available][checked]"),
        0
    );
    send(
        &app.state,
        amani_id,
        Kind::CertificateAvailable,
        "Python",
        "/certificates",
    )
    .await;
    send(&app.state, amani_id, Kind::ForumReply, "Sujet", "/forum").await;
    // The e-mails are sent in the background: every one that will go has gone.
    app.state.tasks.settled().await;
    let mails = app.emails_to("amani@exemple.cd");
    assert_eq!(mails.len(), before + 2);
    assert!(
        mails
            .last()
            .unwrap()
            .contains("Nouvelle réponse dans «\u{a0}Sujet\u{a0}»")
    );
}

#[tokio::test]
async fn the_stream_pushes_live_and_resumes_after_a_drop_without_loss() {
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let anon = app.new_browser();
    assert_eq!(anon.get("/notifications/stream").await.status(), 303);

    let mut stream = Stream::open(&amani, None).await;
    stream.expect("event: badge").await;
    send(
        &app.state,
        amani_id,
        Kind::PaymentConfirmed,
        "JavaScript",
        "/payments",
    )
    .await;
    let seen = stream.expect("Paiement confirmé").await;
    assert!(seen.contains("event: notification"));
    let first: i64 = sqlx::query_scalar("SELECT MAX(id) FROM notifications WHERE user_id = $1")
        .bind(amani_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(seen.contains(&format!("id: {first}")));
    stream.expect(">1<").await; // the badge counts one
    drop(stream);

    // While disconnected, two more arrive; the browser reconnects with Last-Event-ID.
    send(
        &app.state,
        amani_id,
        Kind::LiveSession,
        "Atelier Python",
        "/live",
    )
    .await;
    send(
        &app.state,
        amani_id,
        Kind::CoursePublished,
        "Excel",
        "/courses",
    )
    .await;
    let mut stream = Stream::open(&amani, Some(first)).await;
    let seen = stream.expect("Excel").await;
    assert!(seen.contains("Atelier Python"));
    assert!(!seen.contains("JavaScript"), "nothing sent twice");
    stream.expect(">3<").await;
    // Reading everything elsewhere updates the badge live.
    amani.post_form("/notifications/read-all", &[]).await;
    stream.expect("notif-none").await;
}

#[tokio::test]
async fn two_instances_on_postgresql_deliver_each_others_events() {
    if std::env::var("TLJ_TEST_ENGINE").as_deref() != Ok("postgres") {
        return; // the in-process bus of SQLite is one instance by design
    }
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let b_instance = app.second_instance().await;
    // Bola's browser talks to instance B (same session store, so the same cookies work).
    let bola_b = b_instance.new_browser();
    bola_b.login("bola@exemple.cd", PASSWORD).await;
    let amani_b = b_instance.new_browser();
    amani_b.login("amani@exemple.cd", PASSWORD).await;

    // A notification sent through instance A reaches a stream held by instance B.
    let mut stream = Stream::open(&amani_b, None).await;
    stream.expect("event: badge").await;
    send(
        &app.state,
        amani_id,
        Kind::ForumMention,
        "Entraide",
        "/forum",
    )
    .await;
    stream.expect("mentionné dans «\u{a0}Entraide\u{a0}»").await;

    // A chat message posted on instance A reaches a socket on instance B.
    let (_, html) = amani.page("/chat").await;
    let sel = scraper::Selector::parse("[data-testid=chat-room-general]").unwrap();
    let href = html
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let room: i64 = href.rsplit('/').next().unwrap().parse().unwrap();
    let mut ws = crate::chat::ws_open(&bola_b, room, 0).await;
    let mut ws_a = crate::chat::ws_open(&amani, room, 0).await;
    crate::chat::ws_say(&mut ws_a, "Bonjour depuis l'instance A").await;
    crate::chat::ws_expect(&mut ws, "Bonjour depuis l&#39;instance A").await;
    // And presence is seen across instances.
    let bola_id = app.user_id("bola@exemple.cd").await;
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );
    drop(bola);
}

#[tokio::test]
async fn notifications_of_the_same_kind_and_place_make_one_line_read_together() {
    let app = TestApp::spawn().await;
    let (amani, amani_id) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    // Three replies in one topic: one place, each its own #fragment.
    for reply in 1..=3 {
        let link = format!("/forum/topics/5#reply-{reply}");
        send(
            &app.state,
            amani_id,
            Kind::ForumReply,
            "Entraide Python",
            &link,
        )
        .await;
    }
    send(
        &app.state,
        amani_id,
        Kind::ForumReply,
        "Autre sujet",
        "/forum/topics/6",
    )
    .await;
    for i in 0..2 {
        send(
            &app.state,
            amani_id,
            Kind::CoursePublished,
            &format!("Cours {i}"),
            "/courses",
        )
        .await;
    }

    let (status, html) = amani.page("/notifications").await;
    assert_eq!(status, 200);
    let lines: Vec<String> = html
        .select(&scraper::Selector::parse("[data-testid=notification] button").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines.contains(&"3 nouvelles réponses dans «\u{a0}Entraide Python\u{a0}»".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"Nouvelle réponse dans «\u{a0}Autre sujet\u{a0}»".to_owned()),
        "{lines:?}"
    );
    assert!(
        html.html().contains("Non lues&nbsp;: 4"),
        "the count counts lines"
    );
    let (_, badge) = amani.page("/notifications/badge").await;
    assert_eq!(
        text_of(&badge, "[data-testid=notif-count]").as_deref(),
        Some("4")
    );

    // Opening the group reads all three and starts at the oldest.
    let newest: i64 = sqlx::query_scalar(
        "SELECT MAX(id) FROM notifications WHERE user_id = $1 AND link LIKE '/forum/topics/5#%'",
    )
    .bind(amani_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(
        html.html()
            .contains(&format!("/notifications/{newest}/read"))
    );
    let r = amani
        .post_form(&format!("/notifications/{newest}/read"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/forum/topics/5#reply-1");
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link LIKE '/forum/topics/5#%' AND read_at IS NULL",
    )
    .bind(amani_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(unread, 0);
    let (_, badge) = amani.page("/notifications/badge").await;
    assert_eq!(
        text_of(&badge, "[data-testid=notif-count]").as_deref(),
        Some("3")
    );

    // A new reply there starts a new unread line; the read group stays below.
    send(
        &app.state,
        amani_id,
        Kind::ForumReply,
        "Entraide Python",
        "/forum/topics/5#reply-4",
    )
    .await;
    let (_, html) = amani.page("/notifications").await;
    let lines: Vec<String> = html
        .select(&scraper::Selector::parse("[data-testid=notification] button").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(
        lines[0],
        "Nouvelle réponse dans «\u{a0}Entraide Python\u{a0}»"
    );
    assert_eq!(
        lines[4],
        "3 nouvelles réponses dans «\u{a0}Entraide Python\u{a0}»"
    );
    assert_eq!(
        count(&html, "[data-testid=notification][data-unread=false]"),
        1
    );
}
