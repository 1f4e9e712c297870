//! Files across instances: uploaded through one instance, served by another with its own empty
//! data dir (the database holds them), and `migrate-files` from a data dir into the database.

use std::process::Command;

use reqwest::multipart::{Form, Part};
use techlearnjess::certificates::signer;
use techlearnjess::db::Db;
use techlearnjess::storage::{Bucket, Storage, StorageKind};

use crate::helpers::{Browser, Instance, TempDir, TestApp, location};
use crate::teach::{
    DEMO_PASSWORD, LEARNER, TRAINER, a_category, course_form, create_course, post_multipart,
};

/// Two instances on one database (PostgreSQL, or SQLite told to keep files in it), each with
/// its own data dir, as behind a load balancer; the demo content seeded.
async fn two_instances() -> (TestApp, Instance, TempDir) {
    let app = TestApp::spawn_with(|c| c.file_storage = StorageKind::Database).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .expect("demo");
    let machine = TempDir::new();
    let data_dir = machine.0.join("data");
    // The certificate key is the platform's: every instance is given it.
    let key = app.data_dir.join(signer::KEY_FILE).display().to_string();
    let other = app
        .try_instance_with(|c| {
            c.data_dir = data_dir;
            c.certificate_key = Some(key);
        })
        .await
        .expect("second instance");
    (app, other, machine)
}

async fn signed_in(b: Browser, email: &str) -> Browser {
    b.login(email, DEMO_PASSWORD).await;
    b
}

async fn get_with(b: &Browser, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = b.client.get(b.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("GET")
}

/// Course notes of about 600 KiB (three database chunks): plain text, accepted by the sniffer.
fn notes() -> Vec<u8> {
    (0..20_000)
        .map(|i| format!("Ligne {i:05} des notes de cours, été 2026\n"))
        .collect::<String>()
        .into_bytes()
}

#[tokio::test]
async fn a_resource_uploaded_through_one_instance_downloads_identically_and_by_ranges_through_another()
 {
    let (app, other, machine) = two_instances().await;
    let here = signed_in(app.new_browser(), TRAINER).await;
    let there = signed_in(other.new_browser(), TRAINER).await;
    let course = create_course(&app, &here, "Cours partagé", "").await;
    let file = notes();
    let r = post_multipart(
        &here,
        &format!("/teach/courses/{course}/resources"),
        Form::new().text("title", "Notes").part(
            "file",
            Part::bytes(file.clone())
                .file_name("notes.txt")
                .mime_str("text/plain")
                .expect("mime"),
        ),
    )
    .await;
    assert_eq!(r.status(), 303);
    let (resource, slug): (i64, String) = sqlx::query_as(
        "SELECT r.id, c.slug FROM resources r JOIN courses c ON c.id = r.course_id \
         WHERE r.course_id = $1",
    )
    .bind(course)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("resource row");
    let path = format!("/courses/{slug}/resources/{resource}");
    let size = file.len();

    // The whole file from the other instance, whose disk holds nothing.
    let r = get_with(&there, &path, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.headers()["content-length"], size.to_string().as_str());
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("notes.txt")
    );
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    assert!(r.headers().get("last-modified").is_some());
    assert_eq!(r.bytes().await.unwrap().as_ref(), file.as_slice());
    for dir in [&app.data_dir, &machine.0.join("data")] {
        assert!(
            !dir.join("resources").exists(),
            "nothing on {}",
            dir.display()
        );
    }
    // The same validator on both instances: a browser moved between them revalidates with 304.
    let r = get_with(&here, &path, &[]).await;
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    let r = get_with(&there, &path, &[("If-None-Match", &etag)]).await;
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());

    // A download started on one instance resumes on the other, across chunk boundaries.
    let r = get_with(&here, &path, &[("Range", "bytes=0-261999")]).await;
    assert_eq!(r.status(), 206);
    let mut resumed = r.bytes().await.unwrap().to_vec();
    let r = get_with(
        &there,
        &path,
        &[("Range", "bytes=262000-"), ("If-Range", &etag)],
    )
    .await;
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 262000-{}/{size}", size - 1).as_str()
    );
    resumed.extend_from_slice(&r.bytes().await.unwrap());
    assert_eq!(resumed, file);
    let r = get_with(&there, &path, &[("Range", "bytes=262140-262150")]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-length"], "11");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &file[262_140..262_151]);
    let r = get_with(&there, &path, &[("Range", "bytes=-10")]).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), &file[size - 10..]);
    let r = get_with(&there, &path, &[("Range", &format!("bytes={size}-"))]).await;
    assert_eq!(r.status(), 416);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
    let r = get_with(
        &there,
        &path,
        &[("Range", "bytes=0-9"), ("If-Range", "\"autre\"")],
    )
    .await;
    assert_eq!(r.status(), 200, "another version: the whole file");

    // HEAD: the headers, no body.
    let r = there
        .client
        .request(reqwest::Method::HEAD, there.url(&path))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], size.to_string().as_str());
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(r.bytes().await.unwrap().is_empty());

    // Deleted through the other instance: gone for both.
    let r = there
        .post_form(
            &format!("/teach/courses/{course}/resources/{resource}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.stored_names(Bucket::Resources)
            .await
            .iter()
            .all(|n| n.starts_with("demo-"))
    );
}

/// Saves the course with a new cover image.
async fn edit_cover(b: &Browser, course: i64, category: &str, image: Vec<u8>) -> reqwest::Response {
    let form = course_form(&[
        ("title", "Cours illustré partout"),
        ("category_id", category),
        ("level", "beginner"),
        ("free", "1"),
        ("currency", "USD"),
    ])
    .part("cover", Part::bytes(image).file_name("couverture.png"));
    post_multipart(b, &format!("/teach/courses/{course}/edit"), form).await
}

/// A PNG of `w`×`h` pixels.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

#[tokio::test]
async fn a_photo_and_a_cover_uploaded_through_one_instance_are_served_by_another() {
    let (app, other, _machine) = two_instances().await;

    // The photo: uploaded here, the same bytes and validator there.
    let learner_here = signed_in(app.new_browser(), LEARNER).await;
    let token = learner_here.csrf().await;
    let r = learner_here
        .client
        .post(learner_here.url(&format!("/profile/photo?_csrf={token}")))
        .multipart(
            Form::new().part(
                "photo",
                Part::bytes(png(300, 200))
                    .file_name("moi.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let id = app.user_id(LEARNER).await;
    let photo = format!("/profile/photo/{id}/256");
    let mine = learner_here.get(&photo).await;
    assert_eq!(mine.status(), 200);
    let etag = mine.headers()["etag"].to_str().unwrap().to_owned();
    let mine = mine.bytes().await.unwrap();
    let trainer_there = signed_in(other.new_browser(), TRAINER).await;
    let r = trainer_there.get(&photo).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("private")
    );
    assert_eq!(r.bytes().await.unwrap(), mine);
    let r = get_with(&trainer_there, &photo, &[("If-None-Match", &etag)]).await;
    assert_eq!(r.status(), 304);

    // The cover: set here, the same image there; replaced there, the old one is gone here.
    let trainer_here = signed_in(app.new_browser(), TRAINER).await;
    let course = create_course(&app, &trainer_here, "Cours illustré partout", "").await;
    let category = a_category(&app).await;
    let r = edit_cover(&trainer_here, course, &category, png(1000, 500)).await;
    assert_eq!(r.status(), 303, "{}", location(&r));
    let slug: String = sqlx::query_scalar("SELECT slug FROM courses WHERE id = $1")
        .bind(course)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let cover = format!("/courses/{slug}/cover");
    let here = trainer_here.get(&cover).await;
    assert_eq!(here.status(), 200);
    assert_eq!(here.headers()["cache-control"], "public, max-age=86400");
    let here = here.bytes().await.unwrap();
    let r = trainer_there.get(&cover).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap(), here);
    let old = app.stored_names(Bucket::Covers).await;
    assert_eq!(old.len(), 1);
    let r = edit_cover(&trainer_there, course, &category, png(400, 400)).await;
    assert_eq!(r.status(), 303);
    let new = app.stored_names(Bucket::Covers).await;
    assert_eq!(new.len(), 1);
    assert_ne!(new, old, "the old cover deleted");
    assert_ne!(trainer_here.get(&cover).await.bytes().await.unwrap(), here);
}

#[tokio::test]
async fn files_of_a_data_dir_are_copied_into_the_database_once() {
    let app = TestApp::spawn_with(|c| c.file_storage = StorageKind::Database).await;
    let disk = TempDir::new();
    let files = [
        ("resources", "a1b2.pdf", notes()),
        ("covers", "c3d4.jpg", vec![1u8; 300_000]),
        ("photos", "e5f6-64.jpg", vec![2u8; 10]),
        (
            "certificates",
            "TLJ-AAAA-BBBB-1234.pdf",
            b"%PDF-1.7".to_vec(),
        ),
    ];
    for (folder, name, bytes) in &files {
        std::fs::create_dir_all(disk.0.join(folder)).unwrap();
        std::fs::write(disk.0.join(folder).join(name), bytes).unwrap();
    }
    std::fs::write(disk.0.join("resources/.half-written.tmp"), b"x").unwrap();
    let report = techlearnjess::storage::import::copy_data_dir(&disk.0, &app.state.files)
        .await
        .unwrap();
    assert_eq!((report.copied, report.skipped), (4, 0));
    for (bucket, (_, name, bytes)) in Bucket::ALL.into_iter().zip(&files) {
        assert_eq!(app.stored_file(bucket, name).await.as_ref(), Some(bytes));
    }
    let again = techlearnjess::storage::import::copy_data_dir(&disk.0, &app.state.files)
        .await
        .unwrap();
    assert_eq!((again.copied, again.skipped, again.bytes), (0, 4, 0));
}

#[test]
fn migrate_files_reports_what_it_copied_and_skips_it_the_second_time() {
    let tmp = TempDir::new();
    let resources = tmp.0.join("resources");
    std::fs::create_dir_all(&resources).unwrap();
    std::fs::write(resources.join("a1b2.txt"), b"Notes").unwrap();
    std::fs::create_dir_all(tmp.0.join("covers")).unwrap();
    std::fs::write(tmp.0.join("covers/c3d4.jpg"), [9u8; 2048]).unwrap();
    let run = |storage: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_techlearnjess"))
            .arg("migrate-files")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/cli.db", tmp.0.display()),
            )
            .env("TLJ_DATA_DIR", &tmp.0)
            .env("TLJ_FILE_STORAGE", storage)
            .env("TLJ_LOG", "warn")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run("database");
    assert!(
        first.contains("Fichiers copiés dans la base : 2 (2053 octets) ; déjà présents : 0."),
        "{first}"
    );
    let second = run("database");
    assert!(
        second.contains("Fichiers copiés dans la base : 0 (0 octets) ; déjà présents : 2."),
        "{second}"
    );
    assert!(run("files").contains("rien à copier"));

    let copied = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = Db::connect(&format!("sqlite://{}/cli.db", tmp.0.display()))
            .await
            .unwrap();
        let store = Storage::new(StorageKind::Database, &tmp.0.join("elsewhere"), &db);
        store.get(Bucket::Resources, "a1b2.txt").await.unwrap()
    });
    assert_eq!(copied.as_deref(), Some(&b"Notes"[..]));
}
