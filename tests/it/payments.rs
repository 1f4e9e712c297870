//! Integration tests of the payments feature: checkout → sandbox provider → callback / query
//! back → enrolment, exactly once; forged, duplicate, early and late callbacks; expiry; access
//! to payments and receipts; the admin dashboard. Both engines.

use scraper::{Html, Selector};
use techlearnjess::payments::queries;
use techlearnjess::payments::sandbox::{Sandbox, SandboxOutcome};
use techlearnjess::payments::worker;

use crate::helpers::{Browser, TestApp, count, eventually, location, text_of};

const PASSWORD: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";
const ADMIN: &str = "admin@techlearnjess.cd";
/// A paid demo course: 10,00 USD.
const COURSE: &str = "marketing-reseaux-sociaux";
/// Another paid demo course: 12,00 USD.
const COURSE2: &str = "redaction-web-seo";

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("selector");
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// The demo app without its background poller (tests start no worker), so a test drives
/// `worker::run_once`.
async fn demo_without_poller() -> TestApp {
    TestApp::with_demo().await
}

fn sandbox(app: &TestApp) -> &Sandbox {
    app.state
        .payments
        .sandbox
        .as_ref()
        .expect("tests run in sandbox mode")
}

async fn scalar(app: &TestApp, sql: &'static str, reference: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(reference)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("scalar")
}

async fn enrolments(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.user_id \
         JOIN courses c ON c.id = e.course_id WHERE u.email = $1 AND c.slug = $2",
    )
    .bind(LEARNER)
    .bind(slug)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("count")
}

/// Fills the checkout form like the browser (the hidden quote token included); returns the
/// response of the POST.
async fn submit_checkout(
    browser: &Browser,
    slug: &str,
    wallet: &str,
    currency: &str,
    phone: &str,
) -> reqwest::Response {
    let quote_id = quote_of(browser, slug).await;
    post_checkout(browser, slug, wallet, currency, phone, &quote_id).await
}

/// Opens the checkout page and returns the quote it carries (the form's only quote field).
async fn quote_of(browser: &Browser, slug: &str) -> String {
    let (status, page) = browser.page(&format!("/payments/checkout/{slug}")).await;
    assert_eq!(status, 200, "checkout page");
    assert_eq!(
        count(&page, "input[name=rate_id], input[name=quoted_at]"),
        0
    );
    attr(&page, "input[name=quote_id]", "value").expect("quote_id")
}

async fn post_checkout(
    browser: &Browser,
    slug: &str,
    wallet: &str,
    currency: &str,
    phone: &str,
    quote_id: &str,
) -> reqwest::Response {
    browser
        .post_form(
            &format!("/payments/checkout/{slug}"),
            &[
                ("wallet", wallet),
                ("currency", currency),
                ("phone", phone),
                ("quote_id", quote_id),
                // As kept after the warning about a number of another network (most of these
                // tests pay with a Vodacom number whatever the wallet); see
                // `a_number_of_another_network_is_a_warning_not_a_block`.
                ("confirmed_phone", phone),
            ],
        )
        .await
}

/// Starts a purchase and returns the payment reference.
async fn buy(browser: &Browser, slug: &str, wallet: &str, currency: &str) -> String {
    let r = submit_checkout(browser, slug, wallet, currency, "081 234 5678").await;
    assert_eq!(r.status(), 303, "checkout accepted");
    let to = location(&r);
    let reference = to.trim_start_matches("/payments/").to_owned();
    assert!(
        reference.len() <= 20 && reference.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{to}"
    );
    reference
}

async fn status_of(app: &TestApp, reference: &str) -> String {
    queries::by_reference(&app.state.db, reference)
        .await
        .expect("query")
        .expect("payment exists")
        .status
}

async fn wait_status(app: &TestApp, reference: &str, wanted: &str) {
    eventually(&format!("payment {reference} is {wanted}"), || async {
        status_of(app, reference).await == wanted
    })
    .await;
}

/// Waits until the fake provider holds the payment (the initiation runs in the background).
async fn wait_at_provider(app: &TestApp, reference: &str) {
    eventually(&format!("the provider received {reference}"), || async {
        sandbox(app).payment(reference).is_some() && status_of(app, reference).await != "created"
    })
    .await;
}

async fn succeeded_transitions(app: &TestApp, reference: &str) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM payment_transitions t JOIN payments p ON p.id = t.payment_id \
         WHERE p.reference = $1 AND t.to_status = 'succeeded' AND t.from_status <> 'succeeded'",
        reference,
    )
    .await
}

#[tokio::test]
async fn a_learner_buys_with_each_wallet_through_the_phone_page_and_is_enrolled_once() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    assert_eq!(enrolments(&app, COURSE).await, 0);

    // The course's buy button leads to the checkout, which quotes both currencies.
    let r = app.get(&format!("/courses/{COURSE}/buy")).await;
    assert_eq!(location(&r), format!("/payments/checkout/{COURSE}"));
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE}")).await;
    let summary = text_of(&page, "[data-testid=quote-summary]").expect("quote summary");
    assert!(summary.contains("10,00"), "{summary}");
    assert!(summary.contains("28 500"), "{summary}");
    assert_eq!(count(&page, "input[name=wallet]"), 3);

    // Orange, paid in CDF (converted, rounded up to the 100 FC step).
    let reference = buy(&app, COURSE, "orange", "CDF").await;
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.currency.as_str(), p.amount_minor), ("CDF", 2_850_000));
    assert_eq!((p.ref_currency.as_str(), p.ref_amount_minor), ("USD", 1000));
    assert_eq!(p.msisdn, "+243812345678");
    wait_at_provider(&app, &reference).await;
    let fake = sandbox(&app).payment(&reference).expect("at provider");
    assert_eq!(fake.amount, "28500");

    // The waiting page polls its status fragment until the end.
    let (status, waiting) = app.page(&format!("/payments/{reference}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr(&waiting, "#payment-status", "hx-trigger").as_deref(),
        Some("every 3s")
    );
    assert!(
        attr(&waiting, "[data-testid=redirect-link]", "href")
            .unwrap_or_default()
            .contains(&format!("/payments/sandbox/{reference}"))
    );

    // The fake phone: "Entrez votre code PIN" → Accepter.
    let (status, phone) = app.page(&format!("/payments/sandbox/{reference}")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&phone, "[data-testid=sandbox-accept]"), 1);
    let r = app
        .post_form(
            &format!("/payments/sandbox/{reference}"),
            &[("outcome", "confirm"), ("pin", "1234")],
        )
        .await;
    assert_eq!(r.status(), 303);
    wait_status(&app, &reference, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE).await, 1);
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(
        p.invoice_number.as_deref(),
        Some(format!("TLJ-{year}-000001").as_str())
    );
    assert!(p.provider_ref.is_some());
    let r = app.get(&format!("/payments/{reference}/status")).await;
    let fragment = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(
        attr(&fragment, "#payment-status", "data-status").as_deref(),
        Some("succeeded")
    );
    assert!(attr(&fragment, "#payment-status", "hx-trigger").is_none());
    assert_eq!(count(&fragment, "[data-testid=start-course]"), 1);
    // Notified.
    let notes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email = $1 AND n.kind = 'payment_confirmed'",
    )
    .bind(LEARNER)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap_or(-1);
    assert_eq!(notes, 1);
    // Buying again is pointless: back to the course.
    let r = app.get(&format!("/payments/checkout/{COURSE}")).await;
    assert_eq!(location(&r), format!("/courses/{COURSE}"));

    // Airtel in USD and M-Pesa in USD on two more courses... the second course with M-Pesa
    // (its initiation blocks while the phone prompts).
    let reference = buy(&app, COURSE2, "mpesa", "USD").await;
    wait_at_provider_or_created(&app, &reference).await;
    let r = app
        .post_form(
            &format!("/payments/sandbox/{reference}"),
            &[("outcome", "confirm")],
        )
        .await;
    assert_eq!(r.status(), 303);
    wait_status(&app, &reference, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE2).await, 1);
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        p.invoice_number.as_deref(),
        Some(format!("TLJ-{year}-000002").as_str())
    );

    // The list of my payments shows both.
    let (_, list) = app.page("/payments").await;
    assert_eq!(count(&list, "[data-testid=payment-row]"), 2);
}

#[tokio::test]
async fn airtel_in_cdf_refused_then_retried_and_paid() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let first = buy(&app, COURSE, "airtel", "CDF").await;
    wait_at_provider(&app, &first).await;
    let fake = sandbox(&app).payment(&first).expect("at provider");
    assert_eq!(fake.msisdn, "812345678", "Airtel gets 9 digits");
    let r = app
        .post_form(
            &format!("/payments/sandbox/{first}"),
            &[("outcome", "refuse")],
        )
        .await;
    assert_eq!(r.status(), 303);
    wait_status(&app, &first, "failed").await;
    assert_eq!(enrolments(&app, COURSE).await, 0);
    let r = app.get(&format!("/payments/{first}/status")).await;
    let fragment = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(
        attr(&fragment, "[data-testid=retry]", "href"),
        Some(format!("/payments/checkout/{COURSE}"))
    );
    let second = buy(&app, COURSE, "airtel", "CDF").await;
    assert_ne!(first, second);
    wait_at_provider(&app, &second).await;
    sandbox(&app)
        .resolve(&second, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    // The Airtel callback (signed) makes us query back; the poller would too.
    wait_status(&app, &second, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE).await, 1);
    assert_eq!(status_of(&app, &first).await, "failed");
}

#[tokio::test]
async fn duplicate_and_simultaneous_callbacks_enrol_exactly_once() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    // The same callback again, several at once, plus two direct checks racing.
    let sb = sandbox(&app);
    let (a, b, c) = tokio::join!(
        sb.send_callback(&reference, SandboxOutcome::Confirm, false),
        sb.send_callback(&reference, SandboxOutcome::Confirm, false),
        sb.send_callback(&reference, SandboxOutcome::Confirm, false),
    );
    assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (200, 200, 200));
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    let (x, y) = tokio::join!(
        worker::check(&app.state, &p, "test"),
        worker::check(&app.state, &p, "test")
    );
    x.expect("check");
    y.expect("check");
    wait_status(&app, &reference, "succeeded").await;
    // Every check the callbacks started has ended: none may have succeeded a second time.
    app.state.tasks.settled().await;
    assert_eq!(succeeded_transitions(&app, &reference).await, 1);
    assert_eq!(enrolments(&app, COURSE).await, 1);
    let invoices: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE invoice_number IS NOT NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(invoices, 1);
    // Callbacks are recorded as transitions with their raw data.
    let callbacks = scalar(
        &app,
        "SELECT COUNT(*) FROM payment_transitions t JOIN payments p ON p.id = t.payment_id \
         WHERE p.reference = $1 AND t.source = 'callback' AND t.raw LIKE '%TS%'",
        &reference,
    )
    .await;
    assert!(callbacks >= 3, "{callbacks}");
}

#[tokio::test]
async fn forged_callbacks_change_nothing() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;

    // Airtel: a bad hash is refused outright.
    let airtel = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &airtel).await;
    let code = sandbox(&app)
        .send_callback(&airtel, SandboxOutcome::Confirm, true)
        .await
        .expect("callback sent");
    assert_eq!(code, 200);
    // Orange: a wrong notif_token.
    let orange = buy(&app, COURSE2, "orange", "USD").await;
    wait_at_provider(&app, &orange).await;
    sandbox(&app)
        .send_callback(&orange, SandboxOutcome::Confirm, true)
        .await
        .expect("callback sent");
    app.state.tasks.settled().await;
    assert_eq!(status_of(&app, &airtel).await, "pending");
    assert_eq!(status_of(&app, &orange).await, "pending");
    let rejected = scalar(
        &app,
        "SELECT COUNT(*) FROM payment_transitions t JOIN payments p ON p.id = t.payment_id \
         WHERE p.reference = $1 AND t.source = 'callback_rejected'",
        &orange,
    )
    .await;
    assert_eq!(rejected, 1);

    // A forged body that claims success for an unsigned provider (no hash at all) is only a
    // hint: the query back says pending.
    let body = format!(
        r#"{{"transaction":{{"id":"{airtel}","message":"Paid","status_code":"TS","airtel_money_id":"MP1"}}}}"#
    );
    let r = reqwest::Client::new()
        .post(app.url("/payments/callback/airtel"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "no CSRF or session needed");
    // The query back the callback started has answered.
    app.state.tasks.settled().await;
    assert_eq!(status_of(&app, &airtel).await, "pending");
    assert_eq!(enrolments(&app, COURSE).await, 0);
    assert_eq!(enrolments(&app, COURSE2).await, 0);

    // Unknown provider: 404.
    let r = reqwest::Client::new()
        .post(app.url("/payments/callback/paypal"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn early_callback_and_late_confirmation_after_expiry_end_in_the_right_state() {
    let app = demo_without_poller().await;
    app.login(LEARNER, PASSWORD).await;

    // M-Pesa: the initiation is still blocked on the PIN prompt when a callback arrives.
    let mpesa = buy(&app, COURSE, "mpesa", "USD").await;
    wait_at_provider_or_created(&app, &mpesa).await;
    assert_eq!(status_of(&app, &mpesa).await, "created");
    sandbox(&app)
        .send_callback(&mpesa, SandboxOutcome::Confirm, false)
        .await
        .expect("early callback");
    // The callback's query back has ended; the only task left is the initiation, blocked on
    // the PIN prompt.
    eventually("the callback's check ended", || async {
        app.state.tasks.running() == 1
    })
    .await;
    assert_ne!(status_of(&app, &mpesa).await, "succeeded");
    sandbox(&app)
        .resolve(&mpesa, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &mpesa, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE).await, 1);

    // FlexPay (routed by the admin table): expires, then the customer pays late anyway.
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    for currency in ["USD", "CDF"] {
        let r = admin
            .post_form(
                "/admin/payments/routing",
                &[
                    ("wallet", "orange"),
                    ("currency", currency),
                    ("provider", "flexpay"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let late = buy(&app, COURSE2, "orange", "USD").await;
    wait_at_provider(&app, &late).await;
    let p = queries::by_reference(&app.state.db, &late)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.provider, "flexpay");
    sqlx::query(
        "UPDATE payments SET expires_at = '2000-01-01T00:00:00Z', next_check_at = '2000-01-01T00:00:00Z' \
         WHERE reference = $1",
    )
    .bind(&late)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    worker::run_once(&app.state).await.expect("worker");
    assert_eq!(status_of(&app, &late).await, "expired");
    let r = app.get(&format!("/payments/{late}/status")).await;
    let fragment = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(count(&fragment, "[data-testid=retry]"), 1);
    // The money was taken after all: the provider says so, access is granted once.
    sandbox(&app)
        .resolve(&late, SandboxOutcome::Confirm)
        .await
        .expect("late confirmation");
    wait_status(&app, &late, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE2).await, 1);
    assert_eq!(succeeded_transitions(&app, &late).await, 1);
}

#[tokio::test]
async fn the_poller_finalises_a_payment_without_callback_and_backs_off() {
    let app = demo_without_poller().await;
    app.login(LEARNER, PASSWORD).await;
    // Callbacks get lost: only the poller can finalise.
    sandbox(&app).set_callback_base("http://127.0.0.1:9");
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &reference).await;

    // Back-off schedule in the database: 15 s, 30 s, 60 s, then 2 min.
    let mut delays = Vec::new();
    for _ in 0..4 {
        sqlx::query(
            "UPDATE payments SET next_check_at = '2000-01-01T00:00:00Z' WHERE reference = $1",
        )
        .bind(&reference)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(worker::run_once(&app.state).await.expect("worker"), 1);
        let p = queries::by_reference(&app.state.db, &reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.status, "pending");
        let next = techlearnjess::db::parse_timestamp(&p.next_check_at).unwrap();
        delays.push((next - time::OffsetDateTime::now_utc()).whole_seconds());
    }
    let expected = [15, 30, 60, 120];
    for (got, want) in delays.iter().zip(expected) {
        assert!((want - 3..=want).contains(got), "delays {delays:?}");
    }
    // Nothing due: nothing checked.
    assert_eq!(worker::run_once(&app.state).await.expect("worker"), 0);

    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    // The sandbox's callback went to a closed port: nothing was started.
    app.state.tasks.settled().await;
    assert_eq!(
        status_of(&app, &reference).await,
        "pending",
        "no callback arrived"
    );
    sqlx::query("UPDATE payments SET next_check_at = '2000-01-01T00:00:00Z' WHERE reference = $1")
        .bind(&reference)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    worker::run_once(&app.state).await.expect("worker");
    assert_eq!(status_of(&app, &reference).await, "succeeded");
    assert_eq!(enrolments(&app, COURSE).await, 1);
}

#[tokio::test]
async fn the_running_poller_settles_a_payment_once_its_check_is_due_on_the_clock() {
    let app = TestApp::spawn_with(|c| c.payments.poll_secs = 1).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo seeded");
    app.login(LEARNER, PASSWORD).await;
    // Callbacks get lost: only the poller can finalise.
    sandbox(&app).set_callback_base("http://127.0.0.1:9");
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    app.start_workers();
    // The first check is 15 s after the initiation: the clock gets there at once.
    app.advance(std::time::Duration::from_secs(16));
    wait_status(&app, &reference, "succeeded").await;
    assert_eq!(enrolments(&app, COURSE).await, 1);
}

async fn wait_at_provider_or_created(app: &TestApp, reference: &str) {
    eventually(&format!("the provider received {reference}"), || async {
        sandbox(app).payment(reference).is_some()
    })
    .await;
}

#[tokio::test]
async fn checkout_validates_input_and_payments_are_private() {
    let app = TestApp::with_demo().await;
    // Visitors are sent to log in.
    let r = app.get(&format!("/payments/checkout/{COURSE}")).await;
    assert_eq!(r.status(), 303);
    app.login(LEARNER, PASSWORD).await;
    let r = submit_checkout(&app, COURSE, "orange", "USD", "12345").await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&page, "[data-testid=form-error]")
            .unwrap()
            .contains("numéro")
    );
    let r = submit_checkout(&app, COURSE, "paypal", "USD", "0812345678").await;
    assert_eq!(r.status(), 422);
    let r = submit_checkout(&app, COURSE, "orange", "EUR", "0812345678").await;
    assert_eq!(r.status(), 422);
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);

    let reference = buy(&app, COURSE, "orange", "USD").await;
    // A second submit while the first is open shows the first.
    let r = submit_checkout(&app, COURSE, "airtel", "USD", "0991234567").await;
    assert_eq!(location(&r), format!("/payments/{reference}"));

    // Someone else: 404 everywhere.
    let other = app.new_browser();
    other.login(ADMIN, PASSWORD).await;
    for path in [
        format!("/payments/{reference}"),
        format!("/payments/{reference}/status"),
        format!("/payments/{reference}/receipt.pdf"),
    ] {
        assert_eq!(other.get(&path).await.status(), 404, "{path}");
    }
    // Not paid yet: no receipt.
    assert_eq!(
        app.get(&format!("/payments/{reference}/receipt.pdf"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_production_config_without_operator_or_sandbox_sells_nothing_and_says_why() {
    // What `serve` reads with no TLJ_PAY_* variable and no --demo.
    let app = TestApp::spawn_with(|c| {
        c.payments.sandbox = None;
        c.demo = false;
    })
    .await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo");
    assert!(app.state.payments.sandbox.is_none(), "no fake operators");
    assert!(app.state.payments.providers.is_empty());
    app.login(LEARNER, PASSWORD).await;

    // The checkout says plainly that mobile payment is not configured, and offers no form.
    let (status, page) = app.page(&format!("/payments/checkout/{COURSE}")).await;
    assert_eq!(status, 200);
    let notice = text_of(&page, "[data-testid=payments-not-configured]").expect("notice");
    assert!(notice.contains("pas encore configuré"), "{notice}");
    assert_eq!(count(&page, "[data-testid=checkout-form]"), 0);
    assert_eq!(count(&page, "[data-testid=sandbox-notice]"), 0);
    // A submitted form (an old page) is refused the same way.
    let r = post_checkout(&app, COURSE, "orange", "USD", "0812345678", "").await;
    assert_eq!(r.status(), 503);
    let page = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&page, "[data-testid=payments-not-configured]")
            .unwrap()
            .contains("pas encore configuré")
    );

    // No fake phone, no callback receiver: nothing can confirm a payment.
    assert_eq!(app.get("/payments/sandbox/TLJABC").await.status(), 404);
    let r = app
        .post_form("/payments/sandbox/TLJABC", &[("outcome", "confirm")])
        .await;
    assert_eq!(r.status(), 404);
    for provider in ["orange", "airtel", "mpesa", "flexpay"] {
        let r = app
            .client
            .post(app.url(&format!("/payments/callback/{provider}")))
            .header("content-type", "application/json")
            .body(r#"{"code":"0","reference":"TLJABC","status":"SUCCESS"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{provider}");
    }
    let payments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(payments, 0);
    assert_eq!(enrolments(&app, COURSE).await, 0, "the course stays locked");
    let (_, course) = app.page(&format!("/courses/{COURSE}")).await;
    assert_eq!(count(&course, "[data-testid=buy-button]"), 1);

    // The admin page names the variables that would configure each operator.
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (status, list) = admin.page("/admin/payments").await;
    assert_eq!(status, 200);
    let missing = text_of(&list, "[data-testid=payments-setup-missing]").expect("setup card");
    for var in [
        "TLJ_PAY_FLEXPAY_BASE_URL",
        "TLJ_PAY_FLEXPAY_TOKEN",
        "TLJ_PAY_FLEXPAY_MERCHANT",
        "TLJ_PAY_ORANGE_CLIENT_SECRET",
        "TLJ_PAY_AIRTEL_CLIENT_ID",
        "TLJ_PAY_MPESA_PUBLIC_KEY",
        "TLJ_PAY_SANDBOX",
    ] {
        assert!(missing.contains(var), "{var} in {missing}");
    }
    assert_eq!(count(&list, "[data-testid=setup-provider]"), 4);

    // `--demo` alone turns the sandbox on; an explicit TLJ_PAY_SANDBOX=false wins over it.
    let demo = TestApp::spawn_with(|c| {
        c.payments.sandbox = None;
        c.demo = true;
    })
    .await;
    assert!(demo.state.payments.sandbox.is_some());
    let off = TestApp::spawn_with(|c| {
        c.payments.sandbox = Some(false);
        c.demo = true;
    })
    .await;
    assert!(off.state.payments.sandbox.is_none());
}

#[tokio::test]
async fn admins_see_totals_history_rates_and_can_refund() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    assert_eq!(app.get("/admin/payments").await.status(), 403);
    let reference = buy(&app, COURSE, "orange", "CDF").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &reference, "succeeded").await;
    // As if paid through a real operator: sandbox payments are kept out of the totals (see
    // sandbox_payments_are_flagged_and_kept_out_of_revenue_and_exports).
    sqlx::query("UPDATE payments SET sandbox = 0 WHERE reference = $1")
        .bind(&reference)
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (status, list) = admin
        .page("/admin/payments?provider=orange&currency=CDF")
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(&list, "[data-testid=admin-payment-row]"), 1);
    let usd = text_of(&list, "[data-testid=total-usd]").unwrap();
    assert!(usd.contains("10,00"), "{usd}");
    let (_, list) = admin.page("/admin/payments?provider=airtel").await;
    assert_eq!(count(&list, "[data-testid=admin-payment-row]"), 0);

    let (status, detail) = admin.page(&format!("/admin/payments/{reference}")).await;
    assert_eq!(status, 200);
    assert!(count(&detail, "[data-testid=transition]") >= 3);
    let r = admin
        .post_form(&format!("/admin/payments/{reference}/requery"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post_form(
            &format!("/admin/payments/{reference}/refund"),
            &[("note", "Remboursé par M-Pesa")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let refunds = scalar(
        &app,
        "SELECT COUNT(*) FROM payment_refunds r JOIN payments p ON p.id = r.payment_id WHERE p.reference = $1",
        &reference,
    )
    .await;
    assert_eq!(refunds, 1);
    // Twice: still one.
    admin
        .post_form(&format!("/admin/payments/{reference}/refund"), &[])
        .await;
    let refunds = scalar(
        &app,
        "SELECT COUNT(*) FROM payment_refunds r JOIN payments p ON p.id = r.payment_id WHERE p.reference = $1",
        &reference,
    )
    .await;
    assert_eq!(refunds, 1);

    // A new rate changes the next quotes, the history keeps the old one.
    let r = admin
        .post_form(
            "/admin/payments/rates",
            &[("rate", "2 900,50"), ("note", "BCC")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // A refused rate stays in its field with its message (422), the rate in force unchanged.
    let r = admin
        .post_form("/admin/payments/rates", &[("rate", "abc")])
        .await;
    assert_eq!(r.status(), 422);
    let refused = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(
        attr(&refused, "[data-testid=rate-input]", "value").as_deref(),
        Some("abc")
    );
    assert!(text_of(&refused, "[data-testid=error-rate]").is_some());
    let (_, rates) = admin.page("/admin/payments/rates").await;
    assert!(
        text_of(&rates, "[data-testid=current-rate]")
            .unwrap()
            .contains("2 900,50")
    );
    assert_eq!(count(&rates, "[data-testid=rate-history] li"), 2);
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE2}")).await;
    // 12 USD × 2 900,50 = 34 806 → 34 900 FC.
    assert!(
        text_of(&page, "[data-testid=quote-CDF]")
            .unwrap()
            .contains("34 900")
    );
    // An old rate is a warning, never a block.
    sqlx::query("UPDATE exchange_rates SET created_at = '2000-01-01T00:00:00Z'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, page) = app.page(&format!("/payments/checkout/{COURSE2}")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=stale-rate]"), 1);
    assert_eq!(count(&page, "[data-testid=pay-submit]"), 1);
    // A pinned price in francs replaces the conversion.
    let r = admin
        .post_form(
            "/admin/payments/pinned",
            &[("slug", COURSE2), ("currency", "CDF"), ("amount", "30000")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE2}")).await;
    assert!(
        text_of(&page, "[data-testid=quote-CDF]")
            .unwrap()
            .contains("30 000")
    );
    assert!(
        text_of(&page, "[data-testid=quote-summary]")
            .unwrap()
            .contains("prix fixé")
    );
    // Not in the course's own currency.
    admin
        .post_form(
            "/admin/payments/pinned",
            &[("slug", COURSE2), ("currency", "USD"), ("amount", "5")],
        )
        .await;
    let pins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM course_pinned_prices")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(pins, 1);
    let (_, routing) = admin.page("/admin/payments/routing").await;
    assert_eq!(count(&routing, "form[data-testid^=route-]"), 6);
}

#[tokio::test]
async fn the_receipt_is_a_pdf_for_the_payer() {
    let app = TestApp::with_demo().await;
    if app.state.pdf.render("Test", &[]).is_err() {
        eprintln!("PDF engine not built yet: receipt test skipped");
        return;
    }
    app.login(LEARNER, PASSWORD).await;
    let reference = buy(&app, COURSE, "airtel", "CDF").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &reference, "succeeded").await;
    let r = app.get(&format!("/payments/{reference}/receipt.pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        "application/pdf"
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("text");
    let year = time::OffsetDateTime::now_utc().year();
    assert!(text.contains(&format!("TLJ-{year}-000001")), "{text}");
    assert!(text.contains(&reference), "{text}");
}

#[tokio::test]
async fn an_ambiguous_or_failed_initiation_is_unknown_and_reconciled_never_guessed() {
    use techlearnjess::payments::providers::ProviderKind;
    use techlearnjess::payments::sandbox::Fault;
    let app = demo_without_poller().await;
    app.login(LEARNER, PASSWORD).await;
    // Airtel answers ESB000001 (ambiguous): the push may have gone out.
    sandbox(&app).push_fault(ProviderKind::Airtel, Fault::Ambiguous);
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_status(&app, &reference, "unknown").await;
    let r = app.get(&format!("/payments/{reference}/status")).await;
    let fragment = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(
        attr(&fragment, "#payment-status", "hx-trigger").as_deref(),
        Some("every 3s"),
        "still waiting"
    );
    // It had gone out: the customer pays, the reconciliation finds it.
    sandbox(&app).set_callback_base("http://127.0.0.1:9");
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    sqlx::query("UPDATE payments SET next_check_at = '2000-01-01T00:00:00Z' WHERE reference = $1")
        .bind(&reference)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    worker::run_once(&app.state).await.expect("worker");
    assert_eq!(status_of(&app, &reference).await, "succeeded");
    assert_eq!(enrolments(&app, COURSE).await, 1);

    // HTTP 500 on initiation: unknown, and an unknown payment past its deadline is only expired
    // after the reconciliation window.
    sandbox(&app).push_fault(ProviderKind::Airtel, Fault::Http500);
    let other = buy(&app, COURSE2, "airtel", "USD").await;
    wait_status(&app, &other, "unknown").await;
    sqlx::query(
        "UPDATE payments SET expires_at = $2, next_check_at = '2000-01-01T00:00:00Z' WHERE reference = $1",
    )
    .bind(&other)
    .bind(techlearnjess::db::timestamp(
        time::OffsetDateTime::now_utc() - time::Duration::hours(1),
    ))
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    worker::run_once(&app.state).await.expect("worker");
    let after = status_of(&app, &other).await;
    assert_ne!(after, "succeeded");
    assert_eq!(enrolments(&app, COURSE2).await, 0);
    if after == "unknown" {
        sqlx::query(
            "UPDATE payments SET expires_at = '2000-01-01T00:00:00Z', next_check_at = '2000-01-01T00:00:00Z' \
             WHERE reference = $1",
        )
        .bind(&other)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
        worker::run_once(&app.state).await.expect("worker");
        assert_eq!(status_of(&app, &other).await, "expired");
    }
}

async fn payments_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// The form error and the fresh quote of a refused checkout (422).
async fn refused(r: reqwest::Response) -> (String, String) {
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.unwrap());
    let error = text_of(&page, "[data-testid=form-error]").expect("form error");
    let fresh = attr(&page, "input[name=quote_id]", "value").expect("a fresh quote");
    (error, fresh)
}

#[tokio::test]
async fn a_forged_rate_and_quote_time_no_longer_buy_a_course_at_an_old_rate() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    // The page seeds the 2 850 FC/USD rate: 10 USD = 28 500 FC.
    let old_quote = quote_of(&app, COURSE).await;
    let old_rate: i64 = sqlx::query_scalar("SELECT MAX(id) FROM exchange_rates")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let r = admin
        .post_form("/admin/payments/rates", &[("rate", "5000")])
        .await;
    assert_eq!(r.status(), 303);

    // The attack: the old rate's id with a quote time in the future, and no quote of ours.
    let future =
        techlearnjess::db::timestamp(time::OffsetDateTime::now_utc() + time::Duration::days(1));
    let r = app
        .post_form(
            &format!("/payments/checkout/{COURSE}"),
            &[
                ("wallet", "orange"),
                ("currency", "CDF"),
                ("phone", "0842345678"),
                ("rate_id", &old_rate.to_string()),
                ("quoted_at", &future),
            ],
        )
        .await;
    let (error, fresh) = refused(r).await;
    assert!(error.contains("devis"), "{error}");
    assert_ne!(fresh, old_quote);
    assert_eq!(payments_count(&app).await, 0, "nothing charged");

    // Naming a rate next to the current quote changes nothing: the server's amount is charged.
    let quote = quote_of(&app, COURSE).await;
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE}")).await;
    assert!(
        text_of(&page, "[data-testid=quote-CDF]")
            .unwrap()
            .contains("50 000")
    );
    let r = app
        .post_form(
            &format!("/payments/checkout/{COURSE}"),
            &[
                ("wallet", "orange"),
                ("currency", "CDF"),
                ("phone", "0842345678"),
                ("quote_id", &quote),
                ("rate_id", &old_rate.to_string()),
                ("quoted_at", &future),
                ("amount", "2850000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reference = location(&r).trim_start_matches("/payments/").to_owned();
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.currency.as_str(), p.amount_minor), ("CDF", 5_000_000));
    assert_eq!(p.rate_x10000, 5000 * 10_000);
}

#[tokio::test]
async fn an_expired_quote_is_refused_and_a_fresh_one_is_shown() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let quote = quote_of(&app, COURSE).await;
    // A reload within its validity shows the same quote (no new row per view).
    assert_eq!(quote_of(&app, COURSE).await, quote);
    sqlx::query("UPDATE payment_quotes SET expires_at = '2000-01-01T00:00:00Z' WHERE token = $1")
        .bind(&quote)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = post_checkout(&app, COURSE, "orange", "USD", "0812345678", &quote).await;
    let (error, fresh) = refused(r).await;
    assert!(error.contains("plus valable"), "{error}");
    assert_ne!(fresh, quote);
    assert_eq!(payments_count(&app).await, 0);
    // The fresh quote is honoured.
    let r = post_checkout(&app, COURSE, "orange", "USD", "0812345678", &fresh).await;
    assert_eq!(r.status(), 303);
    assert_eq!(payments_count(&app).await, 1);
}

#[tokio::test]
async fn a_quote_changed_by_a_new_course_price_is_re_quoted() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let quote = quote_of(&app, COURSE).await;
    // The trainer raises the price after the page was shown: 10 → 15 USD.
    sqlx::query("UPDATE courses SET price_minor = 1500 WHERE slug = $1")
        .bind(COURSE)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let r = post_checkout(&app, COURSE, "orange", "USD", "0812345678", &quote).await;
    let (error, _) = refused(r).await;
    assert!(error.contains("plus valable"), "{error}");
    assert_eq!(payments_count(&app).await, 0);
}

#[tokio::test]
async fn another_learners_quote_another_courses_or_an_unknown_one_is_refused() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    // The admin's own quote for the same course.
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let foreign = quote_of(&admin, COURSE).await;
    // The learner's quote for another course.
    let other_course = quote_of(&app, COURSE2).await;
    for (quote, why) in [
        (foreign.as_str(), "another learner's"),
        (other_course.as_str(), "another course's"),
        ("0123456789abcdef0123456789abcdef", "unknown"),
        ("../../etc/passwd", "malformed"),
        ("", "missing"),
    ] {
        let r = post_checkout(&app, COURSE, "orange", "USD", "0812345678", quote).await;
        let (error, fresh) = refused(r).await;
        assert!(error.contains("devis"), "{why}: {error}");
        assert_ne!(fresh, quote, "{why}");
        assert_ne!(fresh, foreign, "{why}: never the other learner's quote");
    }
    assert_eq!(payments_count(&app).await, 0);
}

#[tokio::test]
async fn two_simultaneous_checkouts_make_one_payment_and_land_on_the_same_waiting_page() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    // Two tabs, each with its checkout page, submitted at the same moment.
    let first = quote_of(&app, COURSE).await;
    let second = quote_of(&app, COURSE).await;
    let (a, b) = tokio::join!(
        post_checkout(&app, COURSE, "orange", "USD", "0812345678", &first),
        post_checkout(&app, COURSE, "airtel", "USD", "0991234567", &second),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    assert_eq!(
        location(&a),
        location(&b),
        "both tabs show the same payment"
    );
    assert_eq!(payments_count(&app).await, 1);
    let reference = location(&a).trim_start_matches("/payments/").to_owned();
    wait_at_provider(&app, &reference).await;
    // Both submissions' background work has ended: a second initiation would show now.
    app.state.tasks.settled().await;
    assert_eq!(sandbox(&app).payments().len(), 1, "one PIN prompt");
    let (status, page) = app.page(&location(&b)).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "[data-testid=waiting-page]"), 1);

    // The rule is the database's: a second open payment for the course cannot be stored.
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    let again = queries::insert_payment(
        &app.state.db,
        queries::NewPayment {
            reference: "TLJDUPLICATE0001",
            user_id: p.user_id,
            course_id: p.course_id,
            seat_batch_id: None,
            wallet: "mpesa",
            provider: "mpesa",
            currency: "USD",
            amount_minor: 1000,
            ref_currency: "USD",
            ref_amount_minor: 1000,
            rate_id: None,
            rate_x10000: p.rate_x10000,
            msisdn: "+243812345678",
            expires_at: &p.expires_at,
            sandbox: true,
        },
    )
    .await
    .expect("insert");
    assert_eq!(again, None);
    let raw = sqlx::query(
        "INSERT INTO payments (reference, user_id, course_id, wallet, provider, currency, \
         amount_minor, ref_currency, ref_amount_minor, rate_x10000, msisdn, status, expires_at, \
         next_check_at, created_at, updated_at) \
         VALUES ('TLJDUPLICATE0002', $1, $2, 'mpesa', 'mpesa', 'USD', 1000, 'USD', 1000, 1, \
         '+243812345678', 'pending', $3, $3, $3, $3)",
    )
    .bind(p.user_id)
    .bind(p.course_id)
    .bind(&p.expires_at)
    .execute(&app.state.db.pool)
    .await;
    assert!(
        raw.is_err(),
        "the unique index refuses a second open payment"
    );

    // Once the first one is over, a new attempt is possible.
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Refuse)
        .await
        .expect("refuse");
    wait_status(&app, &reference, "failed").await;
    let r = submit_checkout(&app, COURSE, "orange", "USD", "0812345678").await;
    assert_eq!(r.status(), 303);
    assert_ne!(location(&r), location(&a));
}

#[tokio::test]
async fn sandbox_payments_are_flagged_and_kept_out_of_revenue_and_exports() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let reference = buy(&app, COURSE, "orange", "USD").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &reference, "succeeded").await;
    let p = queries::by_reference(&app.state.db, &reference)
        .await
        .unwrap()
        .unwrap();
    assert!(p.is_sandbox());

    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (_, list) = admin.page("/admin/payments").await;
    assert_eq!(count(&list, "[data-testid=payments-setup-sandbox]"), 1);
    assert_eq!(count(&list, "[data-testid=sandbox-badge]"), 1);
    assert_eq!(count(&list, "[data-testid=total-row]"), 0);
    let usd = text_of(&list, "[data-testid=total-usd]").unwrap();
    assert!(usd.contains("0,00"), "{usd}");
    assert!(
        text_of(&list, "[data-testid=sandbox-excluded]")
            .unwrap()
            .starts_with('1')
    );
    let (_, detail) = admin.page(&format!("/admin/payments/{reference}")).await;
    assert_eq!(count(&detail, "[data-testid=detail-sandbox]"), 1);

    let (status, analytics) = admin.page("/admin/analytics").await;
    assert_eq!(status, 200);
    let total = text_of(&analytics, "[data-testid=revenue-total]").unwrap();
    assert!(total.contains("0,00"), "{total}");

    let r = admin.get("/admin/exports/payments.csv").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = headers
        .iter()
        .position(|h| h == "bac_a_sable")
        .expect("sandbox column");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column], "oui");
}

/// The heading of the waiting page or of its status fragment.
fn heading(html: &Html) -> String {
    text_of(html, "[data-testid=waiting-heading]").expect("heading")
}

async fn status_fragment(app: &TestApp, reference: &str) -> Html {
    let r = app
        .client
        .get(app.url(&format!("/payments/{reference}/status")))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    Html::parse_fragment(&r.text().await.unwrap())
}

#[tokio::test]
async fn the_waiting_page_heading_follows_the_state_and_gives_the_operators_reason() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;

    // Waiting: the page and the polled fragment ask for the PIN.
    let first = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &first).await;
    let (_, page) = app.page(&format!("/payments/{first}")).await;
    assert_eq!(heading(&page), "Confirmez le paiement sur votre téléphone");
    assert_eq!(
        heading(&status_fragment(&app, &first).await),
        "Confirmez le paiement sur votre téléphone"
    );

    // Refused on the phone: the fragment htmx swaps in carries the new heading and Airtel's
    // reason (DP00800001008) in words, never the code.
    let r = app
        .post_form(
            &format!("/payments/sandbox/{first}"),
            &[("outcome", "refuse")],
        )
        .await;
    assert_eq!(r.status(), 303);
    wait_status(&app, &first, "failed").await;
    let fragment = status_fragment(&app, &first).await;
    assert_eq!(heading(&fragment), "Paiement non abouti");
    assert!(attr(&fragment, "#payment-status", "hx-trigger").is_none());
    let reason = text_of(&fragment, "[data-testid=payment-reason]").expect("reason");
    assert!(
        reason.contains("L'opérateur a refusé la demande"),
        "{reason}"
    );
    assert!(!reason.contains("DP008"), "{reason}");
    let (_, page) = app.page(&format!("/payments/{first}")).await;
    assert_eq!(heading(&page), "Paiement non abouti");
    assert!(
        text_of(&page, "title")
            .unwrap_or_default()
            .starts_with("Paiement non abouti")
    );

    // M-Pesa's insufficient balance (INS-2006) is named as such.
    sandbox(&app).set_mpesa_refusal("INS-2006");
    let second = buy(&app, COURSE, "mpesa", "USD").await;
    wait_at_provider_or_created(&app, &second).await;
    let r = app
        .post_form(
            &format!("/payments/sandbox/{second}"),
            &[("outcome", "refuse")],
        )
        .await;
    assert_eq!(r.status(), 303);
    wait_status(&app, &second, "failed").await;
    eventually("the M-Pesa reason is stored", || async {
        queries::by_reference(&app.state.db, &second)
            .await
            .unwrap()
            .unwrap()
            .failure_reason
            .as_deref()
            == Some("payments.reason.insufficient_funds")
    })
    .await;
    let fragment = status_fragment(&app, &second).await;
    assert!(
        text_of(&fragment, "[data-testid=payment-reason]")
            .unwrap()
            .contains("Solde insuffisant")
    );
    // The admin's detail page gives the same reason.
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (_, detail) = admin.page(&format!("/admin/payments/{second}")).await;
    assert!(
        text_of(&detail, "[data-testid=detail-reason]")
            .unwrap()
            .contains("Solde insuffisant")
    );

    // Expired: its own heading.
    let third = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &third).await;
    sqlx::query(
        "UPDATE payments SET expires_at = '2000-01-01T00:00:00Z', next_check_at = '2000-01-01T00:00:00Z' \
         WHERE reference = $1",
    )
    .bind(&third)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    worker::run_once(&app.state).await.expect("worker");
    assert_eq!(status_of(&app, &third).await, "expired");
    assert_eq!(
        heading(&status_fragment(&app, &third).await),
        "Paiement expiré"
    );

    // Confirmed: its own heading, the receipt's page and PDF.
    let fourth = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &fourth).await;
    sandbox(&app)
        .resolve(&fourth, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &fourth, "succeeded").await;
    let fragment = status_fragment(&app, &fourth).await;
    assert_eq!(heading(&fragment), "Paiement confirmé");
    assert_eq!(
        attr(&fragment, "[data-testid=receipt-page-link]", "href"),
        Some(format!("/payments/{fourth}/receipt"))
    );
}

#[tokio::test]
async fn a_number_of_another_network_is_a_warning_not_a_block() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let quote = quote_of(&app, COURSE).await;
    // An Airtel number (099) with Orange Money: the form again, with the warning and the
    // number kept, and nothing sent to any phone yet.
    let r = app
        .post_form(
            &format!("/payments/checkout/{COURSE}"),
            &[
                ("wallet", "orange"),
                ("currency", "USD"),
                ("phone", "099 123 4567"),
                ("quote_id", &quote),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = Html::parse_document(&r.text().await.unwrap());
    let warning = text_of(&page, "[data-testid=prefix-warning]").expect("warning");
    assert!(warning.contains("Airtel"), "{warning}");
    assert!(warning.contains("Orange Money"), "{warning}");
    assert_eq!(
        attr(&page, "[data-testid=phone]", "value").as_deref(),
        Some("099 123 4567")
    );
    assert_eq!(
        attr(&page, "input[name=confirmed_phone]", "value").as_deref(),
        Some("099 123 4567")
    );
    assert_eq!(
        attr(&page, "input[name=wallet][checked]", "value").as_deref(),
        Some("orange")
    );
    assert_eq!(
        payments_count(&app).await,
        0,
        "no PIN prompt before the answer"
    );
    // The same number sent again as kept goes through (numbers move between operators).
    let quote = attr(&page, "input[name=quote_id]", "value").expect("quote");
    let r = app
        .post_form(
            &format!("/payments/checkout/{COURSE}"),
            &[
                ("wallet", "orange"),
                ("currency", "USD"),
                ("phone", "099 123 4567"),
                ("quote_id", &quote),
                ("confirmed_phone", "+243 99 123 4567"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(payments_count(&app).await, 1);

    // As it is typed (htmx): the warning for a mismatch, nothing for a match or a number
    // that does not parse yet.
    let check = |phone: &'static str, wallet: &'static str| {
        let app = &app;
        async move {
            let token = app.csrf().await;
            let r = app
                .client
                .post(app.url(&format!("/payments/checkout/{COURSE2}/number")))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", token)
                .form(&[("phone", phone), ("wallet", wallet)])
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status(), 200);
            Html::parse_fragment(&r.text().await.unwrap())
        }
    };
    let fragment = check("0812345678", "airtel").await;
    assert!(
        text_of(&fragment, "[data-testid=prefix-warning]")
            .unwrap()
            .contains("Vodacom")
    );
    assert_eq!(
        attr(&fragment, "input[name=confirmed_phone]", "value").as_deref(),
        Some("0812345678")
    );
    for (phone, wallet) in [
        ("0812345678", "mpesa"),
        ("0841234567", "orange"),
        ("0991234567", "airtel"),
        ("08", "airtel"),
        ("0861234567", "airtel"),
    ] {
        let fragment = check(phone, wallet).await;
        assert_eq!(
            count(&fragment, "[data-testid=prefix-warning]"),
            0,
            "{phone} {wallet}"
        );
    }
}

#[tokio::test]
async fn the_profile_number_is_prefilled_and_an_invalid_one_is_kept_with_its_error() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    sqlx::query("UPDATE users SET phone = '+243991234567' WHERE email = $1")
        .bind(LEARNER)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE}")).await;
    assert_eq!(
        attr(&page, "[data-testid=phone]", "value").as_deref(),
        Some("0991234567")
    );
    // What was typed wins over the profile, with the field's own message (422).
    let r = submit_checkout(&app, COURSE, "airtel", "USD", "12345").await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(
        attr(&page, "[data-testid=phone]", "value").as_deref(),
        Some("12345")
    );
    assert_eq!(
        attr(&page, "[data-testid=phone]", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(
        text_of(&page, "[data-testid=error-phone]")
            .unwrap()
            .contains("numéro")
    );
    // No saved number: an empty field.
    sqlx::query("UPDATE users SET phone = NULL WHERE email = $1")
        .bind(LEARNER)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, page) = app.page(&format!("/payments/checkout/{COURSE}")).await;
    assert_eq!(
        attr(&page, "[data-testid=phone]", "value").as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn receipts_name_the_seller_the_admin_sets_and_the_change_is_audited() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &reference).await;
    sandbox(&app)
        .resolve(&reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    wait_status(&app, &reference, "succeeded").await;
    // Before any setting: the platform's name alone.
    let (status, receipt) = app.page(&format!("/payments/{reference}/receipt")).await;
    assert_eq!(status, 200);
    assert_eq!(
        text_of(&receipt, "[data-testid=receipt-seller]")
            .unwrap()
            .trim(),
        "TechLearnJess"
    );

    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (status, page) = admin.page("/admin/payments/seller").await;
    assert_eq!(status, 200);
    assert_eq!(
        attr(&page, "[data-testid=seller-name]", "value").as_deref(),
        Some("TechLearnJess")
    );
    // A refused form comes back with 422 and what was typed.
    let r = admin
        .post_form(
            "/admin/payments/seller",
            &[("name", "  "), ("rccm", "CD/KNG/RCCM/24-B-01234")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.unwrap());
    assert!(text_of(&page, "[data-testid=error-name]").is_some());
    assert_eq!(
        attr(&page, "[data-testid=seller-rccm]", "value").as_deref(),
        Some("CD/KNG/RCCM/24-B-01234")
    );
    let r = admin
        .post_form(
            "/admin/payments/seller",
            &[
                ("name", "TechLearnJess SARL"),
                ("address", "12, avenue du Commerce\nGombe, Kinshasa"),
                ("rccm", "CD/KNG/RCCM/24-B-01234"),
                ("id_nat", "01-83-N12345K"),
                ("nif", "A1234567B"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_audit WHERE action = 'payment_seller' AND details LIKE '%A1234567B%'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The learner's receipt page names the seller with its identifiers; so does the PDF.
    let (_, receipt) = app.page(&format!("/payments/{reference}/receipt")).await;
    let seller = text_of(&receipt, "[data-testid=receipt-seller]").unwrap();
    for part in [
        "TechLearnJess SARL",
        "12, avenue du Commerce",
        "Gombe, Kinshasa",
        "RCCM",
        "CD/KNG/RCCM/24-B-01234",
        "Id. Nat.",
        "01-83-N12345K",
        "NIF",
        "A1234567B",
    ] {
        assert!(seller.contains(part), "{part} in {seller}");
    }
    let r = app.get(&format!("/payments/{reference}/receipt.pdf")).await;
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // Someone else's receipt does not exist for them.
    let other = app.new_browser();
    other.login(ADMIN, PASSWORD).await;
    let r = other.get(&format!("/payments/{reference}/receipt")).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_admin_pages_speak_words_and_the_rates_page_shows_the_new_rate_at_once() {
    let app = TestApp::with_demo().await;
    app.login(LEARNER, PASSWORD).await;
    let reference = buy(&app, COURSE, "airtel", "USD").await;
    wait_at_provider(&app, &reference).await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    let (_, list) = admin.page("/admin/payments").await;
    let operator = text_of(&list, "[data-testid=row-operator]").unwrap();
    assert_eq!(operator.trim(), "Airtel Money");
    let status = text_of(&list, "[data-testid=row-status]").unwrap();
    assert!(
        !status.contains("pending") && !status.contains("created"),
        "{status}"
    );
    // The filters are the toolkit's selects, keeping the choice.
    let (_, list) = admin
        .page("/admin/payments?provider=airtel&status=pending")
        .await;
    assert_eq!(
        attr(&list, "#f-provider option[selected]", "value").as_deref(),
        Some("airtel")
    );
    assert_eq!(
        text_of(&list, "#f-status option[selected]").as_deref(),
        Some("En attente")
    );
    let (_, detail) = admin.page(&format!("/admin/payments/{reference}")).await;
    assert_eq!(
        text_of(&detail, "[data-testid=detail-operator]").as_deref(),
        Some("Airtel Money")
    );
    let history = text_of(&detail, "[data-testid=transitions]").unwrap();
    assert!(
        history.contains("Paiement demandé par l'apprenant"),
        "{history}"
    );
    assert!(history.contains("Demande à l'opérateur"), "{history}");
    assert!(history.contains("En attente"), "{history}");
    for code in ["initiate", "checkout", "pending", "created"] {
        assert!(!history.contains(code), "{code} in {history}");
    }

    // Through FlexPay: "M-Pesa via FlexPay".
    let (_, routing) = admin.page("/admin/payments/routing").await;
    assert!(count(&routing, "select#p-mpesa-USD option") >= 4);
    let r = admin
        .post_form(
            "/admin/payments/routing",
            &[
                ("wallet", "orange"),
                ("currency", "USD"),
                ("provider", "flexpay"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, routing) = admin.page("/admin/payments/routing").await;
    assert_eq!(
        attr(&routing, "#p-orange-USD option[selected]", "value").as_deref(),
        Some("flexpay")
    );
    let other = buy(&app, COURSE2, "orange", "USD").await;
    wait_at_provider(&app, &other).await;
    let (_, detail) = admin.page(&format!("/admin/payments/{other}")).await;
    assert_eq!(
        text_of(&detail, "[data-testid=detail-operator]").as_deref(),
        Some("Orange Money via FlexPay")
    );

    // A new rate is the one the page shows right after saving, and the history's first.
    let (_, before) = admin.page("/admin/payments/rates").await;
    assert!(text_of(&before, "[data-testid=current-rate]").is_some());
    // The walk-through's "old rate after saving" was a refused input ("2 975 FC") shown as a
    // flash above the unchanged page: the unit is now understood, and a refusal stays in the
    // field (above).
    let r = admin
        .post_form("/admin/payments/rates", &[("rate", "2 975 FC")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, after) = admin.page(&location(&r)).await;
    let current = text_of(&after, "[data-testid=current-rate]").unwrap();
    assert!(current.contains("2 975"), "{current}");
    let history = text_of(&after, "[data-testid=rate-history]").unwrap();
    assert!(history.contains("saisi par un administrateur"), "{history}");
}
