//! `techlearnjess backup FILE` while the platform takes writes: the copy is consistent, holds
//! everything acknowledged before it started, and a new app runs on it (SQLite copy; on
//! PostgreSQL a pg_dump restored into a new database with pg_restore).

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::helpers::{TempDir, TestApp, random_suffix};

const PASSWORD: &str = "Demo-2026-tlj";

async fn backup_cli(database_url: &str, file: &std::path::Path, path_env: Option<&str>) -> Output {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_techlearnjess"));
    c.arg("backup")
        .arg(file)
        .env("DATABASE_URL", database_url)
        .env("TLJ_LOG", "warn");
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c.output().await.expect("the binary runs")
}

/// Signs up new accounts (each "from" its own address) until `stop`; counts the acknowledged.
fn spawn_writer(
    app: &TestApp,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<()> {
    let b = app.new_browser();
    tokio::spawn(async move {
        let token = b.csrf().await;
        let mut i = 0;
        while !stop.load(Ordering::SeqCst) {
            let email = format!("charge{i}@example.cd");
            let r = b
                .client
                .post(b.url("/signup"))
                .header("x-forwarded-for", format!("10.20.{}.{}", i / 200, i % 200))
                .form(&[
                    ("name", "Charge"),
                    ("email", email.as_str()),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("_csrf", &token),
                ])
                .send()
                .await
                .expect("signup");
            assert_eq!(r.status(), 303, "signup {i}");
            acked.fetch_add(1, Ordering::SeqCst);
            i += 1;
        }
    })
}

async fn load_accounts(db: &techlearnjess::db::Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email LIKE 'charge%'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Runs the backup while the writer works; returns (acked before, acked after).
async fn backup_under_load(app: &TestApp, file: &std::path::Path) -> (usize, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let writer = spawn_writer(app, stop.clone(), acked.clone());
    crate::helpers::eventually("the writer is under way", || async {
        acked.load(Ordering::SeqCst) >= 5
    })
    .await;
    let before = acked.load(Ordering::SeqCst);
    let out = backup_cli(&app.state.config.database_url, file, None).await;
    let after = acked.load(Ordering::SeqCst);
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sauvegarde écrite"));
    // Keep writing a little after the copy: none of it may show in the copy.
    crate::helpers::eventually("writes go on after the copy", || async {
        acked.load(Ordering::SeqCst) >= after + 5
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(acked.load(Ordering::SeqCst) > after, "writes went on");
    (before, after + 1)
}

/// A new app on the restored database: the demo learner logs in, the data is there.
async fn check_restored(app: &TestApp, database_url: String, before: usize, after: usize) {
    // A restored platform needs its certificate key too (it refuses to start with another).
    let key = app
        .data_dir
        .join(techlearnjess::certificates::signer::KEY_FILE);
    let restored = TestApp::spawn_with(move |c| {
        c.database_url = database_url;
        c.certificate_key = Some(key.display().to_string());
    })
    .await;
    let accounts = load_accounts(&restored.state.db).await as usize;
    assert!(
        (before..=after).contains(&accounts),
        "{accounts} accounts in the copy, {before} acknowledged before it, {after} after"
    );
    restored.login("apprenant@techlearnjess.cd", PASSWORD).await;
    let (status, html) = restored.page("/courses/bases-de-python").await;
    assert_eq!(status, 200, "a demo course is there");
    assert!(html.html().contains("Les bases de Python"));
}

#[tokio::test]
async fn a_backup_taken_under_load_is_consistent_and_restorable() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
        .await
        .unwrap();
    let tmp = TempDir::new();
    let file = tmp
        .0
        .join(if app.state.config.database_url.starts_with("postgres") {
            "sauvegarde.dump"
        } else {
            "sauvegarde.db"
        });
    let (before, after) = backup_under_load(&app, &file).await;
    assert!(file.metadata().unwrap().len() > 0);

    if let Some(admin) = std::env::var("TLJ_TEST_POSTGRES_URL")
        .ok()
        .filter(|_| app.state.config.database_url.starts_with("postgres"))
    {
        // pg_dump → pg_restore into a new database → the app starts on it.
        let name = format!("tlj_restore_{}", random_suffix());
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        let restore = tokio::process::Command::new("pg_restore")
            .arg("--no-owner")
            .arg("--exit-on-error")
            .arg("--dbname")
            .arg(url.as_str())
            .arg(&file)
            .output()
            .await
            .expect("pg_restore runs");
        assert!(
            restore.status.success(),
            "{}",
            String::from_utf8_lossy(&restore.stderr)
        );
        check_restored(&app, url.to_string(), before, after).await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&pool)
        .await;
        pool.close().await;
    } else {
        let url = format!("sqlite://{}", file.display());
        let copy = techlearnjess::db::Db::connect(&url).await.unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&copy.pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        copy.pool.close().await;
        check_restored(&app, url, before, after).await;
    }
}

#[tokio::test]
async fn without_pg_dump_the_backup_says_so_in_french() {
    let tmp = TempDir::new();
    let out = backup_cli(
        "postgres://tlj@127.0.0.1:5432/tlj",
        &tmp.0.join("x.dump"),
        Some(""),
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pg_dump est introuvable"), "{stderr}");
    assert!(!tmp.0.join("x.dump").exists());
}
