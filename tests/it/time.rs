//! Times in the reader's zone: the profile's zone (Kinshasa UTC+1, Lubumbashi UTC+2), the
//! platform's (`TLJ_TIMEZONE`) for visitors, live sessions typed and shown per zone, reminders.

use scraper::Selector;
use techlearnjess::demo::DEMO_PASSWORD;
use techlearnjess::web::time::TimeZone;

use crate::helpers::{Browser, TestApp, location, text_of};

const TRAINER: &str = "formateur@techlearnjess.cd";
const PASSWORD: &str = "Mot-de-passe-2026";
/// A far start, so the scheduling form never finds it in the past.
const START_UTC: &str = "2030-01-15T09:00:00Z";

async fn user(app: &TestApp, name: &str, email: &str) -> Browser {
    app.signup_verified(name, email, PASSWORD).await;
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    b
}

async fn set_zone(b: &Browser, name: &str, zone: &str) -> reqwest::Response {
    b.post_form(
        "/profile",
        &[("name", name), ("locale", "fr"), ("timezone", zone)],
    )
    .await
}

/// A public demo topic whose opening post is dated 2 March 2026, 09:04 UTC.
async fn dated_topic(app: &TestApp) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "SELECT t.id FROM forum_topics t JOIN forum_categories c ON c.id = t.category_id \
         WHERE c.slug = 'entraide' ORDER BY t.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a demo topic");
    // Nothing in the app writes a chosen past date: set it, to read it back through pages.
    sqlx::query("UPDATE forum_topics SET created_at = $1 WHERE id = $2")
        .bind("2026-03-02T09:04:00Z")
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .expect("dated topic");
    id
}

async fn post_time(b: &Browser, topic: i64) -> String {
    let (status, page) = b.page(&format!("/forum/topics/{topic}")).await;
    assert_eq!(status, 200);
    text_of(&page, "[data-testid=forum-topic] [data-testid=post-time]").expect("post time")
}

#[tokio::test]
async fn a_reader_in_lubumbashi_sees_a_forum_post_one_hour_later_than_one_in_kinshasa() {
    let app = TestApp::with_demo().await;
    let topic = dated_topic(&app).await;
    let kinshasa = user(&app, "Amani Kin", "kin@example.cd").await;
    let lubumbashi = user(&app, "Bora Lubum", "lubum@example.cd").await;
    let r = set_zone(&lubumbashi, "Bora Lubum", "Africa/Lubumbashi").await;
    assert_eq!(r.status(), 303, "zone saved");

    assert_eq!(post_time(&kinshasa, topic).await, "2 mars 2026 à 10:04");
    assert_eq!(post_time(&lubumbashi, topic).await, "2 mars 2026 à 11:04");
    // Visitors read the platform's zone, Kinshasa by default.
    assert_eq!(
        post_time(&app.new_browser(), topic).await,
        "2 mars 2026 à 10:04"
    );
}

#[tokio::test]
async fn visitors_read_times_in_the_platform_zone() {
    let app = TestApp::spawn_with(|c| {
        c.timezone = TimeZone::parse("Africa/Lubumbashi").expect("zone");
    })
    .await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo seeded");
    let topic = dated_topic(&app).await;
    assert_eq!(
        post_time(&app.new_browser(), topic).await,
        "2 mars 2026 à 11:04"
    );
    // A user who chose Kinshasa keeps it on a Lubumbashi platform.
    let kinshasa = user(&app, "Amani Kin", "kin@example.cd").await;
    assert_eq!(
        set_zone(&kinshasa, "Amani Kin", "Africa/Kinshasa")
            .await
            .status(),
        303
    );
    assert_eq!(post_time(&kinshasa, topic).await, "2 mars 2026 à 10:04");
}

#[tokio::test]
async fn an_unknown_zone_is_refused_with_a_french_message_and_the_old_one_kept() {
    let app = TestApp::spawn().await;
    let b = user(&app, "Chance Mbuyi", "chance@example.cd").await;
    assert_eq!(
        set_zone(&b, "Chance Mbuyi", "Africa/Lubumbashi")
            .await
            .status(),
        303
    );

    let r = set_zone(&b, "Chance Mbuyi", "Africa/Goma").await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        text_of(&page, "[data-testid=error-timezone]").as_deref(),
        Some("Ce fuseau horaire est inconnu : choisissez-en un dans la liste.")
    );
    assert_eq!(
        text_of(&page, "#timezone[aria-invalid=true] option:first-child").as_deref(),
        Some("Par défaut : Kinshasa (UTC+1)")
    );

    let (_, page) = b.page("/profile").await;
    let selected = Selector::parse("#timezone option[selected]").expect("selector");
    let chosen: Vec<&str> = page
        .select(&selected)
        .filter_map(|o| o.value().attr("value"))
        .collect();
    assert_eq!(chosen, ["Africa/Lubumbashi"]);
    assert_eq!(
        text_of(&page, "#timezone option[selected]").as_deref(),
        Some("Lubumbashi (UTC+2)")
    );
}

async fn schedule(b: &Browser, title: &str, local_start: &str) -> i64 {
    let r = b
        .post_form(
            "/live",
            &[
                ("title", title),
                ("description", ""),
                ("course_id", ""),
                ("starts_at", local_start),
                ("duration_minutes", "60"),
                ("external_url", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "scheduled");
    location(&r)
        .trim_start_matches("/live/")
        .parse()
        .expect("session id")
}

async fn starts_at(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT starts_at FROM live_sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("session")
}

async fn session_time(b: &Browser, id: i64) -> String {
    let (status, page) = b.page(&format!("/live/{id}")).await;
    assert_eq!(status, 200);
    text_of(&page, "[data-testid=live-when]").expect("start time")
}

#[tokio::test]
async fn a_live_session_is_typed_in_the_planners_zone_and_shown_in_each_readers() {
    let app = TestApp::with_demo().await;
    let kinshasa = user(&app, "Amani Kin", "kin@example.cd").await;
    let lubumbashi = user(&app, "Bora Lubum", "lubum@example.cd").await;
    assert_eq!(
        set_zone(&lubumbashi, "Bora Lubum", "Africa/Lubumbashi")
            .await
            .status(),
        303
    );
    let trainer = app.new_browser();
    trainer.login(TRAINER, DEMO_PASSWORD).await;
    // The demo trainer has no zone: Kinshasa, as before zones existed.
    let id = schedule(&trainer, "Atelier du matin", "2030-01-15T10:00").await;
    assert_eq!(starts_at(&app, id).await, START_UTC);

    assert_eq!(session_time(&kinshasa, id).await, "15 janv. 2030 à 10:00");
    assert_eq!(session_time(&lubumbashi, id).await, "15 janv. 2030 à 11:00");

    // A planner in Lubumbashi types Lubumbashi time; the edit form shows it back the same way.
    assert_eq!(
        set_zone(&trainer, "Jess Formatrice", "Africa/Lubumbashi")
            .await
            .status(),
        303
    );
    let east = schedule(&trainer, "Atelier de l'Est", "2030-01-15T11:00").await;
    assert_eq!(starts_at(&app, east).await, START_UTC);
    let (_, form) = trainer.page(&format!("/live/{east}/edit")).await;
    let input = Selector::parse("#starts_at").expect("selector");
    let value = form
        .select(&input)
        .next()
        .and_then(|i| i.value().attr("value"))
        .map(str::to_owned);
    assert_eq!(value.as_deref(), Some("2030-01-15T11:00"));

    // Each reminder reads the start in its recipient's zone.
    let now = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    techlearnjess::live::send_due_reminders(&app.state, now)
        .await
        .expect("reminders");
    // The e-mail of each reminder reads the start in its recipient's zone.
    let mail = |email: &str| {
        app.emails_to(email)
            .into_iter()
            .find(|m| m.contains("Atelier du matin"))
            .unwrap_or_else(|| panic!("a reminder e-mail to {email}"))
    };
    let kin = mail("kin@example.cd");
    let lub = mail("lubum@example.cd");
    assert!(
        kin.contains("15\u{a0}janv.\u{a0}2030 à 10:00, Kinshasa (UTC+1)"),
        "{kin}"
    );
    assert!(
        lub.contains("15\u{a0}janv.\u{a0}2030 à 11:00, Lubumbashi (UTC+2)"),
        "{lub}"
    );
}

/// The `datetime` and the text of the first `<time>` of a chat fragment.
fn chat_time(frame: &str) -> (String, String) {
    let html = scraper::Html::parse_fragment(frame);
    let sel = Selector::parse("[data-testid=chat-message] time").expect("selector");
    let time = html.select(&sel).next().expect("a time in the message");
    (
        time.value().attr("datetime").expect("datetime").to_owned(),
        time.text().collect(),
    )
}

/// "HH:MM" of a stored UTC time `hours` east of UTC.
fn clock_at(stored: &str, hours: i64) -> String {
    let t = techlearnjess::db::parse_timestamp(stored).expect("stored time")
        + time::Duration::hours(hours);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

#[tokio::test]
async fn a_chat_message_arrives_live_with_each_readers_clock() {
    let app = TestApp::spawn().await;
    let kinshasa = user(&app, "Amani Kin", "kin@example.cd").await;
    let lubumbashi = user(&app, "Bora Lubum", "lubum@example.cd").await;
    assert_eq!(
        set_zone(&lubumbashi, "Bora Lubum", "Africa/Lubumbashi")
            .await
            .status(),
        303
    );
    let (_, rooms) = kinshasa.page("/chat").await;
    let sel = Selector::parse("[data-testid=chat-room-general]").expect("selector");
    let general: i64 = rooms
        .select(&sel)
        .next()
        .and_then(|a| a.value().attr("href"))
        .and_then(|h| h.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .expect("the general room");

    let mut kin_ws = crate::chat::ws_open(&kinshasa, general, 0).await;
    let mut lub_ws = crate::chat::ws_open(&lubumbashi, general, 0).await;
    crate::chat::ws_say(&mut kin_ws, "Mbote na bino").await;
    let (at, kin_clock) = chat_time(&crate::chat::ws_expect(&mut kin_ws, "Mbote").await);
    let (same, lub_clock) = chat_time(&crate::chat::ws_expect(&mut lub_ws, "Mbote").await);
    assert_eq!(at, same);
    assert_eq!(kin_clock, clock_at(&at, 1));
    assert_eq!(lub_clock, clock_at(&at, 2));

    // The page, reloaded, says the same.
    let (_, page) = lubumbashi.page(&format!("/chat/rooms/{general}")).await;
    let sel = Selector::parse("[data-testid=chat-message] time").expect("selector");
    let shown: Vec<String> = page.select(&sel).map(|t| t.text().collect()).collect();
    assert_eq!(shown, [clock_at(&at, 2)]);
}
