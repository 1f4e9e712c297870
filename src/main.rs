//! Command line: serve (default), migrate, create-admin, seed-demo, backup, migrate-files.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use techlearnjess::auth::model::{Email, NewPassword, PersonName, Role, Roles};
use techlearnjess::auth::{password, queries as users};
use techlearnjess::config::Config;
use techlearnjess::db::Db;
use techlearnjess::storage::{Storage, StorageKind};
use techlearnjess::{AppState, demo};

#[derive(Parser)]
#[command(
    name = "techlearnjess",
    version,
    about = "TechLearnJess — Apprendre ici, réussir partout."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (default).
    Serve {
        /// Seed demo content (categories, courses, accounts) into an empty database.
        #[arg(long)]
        demo: bool,
        /// Listen address (overrides TLJ_ADDR).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create an administrator (password from TLJ_ADMIN_PASSWORD or asked on the terminal).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Seed demo content into an empty database.
    SeedDemo {
        /// Also add bulk data for benchmarks, scaled by N (0.01 to 10; 1 = 2,000 courses,
        /// 20,000 users, 200,000 enrolments, 100,000 forum posts).
        #[arg(long, value_name = "N", value_parser = demo::scale::parse_scale)]
        scale: Option<f64>,
    },
    /// Write a consistent copy of the database to FILE while the platform runs (SQLite copy, or
    /// pg_dump custom format for PostgreSQL).
    Backup { file: PathBuf },
    /// Copy the files of the data dir (resources, covers, photos, certificates) into the
    /// configured file storage (TLJ_FILE_STORAGE; the database on PostgreSQL). Safe to run
    /// again: files already copied are skipped.
    MigrateFiles,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TLJ_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(cli.command.unwrap_or(Command::Serve {
        demo: false,
        addr: None,
    })))
}

async fn run(command: Command) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    match command {
        Command::Serve { demo, addr } => {
            if let Some(addr) = addr {
                config.addr = addr
                    .parse()
                    .context("--addr doit être une adresse hôte:port")?;
            }
            let addr = config.addr;
            config.demo = demo;
            let state = AppState::new(config).await?;
            if demo {
                print_demo(demo::seed_if_empty(&state.db, &state.files).await?);
            }
            techlearnjess::serve(state, addr).await
        }
        Command::Migrate => {
            Db::connect(&config.database_url).await?.migrate().await?;
            println!("Migrations appliquées.");
            Ok(())
        }
        Command::CreateAdmin { email, name } => create_admin(config, &email, &name).await,
        Command::SeedDemo { scale } => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let files = Storage::from_config(&config, &db);
            print_demo(demo::seed_if_empty(&db, &files).await?);
            if let Some(scale) = scale {
                println!("{}", demo::scale::seed(&db, scale).await?);
            }
            Ok(())
        }
        Command::Backup { file } => techlearnjess::backup::run(&config, &file).await,
        Command::MigrateFiles => migrate_files(&config).await,
    }
}

async fn migrate_files(config: &Config) -> anyhow::Result<()> {
    if config.file_storage == StorageKind::Files {
        println!(
            "Les fichiers sont stockés dans le dossier de données ({}) : rien à copier. \
             Définissez TLJ_FILE_STORAGE=database (ou utilisez PostgreSQL) pour les copier dans \
             la base.",
            config.data_dir.display()
        );
        return Ok(());
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let files = Storage::from_config(config, &db);
    let report = techlearnjess::storage::import::copy_data_dir(&config.data_dir, &files)
        .await
        .with_context(|| format!("copie des fichiers de {}", config.data_dir.display()))?;
    println!(
        "Fichiers copiés dans la base : {} ({} octets) ; déjà présents : {}.",
        report.copied, report.bytes, report.skipped
    );
    Ok(())
}

fn print_demo(accounts: Option<Vec<demo::DemoAccount>>) {
    match accounts {
        Some(accounts) => {
            println!("Contenu de démonstration créé. Comptes (mot de passe identique pour tous) :");
            for a in accounts {
                println!("  {:<16} {:<32} {}", a.role, a.email, a.password);
            }
        }
        None => println!("La base contient déjà des données : démonstration non ajoutée."),
    }
}

async fn create_admin(config: Config, email: &str, name: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|_| anyhow::anyhow!("adresse e-mail invalide"))?;
    let name =
        PersonName::parse(name).map_err(|_| anyhow::anyhow!("nom invalide (2 à 80 caractères)"))?;
    let raw = match std::env::var("TLJ_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if !std::io::stdin().is_terminal() {
                bail!("définissez TLJ_ADMIN_PASSWORD ou lancez la commande dans un terminal");
            }
            print!("Mot de passe : ");
            std::io::stdout().flush()?;
            let first = rpassword::read_password()?;
            print!("Confirmez : ");
            std::io::stdout().flush()?;
            let second = rpassword::read_password()?;
            if first != second {
                bail!("les deux mots de passe diffèrent");
            }
            first
        }
    };
    let password = NewPassword::parse(&raw, &raw).map_err(|_| {
        anyhow::anyhow!("mot de passe trop faible : 10 caractères minimum, avec au moins une lettre et un chiffre")
    })?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let hash = password::hash(password.expose().to_owned()).await?;
    let created = users::create_user(
        &db,
        users::NewUser {
            name: name.as_str(),
            email: email.as_str(),
            password_hash: &hash,
            roles: &Roles::of(&[Role::Admin]),
            verified: true,
            locale: "fr",
        },
    )
    .await?;
    match created {
        Some(id) => {
            println!("Administrateur créé (id {id}) : {}", email.as_str());
            Ok(())
        }
        None => bail!("un compte existe déjà avec l'adresse {}", email.as_str()),
    }
}
