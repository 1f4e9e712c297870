//! Integration tests of the certificates feature: issued once on completion, PDF content, QR
//! code, public verification (valid / revoked / unknown / invalid), access rules, admin.

use crate::helpers::{Browser, TempDir, TestApp, count, location, text_of};
use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use techlearnjess::certificates::{Signer, model, render, signer};
use techlearnjess::config::Config;
use techlearnjess::storage::Bucket;

const PASSWORD: &str = "Demo-2026-tlj";
const LEARNER: &str = "apprenant@techlearnjess.cd";
const ADMIN: &str = "admin@techlearnjess.cd";
const COURSE: &str = "bases-de-python";

/// Enrols `browser` in the demo Python course and finishes it.
async fn complete_course(app: &TestApp, browser: &Browser) {
    let r = browser
        .post_form(&format!("/courses/{COURSE}/enrol"), &[])
        .await;
    assert_eq!(r.status(), 303, "enrolment in the free demo course");
    finish_course(app, browser).await;
}

/// Marks every lesson of the course done and passes every quiz.
async fn finish_course(app: &TestApp, browser: &Browser) {
    let pool = &app.state.db.pool;
    let lessons: Vec<i64> = sqlx::query_scalar(
        "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.slug = $1 ORDER BY l.id",
    )
    .bind(COURSE)
    .fetch_all(pool)
    .await
    .expect("lessons");
    for id in lessons {
        let r = browser
            .post_form(&format!("/courses/{COURSE}/lessons/{id}/complete"), &[])
            .await;
        assert!(r.status().is_redirection() || r.status().is_success());
    }
    let quizzes: Vec<i64> = sqlx::query_scalar(
        "SELECT q.id FROM quizzes q JOIN courses c ON c.id = q.course_id WHERE c.slug = $1",
    )
    .bind(COURSE)
    .fetch_all(pool)
    .await
    .expect("quizzes");
    for quiz in quizzes {
        let correct: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT qq.id, o.id FROM quiz_options o JOIN quiz_questions qq ON qq.id = o.question_id \
             WHERE qq.quiz_id = $1 AND o.is_correct = 1",
        )
        .bind(quiz)
        .fetch_all(pool)
        .await
        .expect("answers");
        let form: Vec<(String, String)> = correct
            .iter()
            .map(|(q, o)| (format!("q{q}"), o.to_string()))
            .collect();
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = browser
            .post_form(&format!("/courses/{COURSE}/quizzes/{quiz}"), &fields)
            .await;
        assert_eq!(r.status(), 200, "quiz submitted");
    }
}

async fn certificates_of(app: &TestApp, user_id: i64) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT code, revoked_at FROM certificates WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("certificates")
}

/// The demo learner, logged in, having completed the course; returns the certificate code.
async fn learner_with_certificate(app: &TestApp) -> String {
    app.login(LEARNER, PASSWORD).await;
    complete_course(app, &app.browser).await;
    let certs = certificates_of(app, app.user_id(LEARNER).await).await;
    assert_eq!(certs.len(), 1, "one certificate issued on completion");
    certs[0].0.clone()
}

async fn admin(app: &TestApp) -> Browser {
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    admin
}

/// Rasterises the QR code SVG made by the `qrcode` crate (`<path d="M x y h w v h H x V y…">`)
/// to a grey bitmap and decodes it with `rqrr`.
fn decode_qr_svg(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        let start = svg.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        svg[start..]
            .split('"')
            .next()
            .expect("test step")
            .parse()
            .expect("number")
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut pixels = vec![255u8; w * h];
    let d_start = svg.find(" d=\"").expect("path") + 4;
    let d = svg[d_start..].split('"').next().expect("test step");
    for rect in d.split('M').filter(|s| !s.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("test step"))
            .collect();
        let (x, y, rw, rh) = (nums[0], nums[1], nums[2], nums[3]);
        for yy in y..y + rh {
            for xx in x..x + rw {
                pixels[yy * w + xx] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code found");
    grids[0].decode().expect("QR decodes").1
}

#[tokio::test]
async fn completing_a_course_issues_one_certificate_exactly_once_and_notifies() {
    let app = TestApp::with_demo().await;
    let first = learner_with_certificate(&app).await;
    let user_id = app.user_id(LEARNER).await;
    let course_id: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE slug = $1")
        .bind(COURSE)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("test step");
    // A second call (e.g. a retried request) issues nothing more.
    let again = techlearnjess::certificates::issue_on_completion(&app.state, user_id, course_id)
        .await
        .expect("test step");
    assert!(again.is_none());
    // Re-submitting the quiz does not issue another one either.
    finish_course(&app, &app.browser).await;
    assert_eq!(certificates_of(&app, user_id).await.len(), 1);
    // Two concurrent calls (after the certificate row is gone) issue exactly one.
    sqlx::query("DELETE FROM certificates WHERE user_id = $1")
        .bind(user_id)
        .execute(&app.state.db.pool)
        .await
        .expect("test step");
    let issue = || techlearnjess::certificates::issue_on_completion(&app.state, user_id, course_id);
    let (a, b) = tokio::join!(issue(), issue());
    assert_eq!(
        usize::from(a.expect("test step").is_some()) + usize::from(b.expect("test step").is_some()),
        1
    );
    let certs = certificates_of(&app, user_id).await;
    assert_eq!(certs.len(), 1);
    let code = certs[0].0.clone();
    assert_ne!(code, first, "a new code");

    let notes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'certificate_available'",
    )
    .bind(user_id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("test step");
    assert_eq!(
        notes, 2,
        "one notification per certificate issued (the first and the re-created one)"
    );
    crate::helpers::eventually(
        "the learner is e-mailed a link to the certificates",
        || async {
            app.emails_to(LEARNER)
                .iter()
                .any(|m| m.contains("/certificates"))
        },
    )
    .await;

    let (status, html) = app.page("/certificates").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=certificate-item]"), 1);
    assert_eq!(
        text_of(&html, "[data-testid=certificate-code]").as_deref(),
        Some(code.as_str())
    );
    assert!(html.html().contains(&format!("/certificates/{code}/pdf")));
}

#[tokio::test]
async fn the_pdf_holds_name_course_and_code_and_the_qr_code_opens_the_verify_page() {
    let app = TestApp::with_demo().await;
    let email = "eloise@example.cd";
    app.signup_verified("Éloïse N'Sele-Kabongo", email, "Un-mot-de-passe-2026")
        .await;
    let browser = app.new_browser();
    browser.login(email, "Un-mot-de-passe-2026").await;
    complete_course(&app, &browser).await;
    let certs = certificates_of(&app, app.user_id(email).await).await;
    assert_eq!(certs.len(), 1);
    let code = &certs[0].0;

    let r = browser.get(&format!("/certificates/{code}/pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(
        r.headers()["cache-control"],
        "private, no-store",
        "names the learner"
    );
    let pdf = r.bytes().await.expect("test step");
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&pdf).expect("PDF text");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Éloïse N'Sele-Kabongo"), "{flat}");
    assert!(flat.contains("Les bases de Python"), "{flat}");
    assert!(flat.contains(code.as_str()), "{flat}");
    assert!(flat.contains("Chadrack Mbu Jess"), "trainer: {flat}");
    assert!(flat.contains("Apprendre ici, réussir partout"), "{flat}");
    // The code and signature are in the document metadata too (uncompressed Info dictionary).
    let signature: String =
        sqlx::query_scalar("SELECT signature FROM certificates WHERE code = $1")
            .bind(code)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("test step");
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains(&format!("certificate:{code}")));
    assert!(raw.contains(&format!("signature:{signature}")));
    // The trainer's name on the signature line (and in the metadata, readable here).
    let trainer: String =
        sqlx::query_scalar("SELECT trainer_name FROM certificates WHERE code = $1")
            .bind(code)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("test step");
    assert!(!trainer.is_empty());
    assert!(
        raw.contains(&format!("trainer:{trainer}")),
        "the trainer's name"
    );
    // Rendered once, then served from the cache (keyed by the template: a PDF left by an older
    // template under the old name is not served).
    let cached = render::cache_name(code);
    assert_eq!(
        app.stored_file(Bucket::Certificates, &cached).await,
        Some(pdf.to_vec())
    );
    assert_ne!(cached, format!("{code}.pdf"));
    let second = browser.get(&format!("/certificates/{code}/pdf")).await;
    assert_eq!(second.bytes().await.expect("test step"), pdf);

    // The QR code printed on the certificate decodes to the verify URL, which says "valid".
    let url = render::verify_url(&app.state.config.base_url, code);
    assert_eq!(url, format!("{}/verify/{code}", app.base));
    let svg = render::qr_svg(&url).expect("test step");
    let decoded = decode_qr_svg(&svg);
    assert_eq!(decoded, url);
    assert!(flat.contains(&url), "the URL is printed under the QR code");
    let anonymous = app.new_browser();
    let (status, html) = anonymous.page(decoded.trim_start_matches(&app.base)).await;
    assert_eq!(status, 200);
    let result = html
        .select(&scraper::Selector::parse("[data-testid=verify-result]").expect("test step"))
        .next()
        .expect("result");
    assert_eq!(result.value().attr("data-status"), Some("valid"));
    assert_eq!(
        text_of(&html, "[data-testid=verify-learner]").as_deref(),
        Some("Éloïse N'Sele-Kabongo")
    );
    assert_eq!(count(&html, "script[src*=verify]"), 0);
}

fn verify_status(html: &scraper::Html) -> Option<String> {
    html.select(&scraper::Selector::parse("[data-testid=verify-result]").expect("test step"))
        .next()
        .and_then(|e| e.value().attr("data-status").map(str::to_owned))
}

#[tokio::test]
async fn verify_says_valid_invalid_revoked_or_unknown() {
    let app = TestApp::with_demo().await;
    let code = learner_with_certificate(&app).await;
    let public = app.new_browser();
    let page = format!("/verify/{code}");

    let (status, html) = public.page(&page).await;
    assert_eq!(status, 200);
    assert_eq!(verify_status(&html).as_deref(), Some("valid"));
    assert_eq!(
        text_of(&html, "[data-testid=verify-learner]").as_deref(),
        Some("Patrick Mavungu")
    );
    assert_eq!(
        text_of(&html, "[data-testid=verify-trainer]").as_deref(),
        Some("Chadrack Mbu Jess")
    );
    assert!(text_of(&html, "[data-testid=verify-date]").is_some());

    // Tampering with any signed column in the database shows the certificate as invalid.
    let pool = &app.state.db.pool;
    for (column, forged) in [
        ("learner_name", "Patrick Mavungu Jr"),
        ("course_title", "Python avancé"),
        ("trainer_name", "Quelqu'un"),
        ("completed_on", "2020-01-01"),
        ("issued_at", "2020-01-01T00:00:00Z"),
    ] {
        let original: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM certificates WHERE code = $1"
        )))
        .bind(&code)
        .fetch_one(pool)
        .await
        .expect("test step");
        let set = |v: String| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE certificates SET {column} = $1 WHERE code = $2"
            )))
            .bind(v)
            .bind(code.clone())
            .execute(pool)
        };
        set(forged.to_owned()).await.expect("test step");
        let (status, html) = public.page(&page).await;
        assert_eq!(status, 200);
        assert_eq!(verify_status(&html).as_deref(), Some("invalid"), "{column}");
        assert!(
            !html.html().contains(forged),
            "forged data is not displayed"
        );
        set(original).await.expect("test step");
    }
    let (_, html) = public.page(&page).await;
    assert_eq!(verify_status(&html).as_deref(), Some("valid"));

    // Revoked by an admin, with the date and reason.
    let admin = admin(&app).await;
    let r = admin
        .post_form(
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "Fraude au quiz constatée")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, html) = public.page(&page).await;
    assert_eq!(status, 200);
    assert_eq!(verify_status(&html).as_deref(), Some("revoked"));
    assert_eq!(
        text_of(&html, "[data-testid=verify-reason]").as_deref(),
        Some("Fraude au quiz constatée")
    );

    // Unknown, and garbage.
    let (status, html) = public.page("/verify/TLJ-2222-2222").await;
    assert_eq!(status, 404);
    assert_eq!(verify_status(&html).as_deref(), Some("unknown"));
    let (status, html) = public.page("/verify/%3Cscript%3E").await;
    assert_eq!(status, 404);
    assert_eq!(verify_status(&html).as_deref(), Some("unknown"));
    assert!(!html.html().contains("<script>"));

    // The form: a typed code (any case, spaces) goes to its page; a malformed one is refused.
    let (status, html) = public.page("/verify").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=verify-form]"), 1);
    let typed = code.to_lowercase().replace('-', " ");
    let r = public
        .client
        .get(public.url("/verify"))
        .query(&[("code", typed.as_str())])
        .send()
        .await
        .expect("test step");
    assert!(r.status().is_redirection());
    assert_eq!(location(&r), page);
    let (status, html) = public.page("/verify?code=hello").await;
    assert_eq!(status, 400);
    assert_eq!(count(&html, "[data-testid=error-code]"), 1);
    let r = public
        .get(&format!("/verify/{}", code.to_lowercase()))
        .await;
    assert!(r.status().is_redirection());
    assert_eq!(location(&r), page);
}

#[tokio::test]
async fn downloads_are_for_the_owner_or_an_admin_and_the_key_is_published() {
    let app = TestApp::with_demo().await;
    let code = learner_with_certificate(&app).await;
    let pdf_path = format!("/certificates/{code}/pdf");

    let anonymous = app.new_browser();
    assert_ne!(anonymous.get(&pdf_path).await.status(), 200);
    assert_ne!(anonymous.get("/certificates").await.status(), 200);

    let other = app.new_browser();
    other.login("moderateur@techlearnjess.cd", PASSWORD).await;
    assert_eq!(other.get(&pdf_path).await.status(), 403);
    assert_eq!(other.get("/admin/certificates").await.status(), 403);
    let (_, html) = other.page("/certificates").await;
    assert_eq!(count(&html, "[data-testid=certificate-item]"), 0);
    assert_eq!(
        other
            .post_form(
                &format!("/admin/certificates/{code}/revoke"),
                &[("reason", "x")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(
        other.get("/certificates/TLJ-2222-2222/pdf").await.status(),
        404
    );

    let admin = admin(&app).await;
    let r = admin.get(&pdf_path).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.expect("test step").starts_with(b"%PDF"));

    // The published public key verifies the stored signature over the canonical text.
    let r = anonymous.get("/certificates/public-key").await;
    assert_eq!(r.status(), 200);
    let pem = r.text().await.expect("test step");
    let key = VerifyingKey::from_public_key_pem(&pem).expect("PEM public key");
    let cert: model::Certificate = sqlx::query_as(
        "SELECT id, code, user_id, course_id, learner_name, course_title, trainer_name, \
         completed_on, issued_at, format_version, signature, revoked_at, revoked_reason \
         FROM certificates WHERE code = $1",
    )
    .bind(&code)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("test step");
    let text = model::canonical_text(cert.format_version, &cert.fields()).expect("test step");
    assert!(signer::verify_with(&key, &text, &cert.signature));
    assert!(!signer::verify_with(
        &key,
        &text.replace("Patrick", "Patricia"),
        &cert.signature
    ));

    // Revocation: a reason is required; then the owner can no longer download it.
    let r = admin
        .post_form(
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = scraper::Html::parse_document(&r.text().await.expect("body"));
    let field = scraper::Selector::parse(&format!("#reason-{code}")).expect("selector");
    let field = page.select(&field).next().expect("the reason field");
    assert_eq!(field.value().attr("aria-invalid"), Some("true"));
    assert_eq!(
        crate::helpers::count(&page, &format!("[data-testid=error-reason-{code}]")),
        1
    );
    let r = admin
        .post_form(
            &format!("/admin/certificates/{code}/revoke"),
            &[("reason", "Erreur")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&pdf_path).await.status(), 404);
    assert_eq!(admin.get(&pdf_path).await.status(), 200);
}

#[tokio::test]
async fn an_admin_searches_and_reissues_a_certificate() {
    let app = TestApp::with_demo().await;
    let code = learner_with_certificate(&app).await;
    let user_id = app.user_id(LEARNER).await;
    let admin = admin(&app).await;

    let (status, html) = admin.page("/admin/certificates?q=mavungu").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "[data-testid=admin-cert]"), 1);
    let (_, html) = admin
        .page(&format!("/admin/certificates?q={}", code.to_lowercase()))
        .await;
    assert_eq!(count(&html, "[data-testid=admin-cert]"), 1);
    let (_, html) = admin.page("/admin/certificates?q=personne").await;
    assert_eq!(count(&html, "[data-testid=admin-cert]"), 0);
    let r = admin
        .client
        .get(admin.url("/admin/certificates?q=mavungu"))
        .header("hx-request", "true")
        .send()
        .await
        .expect("test step");
    let fragment = scraper::Html::parse_fragment(&r.text().await.expect("test step"));
    assert_eq!(count(&fragment, "header"), 0, "htmx gets the rows only");
    assert_eq!(count(&fragment, "[data-testid=admin-cert]"), 1);

    // The learner fixes their name; the admin re-issues: the old one is revoked, a new one valid.
    sqlx::query("UPDATE users SET name = 'Patrick Mavungu Nsimba' WHERE id = $1")
        .bind(user_id)
        .execute(&app.state.db.pool)
        .await
        .expect("test step");
    let r = admin
        .post_form(&format!("/admin/certificates/{code}/reissue"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let certs = certificates_of(&app, user_id).await;
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].0, code);
    assert!(certs[0].1.is_some(), "the old one is revoked");
    assert!(certs[1].1.is_none(), "the new one is valid");
    let (_, html) = admin.page(&format!("/verify/{}", certs[1].0)).await;
    assert_eq!(verify_status(&html).as_deref(), Some("valid"));
    assert_eq!(
        text_of(&html, "[data-testid=verify-learner]").as_deref(),
        Some("Patrick Mavungu Nsimba")
    );
    let (_, html) = admin.page(&format!("/verify/{code}")).await;
    assert_eq!(verify_status(&html).as_deref(), Some("revoked"));
}

#[tokio::test]
async fn an_instance_with_another_certificate_key_refuses_to_start_and_one_with_the_same_key_verifies()
 {
    let app = TestApp::with_demo().await;
    let code = learner_with_certificate(&app).await;
    let platform_key = app.data_dir.join(signer::KEY_FILE);

    // Another key, set through TLJ_CERT_KEY: refused, with a message that says what to do.
    let elsewhere = TempDir::new();
    let other =
        Config::from_lookup(|k| (k == "TLJ_DATA_DIR").then(|| elsewhere.0.display().to_string()))
            .expect("test step");
    Signer::load_or_create(&other).expect("another key");
    let other_key = elsewhere.0.join(signer::KEY_FILE).display().to_string();
    let refused = app
        .try_instance_with(|c| c.certificate_key = Some(other_key))
        .await
        .err()
        .expect("another key refuses to start");
    let message = format!("{refused:#}");
    assert!(
        message.contains("n'est pas celle de la plateforme") && message.contains("TLJ_CERT_KEY"),
        "{message}"
    );

    // A new machine with no key: refused too, and no key of its own left in its data dir.
    let machine = TempDir::new();
    let data_dir = machine.0.join("data");
    let refused = app
        .try_instance_with(|c| c.data_dir = data_dir.clone())
        .await
        .err()
        .expect("an instance without the key refuses to start");
    assert!(
        format!("{refused:#}").contains("TLJ_CERT_KEY"),
        "{refused:#}"
    );
    assert!(!data_dir.join(signer::KEY_FILE).exists());

    // The same machine given the platform's key: starts, and verifies the first one's
    // certificate.
    let same = app
        .try_instance_with(|c| {
            c.data_dir = data_dir.clone();
            c.certificate_key = Some(platform_key.display().to_string());
        })
        .await
        .expect("the platform's key starts");
    let visitor = same.new_browser();
    let (status, html) = visitor.page(&format!("/verify/{code}")).await;
    assert_eq!(status, 200);
    assert_eq!(verify_status(&html).as_deref(), Some("valid"));
    let published = |b: Browser| async move {
        b.get("/certificates/public-key")
            .await
            .text()
            .await
            .expect("body")
    };
    assert_eq!(published(visitor).await, published(app.new_browser()).await);
}

#[tokio::test]
async fn instances_starting_together_agree_on_the_first_recorded_setting() {
    let app = TestApp::spawn().await;
    let recorded = app.state.db.clone();
    let mut starts = tokio::task::JoinSet::new();
    for i in 0..8 {
        let db = recorded.clone();
        starts.spawn(async move {
            techlearnjess::auth::queries::insert_platform_setting_if_absent(
                &db,
                "test_first_writer",
                &format!("instance {i}"),
            )
            .await
            .expect("recorded or read")
        });
    }
    let seen: Vec<String> = starts.join_all().await;
    assert!(seen[0].starts_with("instance "), "{seen:?}");
    assert!(seen.iter().all(|v| *v == seen[0]), "{seen:?}");
    // The platform's key was recorded when the app started.
    let key =
        techlearnjess::auth::queries::platform_setting(&app.state.db, signer::PUBLIC_KEY_SETTING)
            .await
            .expect("test step")
            .expect("recorded at start-up");
    assert!(app.state.signer.has_public_key(&key));
}
