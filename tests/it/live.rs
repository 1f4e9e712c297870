//! Live sessions: scheduling rules, reminders with a controllable clock (once, on time, after
//! a restart, when moved), the room's Q&A over a real WebSocket, access rules, `.ics` files.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use time::OffsetDateTime;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{Browser, TestApp, count, eventually, location};
use techlearnjess::AppState;
use techlearnjess::live::{model, send_due_reminders};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PASSWORD: &str = "Mot-de-passe-2026";
const DEMO: &str = "Demo-2026-tlj";
const TRAINER: &str = "formateur@techlearnjess.cd";
const MODERATOR: &str = "moderateur@techlearnjess.cd";

async fn demo_user(app: &TestApp, email: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, DEMO).await;
    b
}

async fn user(app: &TestApp, name: &str, email: &str) -> (Browser, i64) {
    app.signup_verified(name, email, PASSWORD).await;
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    (b, app.user_id(email).await)
}

async fn trainer_course(app: &TestApp) -> i64 {
    let trainer = app.user_id(TRAINER).await;
    sqlx::query_scalar(
        "SELECT id FROM courses WHERE trainer_id = $1 AND published = 1 ORDER BY id LIMIT 1",
    )
    .bind(trainer)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a published course of the demo trainer")
}

async fn enrol(app: &TestApp, user_id: i64, course_id: i64) {
    sqlx::query(
        "INSERT INTO enrolments (user_id, course_id, source, created_at) VALUES ($1, $2, 'test', $3)",
    )
    .bind(user_id)
    .bind(course_id)
    .bind(techlearnjess::db::now())
    .execute(&app.state.db.pool)
    .await
    .expect("enrolment");
}

/// `datetime-local` value (Kinshasa time) of now + `minutes`.
fn local_in(minutes: i64) -> String {
    let t =
        (OffsetDateTime::now_utc() + time::Duration::minutes(minutes)).to_offset(model::KINSHASA);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

async fn schedule(
    b: &Browser,
    title: &str,
    course: Option<i64>,
    minutes: i64,
) -> reqwest::Response {
    let course = course.map(|c| c.to_string()).unwrap_or_default();
    b.post_form(
        "/live",
        &[
            ("title", title),
            ("description", "Une session, avec virgule; et point-virgule"),
            ("course_id", &course),
            ("starts_at", &local_in(minutes)),
            ("duration_minutes", "60"),
            ("external_url", ""),
        ],
    )
    .await
}

async fn schedule_ok(b: &Browser, title: &str, course: Option<i64>, minutes: i64) -> i64 {
    let r = schedule(b, title, course, minutes).await;
    assert_eq!(r.status(), 303, "scheduled");
    location(&r)
        .trim_start_matches("/live/")
        .parse()
        .expect("session id in the redirect")
}

async fn session_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM live_sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn scheduling_rules_past_start_course_ownership_and_roles() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let course = trainer_course(&app).await;
    let before = session_count(&app).await;

    // A start in the past is refused.
    let r = schedule(&trainer, "Session du passé", None, -60).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("ne peut pas être dans le passé")
    );
    // Bad duration, bad link, short title.
    for (field, value) in [
        ("duration_minutes", "10"),
        ("external_url", "javascript:alert(1)"),
        ("title", "Abc"),
    ] {
        let start = local_in(120);
        let mut fields = vec![
            ("title", "Session correcte"),
            ("course_id", ""),
            ("starts_at", start.as_str()),
            ("duration_minutes", "60"),
            ("external_url", ""),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let r = trainer.post_form("/live", &fields).await;
        assert!(r.status().is_client_error(), "{field}: {}", r.status());
    }

    // Another trainer cannot plan a session for this course.
    let (other, other_id) = user(&app, "Autre Formatrice", "autre@exemple.cd").await;
    sqlx::query("UPDATE users SET roles = 'learner trainer' WHERE id = $1")
        .bind(other_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = schedule(&other, "Session volée du cours", Some(course), 120).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    // A learner cannot plan at all.
    let (learner, _) = user(&app, "Aline Apprenante", "aline@exemple.cd").await;
    assert_eq!(learner.get("/live/new").await.status(), 403);
    assert_eq!(
        schedule(&learner, "Session d'apprenant", None, 120)
            .await
            .status(),
        403
    );
    assert_eq!(session_count(&app).await, before);

    // The owner plans it; the other trainer may not edit, cancel or start it.
    let id = schedule_ok(&trainer, "Atelier du cours", Some(course), 120).await;
    let (status, page) = trainer.page(&format!("/live/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.html().contains("Atelier du cours"));
    assert_eq!(other.get(&format!("/live/{id}/edit")).await.status(), 403);
    assert_eq!(
        other
            .post_form(&format!("/live/{id}/start"), &[])
            .await
            .status(),
        403
    );
    let stored: String = sqlx::query_scalar("SELECT starts_at FROM live_sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(stored.ends_with('Z'), "stored in UTC: {stored}");
    // Listed on /live for the trainer.
    let (_, list) = trainer.page("/live").await;
    assert!(list.html().contains("Atelier du cours"));
}

async fn notifications_for(app: &TestApp, user_id: i64, link: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link = $2")
        .bind(user_id)
        .bind(link)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn reminder_sent(app: &TestApp, session: i64, kind: &str) -> Vec<Option<String>> {
    sqlx::query_scalar(
        "SELECT sent_at FROM live_reminders WHERE session_id = $1 AND kind = $2 ORDER BY id",
    )
    .bind(session)
    .bind(kind)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap()
}

async fn starts_at(app: &TestApp, id: i64) -> OffsetDateTime {
    let s: String = sqlx::query_scalar("SELECT starts_at FROM live_sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    techlearnjess::db::parse_timestamp(&s).unwrap()
}

#[tokio::test]
async fn reminders_are_sent_on_time_exactly_once_even_after_a_restart() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let trainer_id = app.user_id(TRAINER).await;
    let course = trainer_course(&app).await;
    let (_, learner) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (_, outsider) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    enrol(&app, learner, course).await;
    // Only this test's session has reminders (the demo sessions have their own).
    for table in ["live_reminders", "live_sessions"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }

    let id = schedule_ok(&trainer, "Révision en direct", Some(course), 3 * 24 * 60).await;
    let link = format!("/live/{id}");
    let start = starts_at(&app, id).await;
    let now = OffsetDateTime::now_utc();

    // "scheduled" is due now: sent once (by this call or the worker), never twice.
    send_due_reminders(&app.state, now).await.unwrap();
    assert_eq!(notifications_for(&app, learner, &link).await, 1);
    assert_eq!(send_due_reminders(&app.state, now).await.unwrap(), 0);
    // A restarted instance (a new AppState on the same database) sends nothing again.
    let restarted = AppState::new((*app.state.config).clone()).await.unwrap();
    assert_eq!(send_due_reminders(&restarted, now).await.unwrap(), 0);
    assert_eq!(notifications_for(&app, learner, &link).await, 1);
    // Only the course's learners: not the trainer, not an outsider.
    assert_eq!(notifications_for(&app, trainer_id, &link).await, 0);
    assert_eq!(notifications_for(&app, outsider, &link).await, 0);

    // 24 h before: not a minute early, then exactly at its time, once.
    let due_24h = start - time::Duration::hours(24);
    assert_eq!(
        send_due_reminders(&app.state, due_24h - time::Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(reminder_sent(&app, id, "24h").await, vec![None]);
    assert_eq!(notifications_for(&app, learner, &link).await, 1);
    assert_eq!(send_due_reminders(&app.state, due_24h).await.unwrap(), 1);
    assert_eq!(
        reminder_sent(&app, id, "24h").await,
        vec![Some(techlearnjess::db::timestamp(due_24h))]
    );
    assert_eq!(notifications_for(&app, learner, &link).await, 2);
    assert_eq!(send_due_reminders(&app.state, due_24h).await.unwrap(), 0);
    assert_eq!(
        send_due_reminders(&restarted, due_24h + time::Duration::minutes(5))
            .await
            .unwrap(),
        0
    );
    assert_eq!(notifications_for(&app, learner, &link).await, 2);
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM notifications WHERE user_id = $1 AND link = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(learner)
    .bind(&link)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(subject, "Révision en direct");
    // The e-mail says which reminder it is, in the learner's language.
    let mails = app.emails_to("bola@exemple.cd");
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Demain") && m.contains("Kinshasa (UTC+1)")),
        "{mails:?}"
    );

    // Moving the start: the unsent 15 min reminder is replaced by "moved" + new times.
    let new_start = local_in(4 * 24 * 60);
    let r = trainer
        .post_form(
            &format!("/live/{id}/edit"),
            &[
                ("title", "Révision en direct"),
                ("description", ""),
                ("course_id", &course.to_string()),
                ("starts_at", &new_start),
                ("duration_minutes", "90"),
                ("external_url", "https://meet.jit.si/revision"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let moved_start = starts_at(&app, id).await;
    assert!(moved_start > start);
    let kinds: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT kind, due_at, sent_at FROM live_reminders WHERE session_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let unsent: Vec<(&str, &str)> = kinds
        .iter()
        .filter(|k| k.2.is_none())
        .map(|k| (k.0.as_str(), k.1.as_str()))
        .collect();
    let new_24h = techlearnjess::db::timestamp(moved_start - time::Duration::hours(24));
    let new_15m = techlearnjess::db::timestamp(moved_start - time::Duration::minutes(15));
    assert!(unsent.iter().any(|k| k.0 == "moved") || kinds.iter().any(|k| k.0 == "moved"));
    assert!(unsent.contains(&("24h", new_24h.as_str())), "{kinds:?}");
    assert!(unsent.contains(&("15m", new_15m.as_str())), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| k.0 == "15m").count(),
        1,
        "old 15m dropped: {kinds:?}"
    );
    send_due_reminders(&app.state, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(
        notifications_for(&app, learner, &link).await,
        3,
        "the move is announced"
    );

    // A cancelled session sends no more reminders.
    let r = trainer.post_form(&format!("/live/{id}/cancel"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        send_due_reminders(&app.state, moved_start).await.unwrap(),
        0
    );
    assert_eq!(notifications_for(&app, learner, &link).await, 3);
}

#[tokio::test]
async fn course_sessions_are_for_enrolled_learners_and_staff_public_ones_for_everyone() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let moderator = demo_user(&app, MODERATOR).await;
    let course = trainer_course(&app).await;
    let (enrolled, enrolled_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (outsider, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    enrol(&app, enrolled_id, course).await;
    let private = schedule_ok(&trainer, "Atelier réservé au cours", Some(course), 120).await;
    let public = schedule_ok(&trainer, "Session ouverte à tous", None, 120).await;

    for (b, code) in [
        (&trainer, 200),
        (&moderator, 200),
        (&enrolled, 200),
        (&outsider, 403),
    ] {
        assert_eq!(b.get(&format!("/live/{private}")).await.status(), code);
        assert_eq!(
            b.get(&format!("/live/{private}/session.ics"))
                .await
                .status(),
            code
        );
        assert_eq!(b.get(&format!("/live/{public}")).await.status(), 200);
    }
    assert_eq!(outsider.get("/live/999999").await.status(), 404);
    let r = app.new_browser().get(&format!("/live/{public}")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    // The outsider's list and socket: no course session.
    let (_, list) = outsider.page("/live").await;
    assert!(!list.html().contains("Atelier réservé au cours"));
    assert!(list.html().contains("Session ouverte à tous"));
    let url = format!(
        "{}/live/{private}/ws",
        outsider.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", outsider.cookie_header().parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // The enrolled learner's dashboard shows the next sessions.
    let (_, dash) = enrolled.page("/dashboard").await;
    assert!(
        dash.html().contains("Atelier réservé au cours"),
        "dashboard lists the session"
    );
}

#[tokio::test]
async fn ics_file_and_personal_feed() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let course = trainer_course(&app).await;
    let public = schedule_ok(&trainer, "Session, publique; avec \\ signes", None, 300).await;
    let private = schedule_ok(&trainer, "Atelier réservé au cours", Some(course), 300).await;
    let start = starts_at(&app, public).await;

    let r = trainer.get(&format!("/live/{public}/session.ics")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = r.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(body.contains(&format!("UID:live-{public}@")));
    assert!(body.contains("DTSTAMP:"));
    let dtstart = format!(
        "DTSTART:{:04}{:02}{:02}T{:02}{:02}00Z\r\n",
        start.year(),
        u8::from(start.month()),
        start.day(),
        start.hour(),
        start.minute()
    );
    assert!(body.contains(&dtstart), "{body}");
    assert!(
        body.contains("SUMMARY:Session\\, publique\\; avec \\\\ signes\r\n"),
        "{body}"
    );
    assert!(body.contains("DESCRIPTION:Une session\\, avec virgule\\; et point-virgule"));
    assert!(body.contains(&format!("URL:{}/live/{public}", app.base)));
    assert!(body.lines().all(|l| l.len() <= 75));
    assert!(body.ends_with("END:VCALENDAR\r\n"));

    // The personal feed: no login needed, the token is the secret; only what the user may attend.
    let (outsider, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    let (_, page) = outsider.page("/live").await;
    let sel = scraper::Selector::parse("[data-testid=live-feed-url]").unwrap();
    let feed = page
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    let path = feed.trim_start_matches(&app.base).to_owned();
    let r = app.new_browser().get(&path).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains(&format!("UID:live-{public}@")));
    assert!(!body.contains(&format!("UID:live-{private}@")));
    // Regenerating makes the old address stop working.
    assert_eq!(
        outsider
            .post_form("/live/feed/regenerate", &[])
            .await
            .status(),
        303
    );
    assert_eq!(app.new_browser().get(&path).await.status(), 404);
    assert_eq!(app.new_browser().get("/live/feed/nope").await.status(), 404);
}

async fn ws_open(b: &Browser, id: i64) -> Ws {
    let url = format!("{}/live/{id}/ws", b.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("ws request");
    request
        .headers_mut()
        .insert("cookie", b.cookie_header().parse().expect("cookie"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    ws_expect(&mut ws, r#""rtc":"hello""#).await;
    ws
}

async fn ws_send(ws: &mut Ws, json: serde_json::Value) {
    ws.send(WsMessage::text(json.to_string()))
        .await
        .expect("sent");
}

/// Reads frames until one contains `needle` (panics after 5 s).
async fn ws_expect(ws: &mut Ws, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no frame containing {needle:?} within 5 s"));
        match frame {
            Some(Ok(WsMessage::Text(t))) if t.as_str().contains(needle) => {
                return t.as_str().to_owned();
            }
            None => panic!("socket closed while waiting for {needle:?}"),
            _ => {}
        }
    }
}

async fn question_id(app: &TestApp, body: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM live_questions WHERE body = $1")
        .bind(body)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn questions_are_ordered_by_votes_live_and_each_user_votes_once() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let id = schedule_ok(&trainer, "Questions en direct", None, 60).await;
    assert_eq!(
        trainer
            .post_form(&format!("/live/{id}/start"), &[])
            .await
            .status(),
        303
    );
    let (a, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (b, _) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (c, _) = user(&app, "Chris Luzolo", "chris@exemple.cd").await;
    let mut ws_t = ws_open(&trainer, id).await;
    let mut ws_a = ws_open(&a, id).await;
    let mut ws_b = ws_open(&b, id).await;
    let mut ws_c = ws_open(&c, id).await;

    ws_send(
        &mut ws_a,
        serde_json::json!({"question": "Première question d'Amani ?", "HEADERS": {}}),
    )
    .await;
    ws_expect(&mut ws_t, "Première question d&#x27;Amani").await;
    ws_send(
        &mut ws_b,
        serde_json::json!({"question": "Seconde question de Bola ?"}),
    )
    .await;
    let frame = ws_expect(&mut ws_c, "Seconde question de Bola").await;
    assert!(frame.contains(r#"id="questions" hx-swap-oob"#));
    let first = question_id(&app, "Première question d'Amani ?").await;
    let second = question_id(&app, "Seconde question de Bola ?").await;
    // Equal votes: oldest first.
    assert!(frame.find("Première").unwrap() < frame.find("Seconde").unwrap());

    // One vote for the second question reorders it first, for everyone.
    ws_send(&mut ws_c, serde_json::json!({"vote": second.to_string()})).await;
    let frame = ws_expect(&mut ws_a, "live-votes\">1<").await;
    assert!(
        frame.find("Seconde").unwrap() < frame.find("Première").unwrap(),
        "{frame}"
    );
    // The same user cannot vote twice; nor for their own question.
    ws_send(&mut ws_c, serde_json::json!({"vote": second})).await;
    ws_expect(&mut ws_c, "déjà voté").await;
    ws_send(&mut ws_b, serde_json::json!({"vote": second})).await;
    ws_expect(&mut ws_b, "votre propre question").await;
    let votes: i64 = sqlx::query_scalar("SELECT votes FROM live_questions WHERE id = $1")
        .bind(second)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(votes, 1);

    // Only the trainer marks answered (checked on the server), and everyone sees it.
    ws_send(&mut ws_a, serde_json::json!({"answered": second})).await;
    ws_expect(&mut ws_a, "Action non autorisée").await;
    ws_send(&mut ws_t, serde_json::json!({"answered": second})).await;
    ws_expect(&mut ws_a, "live-answered").await;
    ws_expect(&mut ws_t, "live-answered").await;
    // Pinned goes first; hidden disappears for learners but not for the trainer.
    ws_send(&mut ws_t, serde_json::json!({"pin": first})).await;
    let frame = ws_expect(&mut ws_b, "live-pinned").await;
    assert!(frame.find("Première").unwrap() < frame.find("Seconde").unwrap());
    ws_send(&mut ws_t, serde_json::json!({"hide": first})).await;
    let frame = ws_expect(&mut ws_t, "live-hidden").await;
    assert!(frame.contains("Première"));
    let frame = ws_expect(&mut ws_b, "Seconde").await;
    assert!(!frame.contains("Première"), "hidden from learners: {frame}");

    // Limits: too short, then at most 3 per minute.
    ws_send(&mut ws_c, serde_json::json!({"question": "ab"})).await;
    ws_expect(&mut ws_c, "entre 3 et 300").await;
    for n in 0..3 {
        ws_send(
            &mut ws_c,
            serde_json::json!({"question": format!("Question numéro {n}")}),
        )
        .await;
        ws_expect(&mut ws_c, &format!("Question numéro {n}")).await;
    }
    ws_send(&mut ws_c, serde_json::json!({"question": "Une de trop ?"})).await;
    ws_expect(&mut ws_c, "3 par minute").await;
    // The chat feed.
    ws_send(
        &mut ws_a,
        serde_json::json!({"say": "Bonjour tout le monde"}),
    )
    .await;
    let frame = ws_expect(&mut ws_b, "Bonjour tout le monde").await;
    assert!(frame.contains("beforeend:#live-chat"));
    // Signalling from a viewer to a made-up connection is not relayed as an offer.
    ws_send(
        &mut ws_a,
        serde_json::json!({"rtc": "offer", "to": "abc", "sdp": {}}),
    )
    .await;

    // After the session: a summary with the questions and the attendance.
    drop((ws_a, ws_b, ws_c));
    assert_eq!(
        trainer
            .post_form(&format!("/live/{id}/end"), &[])
            .await
            .status(),
        303
    );
    ws_expect(&mut ws_t, "live-status").await;
    drop(ws_t);
    // Each closed socket closes its attendance row (the summary lists them).
    eventually("every attendance is closed", || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM live_attendance WHERE session_id = $1 AND left_at IS NULL",
        )
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
            == 0
    })
    .await;
    let (status, page) = trainer.page(&format!("/live/{id}")).await;
    assert_eq!(status, 200);
    let html = page.html();
    assert!(html.contains("live-summary") && html.contains("Seconde question de Bola"));
    assert!(
        html.contains("Amani Kabila"),
        "the trainer sees who attended"
    );
    let (_, page) = a.page(&format!("/live/{id}")).await;
    assert!(page.html().contains("live-attendance-count"));
    assert!(!page.html().contains("data-testid=\"live-attendance\""));
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_attendance WHERE session_id = $1 AND left_at IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(rows >= 3, "attendance closed on disconnect: {rows}");
}

/// The `conn` id of a connection, from its first ("hello") frame.
async fn ws_open_conn(b: &Browser, id: i64) -> (Ws, String) {
    let url = format!("{}/live/{id}/ws", b.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("ws request");
    request
        .headers_mut()
        .insert("cookie", b.cookie_header().parse().expect("cookie"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    let hello = ws_expect(&mut ws, r#""rtc":"hello""#).await;
    let v: serde_json::Value = serde_json::from_str(&hello).unwrap();
    (ws, v["conn"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn signalling_is_relayed_only_between_viewers_and_the_broadcaster() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let id = schedule_ok(&trainer, "Diffusion en direct", None, 60).await;
    let (a, _) = user(&app, "Amani Kabila", "amani@exemple.cd").await;
    let (b, b_id) = user(&app, "Bola Nsimba", "bola@exemple.cd").await;
    let (mut ws_t, t_conn) = ws_open_conn(&trainer, id).await;
    let (mut ws_a, a_conn) = ws_open_conn(&a, id).await;
    let (mut ws_b, b_conn) = ws_open_conn(&b, id).await;

    // Not live yet: "ready" is ignored; a viewer cannot claim to broadcast.
    ws_send(&mut ws_t, serde_json::json!({"rtc": "ready"})).await;
    ws_send(&mut ws_a, serde_json::json!({"rtc": "ready"})).await;
    // Real sockets, and an ignored message answers nothing: no event to wait for.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b_now: Option<String> =
        sqlx::query_scalar("SELECT broadcaster_conn FROM live_sessions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(b_now, None);

    assert_eq!(
        trainer
            .post_form(&format!("/live/{id}/start"), &[])
            .await
            .status(),
        303
    );
    ws_expect(&mut ws_a, r#""status":"live""#).await;
    ws_send(&mut ws_t, serde_json::json!({"rtc": "ready"})).await;
    let ready = ws_expect(&mut ws_a, r#""rtc":"ready""#).await;
    assert!(ready.contains(&t_conn));

    // A viewer joins: only the broadcaster hears it, with the viewer's real conn id.
    ws_send(
        &mut ws_a,
        serde_json::json!({"rtc": "join", "audio_only": true, "from": "forged"}),
    )
    .await;
    let join = ws_expect(&mut ws_t, r#""rtc":"join""#).await;
    assert!(
        join.contains(&a_conn) && !join.contains("forged") && join.contains(r#""audio_only":true"#)
    );
    // The broadcaster's offer reaches that viewer only.
    ws_send(&mut ws_t, serde_json::json!({"rtc": "offer", "to": a_conn, "sdp": {"type": "offer", "sdp": "v=0 fake"}})).await;
    let offer = ws_expect(&mut ws_a, r#""rtc":"offer""#).await;
    assert!(offer.contains("v=0 fake"));
    // A viewer cannot send an offer to another viewer; its answer goes to the broadcaster.
    ws_send(
        &mut ws_a,
        serde_json::json!({"rtc": "offer", "to": b_conn, "sdp": {"type": "offer", "sdp": "evil"}}),
    )
    .await;
    ws_send(&mut ws_a, serde_json::json!({"rtc": "answer", "to": b_conn, "sdp": {"type": "answer", "sdp": "v=0 answer"}})).await;
    let answer = ws_expect(&mut ws_t, r#""rtc":"answer""#).await;
    assert!(answer.contains("v=0 answer") && answer.contains(&a_conn));
    // B hears neither (a status/ready frame may arrive; never an offer or answer).
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(Some(Ok(WsMessage::Text(t)))) =
        tokio::time::timeout_at(deadline, ws_b.next()).await
    {
        assert!(
            !t.as_str().contains("evil") && !t.as_str().contains("v=0 answer"),
            "{}",
            t.as_str()
        );
    }

    // A suspended user cannot post a question.
    let until = techlearnjess::db::timestamp(OffsetDateTime::now_utc() + time::Duration::days(1));
    techlearnjess::auth::queries::set_posting_suspension(&app.state.db, b_id, Some(&until))
        .await
        .unwrap();
    ws_send(
        &mut ws_b,
        serde_json::json!({"question": "Puis-je encore poser ?"}),
    )
    .await;
    ws_expect(&mut ws_b, "suspendu").await;

    // The broadcaster leaves: viewers are told.
    drop(ws_t);
    ws_expect(&mut ws_a, r#""rtc":"gone""#).await;
}

#[tokio::test]
async fn a_trainer_whose_role_was_removed_no_longer_hosts_their_course_session() {
    let app = TestApp::with_demo().await;
    let trainer = demo_user(&app, TRAINER).await;
    let course = trainer_course(&app).await;
    let session: i64 =
        sqlx::query_scalar("SELECT id FROM live_sessions WHERE course_id = $1 ORDER BY id LIMIT 1")
            .bind(course)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("the demo course session");
    let room = format!("/live/{session}");
    let link = format!("a[data-testid=live-session-link][href='{room}']");
    let (status, page) = trainer.page(&room).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-live-room][data-trainer=true]"), 1);
    let (_, list) = trainer.page("/live").await;
    assert!(
        count(&list, &link) > 0,
        "the session is listed for its host"
    );

    let admin = demo_user(&app, "admin@techlearnjess.cd").await;
    let trainer_id = app.user_id(TRAINER).await;
    let r = admin
        .post_form(&format!("/admin/users/{trainer_id}/roles"), &[])
        .await;
    assert_eq!(r.status(), 303, "roles saved");

    // Not enrolled in their old course: neither its room, nor its calendar file, nor the list.
    assert_eq!(trainer.get(&room).await.status(), 403);
    assert_eq!(
        trainer.get(&format!("{room}/session.ics")).await.status(),
        403
    );
    let (_, list) = trainer.page("/live").await;
    assert_eq!(count(&list, &link), 0, "no longer listed");
    assert_eq!(trainer.get("/live/new").await.status(), 403);
}
