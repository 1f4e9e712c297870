//! Administration: access for each role, role changes, suspension, CSV exports that parse
//! back to the same rows, analytics figures on a crafted data set, the audit log.

use crate::helpers::{Browser, TestApp, count, location, text_of};

const DEMO: &str = "Demo-2026-tlj";

async fn as_role(app: &TestApp, email: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, DEMO).await;
    b
}

const GETS: [&str; 11] = [
    "/admin",
    "/admin/audit",
    "/admin/users",
    "/admin/users/1",
    "/admin/courses",
    "/admin/categories",
    "/admin/testimonials",
    "/admin/analytics",
    "/admin/exports",
    "/admin/exports/users.csv",
    "/admin/exports/logins.csv",
];

const POSTS: [&str; 11] = [
    "/admin/users/4/roles",
    "/admin/users/4/suspend",
    "/admin/users/4/reactivate",
    "/admin/users/4/force-reset",
    "/admin/users/4/resend-verification",
    "/admin/courses/1/publish",
    "/admin/courses/1/unpublish",
    "/admin/courses/1/feature",
    "/admin/categories",
    "/admin/categories/1",
    "/admin/testimonials/1/toggle",
];

#[tokio::test]
async fn only_admins_reach_the_administration() {
    let app = TestApp::with_demo().await;
    let anon = app.new_browser();
    for path in GETS {
        let r = anon.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(location(&r).starts_with("/login"), "{path}");
    }
    for email in [
        "apprenant@techlearnjess.cd",
        "formateur@techlearnjess.cd",
        "moderateur@techlearnjess.cd",
    ] {
        let b = as_role(&app, email).await;
        for path in GETS {
            assert_eq!(b.get(path).await.status(), 403, "{email} GET {path}");
        }
        for path in POSTS {
            assert_eq!(
                b.post_form(path, &[]).await.status(),
                403,
                "{email} POST {path}"
            );
        }
    }
    // Moderators reach the moderation queue, and nothing else of the administration.
    for (email, status) in [
        ("apprenant@techlearnjess.cd", 403),
        ("formateur@techlearnjess.cd", 403),
        ("moderateur@techlearnjess.cd", 200),
        ("admin@techlearnjess.cd", 200),
    ] {
        let b = as_role(&app, email).await;
        assert_eq!(b.get("/admin/moderation").await.status(), status, "{email}");
    }
    assert_eq!(anon.get("/admin/moderation").await.status(), 303);
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    for path in GETS {
        assert_eq!(admin.get(path).await.status(), 200, "admin GET {path}");
    }
    assert_eq!(admin.get("/admin/users/999999").await.status(), 404);
    assert_eq!(admin.get("/admin/exports/secrets.csv").await.status(), 404);
    assert_eq!(admin.get("/admin/analytics?from=hier").await.status(), 400);
    assert_eq!(
        admin
            .get("/admin/analytics?from=2020-01-01&to=2026-01-01")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn role_changes_and_suspensions_take_effect_and_are_audited() {
    let app = TestApp::with_demo().await;
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    let learner = as_role(&app, "apprenant@techlearnjess.cd").await;
    let learner_id = app.user_id("apprenant@techlearnjess.cd").await;
    let admin_id = app.user_id("admin@techlearnjess.cd").await;
    assert_eq!(learner.get("/teach").await.status(), 403);

    let r = admin
        .post_form(
            &format!("/admin/users/{learner_id}/roles"),
            &[("role", "trainer"), ("role", "bogus")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        learner.get("/teach").await.status(),
        200,
        "effective at once"
    );

    // An admin cannot remove their own admin role or suspend themself.
    let r = admin
        .post_form(
            &format!("/admin/users/{admin_id}/roles"),
            &[("role", "trainer")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = admin
        .post_form(&format!("/admin/users/{admin_id}/suspend"), &[])
        .await;
    assert_eq!(r.status(), 400);

    // Suspension closes the sessions and blocks logging in.
    let r = admin
        .post_form(&format!("/admin/users/{learner_id}/suspend"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(learner.get("/dashboard").await.status(), 303);
    let again = app.new_browser();
    let r = again
        .post_form(
            "/login",
            &[("email", "apprenant@techlearnjess.cd"), ("password", DEMO)],
        )
        .await;
    assert_ne!(location(&r), "/dashboard");
    let r = admin
        .post_form(&format!("/admin/users/{learner_id}/reactivate"), &[])
        .await;
    assert_eq!(r.status(), 303);
    again.login("apprenant@techlearnjess.cd", DEMO).await;

    // A forced reset disables the password and mails a link.
    let r = admin
        .post_form(&format!("/admin/users/{learner_id}/force-reset"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let link = app.link_in_last_email("apprenant@techlearnjess.cd", "/reset-password/");
    assert!(link.len() > 30);
    let r = app
        .new_browser()
        .post_form(
            "/login",
            &[("email", "apprenant@techlearnjess.cd"), ("password", DEMO)],
        )
        .await;
    assert_ne!(location(&r), "/dashboard");

    let (_, html) = admin.page("/admin/audit").await;
    assert_eq!(count(&html, "[data-testid=audit-row]"), 4);
    // Sentences, not codes or JSON; the user's name links to their page.
    let lines: Vec<String> = html
        .select(&scraper::Selector::parse("[data-testid=audit-text]").unwrap())
        .map(|e| e.text().collect::<String>().replace('\u{a0}', " "))
        .collect();
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(learner_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        lines,
        [
            format!("Nouveau mot de passe imposé à {name}"),
            format!("Compte de {name} réactivé"),
            format!("Compte de {name} suspendu"),
            format!("Rôles de {name} : Apprenant → Apprenant, Formateur"),
        ]
    );
    let body = html.html();
    for raw in ["force_reset", "learner trainer", "{", "#"] {
        assert!(
            !text_of(&html, "main").unwrap_or_default().contains(raw),
            "{raw} shown"
        );
    }
    assert!(body.contains(&format!("href=\"/admin/users/{learner_id}\"")));
}

#[tokio::test]
async fn csv_exports_parse_back_to_the_same_rows() {
    let app = TestApp::with_demo().await;
    let tricky = [
        ("Mbuyi, \"Jojo\" Kalala", "jojo@exemple.cd"),
        ("Ngalula\nSur deux lignes", "deux@exemple.cd"),
        ("Élodie Ñuñez-Lukusa ; 日本", "elodie@exemple.cd"),
    ];
    // Inserted directly: the sign-up form (rightly) refuses a line break in a name.
    for (name, email) in tricky {
        sqlx::query(
            "INSERT INTO users (name, email, password_hash, roles, email_verified, locale, active, created_at) \
             VALUES ($1, $2, 'x', 'learner', 1, 'fr', 1, $3)",
        )
        .bind(name)
        .bind(email)
        .bind("2026-11-25T10:00:00Z")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    for (sep, bom, delimiter) in [("", "", b','), ("semicolon", "1", b';')] {
        let r = admin
            .get(&format!(
                "/admin/exports/users.csv?q=exemple.cd&sep={sep}&bom={bom}"
            ))
            .await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let bytes = r.bytes().await.unwrap();
        let body: &[u8] = if bom == "1" {
            assert!(bytes.starts_with("\u{feff}".as_bytes()));
            &bytes[3..]
        } else {
            &bytes
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(body);
        let headers = reader.headers().unwrap().clone();
        assert_eq!(&headers[1], "nom");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let mut got: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r[1].to_owned(), r[2].to_owned()))
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> = tricky
            .iter()
            .map(|(n, e)| (n.to_string(), e.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want);
        for r in &rows {
            assert!(
                r[6].ends_with('Z') && r[6].contains('T'),
                "ISO 8601: {}",
                &r[6]
            );
        }
    }
    // Every kind exports and is audited.
    for kind in ["enrolments", "progress", "quiz_attempts", "logins"] {
        let r = admin
            .get(&format!("/admin/exports/{kind}.csv?from=2000-01-01"))
            .await;
        assert_eq!(r.status(), 200, "{kind}");
        let text = r.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert!(reader.records().all(|r| r.is_ok()), "{kind} parses");
    }
    assert_eq!(
        admin
            .get("/admin/exports/logins.csv?from=bad")
            .await
            .status(),
        400
    );
    let exports: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM admin_audit WHERE action = 'export'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(exports, 6);
}

#[tokio::test]
async fn analytics_figures_match_a_crafted_data_set() {
    let app = TestApp::with_demo().await;
    let pool = &app.state.db.pool;
    // Move every existing enrolment and login out of the range, then craft the range's data.
    sqlx::query("UPDATE enrolments SET created_at = '2020-01-01T00:00:00Z'")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM login_history")
        .execute(pool)
        .await
        .unwrap();
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    let courses: Vec<i64> = sqlx::query_scalar("SELECT id FROM courses ORDER BY id LIMIT 2")
        .fetch_all(pool)
        .await
        .unwrap();
    // Three enrolments on 2026-03-02 (two in course 0), one on 2026-03-05 completed on 03-06.
    for (user, course, day, completed) in [
        (users[0], courses[0], "2026-03-02T08:00:00Z", None),
        (users[1], courses[0], "2026-03-02T09:00:00Z", None),
        (users[2], courses[1], "2026-03-02T23:59:59Z", None),
        (
            users[3],
            courses[1],
            "2026-03-05T10:00:00Z",
            Some("2026-03-06T10:00:00Z"),
        ),
    ] {
        sqlx::query(
            "INSERT INTO enrolments (user_id, course_id, source, created_at, completed_at) \
             VALUES ($1, $2, 'free', $3, $4) \
             ON CONFLICT (user_id, course_id) DO UPDATE SET created_at = excluded.created_at, \
               completed_at = excluded.completed_at",
        )
        .bind(user)
        .bind(course)
        .bind(day)
        .bind(completed)
        .execute(pool)
        .await
        .unwrap();
    }
    // Logins: user 0 on 03-01 and 03-07 (twice), user 1 on 03-07, a failure that does not count.
    for (user, at, ok) in [
        (users[0], "2026-03-01T10:00:00Z", 1),
        (users[0], "2026-03-07T10:00:00Z", 1),
        (users[0], "2026-03-07T11:00:00Z", 1),
        (users[1], "2026-03-07T12:00:00Z", 1),
        (users[2], "2026-03-07T12:00:00Z", 0),
    ] {
        sqlx::query(
            "INSERT INTO login_history (user_id, email, ip, user_agent, success, reason, created_at) \
             VALUES ($1, 'x@y.cd', '127.0.0.1', 'test', $2, 'test', $3)",
        )
        .bind(user)
        .bind(ok)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    // The admin's own login today is outside the range.
    let (status, html) = admin
        .page("/admin/analytics?from=2026-03-01&to=2026-03-07")
        .await;
    assert_eq!(status, 200);
    let figure = |key: &str| text_of(&html, &format!("[data-testid=figure-{key}]")).unwrap();
    assert_eq!(figure("enrolments"), "4");
    assert_eq!(figure("completions"), "1");
    assert_eq!(figure("dau"), "2");
    assert_eq!(figure("wau"), "2");
    assert_eq!(figure("mau"), "2");
    assert_eq!(count(&html, "[data-testid=chart-learning] svg polyline"), 2);
    let sel = scraper::Selector::parse("[data-testid=analytics-table] tbody tr").unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    let rows: Vec<Vec<String>> = html
        .select(&sel)
        .map(|tr| {
            tr.select(&td)
                .map(|c| c.text().collect::<String>())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 7, "one row per day");
    assert_eq!(rows[1], ["02/03", "3", "0", "0", "0"]);
    assert_eq!(rows[5], ["06/03", "0", "1", "0", "0"]);
    assert_eq!(rows[6], ["07/03", "0", "0", "0", "2"]);
    assert_eq!(rows[0][4], "1");
    let top = text_of(&html, "[data-testid=chart-top]").unwrap();
    assert!(!top.is_empty());
}

#[tokio::test]
async fn revenue_is_reported_in_dollars_and_payments_export_with_filters() {
    let app = TestApp::with_demo().await;
    let pool = &app.state.db.pool;
    let learner = app.user_id("apprenant@techlearnjess.cd").await;
    let course: i64 = sqlx::query_scalar("SELECT id FROM courses ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    // $10 by Orange; 28 500 FC by Airtel at 2 850 FC/$ (= $10); a failure; a refunded one.
    for (reference, provider, currency, amount, status, refunded) in [
        ("REFA1", "orange", "USD", 1000, "succeeded", None),
        ("REFA2", "airtel", "CDF", 2_850_000, "succeeded", None),
        ("REFA3", "mpesa", "USD", 1000, "failed", None),
        (
            "REFA4",
            "orange",
            "USD",
            1000,
            "succeeded",
            Some("2026-11-20T10:00:00Z"),
        ),
    ] {
        sqlx::query(
            "INSERT INTO payments (reference, user_id, course_id, wallet, provider, currency, amount_minor, \
               ref_currency, ref_amount_minor, rate_x10000, msisdn, status, expires_at, next_check_at, \
               refunded_at, created_at, updated_at, finalized_at) \
             VALUES ($1, $2, $3, $4, $4, $5, $6, 'USD', 1000, 28500000, '+243810000000', $7, \
               '2026-11-10T10:30:00Z', '2026-11-10T10:30:00Z', $8, '2026-11-10T10:00:00Z', \
               '2026-11-10T10:01:00Z', '2026-11-10T10:01:00Z')",
        )
        .bind(reference)
        .bind(learner)
        .bind(course)
        .bind(provider)
        .bind(currency)
        .bind(amount)
        .bind(status)
        .bind(refunded)
        .execute(pool)
        .await
        .unwrap();
    }
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    let (status, html) = admin
        .page("/admin/analytics?from=2026-11-01&to=2026-11-25")
        .await;
    assert_eq!(status, 200);
    let total = text_of(&html, "[data-testid=revenue-total]").unwrap();
    assert!(total.contains("20,00"), "{total}");
    let table = text_of(&html, "[data-testid=revenue-table]").unwrap();
    assert!(
        table.contains("airtel") && table.contains("orange"),
        "{table}"
    );
    assert!(!table.contains("mpesa"), "failed payments are not revenue");

    let r = admin
        .get("/admin/exports/payments.csv?provider=airtel&status=succeeded")
        .await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "REFA2");
    assert_eq!(&rows[0][9], "28500.00");
    assert_eq!(&rows[0][10], "CDF");
    assert_eq!(&rows[0][13], "2850.0000");
    let (_, html) = admin.page("/admin/courses").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM courses WHERE id = $1")
        .bind(course)
        .fetch_one(pool)
        .await
        .unwrap();
    let revenue = text_of(&html, &format!("[data-testid=revenue-{slug}]")).unwrap();
    assert!(revenue.contains("20,00"), "{revenue}");
    let r = admin.get("/admin/exports/payments.csv").await;
    let text = r.text().await.unwrap();
    assert_eq!(text.trim().lines().count(), 5, "header + 4 payments");
}

/// The rows of a CSV export whose cells include `needle`, and its header.
async fn export_rows(
    admin: &Browser,
    kind: &str,
    query: &str,
    delimiter: u8,
    needle: &str,
) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let r = admin
        .get(&format!("/admin/exports/{kind}.csv?{query}"))
        .await;
    assert_eq!(r.status(), 200, "{kind}");
    let text = r.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r.iter().any(|c| c == needle))
        .collect();
    (header, rows)
}

/// The cell of `row` under the column named `column`.
fn cell<'a>(header: &csv::StringRecord, row: &'a csv::StringRecord, column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{column}"));
    &row[i]
}

#[tokio::test]
async fn every_export_defuses_formulas_and_keeps_numbers_as_numbers() {
    const NAME: &str = "=HYPERLINK(\"http://x\",\"y\")";
    const EMAIL: &str = "formule@example.cd";
    const COURSE: &str = "bases-de-python";
    let app = TestApp::with_demo().await;
    let pool = &app.state.db.pool;
    // A learner whose name is a formula, logging in from a browser whose User-Agent is one too.
    app.signup_verified(NAME, EMAIL, DEMO).await;
    let learner = app.new_browser();
    let r = learner
        .client
        .post(learner.url("/login"))
        .header("user-agent", "@SUM(1)")
        .form(&[
            ("email", EMAIL),
            ("password", DEMO),
            ("_csrf", &learner.csrf().await),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Enrolled, every lesson done and the quiz passed: a certificate in that name.
    let r = learner
        .post_form(&format!("/courses/{COURSE}/enrol"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let lessons: Vec<i64> = sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = $1",
    )
    .bind(COURSE)
    .fetch_all(pool)
    .await
    .unwrap();
    for id in lessons {
        let r = learner
            .post_form(&format!("/courses/{COURSE}/lessons/{id}/complete"), &[])
            .await;
        assert!(r.status().is_redirection() || r.status().is_success());
    }
    let quiz: i64 = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = $1",
    )
    .bind(COURSE)
    .fetch_one(pool)
    .await
    .unwrap();
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
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = learner
        .post_form(&format!("/courses/{COURSE}/quizzes/{quiz}"), &fields)
        .await;
    assert_eq!(r.status(), 200);
    // A $12.50 payment (payments come from the operators; the sandbox flow is tested elsewhere).
    let (user, course): (i64, i64) = (
        app.user_id(EMAIL).await,
        sqlx::query_scalar("SELECT id FROM courses WHERE slug = $1")
            .bind(COURSE)
            .fetch_one(pool)
            .await
            .unwrap(),
    );
    sqlx::query(
        "INSERT INTO payments (reference, user_id, course_id, wallet, provider, currency, amount_minor, \
           ref_currency, ref_amount_minor, rate_x10000, msisdn, status, expires_at, next_check_at, \
           created_at, updated_at, finalized_at) \
         VALUES ('REFX1', $1, $2, 'orange', 'orange', 'USD', 1250, 'USD', 1250, 28505000, \
           '+243810000000', 'succeeded', '2026-11-10T10:30:00Z', '2026-11-10T10:30:00Z', \
           '2026-11-10T10:00:00Z', '2026-11-10T10:01:00Z', '2026-11-10T10:01:00Z')",
    )
    .bind(user)
    .bind(course)
    .execute(pool)
    .await
    .unwrap();

    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    let name_columns = [
        ("users", "nom"),
        ("enrolments", "apprenant"),
        ("progress", "apprenant"),
        ("quiz_attempts", "apprenant"),
        ("payments", "apprenant"),
        ("certificates", "apprenant"),
    ];
    for (query, delimiter) in [("", b','), ("sep=semicolon", b';')] {
        for (kind, column) in name_columns {
            let (header, rows) = export_rows(&admin, kind, query, delimiter, EMAIL).await;
            assert!(!rows.is_empty(), "{kind}: the learner's row");
            for row in &rows {
                assert_eq!(
                    cell(&header, row, column),
                    format!("'{NAME}"),
                    "{kind} {query}"
                );
            }
        }
        let (header, rows) = export_rows(&admin, "logins", query, delimiter, EMAIL).await;
        let agents: Vec<&str> = rows
            .iter()
            .map(|r| cell(&header, r, "navigateur"))
            .collect();
        assert!(agents.contains(&"'@SUM(1)"), "logins {query}: {agents:?}");
        assert!(
            rows.iter()
                .all(|r| !cell(&header, r, "id").starts_with('\''))
        );
        // Numbers stay numbers; Excel in French reads decimal commas.
        let (header, rows) = export_rows(&admin, "quiz_attempts", query, delimiter, EMAIL).await;
        assert_eq!(cell(&header, &rows[0], "score_pourcent"), "100");
        assert!(cell(&header, &rows[0], "id").parse::<i64>().is_ok());
        let (header, rows) = export_rows(&admin, "payments", query, delimiter, EMAIL).await;
        let (amount, rate) = if delimiter == b';' {
            ("12,50", "2850,5000")
        } else {
            ("12.50", "2850.5000")
        };
        assert_eq!(cell(&header, &rows[0], "montant"), amount);
        assert_eq!(cell(&header, &rows[0], "taux_usd_cdf"), rate);
        assert_eq!(cell(&header, &rows[0], "portefeuille"), "orange");
    }
}

#[tokio::test]
async fn the_user_list_past_its_last_page_shows_the_last_page_with_the_filters_kept() {
    let app = TestApp::with_demo().await;
    let hash = techlearnjess::auth::password::hash(DEMO.to_owned())
        .await
        .expect("hash");
    for i in 0..60 {
        techlearnjess::auth::queries::create_user(
            &app.state.db,
            techlearnjess::auth::queries::NewUser {
                name: &format!("Apprenant {i}"),
                email: &format!("lotx{i}@exemple.cd"),
                password_hash: &hash,
                roles: &techlearnjess::auth::model::Roles::of(&[
                    techlearnjess::auth::model::Role::Learner,
                ]),
                verified: true,
                locale: "fr",
            },
        )
        .await
        .expect("insert")
        .expect("new e-mail");
    }
    let admin = as_role(&app, "admin@techlearnjess.cd").await;
    let (status, past) = admin.page("/admin/users?q=lotx&page=999").await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&past, "[data-testid=page-current] .sr-only").as_deref(),
        Some("Page 2 sur 2")
    );
    assert_eq!(count(&past, "[data-testid=users-list] li"), 10);
    let sel = scraper::Selector::parse("[data-testid=page-prev]").expect("selector");
    let prev = past
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("href"))
        .map(str::to_owned);
    assert_eq!(prev.as_deref(), Some("/admin/users?q=lotx"));
    let (_, first) = admin.page("/admin/users?q=lotx").await;
    assert_eq!(count(&first, "[data-testid=users-list] li"), 50);
    assert!(
        text_of(&first, "[data-testid=users-count]").is_some_and(|t| t == "60 comptes"),
        "{:?}",
        text_of(&first, "[data-testid=users-count]")
    );
}

#[tokio::test]
async fn a_refused_category_or_testimonial_comes_back_with_422_what_was_typed_and_its_error() {
    let app = TestApp::with_demo().await;
    let admin = as_role(&app, "admin@techlearnjess.cd").await;

    let r = admin.post_form("/admin/categories", &[("name", "x")]).await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    let field = scraper::Selector::parse("[data-testid=new-category]").expect("selector");
    let field = page.select(&field).next().expect("the new-category field");
    assert_eq!(field.value().attr("value"), Some("x"));
    assert_eq!(field.value().attr("aria-invalid"), Some("true"));
    assert!(text_of(&page, "[data-testid=error-name]").is_some_and(|t| t.contains("2 à 60")));

    // A name already taken is refused the same way, keeping the name.
    let (_, html) = admin.page("/admin/categories").await;
    let row = scraper::Selector::parse("li.card input[name=name]").expect("selector");
    let name = html
        .select(&row)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("a category name")
        .to_owned();
    let r = admin
        .post_form("/admin/categories", &[("name", &name)])
        .await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    assert!(text_of(&page, "[data-testid=error-name]").is_some_and(|t| t.contains("déjà")));

    let r = admin
        .post_form(
            "/admin/testimonials",
            &[("author_name", "Maman Béatrice"), ("quote", "Bien")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    let author = scraper::Selector::parse("[data-testid=testimonial-author]").expect("selector");
    let author = page.select(&author).next().expect("the author field");
    assert_eq!(author.value().attr("value"), Some("Maman Béatrice"));
    assert_eq!(author.value().attr("aria-invalid"), None);
    assert_eq!(
        text_of(&page, "[data-testid=testimonial-quote]").as_deref(),
        Some("Bien")
    );
    assert_eq!(count(&page, "[data-testid=error-quote]"), 1);
    assert_eq!(count(&page, "[data-testid=error-author_name]"), 0);
}
