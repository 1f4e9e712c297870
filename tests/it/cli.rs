//! The command line: create-admin, seed-demo, backup, migrate.

use std::process::Command;

use crate::helpers::TempDir;

fn cli(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_techlearnjess"));
    c.env("DATABASE_URL", format!("sqlite://{}/cli.db", dir.display()))
        .env("TLJ_DATA_DIR", dir)
        .env_remove("TLJ_ADMIN_PASSWORD")
        .env("TLJ_LOG", "warn");
    c
}

#[test]
fn create_admin_reads_the_password_from_the_environment_and_refuses_a_weak_one() {
    let tmp = TempDir::new();
    let weak = cli(&tmp.0)
        .args([
            "create-admin",
            "--email",
            "boss@example.cd",
            "--name",
            "Boss",
        ])
        .env("TLJ_ADMIN_PASSWORD", "court")
        .output()
        .expect("runs");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("mot de passe trop faible"));
    let ok = cli(&tmp.0)
        .args([
            "create-admin",
            "--email",
            "boss@example.cd",
            "--name",
            "Boss",
        ])
        .env("TLJ_ADMIN_PASSWORD", "Admin-2026-fort")
        .output()
        .expect("runs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Administrateur créé"));
    let again = cli(&tmp.0)
        .args([
            "create-admin",
            "--email",
            "BOSS@example.cd",
            "--name",
            "Boss",
        ])
        .env("TLJ_ADMIN_PASSWORD", "Admin-2026-fort")
        .output()
        .expect("runs");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("existe déjà"));
}

#[test]
fn create_admin_without_a_password_or_terminal_fails_clearly() {
    let tmp = TempDir::new();
    let out = cli(&tmp.0)
        .args([
            "create-admin",
            "--email",
            "boss@example.cd",
            "--name",
            "Boss",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TLJ_ADMIN_PASSWORD"));
}

#[test]
fn seed_demo_prints_the_accounts_once_and_backup_copies_the_database() {
    let tmp = TempDir::new();
    let first = cli(&tmp.0).arg("seed-demo").output().expect("runs");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for email in ["admin@", "formateur@", "moderateur@", "apprenant@"] {
        assert!(stdout.contains(email), "{stdout}");
    }
    assert!(stdout.contains("Demo-2026-tlj"));
    let second = cli(&tmp.0).arg("seed-demo").output().expect("runs");
    assert!(String::from_utf8_lossy(&second.stdout).contains("déjà des données"));

    let copy = tmp.0.join("copie.db");
    let out = cli(&tmp.0).arg("backup").arg(&copy).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = Command::new(env!("CARGO_BIN_EXE_techlearnjess"))
        .env("DATABASE_URL", format!("sqlite://{}", copy.display()))
        .env("TLJ_DATA_DIR", &tmp.0)
        .env("TLJ_LOG", "warn")
        .arg("seed-demo")
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("déjà des données"),
        "the copy holds the demo data"
    );
    let refused = cli(&tmp.0).arg("backup").arg(&copy).output().expect("runs");
    assert!(
        !refused.status.success(),
        "an existing file is not overwritten"
    );
}

#[test]
fn a_bad_setting_fails_fast_with_a_clear_message() {
    let tmp = TempDir::new();
    let out = cli(&tmp.0)
        .arg("migrate")
        .env("TLJ_ADDR", "n'importe quoi")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TLJ_ADDR"));
}
