//! Chat over real WebSocket clients: delivery to a room's subscribers only, private
//! conversations, presence, limits, hiding, resume after a reconnect, access rules.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{Browser, TestApp, eventually, location};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PASSWORD: &str = "Mot-de-passe-2026";

/// Opens a room's WebSocket as `browser` and says the page holds messages up to `resume`.
pub async fn ws_open(browser: &Browser, room: i64, resume: i64) -> Ws {
    let url = format!(
        "{}/chat/rooms/{room}/ws",
        browser.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().expect("ws request");
    request
        .headers_mut()
        .insert("cookie", browser.cookie_header().parse().expect("cookie"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    ws.send(WsMessage::text(format!(r#"{{"resume":"{resume}"}}"#)))
        .await
        .expect("resume sent");
    ws
}

pub async fn ws_say(ws: &mut Ws, body: &str) {
    let json = serde_json::json!({ "body": body, "HEADERS": { "HX-Request": "true" } });
    ws.send(WsMessage::text(json.to_string()))
        .await
        .expect("message sent");
}

/// Reads frames until one contains `needle` (panics after 5 s).
pub async fn ws_expect(ws: &mut Ws, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no frame containing {needle:?} within 5 s"));
        if let Some(Ok(WsMessage::Text(t))) = frame {
            if t.as_str().contains(needle) {
                return t.as_str().to_owned();
            }
        } else if frame.is_none() {
            panic!("socket closed while waiting for {needle:?}");
        }
    }
}

/// Asserts that nothing containing `needle` arrives within `ms`.
async fn ws_never(ws: &mut Ws, needle: &str, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(frame) = tokio::time::timeout_at(deadline, ws.next()).await {
        match frame {
            Some(Ok(WsMessage::Text(t))) => {
                assert!(
                    !t.as_str().contains(needle),
                    "unexpected frame: {}",
                    t.as_str()
                )
            }
            None => return,
            _ => {}
        }
    }
}

async fn user(app: &TestApp, name: &str, email: &str) -> (Browser, i64) {
    app.signup_verified(name, email, PASSWORD).await;
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    (b, app.user_id(email).await)
}

async fn general_room(app: &TestApp, b: &Browser) -> i64 {
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
    let _ = app;
    href.rsplit('/').next().unwrap().parse().unwrap()
}

async fn direct_room(b: &Browser, other: i64) -> i64 {
    let r = b
        .post_form("/chat/direct", &[("user_id", &other.to_string())])
        .await;
    assert_eq!(r.status(), 303);
    location(&r).rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_message_reaches_every_subscriber_of_the_room_and_no_one_else() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (chris, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    let dm = direct_room(&amani, bola_id).await;

    let mut a = ws_open(&amani, general, 0).await;
    let mut b = ws_open(&bola, general, 0).await;
    let mut c = ws_open(&chris, general, 0).await;
    let mut b_dm = ws_open(&bola, dm, 0).await;

    ws_say(&mut a, "Bonjour <b>à tous</b> https://techlearnjess.cd").await;
    for ws in [&mut a, &mut b, &mut c] {
        let frame = ws_expect(ws, "Bonjour").await;
        assert!(frame.contains("hx-swap-oob=\"beforeend:#messages\""));
        assert!(
            frame.contains("&lt;b&gt;à tous&lt;/b&gt;"),
            "escaped: {frame}"
        );
        assert!(frame.contains("href=\"https://techlearnjess.cd\""));
    }
    ws_never(&mut b_dm, "Bonjour", 300).await;

    // A private message reaches its two members only.
    let mut a_dm = ws_open(&amani, dm, 0).await;
    ws_say(&mut a_dm, "Juste entre nous").await;
    ws_expect(&mut b_dm, "Juste entre nous").await;
    ws_expect(&mut a_dm, "Juste entre nous").await;
    ws_never(&mut c, "Juste entre nous", 300).await;
}

#[tokio::test]
async fn private_conversations_stay_private() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (_bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (chris, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    let dm = direct_room(&amani, bola_id).await;
    assert_eq!(amani.get(&format!("/chat/rooms/{dm}")).await.status(), 200);
    assert_eq!(chris.get(&format!("/chat/rooms/{dm}")).await.status(), 404);
    assert_eq!(
        chris
            .get(&format!("/chat/rooms/{dm}/messages?before=999"))
            .await
            .status(),
        404
    );
    let r = chris
        .post_form(
            &format!("/chat/rooms/{dm}/messages"),
            &[("body", "intrusion")],
        )
        .await;
    assert_eq!(r.status(), 404);
    // The WebSocket refuses too.
    let url = format!(
        "{}/chat/rooms/{dm}/ws",
        chris.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", chris.cookie_header().parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // Anonymous visitors are sent to log in.
    let anon = app.new_browser();
    assert_eq!(anon.get("/chat").await.status(), 303);
    // A page of another site cannot open the socket with the user's cookies.
    let url = format!(
        "{}/chat/rooms/{dm}/ws",
        amani.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", amani.cookie_header().parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
}

#[tokio::test]
async fn presence_follows_connections_across_tabs() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    assert!(app.state.hub.online(&[bola_id]).await.unwrap().is_empty());

    // Amani's page shows Bola once Bola has spoken; the dot turns green and grey live.
    let mut watcher = ws_open(&amani, general, 0).await;
    let mut tab1 = ws_open(&bola, general, 0).await;
    ws_say(&mut tab1, "coucou").await;
    ws_expect(&mut watcher, "coucou").await;
    let mut tab2 = ws_open(&bola, general, 0).await;
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );

    // Closing one tab keeps Bola online; closing the last one takes Bola offline.
    tab1.close(None).await.unwrap();
    // A real socket: the server ends the closed one on its own time and announces nothing
    // while another tab keeps Bola online, so there is no event to wait for.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );
    tab2.close(None).await.unwrap();
    let frame = ws_expect(&mut watcher, &format!("id=\"presence-{bola_id}\"")).await;
    assert!(frame.contains("data-online=\"false\""), "{frame}");
    assert!(app.state.hub.online(&[bola_id]).await.unwrap().is_empty());
}

/// Opens the notification stream of `b` (what every signed-in page does) and reads its badge.
async fn notification_stream(b: &Browser) -> reqwest::Response {
    let mut r = b.get("/notifications/stream").await;
    assert_eq!(r.status(), 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut seen = String::new();
    while !seen.contains("event: badge") {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("the badge within 5 s")
            .expect("readable")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    r
}

#[tokio::test]
async fn closing_every_page_takes_the_user_offline_and_ends_every_connections_task() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    let baseline = app.state.tasks.connections();

    let mut watcher = ws_open(&amani, general, 0).await;
    let mut tab = ws_open(&bola, general, 0).await;
    ws_say(&mut tab, "bonjour").await;
    ws_expect(&mut watcher, "bonjour").await;
    // Twenty page views: each opens the notification stream, then the page goes away.
    for _ in 0..20 {
        let stream = notification_stream(&bola).await;
        drop(stream);
    }
    // One page still open: its stream keeps Bola online after the chat tab closes.
    let last_page = notification_stream(&bola).await;
    tab.close(None).await.unwrap();
    eventually("the closed pages' tasks end", || async {
        app.state.tasks.connections() == baseline + 2
    })
    .await;
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );

    // The last page closes: Bola is offline at once, announced to the room, and no task of
    // any of Bola's connections is left.
    drop(last_page);
    let frame = ws_expect(&mut watcher, &format!("id=\"presence-{bola_id}\"")).await;
    assert!(frame.contains("data-online=\"false\""), "{frame}");
    assert!(app.state.hub.online(&[bola_id]).await.unwrap().is_empty());
    eventually("only the watcher's socket is left", || async {
        app.state.tasks.connections() == baseline + 1 && app.state.hub.connection_count() == 1
    })
    .await;
    watcher.close(None).await.unwrap();
    eventually("no connection task is left", || async {
        app.state.tasks.connections() == baseline && app.state.hub.connection_count() == 0
    })
    .await;
}

#[tokio::test]
async fn a_dead_instances_users_go_offline_within_30_seconds_of_clock_time() {
    use techlearnjess::realtime::presence;
    let app = TestApp::spawn().await;
    let (_bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    // Bola's only page was served by an instance that died without cleaning up: its row stays.
    sqlx::query("INSERT INTO presence (instance_id, user_id, seen_at) VALUES ($1, $2, $3)")
        .bind("dead-instance")
        .bind(bola_id)
        .bind(app.state.clock.timestamp())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let mut announcements = app.state.hub.subscribe(presence::TOPIC);
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );

    app.advance(Duration::from_secs(20));
    presence::beat(&app.state.hub).await;
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id],
        "a row refreshed 20 s ago still counts"
    );
    assert!(announcements.try_recv().is_err());

    app.advance(Duration::from_secs(10));
    assert!(
        app.state.hub.online(&[bola_id]).await.unwrap().is_empty(),
        "30 s without a heartbeat: offline"
    );
    presence::beat(&app.state.hub).await;
    let event = tokio::time::timeout(Duration::from_secs(5), announcements.recv())
        .await
        .expect("announced")
        .expect("event");
    assert_eq!((event.id, &*event.data), (bola_id, "0"));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM presence")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the stale row is swept");
}

#[tokio::test]
async fn a_live_user_keeps_their_row_fresh_while_the_clock_moves() {
    use techlearnjess::realtime::presence;
    let app = TestApp::spawn().await;
    let (bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let stream = notification_stream(&bola).await;
    for _ in 0..6 {
        app.advance(Duration::from_secs(10));
        presence::beat(&app.state.hub).await;
    }
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );
    let fresh: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE user_id = $1")
        .bind(bola_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(fresh, 1);
    drop(stream);
    eventually("offline once the stream is gone", || async {
        app.state.hub.online(&[bola_id]).await.unwrap().is_empty()
    })
    .await;
}

#[tokio::test]
async fn closing_a_page_on_one_instance_takes_the_user_offline_on_the_other() {
    if std::env::var("TLJ_TEST_ENGINE").as_deref() != Ok("postgres") {
        return; // the in-process bus of SQLite is one instance by design
    }
    use techlearnjess::realtime::presence;
    let app = TestApp::spawn().await;
    let (_bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let other = app.second_instance().await;
    let bola_b = other.new_browser();
    bola_b.login("bola@exemple.cd", PASSWORD).await;
    let mut announcements = app.state.hub.subscribe(presence::TOPIC);
    let stream = notification_stream(&bola_b).await;
    let event = tokio::time::timeout(Duration::from_secs(5), announcements.recv())
        .await
        .expect("online announced")
        .expect("event");
    assert_eq!((event.id, &*event.data), (bola_id, "1"));
    assert_eq!(
        app.state.hub.online(&[bola_id]).await.unwrap(),
        vec![bola_id]
    );
    drop(stream);
    let event = tokio::time::timeout(Duration::from_secs(5), announcements.recv())
        .await
        .expect("offline announced on instance A")
        .expect("event");
    assert_eq!((event.id, &*event.data), (bola_id, "0"));
    assert!(app.state.hub.online(&[bola_id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn limits_answer_with_clear_messages() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    let mut ws = ws_open(&amani, general, 0).await;
    ws_say(&mut ws, &"x".repeat(2001)).await;
    ws_expect(&mut ws, "Le message dépasse 2 000 caractères.").await;
    ws_say(&mut ws, "   ").await;
    ws_expect(&mut ws, "Le message est vide.").await;
    ws.send(WsMessage::text("pas du json")).await.unwrap();
    ws_expect(&mut ws, "Message illisible").await;
    for i in 0..10 {
        ws_say(&mut ws, &format!("message {i}")).await;
    }
    ws_say(&mut ws, "un de trop").await;
    ws_expect(&mut ws, "Vous envoyez trop de messages").await;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 10, "nothing refused was stored");
    // Without JavaScript, the form answers 400 with the French message.
    let r = amani
        .post_form(&format!("/chat/rooms/{general}/messages"), &[("body", "")])
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_report_with_too_short_a_reason_comes_back_with_422_and_the_reason_typed() {
    let app = TestApp::with_demo().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    let mut ws = ws_open(&amani, general, 0).await;
    ws_say(&mut ws, "un message à signaler").await;
    let frame = ws_expect(&mut ws, "un message à signaler").await;
    let id: i64 = frame
        .split("id=\"msg-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("message id");

    let r = amani
        .post_form(&format!("/chat/messages/{id}/report"), &[("reason", "ab")])
        .await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    let reason = scraper::Selector::parse("[data-testid=report-reason]").expect("selector");
    let field = page.select(&reason).next().expect("the reason field");
    assert_eq!(field.text().collect::<String>(), "ab");
    assert_eq!(field.value().attr("aria-invalid"), Some("true"));
    assert!(
        crate::helpers::text_of(&page, "[data-testid=error-reason]")
            .is_some_and(|t| t.contains("3 à 500"))
    );
    let reports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chat_reports WHERE message_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(reports, 0);
}

#[tokio::test]
async fn a_hidden_message_disappears_live_and_a_report_is_stored() {
    let app = TestApp::with_demo().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let moderator = app.new_browser();
    moderator
        .login("moderateur@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let general = general_room(&app, &amani).await;
    let mut ws = ws_open(&amani, general, 0).await;
    ws_say(&mut ws, "message insultant").await;
    let frame = ws_expect(&mut ws, "message insultant").await;
    let id: i64 = frame
        .split("id=\"msg-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("message id");

    let r = amani
        .post_form(
            &format!("/chat/messages/{id}/report"),
            &[("reason", "Propos insultants")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chat_reports WHERE message_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(reports, 1);

    // The report waits in the moderators' queue.
    assert_eq!(amani.get("/admin/moderation").await.status(), 403);
    let (status, html) = moderator.page("/admin/moderation").await;
    assert_eq!(status, 200);
    assert_eq!(crate::helpers::count(&html, "[data-testid=chat-report]"), 1);
    assert!(html.html().contains("Propos insultants"));

    // A learner cannot hide; a moderator can, and every open page drops it.
    let r = amani
        .post_form(&format!("/chat/messages/{id}/hide"), &[])
        .await;
    assert_eq!(r.status(), 403);
    let r = moderator
        .post_form(&format!("/chat/messages/{id}/hide"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let frame = ws_expect(&mut ws, &format!("id=\"msg-{id}\"")).await;
    assert!(frame.contains("hx-swap-oob=\"delete\""));
    let (_, html) = amani.page(&format!("/chat/rooms/{general}")).await;
    assert!(!html.html().contains("message insultant"));
    // The queue is empty again and the action is in the moderation log.
    let (_, html) = moderator.page("/admin/moderation").await;
    assert_eq!(crate::helpers::count(&html, "[data-testid=chat-report]"), 0);
    let logged: Vec<(String, String)> =
        sqlx::query_as("SELECT action, target_type FROM moderation_actions WHERE target_id = $1")
            .bind(id)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(logged, vec![("hide".to_owned(), "chat_message".to_owned())]);
}

#[tokio::test]
async fn a_reconnecting_page_gets_exactly_what_it_missed() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let general = general_room(&app, &amani).await;
    let mut a = ws_open(&amani, general, 0).await;
    ws_say(&mut a, "premier").await;
    let frame = ws_expect(&mut a, "premier").await;
    let first: i64 = frame
        .split("data-id=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    // Bola's page holds "premier", drops, and misses two messages.
    let mut b = ws_open(&bola, general, first).await;
    b.close(None).await.unwrap();
    ws_say(&mut a, "deuxième").await;
    ws_say(&mut a, "troisième").await;
    ws_expect(&mut a, "troisième").await;
    let mut b = ws_open(&bola, general, first).await;
    let got = ws_expect(&mut b, "deuxième").await;
    assert!(!got.contains("premier"));
    ws_expect(&mut b, "troisième").await;
    ws_never(&mut b, "premier", 300).await;
}

#[tokio::test]
async fn course_rooms_are_for_the_course_members() {
    let app = TestApp::with_demo().await;
    let learner = app.new_browser();
    learner
        .login("apprenant@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    // Enrol in a free demo course: its room appears in the list.
    let r = learner
        .post_form("/courses/bases-de-python/enrol", &[])
        .await;
    assert!(r.status().is_redirection(), "enrolled: {}", r.status());
    let (_, html) = learner.page("/chat").await;
    let sel = scraper::Selector::parse("[data-testid=chat-room-course]").unwrap();
    let href = html
        .select(&sel)
        .next()
        .expect("course room listed")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(learner.get(&href).await.status(), 200);
    // Someone not enrolled is refused.
    let (outsider, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    assert_eq!(outsider.get(&href).await.status(), 403);
}

#[tokio::test]
async fn a_private_message_left_unread_notifies_once_and_a_reader_is_not_notified() {
    let app = TestApp::spawn().await;
    let (amani, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (bola, bola_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let dm = direct_room(&amani, bola_id).await;
    for body in ["tu es là ?", "réponds quand tu peux"] {
        let r = amani
            .post_form(&format!("/chat/rooms/{dm}/messages"), &[("body", body)])
            .await;
        assert_eq!(r.status(), 303);
    }
    // The grace period passes; the delayed checks of both messages run and end.
    app.advance(techlearnjess::chat::handlers::UNREAD_GRACE);
    app.state.tasks.settled().await;
    let notes: Vec<(String, String, String)> =
        sqlx::query_as("SELECT kind, subject, link FROM notifications WHERE user_id = $1")
            .bind(bola_id)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        notes,
        vec![(
            "private_message".to_owned(),
            "Amani Kabila".to_owned(),
            format!("/chat/rooms/{dm}")
        )]
    );
    // Bola's list counts the two unread messages; opening the room reads them.
    let (_, html) = bola.page("/chat").await;
    assert_eq!(
        crate::helpers::text_of(&html, "[data-testid=chat-unread]")
            .as_deref()
            .map(|t| t.starts_with('2')),
        Some(true)
    );
    assert_eq!(bola.get(&format!("/chat/rooms/{dm}")).await.status(), 200);
    let (_, html) = bola.page("/chat").await;
    assert_eq!(crate::helpers::count(&html, "[data-testid=chat-unread]"), 0);
    // With the conversation open, Bola reads at once: no second notification.
    sqlx::query("UPDATE notifications SET read_at = created_at")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let mut ws = ws_open(&bola, dm, 0).await;
    let r = amani
        .post_form(
            &format!("/chat/rooms/{dm}/messages"),
            &[("body", "tu me vois ?")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Shown on the open page, so read before the frame left (`ws::shown_in_private`).
    ws_expect(&mut ws, "tu me vois ?").await;
    app.advance(techlearnjess::chat::handlers::UNREAD_GRACE);
    app.state.tasks.settled().await;
    let unread: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE read_at IS NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(unread, 0);
}
