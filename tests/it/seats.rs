//! Sponsored seats: batches, single-use codes, redemption, the sponsor's report.

use std::time::Duration;

use crate::helpers::{Browser, TestApp, count, eventually, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";
const ADMIN: &str = "admin@techlearnjess.cd";
const LEARNER: &str = "apprenant@techlearnjess.cd";

/// A published paid course of the demo: (id, slug).
async fn paid_course(app: &TestApp) -> (i64, String) {
    sqlx::query_as(
        "SELECT id, slug FROM courses WHERE published = 1 AND price_minor > 0 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a paid demo course")
}

/// An admin's browser creates a free batch of `seats` seats, valid until `expires_on`; returns
/// its id.
async fn create_batch_until(
    app: &TestApp,
    admin: &Browser,
    seats: &str,
    contact: &str,
    expires_on: &str,
) -> i64 {
    let (course_id, _) = paid_course(app).await;
    let r = admin
        .post_form(
            "/admin/seats",
            &[
                ("sponsor_name", "ONG Jeunesse Matadi"),
                ("contact_email", contact),
                ("note", "Programme jeunesse Matadi 2027"),
                ("seats", seats),
                ("expires_on", expires_on),
                ("course_ids", &course_id.to_string()),
                ("payment_kind", "free"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "batch created");
    let to = location(&r);
    to.trim_start_matches("/seats/").parse().expect("batch id")
}

async fn create_batch(app: &TestApp, admin: &Browser, seats: &str, contact: &str) -> i64 {
    create_batch_until(app, admin, seats, contact, "2099-06-30").await
}

async fn codes(app: &TestApp, batch: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT code FROM seat_codes WHERE batch_id = $1 ORDER BY id")
        .bind(batch)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("codes")
}

async fn enrolled(app: &TestApp, email: &str, course_id: i64) -> bool {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT e.source FROM enrolments e JOIN users u ON u.id = e.user_id \
         WHERE u.email = $1 AND e.course_id = $2",
    )
    .bind(email)
    .bind(course_id)
    .fetch_optional(&app.state.db.pool)
    .await
    .expect("enrolment");
    found.is_some_and(|s| s == "seat")
}

async fn redeem(b: &Browser, code: &str) -> (u16, String) {
    let r = b.post_form("/codes", &[("code", code)]).await;
    let status = r.status().as_u16();
    let to = location(&r);
    let body = r.text().await.unwrap_or_default();
    (status, if status == 303 { to } else { body })
}

#[tokio::test]
async fn an_admin_creates_a_batch_and_a_learner_redeems_a_code_once() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;

    // Bad input: 422, French messages, what was typed kept, nothing stored.
    let r = admin
        .post_form(
            "/admin/seats",
            &[
                ("sponsor_name", "Caritas"),
                ("seats", "0"),
                ("expires_on", "2001-01-01"),
                ("payment_kind", "offline"),
                ("payer", "Caritas Matadi"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-seats]")
            .unwrap()
            .contains("entre 1 et 2000")
    );
    assert_eq!(count(&html, "[data-testid=error-course_ids]"), 1);
    assert_eq!(count(&html, "[data-testid=error-payment_reference]"), 1);
    assert_eq!(count(&html, "input[name=payer][value='Caritas Matadi']"), 1);
    let batches: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seat_batches")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(batches, 0);

    let batch = create_batch(&app, &admin, "2", "").await;
    let all = codes(&app, batch).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.starts_with("TLJ-") && c.len() == 13));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_audit WHERE target_type = 'seat_batch' AND target_id = $1",
    )
    .bind(batch)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let (_, log) = admin.page("/admin/audit").await;
    let line = text_of(&log, "[data-testid=audit-text]").unwrap();
    assert_eq!(line, "Lot de places créé pour ONG Jeunesse Matadi");

    let (course_id, slug) = paid_course(&app).await;
    app.login(LEARNER, PASSWORD).await;
    let (status, body) = redeem(&app, "TLJ-2222-2222").await;
    assert_eq!(status, 422);
    assert!(
        body.contains("Ce code n&#x27;existe pas") || body.contains("Ce code n'existe pas"),
        "{body}"
    );
    // Lower case, spaces, no dashes: the same code.
    let typed = all[0].to_lowercase().replace('-', " ");
    let (status, to) = redeem(&app, &typed).await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("/courses/{slug}"));
    assert!(enrolled(&app, LEARNER, course_id).await);

    let (status, body) = redeem(&app, &all[1]).await;
    assert_eq!(status, 422, "a second seat of the same batch is refused");
    assert!(body.contains("déjà une place"), "{body}");

    app.signup_verified("Mireille", "mireille@example.cd", PASSWORD)
        .await;
    let other = app.new_browser();
    other.login("mireille@example.cd", PASSWORD).await;
    let (status, body) = redeem(&other, &all[0]).await;
    assert_eq!(status, 422);
    assert!(body.contains("déjà été utilisé"), "{body}");
    assert!(!enrolled(&app, "mireille@example.cd", course_id).await);

    // The report and its CSV.
    let (status, page) = admin.page(&format!("/seats/{batch}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&page, "[data-testid=seat-used]").as_deref(),
        Some("1")
    );
    assert_eq!(
        text_of(&page, "[data-testid=seat-free]").as_deref(),
        Some("1")
    );
    let r = admin.get(&format!("/seats/{batch}/report.csv")).await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some(
            "code,statut,apprenant,email,utilise_le,progression_pourcent,cours_termines,termine_le,attestation"
        )
    );
    let used = lines.next().unwrap();
    assert!(used.starts_with(&format!("{},used,", all[0])), "{used}");
    assert!(used.contains(LEARNER), "{used}");
}

#[tokio::test]
async fn of_several_learners_redeeming_the_last_seat_at_once_exactly_one_wins() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let batch = create_batch(&app, &admin, "1", "").await;
    let code = codes(&app, batch).await.remove(0);
    let mut browsers = Vec::new();
    for i in 0..5 {
        let email = format!("course{i}@example.cd");
        app.signup_verified("Apprenant", &email, PASSWORD).await;
        let b = app.new_browser();
        b.login(&email, PASSWORD).await;
        browsers.push(b);
    }
    let results = futures_util::future::join_all(browsers.iter().map(|b| redeem(b, &code))).await;
    let won = results.iter().filter(|(s, _)| *s == 303).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(results.iter().all(|(s, _)| *s == 303 || *s == 422));
    let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE source = 'seat'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(holders, 1);
}

#[tokio::test]
async fn expired_and_revoked_codes_are_refused_and_an_extension_revives_them() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let in_three_days = (time::OffsetDateTime::now_utc() + time::Duration::days(3)).date();
    let batch = create_batch_until(&app, &admin, "3", "", &in_three_days.to_string()).await;
    let all = codes(&app, batch).await;
    app.login(LEARNER, PASSWORD).await;

    app.advance(Duration::from_secs(5 * 86_400));
    let (status, body) = redeem(&app, &all[0]).await;
    assert_eq!(status, 422);
    assert!(body.contains("a expiré"), "{body}");
    let r = admin
        .post_form(
            &format!("/admin/seats/{batch}/extend"),
            &[("expires_on", "2099-01-01")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = redeem(&app, &all[0]).await;
    assert_eq!(status, 303, "valid again after the extension");

    let r = admin
        .post_form(&format!("/admin/seats/{batch}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 303);
    app.signup_verified("Héritier", "heritier@example.cd", PASSWORD)
        .await;
    let other = app.new_browser();
    other.login("heritier@example.cd", PASSWORD).await;
    let (status, body) = redeem(&other, &all[1]).await;
    assert_eq!(status, 422);
    assert!(body.contains("annulé"), "{body}");
    let (_, page) = admin.page(&format!("/seats/{batch}")).await;
    assert_eq!(
        text_of(&page, "[data-testid=seat-used]").as_deref(),
        Some("1")
    );
    assert_eq!(
        count(&page, "[data-testid=seat-row][data-status=revoked]"),
        2
    );
}

#[tokio::test]
async fn a_sponsor_reads_only_their_batches_and_a_learner_none() {
    let app = TestApp::with_demo().await;
    app.signup_verified("Contact ONG", "contact@ong.cd", PASSWORD)
        .await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let theirs = create_batch(&app, &admin, "2", "contact@ong.cd").await;
    let other = create_batch(&app, &admin, "2", "").await;

    let r = admin
        .post_form(
            "/admin/seats",
            &[
                ("sponsor_name", "X"),
                ("contact_email", "personne@nulle-part.cd"),
                ("seats", "1"),
                ("expires_on", "2099-01-01"),
                ("course_ids", &paid_course(&app).await.0.to_string()),
                ("payment_kind", "free"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "the contact must have an account");

    let sponsor = app.new_browser();
    sponsor.login("contact@ong.cd", PASSWORD).await;
    let (status, page) = sponsor.page("/seats").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=seat-batch]"), 1);
    assert_eq!(sponsor.get(&format!("/seats/{theirs}")).await.status(), 200);
    assert_eq!(
        sponsor
            .get(&format!("/seats/{theirs}/report.csv"))
            .await
            .status(),
        200
    );
    assert_eq!(sponsor.get(&format!("/seats/{other}")).await.status(), 404);
    assert_eq!(
        sponsor
            .get(&format!("/seats/{other}/report.csv"))
            .await
            .status(),
        404
    );
    assert_eq!(sponsor.get("/admin/seats").await.status(), 403);
    let r = sponsor
        .post_form(&format!("/admin/seats/{theirs}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 403);

    app.login(LEARNER, PASSWORD).await;
    let (_, page) = app.page("/seats").await;
    assert_eq!(count(&page, "[data-testid=seat-batch]"), 0);
    assert_eq!(app.get(&format!("/seats/{theirs}")).await.status(), 404);

    // A visitor sees the code of the link and the way to sign in.
    let visitor = app.new_browser();
    let (status, page) = visitor.page("/codes?code=TLJ-7KQ4-M2XP").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=redeem-signin]"), 1);
    assert_eq!(
        visitor
            .post_form("/codes", &[("code", "TLJ-7KQ4-M2XP")])
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn guessing_codes_is_limited_per_account() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    for i in 0..10 {
        let (status, _) = redeem(&app, &format!("TLJ-2222-{:04}", 2222 + i)).await;
        assert_eq!(status, 422);
    }
    let (status, body) = redeem(&app, "TLJ-3333-3333").await;
    assert_eq!(status, 429);
    assert!(body.contains("Trop de tentatives"), "{body}");
    app.advance(Duration::from_secs(61));
    let (status, _) = redeem(&app, "TLJ-3333-3333").await;
    assert_eq!(status, 422, "one more try after a minute");
}

/// An admin creates a batch paid by mobile money for `course_ids`; returns the response.
async fn post_mobile_money_batch(
    admin: &Browser,
    seats: &str,
    contact: &str,
    course_ids: &[i64],
) -> reqwest::Response {
    let ids: Vec<String> = course_ids.iter().map(i64::to_string).collect();
    let mut fields = vec![
        ("sponsor_name", "ONG Jeunesse Matadi"),
        ("contact_email", contact),
        ("seats", seats),
        ("expires_on", "2099-06-30"),
        ("payment_kind", "mobile_money"),
    ];
    fields.extend(ids.iter().map(|id| ("course_ids", id.as_str())));
    admin.post_form("/admin/seats", &fields).await
}

fn attr(html: &scraper::Html, selector: &str, name: &str) -> Option<String> {
    let sel = scraper::Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

async fn batch_issued(app: &TestApp, batch: i64) -> (Option<String>, Option<i64>, Option<String>) {
    sqlx::query_as("SELECT issued_at, amount_minor, currency FROM seat_batches WHERE id = $1")
        .bind(batch)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("batch")
}

#[tokio::test]
async fn a_sponsor_pays_fifty_seats_with_one_mobile_money_payment_and_the_codes_appear_once() {
    use techlearnjess::payments::sandbox::SandboxOutcome;
    use techlearnjess::payments::{queries as payments, worker};

    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    app.signup_verified("Sponsor", "ong@example.cd", PASSWORD)
        .await;
    let (course_id, _) = paid_course(&app).await;
    let price: i64 = sqlx::query_scalar("SELECT price_minor FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();

    let r = post_mobile_money_batch(&admin, "50", "ong@example.cd", &[course_id]).await;
    assert_eq!(r.status(), 303);
    let batch: i64 = location(&r).trim_start_matches("/seats/").parse().unwrap();
    // Nothing to hand out before the money has moved.
    assert!(codes(&app, batch).await.is_empty());
    assert_eq!(batch_issued(&app, batch).await.0, None);

    let sponsor = app.new_browser();
    sponsor.login("ong@example.cd", PASSWORD).await;
    let (status, page) = sponsor.page(&format!("/seats/{batch}")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=seat-awaiting-payment]"), 1);
    assert_eq!(count(&page, "[data-testid=seat-row]"), 0);
    assert_eq!(
        attr(&page, "[data-testid=seat-pay]", "href").as_deref(),
        Some(format!("/payments/seats/{batch}").as_str())
    );

    // The checkout: seats × price in one quote, the courses named.
    let (status, checkout) = sponsor.page(&format!("/payments/seats/{batch}")).await;
    assert_eq!(status, 200);
    let total = text_of(&checkout, "[data-testid=course-price]").unwrap();
    let expected = format!("{}", price * 50 / 100);
    assert!(
        total
            .replace(['\u{a0}', '\u{202f}', ' '], "")
            .contains(&expected),
        "{total} / {expected}"
    );
    assert!(
        total
            .replace(['\u{a0}', '\u{202f}'], " ")
            .contains("50 places"),
        "{total}"
    );
    assert_eq!(
        attr(&checkout, "[data-testid=checkout-form]", "action").as_deref(),
        Some(format!("/payments/seats/{batch}").as_str())
    );
    let quote = attr(&checkout, "input[name=quote_id]", "value").expect("quote");
    let fields = [
        ("wallet", "mpesa"),
        ("currency", "USD"),
        ("phone", "081 234 5678"),
        ("quote_id", quote.as_str()),
    ];
    let r = sponsor
        .post_form(&format!("/payments/seats/{batch}"), &fields)
        .await;
    assert_eq!(r.status(), 303, "payment started");
    let reference = location(&r).trim_start_matches("/payments/").to_owned();
    // A second submit (another tab) shows the same payment.
    let again = sponsor
        .post_form(&format!("/payments/seats/{batch}"), &fields)
        .await;
    assert_eq!(location(&again), format!("/payments/{reference}"));
    let p = payments::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.seat_batch_id, Some(batch));
    assert_eq!(p.amount_minor, price * 50);
    assert_eq!(p.currency, "USD");

    let sandbox = app.state.payments.sandbox.as_ref().expect("sandbox mode");
    eventually("the provider received the payment", || async {
        sandbox.payment(&reference).is_some()
    })
    .await;
    sandbox
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("confirm");
    eventually("the payment succeeded", || async {
        payments::by_reference(&app.state.db, &reference)
            .await
            .unwrap()
            .is_some_and(|p| p.status == "succeeded")
    })
    .await;
    let issued = codes(&app, batch).await;
    assert_eq!(issued.len(), 50);
    let (issued_at, amount, currency) = batch_issued(&app, batch).await;
    assert!(issued_at.is_some());
    assert_eq!(
        (amount, currency.as_deref()),
        (Some(price * 50), Some("USD"))
    );
    // The payer bought seats, not the course.
    let sponsor_enrolled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = $1",
    )
    .bind("ong@example.cd")
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(sponsor_enrolled, 0);

    // A late duplicate confirmation changes nothing: still 50 codes.
    let fresh = payments::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    worker::check(&app.state, &fresh, "test")
        .await
        .expect("check");
    assert_eq!(codes(&app, batch).await.len(), 50);

    // The waiting page leads to the codes; the checkout is closed now.
    let (_, waiting) = sponsor.page(&format!("/payments/{reference}")).await;
    assert_eq!(
        attr(&waiting, "[data-testid=seats-codes]", "href").as_deref(),
        Some(format!("/seats/{batch}").as_str())
    );
    let r = sponsor.get(&format!("/payments/seats/{batch}")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/seats/{batch}"));
    let (_, page) = sponsor.page(&format!("/seats/{batch}")).await;
    assert_eq!(count(&page, "[data-testid=seat-awaiting-payment]"), 0);
    assert_eq!(count(&page, "[data-testid=seat-row]"), 50);

    // And a learner redeems one of them.
    app.login(LEARNER, PASSWORD).await;
    let (status, _) = redeem(&app, &issued[7]).await;
    assert_eq!(status, 303);
    assert!(enrolled(&app, LEARNER, course_id).await);
}

#[tokio::test]
async fn only_the_contact_or_an_admin_pays_and_an_unpriceable_bundle_is_refused() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (usd, _) = paid_course(&app).await;
    let cdf: i64 = sqlx::query_scalar(
        "SELECT id FROM courses WHERE published = 1 AND price_minor > 0 AND currency = 'CDF' \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a course priced in CDF");
    let free: i64 = sqlx::query_scalar(
        "SELECT id FROM courses WHERE published = 1 AND price_minor = 0 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a free course");

    let r = post_mobile_money_batch(&admin, "10", "", &[usd, cdf]).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-course_ids]")
            .unwrap()
            .contains("même devise")
    );
    // Above what one mobile-money payment may carry (1 000 $US by default): several batches.
    let r = post_mobile_money_batch(&admin, "2000", "", &[usd]).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-seats]")
            .unwrap()
            .contains("plafond")
    );
    let r = post_mobile_money_batch(&admin, "10", "", &[free]).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-payment_kind]")
            .unwrap()
            .contains("gratuits")
    );
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seat_batches")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);

    // A bundle of a paid and a free course: only the paid one is charged.
    let r = post_mobile_money_batch(&admin, "3", "", &[usd, free]).await;
    assert_eq!(r.status(), 303);
    let batch: i64 = location(&r).trim_start_matches("/seats/").parse().unwrap();
    let (status, _) = admin.page(&format!("/payments/seats/{batch}")).await;
    assert_eq!(status, 200, "an admin may pay for the sponsor");

    // A learner who is not the contact learns nothing.
    app.login(LEARNER, PASSWORD).await;
    assert_eq!(
        app.get(&format!("/payments/seats/{batch}")).await.status(),
        404
    );
    let r = app
        .post_form(
            &format!("/payments/seats/{batch}"),
            &[
                ("wallet", "mpesa"),
                ("currency", "USD"),
                ("phone", "0812345678"),
            ],
        )
        .await;
    assert_eq!(r.status(), 404);
    let payments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(payments, 0);
    // An anonymous visitor is sent to log in.
    let anonymous = app.new_browser();
    let r = anonymous.get(&format!("/payments/seats/{batch}")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    // A free batch has nothing to pay: back to the batch.
    let paid_free = create_batch(&app, &admin, "2", "").await;
    let r = admin.get(&format!("/payments/seats/{paid_free}")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/seats/{paid_free}"));
}

#[tokio::test]
async fn offline_payments_record_their_amount_and_count_in_the_revenue_by_sponsor() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (course_id, _) = paid_course(&app).await;
    let course = course_id.to_string();
    let mut fields = vec![
        ("sponsor_name", "Caritas Matadi"),
        ("seats", "20"),
        ("expires_on", "2099-06-30"),
        ("course_ids", course.as_str()),
        ("payment_kind", "offline"),
        ("payer", "Caritas Matadi"),
        ("payment_reference", "VIR-2026-118"),
        ("paid_on", "2026-01-15"),
        ("amount", "douze"),
        ("currency", "USD"),
    ];
    let r = admin.post_form("/admin/seats", &fields).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&html, "[data-testid=error-amount]"), 1);
    assert_eq!(count(&html, "input[name=amount][value=douze]"), 1);
    fields.retain(|(k, _)| *k != "amount");
    fields.push(("amount", "1 250,50"));
    let r = admin.post_form("/admin/seats", &fields).await;
    assert_eq!(r.status(), 303);
    let batch: i64 = location(&r).trim_start_matches("/seats/").parse().unwrap();
    let (issued_at, amount, currency) = batch_issued(&app, batch).await;
    assert!(issued_at.is_some());
    assert_eq!((amount, currency.as_deref()), (Some(125_050), Some("USD")));
    assert_eq!(codes(&app, batch).await.len(), 20);
    // A mobile-money batch not paid yet counts for nothing.
    let r = post_mobile_money_batch(&admin, "5", "", &[course_id]).await;
    assert_eq!(r.status(), 303);

    let (status, analytics) = admin.page("/admin/analytics").await;
    assert_eq!(status, 200);
    let table = text_of(&analytics, "[data-testid=sponsor-table]").expect("sponsor table");
    assert!(table.contains("Caritas Matadi"), "{table}");
    assert!(
        table
            .replace(['\u{a0}', '\u{202f}', ' '], "")
            .contains("1250,50"),
        "{table}"
    );
    assert!(!table.contains("ONG Jeunesse Matadi"), "{table}");

    // The admin's list filters by state and sponsor.
    let (_, awaiting) = admin.page("/admin/seats?state=awaiting").await;
    assert_eq!(count(&awaiting, "[data-testid=seat-batch]"), 1);
    assert_eq!(count(&awaiting, "[data-testid=seat-batch-unpaid]"), 1);
    let (_, by_name) = admin.page("/admin/seats?q=carit").await;
    assert_eq!(count(&by_name, "[data-testid=seat-batch]"), 1);
    let (_, by_kind) = admin
        .page("/admin/seats?kind=mobile_money&state=active")
        .await;
    assert_eq!(count(&by_kind, "[data-testid=seat-batch]"), 0);
    let (status, odd) = admin.page("/admin/seats?state=%25&kind=x&q=%25").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&odd, "[data-testid=seat-batch]"),
        0,
        "a lone % matches nothing"
    );
}

#[tokio::test]
async fn a_trainer_sells_seats_of_their_own_courses_only_when_the_admin_allows_it() {
    const TRAINER: &str = "formateur@techlearnjess.cd";
    let app = TestApp::with_demo().await;
    let trainer = app.new_browser();
    trainer.login(TRAINER, PASSWORD).await;
    let (status, _) = trainer.page("/teach/seats/new").await;
    assert_eq!(status, 403, "off until the admin allows it");

    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let r = admin
        .post_form("/admin/seats/settings", &[("trainers", "1")])
        .await;
    assert_eq!(r.status(), 303);
    let setting: String = sqlx::query_scalar(
        "SELECT value FROM platform_settings WHERE key = 'trainer_seat_batches'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("setting");
    assert_eq!(setting, "1");

    // One of the trainer's courses now belongs to someone else: not offered, refused if forced.
    let (own, _) = paid_course(&app).await;
    let other: i64 = sqlx::query_scalar(
        "SELECT id FROM courses WHERE published = 1 AND id <> $1 ORDER BY id LIMIT 1",
    )
    .bind(own)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("another course");
    sqlx::query(
        "UPDATE courses SET trainer_id = (SELECT id FROM users WHERE email = $1) WHERE id = $2",
    )
    .bind(ADMIN)
    .bind(other)
    .execute(&app.state.db.pool)
    .await
    .expect("move the course");
    let (status, form) = trainer.page("/teach/seats/new").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&form, &format!("input[name=course_ids][value='{own}']")),
        1
    );
    assert_eq!(
        count(&form, &format!("input[name=course_ids][value='{other}']")),
        0
    );
    assert_eq!(count(&form, "input[name=payment_kind][value=offline]"), 0);

    let post = |kind: &'static str, contact: &'static str, course: i64| {
        let trainer = &trainer;
        async move {
            let course = course.to_string();
            trainer
                .post_form(
                    "/teach/seats",
                    &[
                        ("sponsor_name", "École Saint-Joseph"),
                        ("contact_email", contact),
                        ("seats", "3"),
                        ("expires_on", "2099-06-30"),
                        ("course_ids", course.as_str()),
                        ("payment_kind", kind),
                    ],
                )
                .await
        }
    };
    let r = post("mobile_money", LEARNER, other).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&html, "[data-testid=error-course_ids]"), 1);
    let r = post("free", LEARNER, own).await;
    assert_eq!(r.status(), 422, "a trainer gives no free seats");
    let r = post("mobile_money", "", own).await;
    assert_eq!(r.status(), 422);
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-contact_email]").is_some(),
        "the sponsor's contact pays"
    );
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seat_batches")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(before, 0, "nothing stored by the refusals");

    let r = post("mobile_money", LEARNER, own).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    let (status, _) = trainer.page(&to).await;
    assert_eq!(status, 200, "the trainer reads the batch they created");
    let (_, list) = trainer.page("/seats").await;
    assert_eq!(count(&list, "[data-testid=seat-batch]"), 1);

    app.signup_verified("Autre Formateur", "autre.formateur@example.cd", PASSWORD)
        .await;
    sqlx::query("UPDATE users SET roles = 'learner trainer' WHERE email = $1")
        .bind("autre.formateur@example.cd")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let other_trainer = app.new_browser();
    other_trainer
        .login("autre.formateur@example.cd", PASSWORD)
        .await;
    let (status, _) = other_trainer.page(&to).await;
    assert_eq!(status, 404, "nobody else reads it");
}

/// The signed-in learners `n` new accounts, each in its own browser.
async fn new_learners(app: &TestApp, prefix: &str, n: usize) -> Vec<(String, Browser)> {
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("{prefix}{i}@example.cd");
        app.signup_verified("Apprenant", &email, PASSWORD).await;
        let b = app.new_browser();
        b.login(&email, PASSWORD).await;
        out.push((email, b));
    }
    out
}

/// The number of cards in the PDF, from its metadata (`count:N`).
fn cards_in(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let at = text
        .find("count:")
        .expect("the cards' count in the metadata")
        + "count:".len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("count")
}

#[tokio::test]
async fn codes_go_out_as_csv_and_as_printed_cards_of_the_free_seats() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let batch = create_batch(&app, &admin, "12", LEARNER).await;
    let all = codes(&app, batch).await;

    let r = admin.get(&format!("/seats/{batch}/codes.csv")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("code,statut,lien,cours,sponsor,expire_le")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 12);
    for code in &all {
        let row = rows
            .iter()
            .find(|l| l.starts_with(code.as_str()))
            .expect("each code");
        assert!(row.contains(&format!("/codes?code={code}")), "{row}");
        assert!(
            row.contains(",free,") && row.contains("ONG Jeunesse Matadi"),
            "{row}"
        );
    }

    // The sponsor's contact prints the cards: one a free code.
    let sponsor = app.new_browser();
    sponsor.login(LEARNER, PASSWORD).await;
    let (_, page) = sponsor.page(&format!("/seats/{batch}")).await;
    assert!(
        text_of(&page, "[data-testid=seat-cards]")
            .unwrap()
            .contains("12 cartes"),
        "the button says how many"
    );
    let r = sponsor.get(&format!("/seats/{batch}/cards.pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(cards_in(&pdf), 12);

    // A used code is no longer printed; revoked codes neither, and then there is nothing to print.
    let (status, _) = redeem(&sponsor, &all[3]).await;
    assert_eq!(status, 303);
    let pdf = sponsor
        .get(&format!("/seats/{batch}/cards.pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(cards_in(&pdf), 11);
    let r = admin
        .post_form(&format!("/admin/seats/{batch}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = sponsor.get(&format!("/seats/{batch}/cards.pdf")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/seats/{batch}"));

    // Another learner reads neither.
    let (_, stranger) = new_learners(&app, "curieux", 1).await.remove(0);
    for path in ["codes.csv", "cards.pdf"] {
        let r = stranger.get(&format!("/seats/{batch}/{path}")).await;
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn an_invitation_link_fills_its_own_seats_once_each_and_no_more() {
    let app = TestApp::with_demo().await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let batch = create_batch(&app, &admin, "4", "").await;
    let (course_id, slug) = paid_course(&app).await;

    // Bad numbers: 422, a French message, the number kept; nothing set aside.
    for (typed, message) in [("9", "pas autant de places"), ("zéro", "au moins 1")] {
        let r = admin
            .post_form(&format!("/seats/{batch}/invite"), &[("seats", typed)])
            .await;
        assert_eq!(r.status(), 422, "{typed}");
        let html = scraper::Html::parse_document(&r.text().await.unwrap());
        assert!(
            text_of(&html, "[data-testid=error-seats]")
                .unwrap()
                .contains(message),
            "{typed}"
        );
        assert_eq!(
            count(&html, &format!("input[name=seats][value='{typed}']")),
            1
        );
    }
    let r = admin
        .post_form(&format!("/seats/{batch}/invite"), &[("seats", "2")])
        .await;
    assert_eq!(r.status(), 303);
    let token: String = sqlx::query_scalar("SELECT invite_token FROM seat_batches WHERE id = $1")
        .bind(batch)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let link = format!("/codes/invite/{token}");
    let (_, page) = admin.page(&format!("/seats/{batch}")).await;
    assert!(
        attr(&page, "[data-testid=seat-invite-url]", "value")
            .unwrap()
            .ends_with(&link)
    );
    assert!(
        text_of(&page, "[data-testid=seat-cards]")
            .unwrap()
            .contains("2 cartes")
    );

    // A visitor sees the invitation and is sent to log in (or sign up) and back.
    let visitor = app.new_browser();
    let (status, html) = visitor.page(&link).await;
    assert_eq!(status, 200);
    let login = attr(&html, "[data-testid=invite-login]", "href").unwrap();
    assert!(
        login.starts_with("/login?next=") && login.contains(&token),
        "{login}"
    );
    let (status, _) = visitor.page("/codes/invite/0123456789abcdef").await;
    assert_eq!(status, 404);

    // Three learners race for the link's two seats: two win, the third is told it is full.
    let learners = new_learners(&app, "lien", 3).await;
    let results =
        futures_util::future::join_all(learners.iter().map(|(_, b)| b.post_form(&link, &[]))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        1,
        "{statuses:?}"
    );
    for r in results.into_iter().filter(|r| r.status() == 303) {
        assert_eq!(location(&r), format!("/courses/{slug}"));
    }
    let mut winners = Vec::new();
    for (email, _) in &learners {
        if enrolled(&app, email, course_id).await {
            winners.push(email.clone());
        }
    }
    assert_eq!(winners.len(), 2);
    let notices: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.kind = 'seat_enrolment' AND u.email LIKE 'lien%'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(notices, 2, "each winner is notified");
    let (status, html) = learners[0].1.page(&link).await;
    let state = attr(&html, "[data-testid=invite]", "data-state").unwrap();
    assert!(
        (status == 200 && state == "holds") || (status == 410 && state == "full"),
        "{status} {state}"
    );
    // The two hand-out codes are untouched and still print.
    let pdf = admin
        .get(&format!("/seats/{batch}/cards.pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(cards_in(&pdf), 2);

    // Turned off: the link is gone.
    let r = admin
        .post_form(&format!("/seats/{batch}/invite/off"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = visitor.page(&link).await;
    assert_eq!(status, 404);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_audit WHERE target_type = 'seat_batch' AND target_id = $1 \
         AND action IN ('invite_link', 'invite_link_off')",
    )
    .bind(batch)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn a_visitor_with_a_code_signs_up_and_comes_back_to_it() {
    let app = TestApp::with_demo().await;
    let next = "/codes?code=TLJ-7KQ4-M2XP";
    let (_, html) = app
        .page(&format!(
            "/signup?next={}",
            techlearnjess::web::context::urlencode(next)
        ))
        .await;
    assert_eq!(
        attr(&html, "input[name=next]", "value").as_deref(),
        Some(next)
    );
    for (given, to) in [
        (
            next,
            format!(
                "/login?next={}",
                techlearnjess::web::context::urlencode(next)
            ),
        ),
        ("https://evil.example/", "/login".to_owned()),
    ] {
        let b = app.new_browser();
        let email = format!("retour{}@example.cd", to.len());
        let r = b
            .post_form(
                "/signup",
                &[
                    ("name", "Nouvelle Apprenante"),
                    ("email", &email),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("next", given),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), to);
    }
}
