//! `techlearnjess backup FILE`: a consistent copy of the database while the platform runs.
//!
//! SQLite: `VACUUM INTO` reads the database inside one read transaction (a snapshot: writers
//! keep going, the copy never holds half of a transaction), then the copy is checked with
//! `PRAGMA integrity_check`. PostgreSQL: `pg_dump` (found on `PATH`) in its custom format,
//! itself a snapshot; restore with `pg_restore` (see docs/deploy.md).

use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::db::{Db, Engine};

/// Writes the backup of the configured database to `file` (which must not exist yet) and
/// prints where it went.
pub async fn run(config: &Config, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!(
            "{} existe déjà : choisissez un autre fichier",
            file.display()
        );
    }
    if let Some(parent) = file.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        bail!("le dossier {} n'existe pas", parent.display());
    }
    if config.database_url.starts_with("postgres") {
        pg_dump(&config.database_url, file).await?;
    } else {
        sqlite(&config.database_url, file).await?;
    }
    println!("Sauvegarde écrite dans {}", file.display());
    Ok(())
}

async fn sqlite(url: &str, file: &Path) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    debug_assert_eq!(db.engine, Engine::Sqlite);
    let target = file.to_str().context("chemin de sauvegarde non UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&db.pool)
        .await
        .context("copie de la base SQLite impossible")?;
    db.pool.close().await;
    let copy = Db::connect(&format!("sqlite://{target}?mode=rw"))
        .await
        .context("la copie ne s'ouvre pas")?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy.pool)
        .await
        .context("vérification de la copie impossible")?;
    copy.pool.close().await;
    if check != "ok" {
        bail!("la copie {} est endommagée : {check}", file.display());
    }
    Ok(())
}

/// The URL `pg_dump` is given (no password: that goes through `PGPASSWORD`, not the process
/// list) and the password.
fn libpq_target(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL invalide")?;
    let password = parsed.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes())
            .next()
            .map_or_else(|| p.to_owned(), |(_, v)| v.into_owned())
    });
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("DATABASE_URL invalide"))?;
    Ok((parsed.to_string(), password))
}

async fn pg_dump(url: &str, file: &Path) -> anyhow::Result<()> {
    let (target, password) = libpq_target(url)?;
    let mut command = tokio::process::Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--file")
        .arg(file)
        .arg("--dbname")
        .arg(&target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    let output = match command.output().await {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "pg_dump est introuvable : installez le client PostgreSQL (paquet postgresql-client, \
             même version majeure que le serveur ou plus récente) et vérifiez qu'il est dans le PATH"
        ),
        Err(e) => bail!("pg_dump n'a pas pu être lancé : {e}"),
    };
    if !output.status.success() {
        let _ = std::fs::remove_file(file);
        bail!(
            "pg_dump a échoué ({}) : {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_stays_out_of_the_command_line() {
        let (target, password) =
            libpq_target("postgres://tlj:p%40ss%3Aw@db.example:5433/tlj?sslmode=require")
                .expect("valid");
        assert_eq!(target, "postgres://tlj@db.example:5433/tlj?sslmode=require");
        assert_eq!(password.as_deref(), Some("p@ss:w"));
        let (target, password) = libpq_target("postgres://postgres@127.0.0.1/x").expect("valid");
        assert_eq!(target, "postgres://postgres@127.0.0.1/x");
        assert!(password.is_none());
    }
}
