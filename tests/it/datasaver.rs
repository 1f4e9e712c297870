//! Data saver (Save-Data / ECT hints, profile setting, visitor cookie, sizes before heavy
//! things) and resumable resource downloads (Range, ETag, If-Range).

use scraper::Html;
use techlearnjess::auth::model::{Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::courses::queries::{self as courses, NewCourse};
use techlearnjess::storage::Bucket;

use crate::helpers::{Browser, TestApp, count, location, text_of};

const PASSWORD: &str = "Eco-2026-tlj";

/// A published free course with a YouTube lesson (20 min), a large cover and a resource.
struct Fx {
    slug: String,
    course_id: i64,
    lesson: i64,
    resource: i64,
    file: Vec<u8>,
}

async fn user(app: &TestApp, email: &str, roles: &[Role]) -> i64 {
    let hash = password::hash(PASSWORD.to_owned()).await.unwrap();
    users::create_user(
        &app.state.db,
        users::NewUser {
            name: "Jess",
            email,
            password_hash: &hash,
            roles: &Roles::of(roles),
            verified: true,
            locale: "fr",
        },
    )
    .await
    .unwrap()
    .unwrap()
}

async fn browser(app: &TestApp, email: &str) -> Browser {
    let b = app.new_browser();
    b.login(email, PASSWORD).await;
    b
}

async fn fixture(app: &TestApp) -> Fx {
    let db = &app.state.db;
    let trainer = user(app, "formateur@example.cd", &[Role::Trainer]).await;
    let cat = courses::upsert_category(db, "reseaux", "Réseaux", 0)
        .await
        .unwrap();
    let slug = "reseaux-mobiles".to_owned();
    let course_id = courses::create_course(
        db,
        NewCourse {
            title: "Réseaux mobiles",
            slug: &slug,
            summary: "Résumé",
            description: "Description",
            category_id: cat,
            trainer_id: trainer,
            level: "beginner",
            duration_minutes: 60,
            price_minor: 0,
            currency: "USD",
            published: true,
        },
    )
    .await
    .unwrap();
    let now = "2026-01-01T00:00:00Z";
    let section: i64 = sqlx::query_scalar(
        "INSERT INTO course_sections (course_id, title, position, created_at) \
         VALUES ($1, 'Introduction', 1, $2) RETURNING id",
    )
    .bind(course_id)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let lesson: i64 = sqlx::query_scalar(
        "INSERT INTO lessons (course_id, section_id, title, body, video_url, duration_minutes, \
         position, free_preview, created_at, updated_at) \
         VALUES ($1, $2, 'La 4G', 'Texte', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', 20, 1, 1, $3, $3) \
         RETURNING id",
    )
    .bind(course_id)
    .bind(section)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // A resource of 3,000 bytes whose every byte is distinct from its neighbours.
    let file: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    app.put_file(Bucket::Resources, "reseaux-f00d.pdf", &file)
        .await;
    let resource: i64 = sqlx::query_scalar(
        "INSERT INTO resources (course_id, title, original_name, stored_name, content_type, \
         size_bytes, created_at) VALUES ($1, 'Mémo', 'Mémo 4G.pdf', 'reseaux-f00d.pdf', \
         'application/pdf', 3000, $2) RETURNING id",
    )
    .bind(course_id)
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // A cover over the data saver budget (the bytes only need to exist to be measured).
    app.put_file(Bucket::Covers, "cover-reseaux.jpg", &vec![0u8; 90 * 1024])
        .await;
    sqlx::query("UPDATE courses SET cover_path = 'cover-reseaux.jpg' WHERE id = $1")
        .bind(course_id)
        .execute(&db.pool)
        .await
        .unwrap();
    Fx {
        slug,
        course_id,
        lesson,
        resource,
        file,
    }
}

async fn page_with(b: &Browser, path: &str, headers: &[(&str, &str)]) -> Html {
    let mut req = b.client.get(b.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    Html::parse_document(&r.text().await.unwrap())
}

fn indicator(html: &Html) -> String {
    let sel = scraper::Selector::parse("[data-testid=data-saver-indicator]").unwrap();
    html.select(&sel)
        .next()
        .and_then(|e| e.value().attr("data-state"))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn save_data_header_shows_sizes_and_holds_back_video_and_images() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let visitor = app.new_browser();
    let lesson = format!("/courses/{}/lessons/{}", fx.slug, fx.lesson);

    // Without a hint: the usual play button, no placeholder, indicator off.
    let page = page_with(&visitor, &lesson, &[]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 0);
    assert_eq!(count(&page, "[data-testid=video-play]"), 1);
    assert_eq!(indicator(&page), "off");

    // Save-Data: on → the size first, no iframe, the indicator says it is on.
    let page = page_with(&visitor, &lesson, &[("Save-Data", "on")]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 1);
    assert_eq!(
        text_of(&page, "[data-testid=video-size]").as_deref(),
        Some("Vidéo externe — environ 300 Mo/h")
    );
    assert_eq!(
        text_of(&page, "[data-testid=video-lesson-size]").as_deref(),
        Some("Environ 100 Mo pour les 20 min de cette leçon.")
    );
    assert_eq!(count(&page, "iframe"), 0);
    assert_eq!(count(&page, "[data-testid=video-play]"), 1);
    assert_eq!(indicator(&page), "on");
    assert!(
        text_of(&page, "[data-testid=data-saver-indicator]")
            .unwrap()
            .starts_with("Économie de données : activée")
    );

    // A slow connection reported by the ECT client hint does the same.
    let page = page_with(&visitor, &lesson, &[("ECT", "2g")]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 1);
    let page = page_with(&visitor, &lesson, &[("ECT", "4g")]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 0);

    // The cover (90 Ko, over the budget) is a tap-to-load placeholder with its size.
    let course = format!("/courses/{}", fx.slug);
    let page = page_with(&visitor, &course, &[("Save-Data", "on")]).await;
    assert_eq!(count(&page, "img[data-testid=course-cover]"), 0);
    assert_eq!(
        text_of(&page, "[data-testid=image-held-size]").as_deref(),
        Some("Image non chargée — 90 Ko")
    );
    let page = page_with(&visitor, &course, &[]).await;
    assert_eq!(count(&page, "[data-testid=image-held]"), 0);
    assert_eq!(
        count(
            &page,
            "img[data-testid=course-cover][loading=lazy][width][height]"
        ),
        1
    );

    // The tap loads the image fragment (htmx); a foreign address is refused with a 400.
    let r = visitor
        .client
        .get(visitor.url(&format!(
            "/data-saver/image?kind=cover&src=%2Fcourses%2F{}%2Fcover&alt=Couverture",
            fx.slug
        )))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fragment = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(
        count(&fragment, "img[data-testid=course-cover][alt=Couverture]"),
        1
    );
    let r = visitor
        .client
        .get(
            visitor
                .url("/data-saver/image?kind=cover&src=https%3A%2F%2Fevil.example%2Fx.png&alt=x"),
        )
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Pages vary on the hints and ask Chromium for the connection type.
    let r = visitor.get(&lesson).await;
    let vary: Vec<_> = r
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(vary.iter().any(|v| v.contains("Save-Data")), "{vary:?}");
    assert_eq!(r.headers()["accept-ch"], "ECT, Save-Data");
}

#[tokio::test]
async fn the_choice_persists_on_the_account_and_overrides_the_browser() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let learner = user(&app, "apprenant@example.cd", &[Role::Learner]).await;
    courses::enrol(&app.state.db, learner, fx.course_id, "free")
        .await
        .unwrap();
    let b = browser(&app, "apprenant@example.cd").await;
    let lesson = format!("/courses/{}/lessons/{}", fx.slug, fx.lesson);

    // "Always off" wins over Save-Data, and is stored on the account.
    let r = b
        .post_form(
            "/data-saver",
            &[("mode", "off"), ("next", "/profile#data-saver")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/profile#data-saver");
    let stored: Option<i64> = sqlx::query_scalar("SELECT data_saver FROM users WHERE id = $1")
        .bind(learner)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, Some(0));
    let page = page_with(&b, &lesson, &[("Save-Data", "on")]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 0);
    assert_eq!(indicator(&page), "off");

    // "Always on" without any hint, on another device of the same account too.
    b.post_form("/data-saver", &[("mode", "on")]).await;
    let page = page_with(&b, &lesson, &[]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 1);
    let other_device = browser(&app, "apprenant@example.cd").await;
    let page = page_with(&other_device, &lesson, &[]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 1);
    let profile = page_with(&other_device, "/profile", &[]).await;
    assert_eq!(
        count(&profile, "input[data-testid=data-saver-on][checked]"),
        1
    );
    // The resource download shows its size on the course page.
    let course = page_with(&b, &format!("/courses/{}", fx.slug), &[]).await;
    assert_eq!(
        text_of(&course, "[data-testid=resource-download-size]").as_deref(),
        Some("Télécharger (3 Ko)")
    );

    // "Automatic" follows the browser again.
    b.post_form("/data-saver", &[("mode", "auto")]).await;
    let stored: Option<i64> = sqlx::query_scalar("SELECT data_saver FROM users WHERE id = $1")
        .bind(learner)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, None);
    assert_eq!(
        count(
            &page_with(&b, &lesson, &[]).await,
            "[data-testid=video-saver]"
        ),
        0
    );
    assert_eq!(
        count(
            &page_with(&b, &lesson, &[("Save-Data", "on")]).await,
            "[data-testid=video-saver]"
        ),
        1
    );

    // A mode that does not exist is a French 400.
    let r = b.post_form("/data-saver", &[("mode", "parfois")]).await;
    assert_eq!(r.status(), 400);
    let html = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text_of(&html, "[data-testid=error-message]")
            .unwrap()
            .starts_with("Choisissez")
    );
}

#[tokio::test]
async fn a_visitor_choice_lives_in_a_cookie() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let visitor = app.new_browser();
    let lesson = format!("/courses/{}/lessons/{}", fx.slug, fx.lesson);
    let (status, page) = visitor.page("/data-saver").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&page, "input[data-testid=data-saver-auto][checked]"),
        1
    );

    let r = visitor
        .post_form("/data-saver", &[("mode", "on"), ("next", &lesson)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), lesson);
    assert_eq!(visitor.cookie("tlj_saver").as_deref(), Some("1"));
    let page = page_with(&visitor, &lesson, &[]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 1);

    visitor.post_form("/data-saver", &[("mode", "off")]).await;
    assert_eq!(visitor.cookie("tlj_saver").as_deref(), Some("0"));
    let page = page_with(&visitor, &lesson, &[("Save-Data", "on")]).await;
    assert_eq!(count(&page, "[data-testid=video-saver]"), 0);

    visitor.post_form("/data-saver", &[("mode", "auto")]).await;
    assert_eq!(visitor.cookie("tlj_saver"), None);
}

#[tokio::test]
async fn resource_downloads_resume_with_ranges_and_validators() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let learner = user(&app, "apprenant@example.cd", &[Role::Learner]).await;
    courses::enrol(&app.state.db, learner, fx.course_id, "free")
        .await
        .unwrap();
    user(&app, "curieux@example.cd", &[Role::Learner]).await;
    let b = browser(&app, "apprenant@example.cd").await;
    let path = format!("/courses/{}/resources/{}", fx.slug, fx.resource);
    let get = |headers: Vec<(&'static str, String)>| {
        let mut req = b.client.get(b.url(&path));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let downloads = || async {
        sqlx::query_scalar::<_, i64>("SELECT download_count FROM resources WHERE id = $1")
            .bind(fx.resource)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
    };

    // The whole file: Accept-Ranges, a strong ETag, the name kept.
    let r = get(vec![]).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''M%C3%A9mo%204G.pdf")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), fx.file.as_slice());
    assert_eq!(downloads().await, 1);
    // A browser asking for compression still gets the file as stored, so it can resume.
    let r = get(vec![("Accept-Encoding", "gzip, br".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-length"], "3000");
    assert_eq!(downloads().await, 2);

    // A resumed download: 206 with the exact bytes and Content-Range; not counted again.
    let r = get(vec![("Range", "bytes=1000-1999".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 1000-1999/3000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &fx.file[1000..2000]);
    let r = get(vec![("Range", "bytes=2500-".into())]).await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &fx.file[2500..]);
    assert_eq!(downloads().await, 2);

    // Beyond the end: 416 with the size.
    let r = get(vec![("Range", "bytes=5000-6000".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */3000");

    // Unchanged since the ETag: 304, no body.
    let r = get(vec![("If-None-Match", etag.clone())]).await.unwrap();
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());

    // If-Range with the current ETag: the range; with another one: the whole file.
    let r = get(vec![
        ("Range", "bytes=0-9".into()),
        ("If-Range", etag.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &fx.file[..10]);
    let r = get(vec![
        ("Range", "bytes=0-9".into()),
        ("If-Range", "\"ancienne-version\"".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), fx.file.as_slice());

    // The file changed: the old ETag no longer matches, a resume restarts from zero.
    let changed: Vec<u8> = fx.file.iter().rev().copied().collect();
    app.put_file(Bucket::Resources, "reseaux-f00d.pdf", &changed)
        .await;
    let r = get(vec![("If-None-Match", etag.clone())]).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get(vec![
        ("Range", "bytes=1000-".into()),
        ("If-Range", etag.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), changed.as_slice());

    // Access is still checked first: not enrolled → 403, visitor → log-in, with or without
    // a range.
    let outsider = browser(&app, "curieux@example.cd").await;
    let r = outsider
        .client
        .get(outsider.url(&path))
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .new_browser()
        .client
        .get(b.url(&path))
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
}
