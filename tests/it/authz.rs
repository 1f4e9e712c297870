//! Authorisation matrix. Every route of the app comes from the route table the routers are built
//! from (`techlearnjess::route_table`, filled by `web::Routes`). Each route must have a row in
//! `MATRIX` with the outcome for every role, and each row must name a route that still exists;
//! the guards the table declares must agree with the rows. Also: no private object of another
//! user is reachable by guessing its id.

use std::collections::{BTreeSet, HashMap};

use techlearnjess::auth::model::Role;
use techlearnjess::web::Guard;

use crate::helpers::{Browser, TestApp, location};

pub const PASSWORD: &str = "Demo-2026-tlj";
pub const LEARNER: &str = "apprenant@techlearnjess.cd";
pub const TRAINER: &str = "formateur@techlearnjess.cd";
pub const MODERATOR: &str = "moderateur@techlearnjess.cd";
pub const ADMIN: &str = "admin@techlearnjess.cd";
pub const OUTSIDER: &str = "intrus@example.cd";
pub const OTHER_TRAINER: &str = "autre-formateur@example.cd";

/// Every (method, path) the app routes, from the route table.
pub fn routes() -> BTreeSet<(String, String)> {
    techlearnjess::route_table()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.path))
        .collect()
}

#[test]
fn the_route_table_lists_each_route_once_with_the_guard_of_its_area() {
    let table = techlearnjess::route_table();
    let mut seen = BTreeSet::new();
    for r in &table {
        assert!(
            seen.insert((r.method, r.path.clone())),
            "{} {} twice in the table",
            r.method,
            r.path
        );
        let expected = if r.path == "/admin/moderation" || r.path.starts_with("/forum/moderation") {
            Some(Guard::Role(Role::Moderator))
        } else if r.path.starts_with("/admin") || r.path.starts_with("/forum/admin") {
            Some(Guard::Role(Role::Admin))
        } else if r.path == "/teach" || r.path.starts_with("/teach/") {
            Some(Guard::Role(Role::Trainer))
        } else {
            None
        };
        if let Some(guard) = expected {
            assert_eq!(r.guard, guard, "{} {}", r.method, r.path);
        }
    }
    assert!(seen.contains(&("GET", "/healthz".to_owned())));
    assert!(seen.contains(&(
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/edit".to_owned()
    )));
    assert!(seen.contains(&("POST", "/payments/callback/{provider}".to_owned())));
    assert!(
        !seen.iter().any(|(_, p)| p.starts_with("/orange/")),
        "the sandbox's fake providers are not the app"
    );
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the demo data plus the objects every role needs
// ---------------------------------------------------------------------------------------------

pub const ROLES: [&str; 7] = [
    "anonymous",
    "learner enrolled",
    "learner not enrolled",
    "trainer of the course",
    "other trainer",
    "moderator",
    "admin",
];

pub struct World {
    pub app: TestApp,
    /// One logged-in browser per role of `ROLES` (index 0 is anonymous).
    pub browsers: Vec<Browser>,
    pub ids: HashMap<&'static str, String>,
}

pub async fn scalar_i64(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub async fn execute(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&app.state.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn logged_in(app: &TestApp, email: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    b
}

/// Marks every lesson of `slug` done and passes its quizzes (issues the certificate).
async fn finish_course(app: &TestApp, b: &Browser, slug: &str) {
    let pool = &app.state.db.pool;
    let lessons: Vec<i64> = sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = $1",
    )
    .bind(slug)
    .fetch_all(pool)
    .await
    .unwrap();
    for id in lessons {
        let r = b
            .post_form(&format!("/courses/{slug}/lessons/{id}/complete"), &[])
            .await;
        assert!(r.status().is_redirection() || r.status().is_success());
    }
    let quizzes: Vec<i64> = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = $1",
    )
    .bind(slug)
    .fetch_all(pool)
    .await
    .unwrap();
    for quiz in quizzes {
        let correct: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT qq.id, o.id FROM quiz_options o JOIN quiz_questions qq ON qq.id = o.question_id \
             WHERE qq.quiz_id = $1 AND o.is_correct = 1",
        )
        .bind(quiz)
        .fetch_all(pool)
        .await
        .unwrap();
        let form: Vec<(String, String)> = correct
            .iter()
            .map(|(q, o)| (format!("q{q}"), o.to_string()))
            .collect();
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = b
            .post_form(&format!("/courses/{slug}/quizzes/{quiz}"), &fields)
            .await;
        assert_eq!(r.status(), 200, "quiz submitted");
    }
}

/// The demo app, the two extra accounts, one browser per role and the ids the matrix uses.
pub async fn world() -> World {
    let app = TestApp::with_demo().await;
    app.signup_verified("Intrus Curieux", OUTSIDER, PASSWORD)
        .await;
    app.signup_verified("Autre Formatrice", OTHER_TRAINER, PASSWORD)
        .await;
    execute(
        &app,
        &format!("UPDATE users SET roles = 'learner trainer' WHERE email = '{OTHER_TRAINER}'"),
    )
    .await;
    let mut browsers = vec![app.new_browser()];
    for email in [LEARNER, OUTSIDER, TRAINER, OTHER_TRAINER, MODERATOR, ADMIN] {
        browsers.push(logged_in(&app, email).await);
    }
    let learner = &browsers[1];
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let py = "bases-de-python";
    let js = "javascript-pour-le-web";
    ids.insert("py", py.into());
    ids.insert("js", js.into());
    ids.insert("paid_other", "backend-django".into());
    let q = |sql: &'static str, bind: &'static str| {
        let app = &app;
        async move { scalar_i64(app, sql, bind).await.to_string() }
    };
    ids.insert(
        "course",
        q("SELECT id FROM courses WHERE slug = $1", py).await,
    );
    ids.insert(
        "section",
        q("SELECT s.id FROM course_sections s JOIN courses c ON c.id = s.course_id WHERE c.slug = $1 ORDER BY s.id LIMIT 1", py).await,
    );
    ids.insert(
        "lesson",
        q("SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = $1 ORDER BY l.id LIMIT 1", py).await,
    );
    ids.insert(
        "lesson_js",
        q("SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = $1 ORDER BY l.id LIMIT 1", js).await,
    );
    ids.insert(
        "resource",
        q("SELECT r.id FROM resources r JOIN courses c ON c.id = r.course_id WHERE c.slug = $1 ORDER BY r.id LIMIT 1", py).await,
    );
    ids.insert(
        "resource_js",
        q("SELECT r.id FROM resources r JOIN courses c ON c.id = r.course_id WHERE c.slug = $1 ORDER BY r.id LIMIT 1", js).await,
    );
    ids.insert(
        "quiz",
        q("SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = $1 ORDER BY q.id LIMIT 1", py).await,
    );
    ids.insert(
        "quiz_js",
        q("SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = $1 ORDER BY q.id LIMIT 1", js).await,
    );
    ids.insert(
        "question",
        q("SELECT qq.id FROM quiz_questions qq JOIN quizzes q ON q.id = qq.quiz_id JOIN courses c ON c.id = q.course_id WHERE c.slug = $1 ORDER BY qq.id LIMIT 1", py).await,
    );
    // The learner: enrolled in the free course (finished: a certificate) and the paid one.
    let r = learner
        .post_form(&format!("/courses/{py}/enrol"), &[])
        .await;
    assert_eq!(r.status(), 303, "enrolment");
    finish_course(&app, learner, py).await;
    let learner_id = app.user_id(LEARNER).await;
    execute(
        &app,
        &format!(
            "INSERT INTO enrolments (user_id, course_id, source, created_at) \
             SELECT {learner_id}, id, 'test', '2026-01-01T00:00:00Z' FROM courses WHERE slug = '{js}'"
        ),
    )
    .await;
    ids.insert("learner", learner_id.to_string());
    ids.insert("outsider", app.user_id(OUTSIDER).await.to_string());
    ids.insert(
        "cert",
        sqlx::query_scalar::<_, String>("SELECT code FROM certificates WHERE user_id = $1")
            .bind(learner_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
    );
    // A payment started by the learner for a paid course it does not have.
    let reference = start_payment(learner, "backend-django").await;
    ids.insert("pay", reference);
    // A batch of sponsored seats with no contact: admins only read it.
    let batch = scalar_i64(
        &app,
        "INSERT INTO seat_batches (sponsor_name, seats, expires_at, payment_kind, created_by, \
         created_at) SELECT 'ONG', 1, '2099-01-01T00:00:00Z', 'free', id, \
         '2026-01-01T00:00:00Z' FROM users WHERE email = $1 RETURNING id",
        ADMIN,
    )
    .await;
    ids.insert("seat_batch", batch.to_string());
    // Chat: the general room, the course room, a private conversation learner ↔ trainer.
    let r = learner
        .post_form(
            "/chat/direct",
            &[("user_id", &app.user_id(TRAINER).await.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303, "direct conversation");
    let dm = location(&r).trim_start_matches("/chat/rooms/").to_owned();
    let r = learner
        .post_form(
            &format!("/chat/rooms/{dm}/messages"),
            &[("body", "Message privé")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    ids.insert(
        "dm_message",
        scalar_i64(
            &app,
            "SELECT MAX(id) FROM chat_messages WHERE room_id = CAST($1 AS INTEGER)",
            &dm,
        )
        .await
        .to_string(),
    );
    ids.insert("dm", dm);
    learner.get("/chat").await; // creates the general room on first use
    ids.insert(
        "general",
        q(
            "SELECT id FROM chat_rooms WHERE kind = $1 ORDER BY id LIMIT 1",
            "general",
        )
        .await,
    );
    let r = learner
        .post_form(
            &format!("/chat/rooms/{}/messages", ids["general"]),
            &[("body", "Bonjour à tous")],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    ids.insert(
        "message",
        scalar_i64(
            &app,
            "SELECT MAX(id) FROM chat_messages WHERE room_id = CAST($1 AS INTEGER)",
            &ids["general"],
        )
        .await
        .to_string(),
    );
    // Forum: a public category, a topic with a reply by the learner, the course forum.
    ids.insert(
        "forum_cat",
        sqlx::query_scalar::<_, String>("SELECT slug FROM forum_categories ORDER BY id LIMIT 1")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
    );
    let r = learner
        .post_form(
            &format!("/forum/c/{}", ids["forum_cat"]),
            &[
                ("title", "Question de test"),
                ("body", "Un sujet pour la matrice."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "topic created");
    let topic = location(&r)
        .trim_start_matches("/forum/topics/")
        .split(['#', '?', '/'])
        .next()
        .unwrap()
        .to_owned();
    let r = learner
        .post_form(
            &format!("/forum/topics/{topic}/replies"),
            &[("body", "Une réponse pour la matrice.")],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    ids.insert(
        "reply",
        scalar_i64(
            &app,
            "SELECT MAX(id) FROM forum_replies WHERE topic_id = CAST($1 AS INTEGER)",
            &topic,
        )
        .await
        .to_string(),
    );
    ids.insert("topic", topic);
    // A notification for the learner (the reply above notified nobody else): add one.
    learner_notification(&app, learner_id).await;
    ids.insert(
        "notification",
        scalar_i64(
            &app,
            "SELECT MAX(id) FROM notifications WHERE user_id = CAST($1 AS INTEGER)",
            &learner_id.to_string(),
        )
        .await
        .to_string(),
    );
    ids.insert(
        "live",
        scalar_i64(
            &app,
            "SELECT MIN(s.id) FROM live_sessions s JOIN users u ON u.id = s.trainer_id WHERE u.email = $1",
            TRAINER,
        )
        .await
        .to_string(),
    );
    ids.insert(
        "category",
        q("SELECT id FROM categories WHERE slug = $1", "design").await,
    );
    ids.insert(
        "testimonial",
        scalar_i64(&app, "SELECT MIN(id) FROM testimonials WHERE $1 = $1", "x")
            .await
            .to_string(),
    );
    // A report on the learner's reply, by the outsider.
    let r = browsers[2]
        .post_form(
            &format!("/forum/reports/reply/{}", ids["reply"]),
            &[("reason", "Contenu inapproprié pour le test")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    ids.insert(
        "forum_report",
        scalar_i64(&app, "SELECT MAX(id) FROM forum_reports WHERE $1 = $1", "x")
            .await
            .to_string(),
    );
    // A user admins and moderators act on (suspend, roles…) without disturbing the roles above.
    app.signup_verified("Victime Tranquille", "victime@example.cd", PASSWORD)
        .await;
    ids.insert(
        "victim",
        app.user_id("victime@example.cd").await.to_string(),
    );
    let asset = app.state.assets.url("js/theme.js");
    ids.insert("asset", asset.trim_start_matches("/static/").to_owned());
    ids.insert("bad_token", "jeton-inconnu-0000".into());
    ids.insert("provider", "orange".into());
    ids.insert("photo_size", "64".into());
    ids.insert("export", "users.csv".into());
    ids.insert("target", "reply".into());
    World { app, browsers, ids }
}

async fn learner_notification(app: &TestApp, user_id: i64) {
    use techlearnjess::notifications::{Kind, Notice, notify};
    let notice = Notice {
        kind: Kind::ForumReply,
        subject: "Annonce privée",
        link: "/dashboard",
    };
    notify(&app.state, user_id, notice).await.unwrap();
}

/// Starts a purchase of `slug` through the checkout form; returns the payment reference.
pub async fn start_payment(b: &Browser, slug: &str) -> String {
    let (status, page) = b.page(&format!("/payments/checkout/{slug}")).await;
    assert_eq!(status, 200, "checkout page");
    let attr = |name: &str| {
        let sel = scraper::Selector::parse(&format!("input[name={name}]")).unwrap();
        page.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
            .unwrap()
    };
    let quote_id = attr("quote_id");
    let r = b
        .post_form(
            &format!("/payments/checkout/{slug}"),
            &[
                ("wallet", "orange"),
                ("currency", "USD"),
                ("phone", "084 234 5678"),
                ("quote_id", &quote_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "checkout accepted");
    location(&r).trim_start_matches("/payments/").to_owned()
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// The concrete path of a route pattern: path parameters filled from the fixtures.
pub fn concrete(pattern: &str, ids: &HashMap<&'static str, String>) -> String {
    let segs: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        if !(seg.starts_with('{') && seg.ends_with('}')) {
            out.push((*seg).to_owned());
            continue;
        }
        let name = &seg[1..seg.len() - 1];
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let first = segs.get(1).copied().unwrap_or("");
        let key: &str = match (first, prev, name) {
            (_, _, "*path") => "asset",
            (_, _, "section_id") => "section",
            (_, _, "lesson_id") => "lesson",
            (_, _, "resource_id") => "resource",
            (_, _, "quiz_id") => "quiz",
            (_, _, "question_id") => "question",
            (_, _, "token") => "bad_token",
            (_, _, "provider") => "provider",
            (_, _, "code") => "cert",
            (_, _, "reference") => "pay",
            (_, _, "user_id") => "learner",
            (_, _, "size") => "photo_size",
            (_, _, "file") => "export",
            (_, "likes", "target") | (_, "reports", "target") => "target",
            ("teach", _, "id") | ("admin", "courses", "id") => "course",
            ("admin", "users", "id") | ("forum", "users", "id") => "victim",
            ("admin", "categories", "id") => "category",
            ("admin", "seats", "id") | ("seats", _, "id") | ("payments", "seats", "id") => {
                "seat_batch"
            }
            ("admin", "testimonials", "id") => "testimonial",
            ("forum", "c", "slug") => "forum_cat",
            ("forum", "topics", "id") => "topic",
            ("forum", "replies", "id") => "reply",
            ("forum", "reports", "id") if segs.len() > 5 => "forum_report",
            ("forum", _, "id") => "reply",
            ("chat", "rooms", "id") => "dm",
            ("chat", "messages", "id") => "message",
            ("notifications", _, "id") => "notification",
            ("live", _, "id") => "live",
            ("payments", "checkout", "slug") => "paid_other",
            ("courses", "lessons", "id") => "lesson",
            ("courses", "resources", "id") => "resource",
            (_, _, "slug") => "py",
            _ => panic!("no fixture for {{{name}}} in {pattern}: add one to `concrete`"),
        };
        out.push(
            ids.get(key)
                .unwrap_or_else(|| panic!("fixture {key} missing"))
                .clone(),
        );
    }
    out.join("/")
}

/// One request of a role; the outcome as a letter: O (2xx, 101, or a 3xx not to /login),
/// L (redirect to /login), F (403), N (404), X (another 4xx), 5 (5xx).
pub async fn outcome(b: &Browser, method: &str, path: &str, body: &str) -> (char, String) {
    let url = b.url(path);
    let r = if method == "GET" {
        let mut req = b.client.get(&url);
        if path.ends_with("/ws") {
            req = req
                .header("connection", "upgrade")
                .header("upgrade", "websocket")
                .header("sec-websocket-version", "13")
                .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
                .header("origin", &b.base);
        }
        req.send().await.unwrap()
    } else {
        let token = b.csrf().await;
        let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        fields.push(("_csrf".into(), token));
        b.client
            .request(method.parse().unwrap(), &url)
            .form(&fields)
            .send()
            .await
            .unwrap()
    };
    classify(&r)
}

/// Fills `<key>` placeholders of a body or query from the fixtures.
pub fn fill(text: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = text.to_owned();
    for (k, v) in ids {
        out = out.replace(&format!("<{k}>"), v);
    }
    assert!(!out.contains('<'), "unfilled placeholder in {text}");
    out
}

/// Sends a row's request as one role: GET with the row's query, or POST with its form body
/// (`multipart:` bodies go as multipart with the token in the query, like the upload forms).
async fn send(b: &Browser, method: &str, path: &str, body: &str) -> (char, String) {
    if let Some(fields) = body.strip_prefix("multipart:") {
        let token = b.csrf().await;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in url::form_urlencoded::parse(fields.as_bytes()) {
            form = form.text(k.into_owned(), v.into_owned());
        }
        let r = b
            .client
            .post(b.url(&format!("{path}?_csrf={token}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        return classify(&r);
    }
    if method == "GET" && !body.is_empty() {
        return outcome(b, method, &format!("{path}?{body}"), "").await;
    }
    outcome(b, method, path, body).await
}

/// The outcome letter of a response: O (2xx or 101), R (a redirect elsewhere than the log-in
/// page), L (a redirect to the log-in page), F (403), N (404), X (another 4xx), 5 (5xx).
fn classify(r: &reqwest::Response) -> (char, String) {
    let status = r.status().as_u16();
    let to = location(r);
    let letter = match status {
        101 | 200..=299 => 'O',
        300..=399 if to.starts_with("/login") => 'L',
        300..=399 => 'R',
        403 => 'F',
        404 => 'N',
        400..=499 => 'X',
        _ => '5',
    };
    (letter, format!("{status} {to}"))
}

/// Whether an outcome matches the expected letter. `V`: authorised, whatever the validation
/// says (O or X); a redirect is never counted as allowed unless the row says `R`, so a guard
/// that sends a refused user elsewhere cannot pass for an authorised answer. `A`: allowed but
/// not sent (it would end the session or destroy fixtures later rows use; the feature's own
/// tests cover it).
fn matches(expected: char, got: char) -> bool {
    match expected {
        'V' => matches!(got, 'O' | 'X'),
        '*' => got != '5',
        e => e == got,
    }
}

#[test]
fn a_redirect_counts_as_allowed_only_where_a_row_lists_it() {
    // A guard that sent a refused user to the home page answers 303 /: that is R, which
    // neither "authorised" (V) nor "page shown" (O) accepts.
    for expected in ['V', 'O'] {
        assert!(
            !matches(expected, 'R'),
            "{expected} must not accept a redirect"
        );
    }
    assert!(matches('R', 'R') && matches('V', 'X') && matches('V', 'O'));
    assert!(!matches('R', 'L') && !matches('V', 'L') && !matches('V', 'F'));
}

/// The roles each entry of `ROLES` holds (none for the visitor).
fn holds(role_index: usize, role: Role) -> Option<bool> {
    let roles: &[Role] = match role_index {
        0 => return None,
        1 | 2 => &[Role::Learner],
        3 | 4 => &[Role::Learner, Role::Trainer],
        5 => &[Role::Learner, Role::Moderator],
        _ => &[Role::Admin],
    };
    let stored: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    Some(techlearnjess::auth::model::Roles::parse(&stored.join(" ")).grants(role))
}

/// A row of a route behind a role guard must say L for the visitor and F for every role
/// without it (the rows and the table cannot drift apart).
fn guard_disagreements(guard: Guard, method: &str, pattern: &str, expect: &str) -> Vec<String> {
    let Guard::Role(role) = guard else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, letter) in expect.chars().enumerate() {
        let wanted = match holds(i, role) {
            None => Some('L'),
            Some(false) => Some('F'),
            Some(true) => None,
        };
        if let Some(w) = wanted
            && letter != w
        {
            out.push(format!(
                "{method} {pattern}: guarded by {} but the row says {letter} for {}",
                guard.code(),
                ROLES[i]
            ));
        }
    }
    out
}

/// (method, route pattern, query for GET / form body for POST, expected outcome per role in
/// `ROLES` order: anonymous, learner enrolled, learner not enrolled, trainer of the course, other
/// trainer, moderator, admin). O = 2xx/101, R = a redirect elsewhere than /login (listed
/// wherever it is the expected answer, never implied), L = redirect to /login, F = 403, N = 404,
/// X = another 4xx, V = authorised, the form accepted or refused (O or X), A = allowed, not
/// sent, * = any answer but a 5xx (public forms whose per-IP rate limits the other rows share).
/// Fixtures: course `<py>` (free, id `<course>`) by the trainer, the learner enrolled and done
/// (certificate `<cert>`); `<js>` paid, learner enrolled; `<dm>` learner ↔ trainer; `<pay>` the
/// learner's payment; `<victim>` a user admins act on.
const MATRIX: &[(&str, &str, &str, &str)] = &[
    ("GET", "/", "", "OOOOOOO"),
    ("GET", "/about", "", "OOOOOOO"),
    ("GET", "/admin", "", "LFFFFFO"),
    ("GET", "/admin/analytics", "", "LFFFFFO"),
    ("GET", "/admin/audit", "", "LFFFFFO"),
    ("GET", "/admin/categories", "", "LFFFFFO"),
    ("GET", "/admin/certificates", "", "LFFFFFO"),
    ("GET", "/admin/seats", "", "LFFFFFO"),
    ("GET", "/admin/seats/new", "", "LFFFFFO"),
    ("GET", "/teach/seats/new", "", "LFFFFFO"),
    ("GET", "/codes", "", "OOOOOOO"),
    ("GET", "/seats", "", "LOOOOOO"),
    ("GET", "/seats/{id}", "", "LNNNNNO"),
    ("GET", "/seats/{id}/report.csv", "", "LNNNNNO"),
    ("GET", "/seats/{id}/codes.csv", "", "LNNNNNO"),
    ("GET", "/seats/{id}/cards.pdf", "", "LNNNNNR"),
    ("GET", "/codes/invite/{token}", "", "NNNNNNN"),
    ("GET", "/admin/courses", "", "LFFFFFO"),
    ("GET", "/admin/exports", "", "LFFFFFO"),
    ("GET", "/admin/exports/{file}", "", "LFFFFFO"),
    ("GET", "/admin/moderation", "", "LFFFFOO"),
    ("GET", "/admin/payments", "", "LFFFFFO"),
    ("GET", "/admin/payments/rates", "", "LFFFFFO"),
    ("GET", "/admin/payments/routing", "", "LFFFFFO"),
    ("GET", "/admin/payments/seller", "", "LFFFFFO"),
    ("GET", "/admin/payments/{reference}", "", "LFFFFFO"),
    ("GET", "/admin/testimonials", "", "LFFFFFO"),
    ("GET", "/admin/users", "", "LFFFFFO"),
    ("GET", "/admin/users/{id}", "", "LFFFFFO"),
    ("GET", "/certificates", "", "LOOOOOO"),
    ("GET", "/certificates/public-key", "", "OOOOOOO"),
    ("GET", "/certificates/{code}/pdf", "", "LOFFFFO"),
    ("GET", "/chat", "", "LOOOOOO"),
    ("GET", "/chat/messages/{id}/report", "", "LOOOOOO"),
    ("GET", "/chat/rooms/{id}", "", "LONONNN"),
    (
        "GET",
        "/chat/rooms/{id}/messages",
        "before=999999",
        "LONONNN",
    ),
    ("GET", "/chat/rooms/{id}/ws", "", "LONONNN"),
    ("GET", "/courses", "", "OOOOOOO"),
    ("GET", "/courses/{slug}", "", "OOOOOOO"),
    ("GET", "/courses/{slug}/buy", "", "RRRRRRR"),
    ("GET", "/courses/{slug}/cover", "", "NNNNNNN"),
    ("GET", "/courses/{slug}/enrol", "", "RRRRRRR"),
    ("GET", "/courses/{slug}/lessons/{id}", "", "OOOOOOO"),
    ("GET", "/courses/{slug}/lessons/{id}/video", "", "RRRRRRR"),
    ("GET", "/courses/{slug}/quizzes/{quiz_id}", "", "LOFOFOO"),
    ("GET", "/courses/{slug}/resources/{id}", "", "LOFOFOO"),
    ("GET", "/courses/{slug}/offline", "", "LOROROO"),
    ("GET", "/courses/{slug}/offline/items", "", "LOFOFOO"),
    ("GET", "/offline/courses", "", "LOOOOOO"),
    ("GET", "/dashboard", "", "LOOOOOO"),
    ("GET", "/data-saver", "", "OOOOOOO"),
    (
        "GET",
        "/data-saver/image",
        "kind=cover&src=/courses/<py>/cover",
        "RRRRRRR",
    ),
    ("GET", "/forgot-password", "", "OOOOOOO"),
    ("GET", "/forum", "", "OOOOOOO"),
    ("GET", "/forum/admin/categories", "", "LFFFFFO"),
    ("GET", "/forum/c/{slug}", "", "OOOOOOO"),
    ("GET", "/forum/c/{slug}/new", "", "LOOOOOO"),
    ("GET", "/forum/courses/{slug}", "", "LOFOFOO"),
    ("GET", "/forum/courses/{slug}/new", "", "LOFOFOO"),
    ("GET", "/forum/moderation", "", "LFFFFOO"),
    ("GET", "/forum/replies/{id}/edit", "", "LOFFFFF"),
    ("GET", "/forum/replies/{id}/quote", "", "LRRRRRR"),
    ("GET", "/forum/topics/{id}", "", "OOOOOOO"),
    ("GET", "/forum/topics/{id}/edit", "", "LOFFFFF"),
    ("GET", "/forum/topics/{id}/stream", "", "OOOOOOO"),
    ("GET", "/healthz", "", "OOOOOOO"),
    ("GET", "/live", "", "LOOOOOO"),
    ("GET", "/live/feed/{token}", "", "NNNNNNN"),
    ("GET", "/live/new", "", "LFFOOFO"),
    ("GET", "/live/{id}", "", "LOOOOOO"),
    ("GET", "/live/{id}/edit", "", "LFFOFFO"),
    ("GET", "/live/{id}/session.ics", "", "LOOOOOO"),
    ("GET", "/live/{id}/ws", "", "LOOOOOO"),
    ("GET", "/login", "", "ORRRRRR"),
    ("GET", "/login/code", "", "LLLLLLL"),
    ("GET", "/notifications", "", "LOOOOOO"),
    ("GET", "/notifications/badge", "", "LOOOOOO"),
    ("GET", "/notifications/settings", "", "LOOOOOO"),
    ("GET", "/notifications/stream", "", "LOOOOOO"),
    ("GET", "/offline", "", "OOOOOOO"),
    ("GET", "/lang", "lang=en&next=/about", "RRRRRRR"),
    ("GET", "/payments", "", "LOOOOOO"),
    ("GET", "/payments/checkout/{slug}", "", "LOOOOOO"),
    ("GET", "/payments/seats/{id}", "", "LNNNNNR"),
    ("GET", "/payments/sandbox/{reference}", "", "LONNNNO"),
    ("GET", "/payments/{reference}", "", "LONNNNN"),
    ("GET", "/payments/{reference}/receipt", "", "LNNNNNN"),
    ("GET", "/payments/{reference}/receipt.pdf", "", "LNNNNNN"),
    ("GET", "/payments/{reference}/status", "", "LONNNNN"),
    ("GET", "/profile", "", "LOOOOOO"),
    ("GET", "/profile/email/confirm/{token}", "", "NNNNNNN"),
    ("GET", "/profile/photo/{user_id}/{size}", "", "LNNNNNN"),
    ("GET", "/profile/security", "", "LOOOOOO"),
    ("GET", "/profile/security/otp", "", "LOOOOOO"),
    ("GET", "/reset-password/{token}", "", "RRRRRRR"),
    ("GET", "/signup", "", "ORRRRRR"),
    ("GET", "/static/{*path}", "", "OOOOOOO"),
    ("GET", "/sw.js", "", "OOOOOOO"),
    ("GET", "/teach", "", "LFFOOFO"),
    ("GET", "/teach/courses/new", "", "LFFOOFO"),
    ("GET", "/teach/courses/{id}/edit", "", "LFFOFFO"),
    ("GET", "/teach/courses/{id}/learners", "", "LFFOFFO"),
    (
        "GET",
        "/teach/courses/{id}/lessons/{lesson_id}/edit",
        "",
        "LFFOFFO",
    ),
    ("GET", "/teach/courses/{id}/quizzes/new", "", "LFFOFFO"),
    (
        "GET",
        "/teach/courses/{id}/quizzes/{quiz_id}",
        "",
        "LFFOFFO",
    ),
    (
        "GET",
        "/teach/courses/{id}/quizzes/{quiz_id}/questions/{question_id}/edit",
        "",
        "LFFOFFO",
    ),
    (
        "GET",
        "/teach/courses/{id}/sections/{section_id}/lessons/new",
        "",
        "LFFOFFO",
    ),
    ("GET", "/verify", "", "OOOOOOO"),
    ("GET", "/verify-email/{token}", "", "NNNNNNN"),
    ("GET", "/verify/{code}", "", "OOOOOOO"),
    (
        "POST",
        "/admin/categories",
        "name=Catégorie matrice",
        "LFFFFFR",
    ),
    (
        "POST",
        "/admin/categories/{id}",
        "name=Design graphique",
        "LFFFFFR",
    ),
    (
        "POST",
        "/admin/certificates/{code}/revoke",
        "reason=Erreur de saisie",
        "LFFFFFR",
    ),
    (
        "POST",
        "/admin/certificates/{code}/reissue",
        "reason=Nom corrigé",
        "LFFFFFR",
    ),
    ("POST", "/admin/courses/{id}/feature", "", "LFFFFFR"),
    ("POST", "/admin/courses/{id}/unpublish", "", "LFFFFFA"),
    ("POST", "/admin/courses/{id}/publish", "", "LFFFFFR"),
    ("POST", "/admin/payments/pinned", "", "LFFFFFR"),
    ("POST", "/admin/payments/rates", "", "LFFFFFV"),
    ("POST", "/admin/payments/routing", "", "LFFFFFV"),
    ("POST", "/admin/payments/seller", "", "LFFFFFV"),
    ("POST", "/admin/payments/{reference}/refund", "", "LFFFFFR"),
    ("POST", "/admin/payments/{reference}/requery", "", "LFFFFFR"),
    (
        "POST",
        "/admin/testimonials",
        "name=Ana&title=Étudiante&quote=Bien",
        "LFFFFFV",
    ),
    ("POST", "/admin/testimonials/{id}/toggle", "", "LFFFFFR"),
    ("POST", "/admin/seats", "", "LFFFFFV"),
    ("POST", "/teach/seats", "", "LFFFFFV"),
    ("POST", "/admin/seats/settings", "", "LFFFFFR"),
    ("POST", "/admin/seats/{id}/extend", "", "LFFFFFR"),
    ("POST", "/admin/seats/{id}/revoke", "", "LFFFFFR"),
    ("POST", "/codes", "code=TLJ-2222-2222", "LXXXXXX"),
    ("POST", "/codes/invite/{token}", "", "LNNNNNN"),
    ("POST", "/seats/{id}/invite", "seats=1", "LNNNNNX"),
    ("POST", "/seats/{id}/invite/off", "", "LNNNNNR"),
    ("POST", "/admin/users/{id}/force-reset", "", "LFFFFFR"),
    ("POST", "/admin/users/{id}/suspend", "", "LFFFFFR"),
    ("POST", "/admin/users/{id}/reactivate", "", "LFFFFFR"),
    (
        "POST",
        "/admin/users/{id}/resend-verification",
        "",
        "LFFFFFV",
    ),
    ("POST", "/admin/users/{id}/roles", "role=trainer", "LFFFFFR"),
    ("POST", "/chat/direct", "user_id=<victim>", "LRRRRRR"),
    (
        "POST",
        "/chat/messages/{id}/report",
        "reason=Message déplacé",
        "LRRRRRR",
    ),
    ("POST", "/chat/messages/{id}/dismiss", "", "LFFFFRN"),
    ("POST", "/chat/messages/{id}/hide", "", "LFFFFRR"),
    (
        "POST",
        "/chat/rooms/{id}/messages",
        "body=Bonjour",
        "LRNRNNN",
    ),
    (
        "POST",
        "/courses/{slug}/lessons/{id}/complete",
        "",
        "LRFRFRR",
    ),
    ("POST", "/courses/{slug}/quizzes/{quiz_id}", "", "LVFVFVV"),
    ("POST", "/data-saver", "", "XXXXXXX"),
    (
        "POST",
        "/forgot-password",
        "email=personne@example.cd",
        "*******",
    ),
    (
        "POST",
        "/forum/admin/categories",
        "name=Nouvelle&description=Test",
        "LFFFFFR",
    ),
    (
        "POST",
        "/forum/c/{slug}",
        "title=Sujet de la matrice&body=Un corps assez long.",
        "LRRRRRR",
    ),
    (
        "POST",
        "/forum/courses/{slug}",
        "title=Sujet du cours&body=Un corps assez long.",
        "LRFRFRR",
    ),
    ("POST", "/forum/likes/{target}/{id}", "", "LVRRRRR"),
    (
        "POST",
        "/forum/reports/{target}/{id}",
        "reason=Contenu inapproprié",
        "LRRRRRR",
    ),
    (
        "POST",
        "/forum/replies/{id}/edit",
        "body=Réponse modifiée",
        "LRFFFFF",
    ),
    (
        "POST",
        "/forum/topics/{id}/edit",
        "title=Titre modifié&body=Corps modifié",
        "LRFFFFF",
    ),
    ("POST", "/forum/topics/{id}/follow", "", "LRRRRRR"),
    (
        "POST",
        "/forum/topics/{id}/replies",
        "body=Encore une réponse",
        "LRRRRRR",
    ),
    (
        "POST",
        "/forum/moderation/act",
        "target=reply&id=<reply>&action=hide&reason=Test",
        "LFFFFRR",
    ),
    (
        "POST",
        "/forum/moderation/reports/{id}/dismiss",
        "",
        "LFFFFRR",
    ),
    (
        "POST",
        "/forum/moderation/users/{id}",
        "action=warn&reason=Avertissement",
        "LFFFFRR",
    ),
    ("POST", "/lang", "lang=fr", "RRRRRRR"),
    ("POST", "/live", "", "LFFVVFV"),
    ("POST", "/live/feed/regenerate", "", "LRRRRRR"),
    ("POST", "/live/{id}/edit", "", "LFFVFFV"),
    ("POST", "/live/{id}/start", "", "LFFRFFV"),
    ("POST", "/live/{id}/end", "", "LFFRFFV"),
    ("POST", "/live/{id}/cancel", "", "LFFVFFV"),
    (
        "POST",
        "/login",
        "email=x@example.cd&password=faux",
        "XVVVVVV",
    ),
    ("POST", "/login/code", "code=123456", "LLLLLLL"),
    ("POST", "/login/code/resend", "", "LLLLLLL"),
    ("POST", "/notifications/read-all", "", "LRRRRRR"),
    ("POST", "/notifications/settings", "", "LRRRRRR"),
    ("POST", "/notifications/{id}/read", "", "LRNNNNN"),
    ("POST", "/payments/callback/{provider}", "", "OOOOOOO"),
    (
        "POST",
        "/payments/callback/{provider}/{reference}",
        "",
        "OOOOOOO",
    ),
    ("POST", "/payments/checkout/{slug}", "", "LRVVVVV"),
    ("POST", "/payments/checkout/{slug}/number", "", "LOOOOOO"),
    ("POST", "/payments/seats/{id}", "", "LNNNNNR"),
    ("POST", "/payments/seats/{id}/number", "", "LNNNNNO"),
    ("POST", "/payments/sandbox/{reference}", "", "LVNNNNV"),
    ("POST", "/profile", "name=Nom", "LVVVVVV"),
    ("POST", "/profile/email/confirm/{token}", "", "LRRRRRR"),
    ("POST", "/profile/photo", "multipart:x=1", "LVVVVVV"),
    ("POST", "/profile/photo/delete", "", "LRRRRRR"),
    ("POST", "/profile/security/email", "", "LVVVVVV"),
    ("POST", "/profile/security/otp/cancel", "", "RRRRRRR"),
    ("POST", "/profile/security/otp/disable", "", "LRRRRRR"),
    ("POST", "/profile/security/otp/email", "", "LVVVVVV"),
    ("POST", "/profile/security/otp/email/confirm", "", "LVVVVVV"),
    ("POST", "/profile/security/otp/recovery", "", "LRRRRRR"),
    ("POST", "/profile/security/otp/send-code", "", "LRRRRRR"),
    ("POST", "/profile/security/otp/totp", "", "LVVVVVV"),
    ("POST", "/profile/security/otp/totp/confirm", "", "LRRRRRR"),
    ("POST", "/profile/security/password", "", "LVVVVVV"),
    (
        "POST",
        "/profile/security/sessions/logout-others",
        "",
        "LRRRRRR",
    ),
    ("POST", "/reset-password/{token}", "", "XXXXXXX"),
    ("POST", "/signup", "", "XXXXXXX"),
    (
        "POST",
        "/teach/courses/new",
        "multipart:title=Cours matrice",
        "LFFVVFV",
    ),
    (
        "POST",
        "/teach/courses/{id}/edit",
        "multipart:title=Les bases de Python",
        "LFFVFFV",
    ),
    (
        "POST",
        "/teach/courses/{id}/resources",
        "multipart:title=Fiche",
        "LFFVFFV",
    ),
    ("POST", "/teach/courses/{id}/unpublish", "", "LFFAFFA"),
    ("POST", "/teach/courses/{id}/publish", "", "LFFRFFR"),
    (
        "POST",
        "/teach/courses/{id}/learners/{user_id}/quizzes/{quiz_id}/grant",
        "",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/sections",
        "title=Section matrice",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/sections/{section_id}/rename",
        "title=Renommée",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/sections/{section_id}/move",
        "direction=down",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/sections/{section_id}/lessons/new",
        "title=Leçon",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/lessons/{lesson_id}/edit",
        "title=Leçon",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/lessons/{lesson_id}/move",
        "direction=down",
        "LFFRFFR",
    ),
    (
        "POST",
        "/teach/courses/{id}/quizzes/new",
        "title=Quiz",
        "LFFVFFV",
    ),
    (
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/edit",
        "title=Quiz",
        "LFFVFFV",
    ),
    (
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/questions",
        "prompt=Question",
        "LFFVFFV",
    ),
    (
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/questions/{question_id}/edit",
        "prompt=Q",
        "LFFVFFV",
    ),
    // Deletions last (later rows use these objects); the admin's copy is not sent.
    (
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/questions/{question_id}/delete",
        "",
        "LFFRFFA",
    ),
    (
        "POST",
        "/teach/courses/{id}/quizzes/{quiz_id}/delete",
        "",
        "LFFRFFA",
    ),
    (
        "POST",
        "/teach/courses/{id}/resources/{resource_id}/delete",
        "",
        "LFFRFFA",
    ),
    (
        "POST",
        "/teach/courses/{id}/lessons/{lesson_id}/delete",
        "",
        "LFFRFFA",
    ),
    (
        "POST",
        "/teach/courses/{id}/sections/{section_id}/delete",
        "",
        "LFFRFFA",
    ),
    // Enrolment last: it would give the outsider access to the course.
    ("POST", "/courses/{slug}/enrol", "", "LRRRRRR"),
    ("POST", "/verify-email/resend", "", "*******"),
    ("POST", "/verify-email/{token}", "", "LLLLLLL"),
    // Ends the sessions: last.
    ("POST", "/logout", "", "RAAAAAA"),
];

#[tokio::test]
async fn every_route_has_a_row_and_every_role_gets_what_the_matrix_says() {
    let started = std::time::Instant::now();
    let routes = routes();
    let guards: HashMap<(String, String), Guard> = techlearnjess::route_table()
        .into_iter()
        .map(|r| ((r.method.to_owned(), r.path), r.guard))
        .collect();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (method, pattern, _, expect) in MATRIX {
        let key = ((*method).to_owned(), (*pattern).to_owned());
        match guards.get(&key) {
            Some(guard) => {
                problems.extend(guard_disagreements(*guard, method, pattern, expect));
            }
            None => problems.push(format!(
                "row for a route that no longer exists: {method} {pattern}"
            )),
        }
        if !seen.insert(key) {
            problems.push(format!("two rows for {method} {pattern}"));
        }
        assert_eq!(expect.chars().count(), ROLES.len(), "{method} {pattern}");
    }
    for (method, pattern) in &routes {
        if !seen.contains(&(method.clone(), pattern.clone())) {
            problems.push(format!(
                "route without a row in tests/it/authz.rs MATRIX: {method} {pattern}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let w = world().await;
    // Reads first, then the state-changing rows in table order.
    let ordered = MATRIX
        .iter()
        .filter(|r| r.0 == "GET")
        .chain(MATRIX.iter().filter(|r| r.0 != "GET"));
    for (method, pattern, body, expect) in ordered {
        let path = concrete(pattern, &w.ids);
        let body = fill(body, &w.ids);
        for ((role, b), expected) in ROLES.iter().zip(&w.browsers).zip(expect.chars()) {
            if expected == 'A' {
                continue;
            }
            let (got, detail) = send(b, method, &path, &body).await;
            if !matches(expected, got) {
                problems.push(format!(
                    "{method} {pattern} ({path}) as {role}: expected {expected}, got {got} ({detail})"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    eprintln!(
        "authz matrix: {} routes in {:?}",
        routes.len(),
        started.elapsed()
    );
}

/// Another user's private objects answer 403 or 404 to whoever guesses their id or code, and
/// a guessed id under the wrong course slug answers 404.
#[tokio::test]
async fn no_private_object_is_reachable_by_guessing_its_id() {
    let w = world().await;
    let ids = &w.ids;
    let outsider = &w.browsers[2];
    let other_trainer = &w.browsers[4];
    let js_lesson = scalar_i64(
        &w.app,
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id \
         WHERE c.slug = $1 AND l.free_preview = 0 ORDER BY l.id LIMIT 1",
        "javascript-pour-le-web",
    )
    .await;
    let gets = [
        format!("/chat/rooms/{}", ids["dm"]),
        format!("/chat/rooms/{}/messages?before=999999", ids["dm"]),
        format!("/chat/rooms/{}/ws", ids["dm"]),
        format!("/chat/messages/{}/report", ids["dm_message"]),
        format!("/certificates/{}/pdf", ids["cert"]),
        format!("/payments/{}", ids["pay"]),
        format!("/payments/{}/status", ids["pay"]),
        format!("/payments/{}/receipt.pdf", ids["pay"]),
        format!("/payments/sandbox/{}", ids["pay"]),
        format!("/courses/{}/resources/{}", ids["js"], ids["resource_js"]),
        format!("/courses/{}/resources/{}", ids["py"], ids["resource_js"]),
        format!("/courses/{}/lessons/{js_lesson}", ids["js"]),
        format!("/courses/{}/lessons/{js_lesson}", ids["py"]),
        format!("/courses/{}/lessons/{js_lesson}/video", ids["js"]),
        format!("/courses/{}/quizzes/{}", ids["js"], ids["quiz_js"]),
        format!("/courses/{}/quizzes/{}", ids["py"], ids["quiz_js"]),
        format!("/forum/courses/{}", ids["js"]),
    ];
    let mut leaks = Vec::new();
    for b in [outsider, other_trainer] {
        for path in &gets {
            let (letter, detail) = outcome(b, "GET", path, "").await;
            if !matches!(letter, 'F' | 'N') {
                leaks.push(format!("GET {path}: {detail}"));
            }
        }
        let posts = [
            (
                format!("/chat/rooms/{}/messages", ids["dm"]),
                "body=Intrusion",
            ),
            (
                format!("/chat/messages/{}/report", ids["dm_message"]),
                "reason=Curieux",
            ),
            (format!("/notifications/{}/read", ids["notification"]), ""),
            (
                format!("/payments/sandbox/{}", ids["pay"]),
                "pin=0000&decision=approve",
            ),
            (
                format!("/courses/{}/lessons/{js_lesson}/complete", ids["js"]),
                "",
            ),
            (
                format!("/courses/{}/quizzes/{}", ids["js"], ids["quiz_js"]),
                "",
            ),
            (
                format!("/forum/courses/{}", ids["js"]),
                "title=Intrus&body=Intrusion ici",
            ),
        ];
        for (path, body) in &posts {
            let (letter, detail) = outcome(b, "POST", path, body).await;
            if !matches!(letter, 'F' | 'N') {
                leaks.push(format!("POST {path}: {detail}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "reachable by guessing:\n{}",
        leaks.join("\n")
    );
    // Nothing was written in the learner's name or their conversation.
    let intrusions = scalar_i64(
        &w.app,
        "SELECT COUNT(*) FROM chat_messages WHERE body = $1",
        "Intrusion",
    )
    .await;
    assert_eq!(intrusions, 0);
    let unread = scalar_i64(
        &w.app,
        "SELECT COUNT(*) FROM notifications WHERE id = CAST($1 AS INTEGER) AND read_at IS NULL",
        &ids["notification"],
    )
    .await;
    assert_eq!(unread, 1, "another user's notification stays unread");
    // The owners do reach them (the matrix would be meaningless otherwise).
    let learner = &w.browsers[1];
    for path in [
        format!("/chat/rooms/{}", ids["dm"]),
        format!("/certificates/{}/pdf", ids["cert"]),
        format!("/payments/{}", ids["pay"]),
        format!("/courses/{}/resources/{}", ids["js"], ids["resource_js"]),
        format!("/courses/{}/lessons/{js_lesson}", ids["js"]),
    ] {
        let (letter, detail) = outcome(learner, "GET", &path, "").await;
        assert_eq!(letter, 'O', "owner: GET {path}: {detail}");
    }
}

/// The route layer of a guarded area answers as the handlers' own checks did: visitors go to
/// the log-in page with `?next=` (an `HX-Redirect` for htmx), users without the role get the
/// French 403 page (a toast for htmx), whatever the body they sent.
#[tokio::test]
async fn a_guarded_area_sends_visitors_to_log_in_and_refuses_other_roles_in_french() {
    let app = TestApp::with_demo().await;
    let visitor = app.new_browser();
    let r = visitor.get("/admin/users?q=a").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fadmin%2Fusers%3Fq%3Da");
    let r = visitor
        .client
        .get(visitor.url("/teach"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers().get("hx-redirect").and_then(|v| v.to_str().ok()),
        Some("/login?next=%2Fteach")
    );

    let learner = logged_in(&app, LEARNER).await;
    let (status, page) = learner.page("/forum/moderation").await;
    assert_eq!(status, 403);
    assert_eq!(
        crate::helpers::text_of(&page, "[data-testid=error-message]").as_deref(),
        Some("Vous n'avez pas accès à cette page.")
    );
    // An htmx form post (a multipart upload here) is refused before its body is read.
    let token = learner.csrf().await;
    let form = reqwest::multipart::Form::new().text("title", "Cours pirate");
    let r = learner
        .client
        .post(learner.url(&format!("/teach/courses/new?_csrf={token}")))
        .header("hx-request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.headers().get("hx-retarget").and_then(|v| v.to_str().ok()),
        Some("#toast")
    );
    let html = scraper::Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(crate::helpers::count(&html, "[data-testid=toast]"), 1);
    let courses = scalar_i64(
        &app,
        "SELECT COUNT(*) FROM courses WHERE title = $1",
        "Cours pirate",
    )
    .await;
    assert_eq!(courses, 0);
}
