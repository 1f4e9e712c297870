//! Integration tests of the forum feature: course-forum access, likes, reports and moderation,
//! locks, suspensions, notifications, Markdown safety, rate limit, search and live replies.

use std::time::Duration;

use scraper::{Html, Selector};
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::demo::DEMO_PASSWORD;

use crate::helpers::{Browser, TestApp, count, location, text_of};

const ADMIN: &str = "admin@techlearnjess.cd";
const TRAINER: &str = "formateur@techlearnjess.cd";
const MODERATOR: &str = "moderateur@techlearnjess.cd";
const LEARNER: &str = "apprenant@techlearnjess.cd";
const COURSE: &str = "bases-de-python";

/// A demo app and a way to add verified learners with the demo password.
struct Forum {
    app: TestApp,
    hash: String,
}

impl Forum {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let hash = password::hash(DEMO_PASSWORD.to_owned())
            .await
            .expect("hash");
        Self { app, hash }
    }

    async fn learner(&self, name: &str, email: &str) -> (i64, Browser) {
        let id = users::create_user(
            &self.app.state.db,
            users::NewUser {
                name,
                email,
                password_hash: &self.hash,
                roles: &Roles::of(&[Role::Learner]),
                verified: true,
                locale: "fr",
            },
        )
        .await
        .expect("insert user")
        .expect("new e-mail");
        (id, self.browser(email).await)
    }

    async fn browser(&self, email: &str) -> Browser {
        let b = self.app.new_browser();
        b.login(email, DEMO_PASSWORD).await;
        b
    }

    async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.app.state.db.pool)
            .await
            .expect("user")
    }

    async fn notifications(&self, user_id: i64, kind: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT subject, link FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY id",
        )
        .bind(user_id)
        .bind(kind)
        .fetch_all(&self.app.state.db.pool)
        .await
        .expect("notifications")
    }
}

/// Creates a topic through the form; returns its id.
async fn new_topic(b: &Browser, forum_url: &str, title: &str, body: &str) -> i64 {
    let r = b
        .post_form(forum_url, &[("title", title), ("body", body)])
        .await;
    let status = r.status();
    if status != 303 {
        panic!(
            "topic creation in {forum_url}: {status} {}",
            error_text(r).await
        );
    }
    id_after(&location(&r), "/forum/topics/")
}

/// Posts a reply (plain form); returns its id.
async fn reply(b: &Browser, topic_id: i64, body: &str) -> i64 {
    let r = b
        .post_form(
            &format!("/forum/topics/{topic_id}/replies"),
            &[("body", body)],
        )
        .await;
    assert_eq!(r.status(), 303, "reply to topic {topic_id}");
    id_after(&location(&r), "#reply-")
}

fn id_after(s: &str, marker: &str) -> i64 {
    let (_, rest) = s
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker} in {s}"));
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("id")
}

async fn enrol(b: &Browser, slug: &str) {
    let r = b.post_form(&format!("/courses/{slug}/enrol"), &[]).await;
    assert_eq!(r.status(), 303);
}

async fn error_text(r: reqwest::Response) -> String {
    let html = Html::parse_document(&r.text().await.expect("body"));
    html.root_element().text().collect::<String>()
}

#[tokio::test]
async fn the_demo_forum_has_public_categories_and_topics() {
    let f = Forum::new().await;
    let (status, page) = f.app.page("/forum").await;
    assert_eq!(status, 200);
    let names: Vec<String> = {
        let sel = Selector::parse("[data-testid=forum-category]").expect("selector");
        page.select(&sel).map(|e| e.text().collect()).collect()
    };
    assert_eq!(names, ["Annonces", "Entraide", "Présentations"]);
    let (status, page) = f.app.page("/forum/c/entraide").await;
    assert_eq!(status, 200);
    assert!(count(&page, "[data-testid=topic-item]") >= 2);
}

#[tokio::test]
async fn a_course_forum_is_open_only_to_its_learners_trainer_and_staff() {
    let f = Forum::new().await;
    let url = format!("/forum/courses/{COURSE}");
    let r = f.app.get(&url).await;
    assert_eq!(r.status(), 303, "visitors are sent to log in");
    assert!(location(&r).starts_with("/login"));

    let (_, outsider) = f.learner("Awa Kalala", "awa@example.cd").await;
    assert_eq!(outsider.get(&url).await.status(), 403);
    let r = outsider
        .post_form(&url, &[("title", "Puis-je entrer ?"), ("body", "Bonjour")])
        .await;
    assert_eq!(r.status(), 403, "no posting without enrolment");

    let trainer = f.browser(TRAINER).await;
    assert_eq!(trainer.get(&url).await.status(), 200);
    let topic = new_topic(&trainer, &url, "Questions de la semaine", "Posez-les ici.").await;
    for email in [MODERATOR, ADMIN] {
        let b = f.browser(email).await;
        assert_eq!(b.get(&url).await.status(), 200, "{email} reads the forum");
        assert_eq!(b.get(&format!("/forum/topics/{topic}")).await.status(), 200);
    }
    let topic_url = format!("/forum/topics/{topic}");
    assert_eq!(outsider.get(&topic_url).await.status(), 403);
    assert_eq!(
        outsider
            .get(&format!("/forum/topics/{topic}/stream"))
            .await
            .status(),
        403,
        "the live stream checks access like the page"
    );
    let r = outsider
        .post_form(&format!("{topic_url}/replies"), &[("body", "Coucou")])
        .await;
    assert_eq!(r.status(), 403);

    enrol(&outsider, COURSE).await;
    assert_eq!(outsider.get(&url).await.status(), 200);
    reply(
        &outsider,
        topic,
        "Merci, j'ai une question sur les boucles.",
    )
    .await;
    let (_, page) = outsider.page(&topic_url).await;
    assert_eq!(count(&page, "[data-testid=forum-reply]"), 1);
}

#[tokio::test]
async fn likes_toggle_once_per_user_and_nobody_likes_their_own_post() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Aimez-vous Python ?",
        "Dites-le !",
    )
    .await;
    let like_url = format!("/forum/likes/topic/{topic}");
    let r = learner.post_form(&like_url, &[]).await;
    assert_eq!(r.status(), 400, "own post");

    let trainer = f.browser(TRAINER).await;
    // An htmx like answers with the button and the new count.
    let token = trainer.csrf().await;
    let r = trainer
        .client
        .post(trainer.url(&like_url))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .expect("like");
    assert_eq!(r.status(), 200);
    let html = Html::parse_fragment(&r.text().await.expect("body"));
    assert_eq!(
        text_of(&html, "[data-testid=like-count]").as_deref(),
        Some("1")
    );
    assert!(
        text_of(&html, "[data-testid=like-button]")
            .unwrap_or_default()
            .contains('♥')
    );
    let moderator = f.browser(MODERATOR).await;
    assert_eq!(moderator.post_form(&like_url, &[]).await.status(), 303);
    let (_, page) = learner.page(&format!("/forum/topics/{topic}")).await;
    assert_eq!(
        text_of(&page, "[data-testid=forum-topic] [data-testid=like-count]").as_deref(),
        Some("2")
    );
    // A second like by the same user takes it back.
    assert_eq!(trainer.post_form(&like_url, &[]).await.status(), 303);
    let (_, page) = learner.page(&format!("/forum/topics/{topic}")).await;
    assert_eq!(
        text_of(&page, "[data-testid=forum-topic] [data-testid=like-count]").as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn a_reported_reply_hidden_by_a_moderator_disappears_for_learners_only() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet à modérer", "Bonjour").await;
    let (_, troll) = f.learner("Troll Anonyme", "troll@example.cd").await;
    let bad = reply(&troll, topic, "Message insultant à masquer").await;
    let r = learner
        .post_form(
            &format!("/forum/reports/reply/{bad}"),
            &[("reason", "Propos insultants")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = learner
        .post_form(&format!("/forum/reports/reply/{bad}"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status(), 422, "a report needs a reason");

    assert_eq!(learner.get("/forum/moderation").await.status(), 403);
    let moderator = f.browser(MODERATOR).await;
    let (status, queue) = moderator.page("/forum/moderation").await;
    assert_eq!(status, 200);
    assert_eq!(count(&queue, "[data-testid=report-item]"), 1);
    assert_eq!(
        text_of(&queue, "[data-testid=report-reason]").as_deref(),
        Some("Propos insultants")
    );

    let bad_s = bad.to_string();
    let r = moderator
        .post_form(
            "/forum/moderation/act",
            &[
                ("target", "reply"),
                ("id", &bad_s),
                ("action", "hide"),
                ("reason", "Insultes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let topic_url = format!("/forum/topics/{topic}");
    for b in [&learner, &troll] {
        let (_, page) = b.page(&topic_url).await;
        assert_eq!(count(&page, "[data-testid=forum-reply]"), 0);
        assert!(!page.html().contains("Message insultant"));
    }
    let (_, page) = moderator.page(&topic_url).await;
    assert_eq!(count(&page, "[data-testid=forum-reply]"), 1);
    assert_eq!(count(&page, "[data-testid=hidden-marker]"), 1);

    let (_, queue) = moderator.page("/forum/moderation").await;
    assert_eq!(
        count(&queue, "[data-testid=report-item]"),
        0,
        "report resolved"
    );
    let log = text_of(&queue, "[data-testid=moderation-log]").unwrap_or_default();
    assert!(
        log.contains("Message masqué dans")
            && !log.contains("forum_reply")
            && log.contains("Insultes")
            && log.contains("Nadia Lukusa"),
        "{log}"
    );

    let stored: (String, String, Option<i64>, String) = sqlx::query_as(
        "SELECT action, target_type, target_id, reason FROM moderation_actions ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&f.app.state.db.pool)
    .await
    .expect("action stored");
    assert_eq!(
        stored,
        (
            "hide".into(),
            "forum_reply".into(),
            Some(bad),
            "Insultes".into()
        )
    );
}

#[tokio::test]
async fn a_locked_topic_refuses_replies() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Sujet à verrouiller",
        "Bonjour",
    )
    .await;
    let moderator = f.browser(MODERATOR).await;
    let id = topic.to_string();
    let r = moderator
        .post_form(
            "/forum/moderation/act",
            &[
                ("target", "topic"),
                ("id", &id),
                ("action", "lock"),
                ("reason", "Résolu"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/replies"),
            &[("body", "Encore moi")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(error_text(r).await.contains("verrouillé"));
    let (_, page) = learner.page(&format!("/forum/topics/{topic}")).await;
    assert_eq!(count(&page, "[data-testid=locked-notice]"), 1);
    assert_eq!(count(&page, "[data-testid=reply-form]"), 0);
    let (_, list) = learner.page("/forum/c/entraide").await;
    assert!(count(&list, "[data-testid=locked-marker]") >= 1);
}

#[tokio::test]
async fn a_suspended_user_cannot_post_until_the_suspension_is_lifted() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let learner_id = f.user_id(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Avant la suspension",
        "Bonjour",
    )
    .await;
    let moderator = f.browser(MODERATOR).await;
    let url = format!("/forum/moderation/users/{learner_id}");
    let r = moderator
        .post_form(
            &url,
            &[("action", "suspend"), ("days", "0"), ("reason", "Spam")],
        )
        .await;
    assert_eq!(r.status(), 422, "a suspension needs 1 to 365 days");
    let r = moderator
        .post_form(
            &url,
            &[("action", "suspend"), ("days", "3"), ("reason", "Spam")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/replies"),
            &[("body", "Je peux ?")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(error_text(r).await.contains("suspendu"));
    let r = learner
        .post_form(
            "/forum/c/entraide",
            &[("title", "Nouveau sujet"), ("body", "Hop")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = moderator
        .post_form(&url, &[("action", "unsuspend"), ("reason", "Levée")])
        .await;
    assert_eq!(r.status(), 303);
    reply(&learner, topic, "De retour").await;
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM moderation_actions WHERE target_user_id = $1 ORDER BY id",
    )
    .bind(learner_id)
    .fetch_all(&f.app.state.db.pool)
    .await
    .expect("actions");
    assert_eq!(actions, ["suspend", "unsuspend"]);
}

#[tokio::test]
async fn followers_and_mentioned_users_are_notified_but_not_the_poster() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let learner_id = f.user_id(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Qui m'aide en Python ?",
        "Merci",
    )
    .await;
    let (awa_id, awa) = f.learner("Awa Kalala", "awa@example.cd").await;
    let (ben_id, ben) = f.learner("Ben Tshala", "ben@example.cd").await;
    // Ben follows without posting.
    let r = ben
        .post_form(&format!("/forum/topics/{topic}/follow"), &[("follow", "1")])
        .await;
    assert_eq!(r.status(), 303);
    let trainer_id = f.user_id(TRAINER).await;
    let rid = reply(
        &awa,
        topic,
        "Regarde la leçon 2, @Chadrack_Mbu_Jess pourra confirmer.",
    )
    .await;
    let link = format!("/forum/topics/{topic}#reply-{rid}");
    let title = "Qui m'aide en Python ?".to_owned();
    assert_eq!(
        f.notifications(learner_id, "forum_reply").await,
        [(title.clone(), link.clone())]
    );
    assert_eq!(f.notifications(ben_id, "forum_reply").await.len(), 1);
    assert!(
        f.notifications(awa_id, "forum_reply").await.is_empty(),
        "not the poster"
    );
    assert_eq!(
        f.notifications(trainer_id, "forum_mention").await,
        [(title.clone(), link)]
    );
    assert!(f.notifications(trainer_id, "forum_reply").await.is_empty());

    // Unfollowing stops the notices; Awa now follows because she posted.
    ben.post_form(&format!("/forum/topics/{topic}/follow"), &[("follow", "0")])
        .await;
    reply(&learner, topic, "Merci Awa !").await;
    assert_eq!(f.notifications(ben_id, "forum_reply").await.len(), 1);
    assert_eq!(f.notifications(awa_id, "forum_reply").await.len(), 1);
    assert_eq!(f.notifications(learner_id, "forum_reply").await.len(), 1);
}

#[tokio::test]
async fn markdown_in_posts_is_sanitised_and_links_are_nofollow_ugc() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let body = "Voir [la doc](https://docs.python.org) <script>alert('x')</script>\n\n\
                <img src=x onerror=alert(1)> [piège](javascript:alert(2)) \
                <a href=\"https://evil.example\" onclick=\"alert(3)\">clic</a>\n\n```python\nprint(1 < 2)\n```";
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet <b>gras</b>", body).await;
    let (_, page) = f.app.page(&format!("/forum/topics/{topic}")).await;
    let post = Selector::parse("[data-testid=post-body]").expect("selector");
    let html = page.select(&post).next().expect("post").inner_html();
    assert!(!html.contains("<script"), "{html}");
    assert!(
        !html.contains("onerror") && !html.contains("onclick"),
        "{html}"
    );
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("<pre><code"), "{html}");
    let a = Selector::parse("[data-testid=post-body] a[href='https://docs.python.org']")
        .expect("selector");
    let rel = page
        .select(&a)
        .next()
        .and_then(|e| e.value().attr("rel"))
        .unwrap_or_default()
        .to_owned();
    assert!(rel.contains("nofollow") && rel.contains("ugc"), "{rel}");
    assert_eq!(
        text_of(&page, "[data-testid=topic-title]").as_deref(),
        Some("Sujet <b>gras</b>"),
        "titles are escaped text"
    );
}

#[tokio::test]
async fn posting_is_rate_limited_and_lengths_are_checked() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let r = learner
        .post_form(
            "/forum/c/entraide",
            &[("title", "abc"), ("body", "Bonjour")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(error_text(r).await.contains("entre 5 et 150"));
    let long = "x".repeat(10_001);
    let r = learner
        .post_form(
            "/forum/c/entraide",
            &[("title", "Un titre"), ("body", &long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let topic = new_topic(&learner, "/forum/c/entraide", "Beaucoup de messages", "1").await;
    for i in 0..4 {
        reply(&learner, topic, &format!("Message {i}")).await;
    }
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/replies"),
            &[("body", "Un de trop")],
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(error_text(r).await.contains("Patientez"));
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/replies"),
            &[("body", "   ")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// The text of the first element matching `selector`, exactly as sent (no trimming).
fn raw_text(html: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel).next().map(|e| e.text().collect())
}

#[tokio::test]
async fn a_refused_topic_comes_back_with_422_what_was_typed_and_its_errors() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let body = "Un message rédigé avec soin,\nsur deux lignes.";
    let r = learner
        .post_form("/forum/c/entraide", &[("title", "abc"), ("body", body)])
        .await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        attr(&page, "[data-testid=topic-title]", "value").as_deref(),
        Some("abc")
    );
    assert_eq!(
        attr(&page, "[data-testid=topic-title]", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(&page, "[data-testid=topic-title]", "aria-describedby").as_deref(),
        Some("topic-title-error")
    );
    assert!(
        text_of(&page, "[data-testid=error-title]").is_some_and(|t| t.contains("entre 5 et 150"))
    );
    assert_eq!(
        raw_text(&page, "[data-testid=topic-body]").as_deref(),
        Some(body)
    );
    assert_eq!(count(&page, "[data-testid=error-body]"), 0);

    let long = "é".repeat(10_001);
    let r = learner
        .post_form(
            "/forum/c/entraide",
            &[("title", "Un bon titre"), ("body", &long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        raw_text(&page, "[data-testid=topic-body]").as_deref(),
        Some(long.as_str()),
        "the whole text is kept"
    );
    assert_eq!(
        attr(&page, "[data-testid=topic-title]", "value").as_deref(),
        Some("Un bon titre")
    );
    assert!(text_of(&page, "[data-testid=error-body]").is_some());
    let topics: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_topics WHERE title = $1")
        .bind("Un bon titre")
        .fetch_one(&f.app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(topics, 0);
}

#[tokio::test]
async fn a_refused_reply_comes_back_with_422_and_its_text_as_a_page_or_a_fragment() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Une question longue",
        "Voici.",
    )
    .await;
    let url = format!("/forum/topics/{topic}/replies");
    let long = "Réponse détaillée ".repeat(600);
    assert!(long.trim().chars().count() > 10_000);

    // Without JavaScript: the topic page again, its reply box holding the text.
    let r = learner.post_form(&url, &[("body", &long)]).await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(count(&page, "[data-testid=replies]"), 1, "the topic page");
    assert_eq!(
        raw_text(&page, "[data-testid=reply-body]").as_deref(),
        Some(long.as_str())
    );
    assert!(text_of(&page, "[data-testid=error-body]").is_some());
    assert_eq!(
        attr(&page, "[data-testid=reply-body]", "aria-invalid").as_deref(),
        Some("true")
    );

    // With htmx: the reply box alone, swapped in place.
    let token = learner.csrf().await;
    let r = learner
        .client
        .post(learner.url(&url))
        .header("hx-request", "true")
        .header("x-csrf-token", &token)
        .form(&[("body", "   ")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(!html.contains("<html"), "a fragment");
    let fragment = Html::parse_fragment(&html);
    assert_eq!(count(&fragment, "form#reply-form"), 1);
    assert_eq!(
        raw_text(&fragment, "[data-testid=reply-body]").as_deref(),
        Some("   ")
    );
    assert!(text_of(&fragment, "[data-testid=error-body]").is_some_and(|t| !t.is_empty()));
    let r = learner
        .client
        .post(learner.url(&url))
        .header("hx-request", "true")
        .header("x-csrf-token", &token)
        .form(&[("body", long.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let fragment = Html::parse_fragment(&r.text().await.expect("body"));
    assert_eq!(
        raw_text(&fragment, "[data-testid=reply-body]").as_deref(),
        Some(long.as_str())
    );
    let replies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_replies WHERE topic_id = $1")
        .bind(topic)
        .fetch_one(&f.app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(replies, 0);

    // Editing keeps the text too.
    let rid = reply(&learner, topic, "Première version").await;
    let r = learner
        .post_form(&format!("/forum/replies/{rid}/edit"), &[("body", &long)])
        .await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        raw_text(&page, "[data-testid=edit-body]").as_deref(),
        Some(long.as_str())
    );
}

#[tokio::test]
async fn a_topic_list_page_past_the_end_shows_the_last_page() {
    let f = Forum::new().await;
    let author = f.user_id(LEARNER).await;
    let category: i64 = sqlx::query_scalar("SELECT id FROM forum_categories WHERE slug = $1")
        .bind("entraide")
        .fetch_one(&f.app.state.db.pool)
        .await
        .expect("category");
    for i in 0..25 {
        techlearnjess::forum::queries::create_topic(
            &f.app.state.db,
            techlearnjess::forum::queries::Place::Category(category),
            author,
            &format!("Sujet numéro {i}"),
            "Corps",
        )
        .await
        .expect("topic");
    }
    let learner = f.browser(LEARNER).await;
    let (_, first) = learner.page("/forum/c/entraide").await;
    let pages = count(&first, "[data-testid=page-link]") + 1;
    assert_eq!(pages, 2, "25 topics and more, 20 a page");
    let (status, past) = learner.page("/forum/c/entraide?page=999").await;
    assert_eq!(status, 200);
    let (_, last) = learner.page("/forum/c/entraide?page=2").await;
    assert_eq!(
        text_of(&past, "[data-testid=page-current] .sr-only").as_deref(),
        Some("Page 2 sur 2")
    );
    assert_eq!(
        text_of(&past, "[data-testid=topic-list]"),
        text_of(&last, "[data-testid=topic-list]")
    );
    assert_eq!(
        attr(&past, "[data-testid=page-prev]", "href").as_deref(),
        Some("/forum/c/entraide")
    );
}

#[tokio::test]
async fn search_finds_titles_and_bodies_with_wildcards_taken_literally() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    new_topic(
        &learner,
        "/forum/c/entraide",
        "Réduction de 50% sur Excel",
        "Promo",
    )
    .await;
    new_topic(
        &learner,
        "/forum/c/entraide",
        "Boucles for",
        "Comment faire un for_each ?",
    )
    .await;
    new_topic(
        &learner,
        "/forum/c/entraide",
        "Une boucle for each",
        "En JavaScript",
    )
    .await;
    let (_, page) = learner.page("/forum/c/entraide?q=50%25").await;
    assert_eq!(count(&page, "[data-testid=topic-item]"), 1);
    let (_, page) = learner.page("/forum/c/entraide?q=for_each").await;
    assert_eq!(
        count(&page, "[data-testid=topic-item]"),
        1,
        "_ is not a wildcard: « for each » does not match"
    );
    let (_, page) = learner.page("/forum/c/entraide?q=introuvable-xyz").await;
    assert_eq!(count(&page, "[data-testid=topic-empty]"), 1);
}

#[tokio::test]
async fn an_author_edits_within_the_window_and_a_quote_prefills_the_reply_box() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet à corriger", "Fote").await;
    let trainer = f.browser(TRAINER).await;
    let rid = reply(&trainer, topic, "Première ligne\nDeuxième ligne").await;
    assert_eq!(
        trainer
            .get(&format!("/forum/topics/{topic}/edit"))
            .await
            .status(),
        403,
        "only the author edits"
    );
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/edit"),
            &[("title", "Sujet corrigé"), ("body", "Faute")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = learner
        .page(&format!("/forum/topics/{topic}?quote={rid}"))
        .await;
    assert_eq!(
        text_of(&page, "[data-testid=topic-title]").as_deref(),
        Some("Sujet corrigé")
    );
    let sel = Selector::parse("[data-testid=reply-body]").expect("selector");
    let prefilled: String = page
        .select(&sel)
        .next()
        .map(|e| e.text().collect())
        .unwrap_or_default();
    assert!(
        prefilled.contains("> Première ligne\n> Deuxième ligne"),
        "{prefilled}"
    );
    // Past the window, editing is refused.
    sqlx::query("UPDATE forum_replies SET created_at = '2020-01-01T00:00:00Z' WHERE id = $1")
        .bind(rid)
        .execute(&f.app.state.db.pool)
        .await
        .expect("age the reply");
    let r = trainer
        .post_form(
            &format!("/forum/replies/{rid}/edit"),
            &[("body", "Trop tard")],
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn an_open_topic_receives_new_replies_live() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Sujet en direct",
        "Qui est là ?",
    )
    .await;
    let mut stream = learner
        .client
        .get(learner.url(&format!("/forum/topics/{topic}/stream")))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    assert!(
        stream
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    // The stream subscribed before it answered: the reply cannot be missed.
    let trainer = f.browser(TRAINER).await;
    let rid = reply(&trainer, topic, "Je suis là, **en direct** !").await;
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !received.contains("en direct") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("a live reply within 10 s")
            .expect("stream readable")
            .expect("stream open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event: reply"), "{received}");
    assert!(received.contains(&format!("id: {rid}")), "{received}");
    assert!(
        received.contains("<strong>en direct</strong>"),
        "{received}"
    );

    // A reconnecting page asks for what came after the last reply it has.
    let r = learner
        .client
        .get(learner.url(&format!("/forum/topics/{topic}/stream?after=0")))
        .send()
        .await
        .expect("stream");
    let mut r = r;
    let chunk = tokio::time::timeout(Duration::from_secs(10), r.chunk())
        .await
        .expect("replay")
        .expect("readable")
        .expect("open");
    assert!(String::from_utf8_lossy(&chunk).contains(&format!("id: {rid}")));
}

#[tokio::test]
async fn admins_create_public_categories_and_moderators_move_topics() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    assert_eq!(learner.get("/forum/admin/categories").await.status(), 403);
    let r = learner
        .post_form("/forum/admin/categories", &[("name", "Pirate")])
        .await;
    assert_eq!(r.status(), 403);
    let admin = f.browser(ADMIN).await;
    let r = admin
        .post_form(
            "/forum/admin/categories",
            &[
                ("name", "Emplois et stages"),
                ("description", "Offres à Matadi"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post_form("/forum/admin/categories", &[("name", "Emplois et stages")])
        .await;
    assert_eq!(r.status(), 422, "same name twice");
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(
        attr(&page, "[data-testid=category-name]", "value").as_deref(),
        Some("Emplois et stages")
    );
    assert!(text_of(&page, "[data-testid=error-name]").is_some());
    assert_eq!(f.app.get("/forum/c/emplois-et-stages").await.status(), 200);

    let topic = new_topic(
        &learner,
        "/forum/c/entraide",
        "Je cherche un stage",
        "En Python",
    )
    .await;
    let category_id: i64 =
        sqlx::query_scalar("SELECT id FROM forum_categories WHERE slug = 'emplois-et-stages'")
            .fetch_one(&f.app.state.db.pool)
            .await
            .expect("category");
    let moderator = f.browser(MODERATOR).await;
    let r = moderator
        .post_form(
            "/forum/moderation/act",
            &[
                ("target", "topic"),
                ("id", &topic.to_string()),
                ("action", "move"),
                ("category_id", &category_id.to_string()),
                ("reason", "Mauvaise catégorie"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = f.app.page("/forum/c/emplois-et-stages").await;
    assert_eq!(
        text_of(&page, "[data-testid=topic-link]").as_deref(),
        Some("Je cherche un stage")
    );
}

#[tokio::test]
async fn a_refused_report_comes_back_with_422_and_its_reason_as_a_page_or_a_fragment() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet signalé", "Bonjour").await;
    let (_, troll) = f.learner("Troll Anonyme", "troll@example.cd").await;
    let bad = reply(&troll, topic, "Message à signaler").await;
    let url = format!("/forum/reports/reply/{bad}");
    let long = "Trop long. ".repeat(60);
    assert!(long.trim().chars().count() > 500);

    // Without JavaScript: the topic page, that post's report form open with the reason typed.
    let r = learner.post_form(&url, &[("reason", &long)]).await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    assert_eq!(count(&page, "[data-testid=replies]"), 1, "the topic page");
    let field = format!("#report-reply-{bad}");
    assert_eq!(attr(&page, &field, "value").as_deref(), Some(long.as_str()));
    assert_eq!(attr(&page, &field, "aria-invalid").as_deref(), Some("true"));
    assert_eq!(count(&page, "details[data-testid=report][open]"), 1);
    assert!(text_of(&page, "[data-testid=error-reason]").is_some_and(|t| t.contains("500")));

    // With htmx: the report form alone, swapped in place.
    let token = learner.csrf().await;
    let r = learner
        .client
        .post(learner.url(&url))
        .header("hx-request", "true")
        .header("x-csrf-token", &token)
        .form(&[("reason", "   ")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(!html.contains("<html"), "a fragment");
    let fragment = Html::parse_fragment(&html);
    assert_eq!(
        attr(&fragment, "[data-testid=report-reason]", "value").as_deref(),
        Some("   ")
    );
    assert!(text_of(&fragment, "[data-testid=error-reason]").is_some_and(|t| !t.is_empty()));

    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_reports")
        .fetch_one(&f.app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(reports, 0);

    // A moderator's refused suspension comes back on the queue, that form open and kept.
    let r = learner.post_form(&url, &[("reason", "Hors sujet")]).await;
    assert_eq!(r.status(), 303);
    let report: i64 = sqlx::query_scalar("SELECT id FROM forum_reports")
        .fetch_one(&f.app.state.db.pool)
        .await
        .expect("report");
    let troll_id = f.user_id("troll@example.cd").await;
    let moderator = f.browser(MODERATOR).await;
    let form = format!("user-{report}");
    let r = moderator
        .post_form(
            &format!("/forum/moderation/users/{troll_id}"),
            &[
                ("action", "suspend"),
                ("days", "400"),
                ("reason", "Insultes répétées"),
                ("form", form.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.expect("body"));
    let days = format!("#days-{report}");
    assert_eq!(attr(&page, &days, "value").as_deref(), Some("400"));
    assert_eq!(attr(&page, &days, "aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        attr(&page, &format!("#user-reason-{report}"), "value").as_deref(),
        Some("Insultes répétées")
    );
    assert_eq!(count(&page, "[data-testid=error-days]"), 1);
    assert_eq!(count(&page, "[data-testid=error-reason]"), 0);
    let suspended: Option<String> =
        sqlx::query_scalar("SELECT posting_suspended_until FROM users WHERE id = $1")
            .bind(troll_id)
            .fetch_one(&f.app.state.db.pool)
            .await
            .expect("user");
    assert_eq!(suspended, None);
}

#[tokio::test]
async fn a_warned_or_suspended_user_is_told_why_and_until_when_in_their_language_and_zone() {
    use techlearnjess::web::i18n::Locale;
    use techlearnjess::web::time::{self, Style, TimeZone};
    let f = Forum::new().await;
    let (troll_id, troll) = f.learner("Troll Anonyme", "troll@example.cd").await;
    let (visitor_id, _) = f.learner("Jane Visitor", "jane@example.cd").await;
    sqlx::query("UPDATE users SET timezone = 'Africa/Lubumbashi' WHERE id = $1")
        .bind(troll_id)
        .execute(&f.app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET locale = 'en', timezone = 'Europe/London' WHERE id = $1")
        .bind(visitor_id)
        .execute(&f.app.state.db.pool)
        .await
        .unwrap();
    let moderator = f.browser(MODERATOR).await;

    // A warning: in the app and by e-mail, with the reason.
    let r = moderator
        .post_form(
            &format!("/forum/moderation/users/{troll_id}"),
            &[("action", "warn"), ("reason", "Langage grossier")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // A suspension of three days: until when, in the user's zone.
    let r = moderator
        .post_form(
            &format!("/forum/moderation/users/{troll_id}"),
            &[
                ("action", "suspend"),
                ("days", "3"),
                ("reason", "Spam répété"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    f.app.state.tasks.settled().await;
    let until: String =
        sqlx::query_scalar("SELECT posting_suspended_until FROM users WHERE id = $1")
            .bind(troll_id)
            .fetch_one(&f.app.state.db.pool)
            .await
            .unwrap();
    let lubumbashi = TimeZone::parse("Africa/Lubumbashi").unwrap();
    let local_until = time::format(
        &until,
        Style::DateTime,
        &lubumbashi,
        Locale::Fr,
        time::now(),
    );

    let (_, page) = troll.page("/notifications").await;
    let text: String = page.root_element().text().collect();
    assert!(
        text.contains("Avertissement de la modération") && text.contains("Langage grossier"),
        "{text}"
    );
    assert!(
        text.contains(&format!("jusqu'au {local_until}")),
        "the end of the suspension in the user's zone ({local_until}): {text}"
    );
    assert!(text.contains("Spam répété"));
    let mails = f.app.emails_to("troll@example.cd");
    assert!(
        mails.iter().any(|m| m.contains("Langage grossier")),
        "the warning is e-mailed: {mails:?}"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Spam répété") && m.contains(&local_until)),
        "the suspension is e-mailed with its end in the user's zone: {mails:?}"
    );

    // An English reader is told in English, in their own zone.
    let r = moderator
        .post_form(
            &format!("/forum/moderation/users/{visitor_id}"),
            &[("action", "suspend"), ("days", "1"), ("reason", "Flood")],
        )
        .await;
    assert_eq!(r.status(), 303);
    f.app.state.tasks.settled().await;
    let until: String =
        sqlx::query_scalar("SELECT posting_suspended_until FROM users WHERE id = $1")
            .bind(visitor_id)
            .fetch_one(&f.app.state.db.pool)
            .await
            .unwrap();
    let london = TimeZone::parse("Europe/London").unwrap();
    let local_until = time::format(&until, Style::DateTime, &london, Locale::En, time::now());
    let mails = f.app.emails_to("jane@example.cd");
    assert!(
        mails.iter().any(|m| m.contains("You cannot post")
            && m.contains(&local_until)
            && m.contains("Flood")),
        "{local_until}: {mails:?}"
    );

    // Lifting it is told too.
    let r = moderator
        .post_form(
            &format!("/forum/moderation/users/{troll_id}"),
            &[("action", "unsuspend"), ("reason", "Levée")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        f.notifications(troll_id, "moderation_lifted").await.len(),
        1
    );
}

#[tokio::test]
async fn moderators_hear_of_new_reports_and_a_report_after_a_restore_is_accepted() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let moderator_id = f.user_id(MODERATOR).await;
    let admin_id = f.user_id(ADMIN).await;
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet signalé", "Bonjour").await;
    let (_, troll) = f.learner("Troll Anonyme", "troll@example.cd").await;
    let bad = reply(&troll, topic, "Message douteux").await;
    let report_url = format!("/forum/reports/reply/{bad}");

    // The moderator's menu shows the queue, and its badge the reports waiting.
    let moderator = f.browser(MODERATOR).await;
    let (_, page) = moderator.page("/forum").await;
    assert_eq!(count(&page, "[data-testid=nav-moderation]"), 1);
    let (_, page) = learner.page("/forum").await;
    assert_eq!(count(&page, "[data-testid=nav-moderation]"), 0);

    let r = learner
        .post_form(&report_url, &[("reason", "Propos douteux")])
        .await;
    assert_eq!(r.status(), 303);
    for id in [moderator_id, admin_id] {
        let notes = f.notifications(id, "moderation_report").await;
        assert_eq!(notes.len(), 1, "every moderator is told");
        assert_eq!(
            notes[0],
            ("Sujet signalé".to_owned(), "/forum/moderation".to_owned())
        );
    }
    let mut stream = moderator.get("/notifications/stream").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("moderation-count") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the moderation badge within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: moderation"), "{seen}");
    assert!(seen.contains("1 signalement à traiter"), "{seen}");
    drop(stream);

    // The same report again while it waits: said so, not "transmis".
    let r = learner
        .post_form(&report_url, &[("reason", "Encore")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = learner.page(&location(&r)).await;
    assert!(page.html().contains("déjà signalé"), "{}", page.html());
    assert!(!page.html().contains("transmis"));
    assert_eq!(
        f.notifications(moderator_id, "moderation_report")
            .await
            .len(),
        1
    );

    // Hidden, then restored: a new report is accepted and reaches the queue again.
    let bad_s = bad.to_string();
    for action in ["hide", "restore"] {
        let r = moderator
            .post_form(
                "/forum/moderation/act",
                &[
                    ("target", "reply"),
                    ("id", &bad_s),
                    ("action", action),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{action}");
    }
    let (_, queue) = moderator.page("/forum/moderation").await;
    assert_eq!(count(&queue, "[data-testid=report-item]"), 0);
    let r = learner
        .post_form(&report_url, &[("reason", "Toujours douteux")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = learner.page(&location(&r)).await;
    assert!(page.html().contains("transmis"), "{}", page.html());
    let (_, queue) = moderator.page("/forum/moderation").await;
    assert_eq!(count(&queue, "[data-testid=report-item]"), 1);
    assert_eq!(
        text_of(&queue, "[data-testid=report-reason]").as_deref(),
        Some("Toujours douteux")
    );
    assert_eq!(
        f.notifications(moderator_id, "moderation_report")
            .await
            .len(),
        2
    );

    // The log reads as sentences, with links, no codes.
    let log = text_of(&queue, "[data-testid=moderation-log]").unwrap_or_default();
    assert!(
        log.contains("Message masqué dans « Sujet signalé »")
            || log.contains("Message masqué dans «\u{a0}Sujet signalé\u{a0}»"),
        "{log}"
    );
    assert!(log.contains("Message rétabli dans"), "{log}");
    assert!(!log.contains("forum_reply") && !log.contains('#'), "{log}");
    assert!(
        queue
            .html()
            .contains(&format!("/forum/topics/{topic}#reply-{bad}"))
    );
}

#[tokio::test]
async fn a_post_hidden_by_a_moderator_leaves_the_pages_already_open() {
    let f = Forum::new().await;
    let learner = f.browser(LEARNER).await;
    let topic = new_topic(&learner, "/forum/c/entraide", "Sujet ouvert", "Bonjour").await;
    let (_, troll) = f.learner("Troll Anonyme", "troll@example.cd").await;
    let bad = reply(&troll, topic, "Message à masquer").await;
    let moderator = f.browser(MODERATOR).await;
    let open = |b: &Browser| {
        let url = b.url(&format!("/forum/topics/{topic}/stream"));
        let client = b.client.clone();
        async move { client.get(url).send().await.expect("stream") }
    };
    let mut learner_page = open(&learner).await;
    let mut moderator_page = open(&moderator).await;
    let bad_s = bad.to_string();
    let r = moderator
        .post_form(
            "/forum/moderation/act",
            &[
                ("target", "reply"),
                ("id", &bad_s),
                ("action", "hide"),
                ("reason", "Hors sujet"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let removal = format!("id=\"reply-{bad}\" hx-swap-oob=\"delete\"");
    while !seen.contains(&removal) {
        let chunk = tokio::time::timeout_at(deadline, learner_page.chunk())
            .await
            .expect("the removal within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: reply"), "{seen}");
    // The moderator's page keeps it (hidden posts stay visible to moderators).
    f.app.state.tasks.settled().await;
    let quiet = tokio::time::timeout(Duration::from_millis(300), moderator_page.chunk()).await;
    if let Ok(Ok(Some(chunk))) = quiet {
        assert!(!String::from_utf8_lossy(&chunk).contains("hx-swap-oob"));
    }

    // A hidden topic is replaced by a notice on open pages.
    let topic_s = topic.to_string();
    let r = moderator
        .post_form(
            "/forum/moderation/act",
            &[
                ("target", "topic"),
                ("id", &topic_s),
                ("action", "hide"),
                ("reason", "Doublon"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let notice = format!("id=\"topic-{topic}\" hx-swap-oob=\"outerHTML\"");
    while !seen.contains(&notice) {
        let chunk = tokio::time::timeout_at(
            tokio::time::Instant::now() + Duration::from_secs(5),
            learner_page.chunk(),
        )
        .await
        .expect("the topic's notice within 5 s")
        .unwrap()
        .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("masqué par l"), "{seen}");
}
