//! Bulk data for benchmarks: `seed-demo --scale N` adds, on top of the normal demo, a realistic
//! volume of data scaled by N (a decimal from 0.01 to 10): at N = 1, 2,000 courses, 20,000
//! users, 200,000 enrolments and 100,000 forum posts (10 % topics, 90 % replies), with lessons,
//! progress rows and chat messages. Rows are written with multi-row INSERTs inside one
//! transaction per table through the shared pool (SQLite and PostgreSQL), from small French
//! word lists and a fixed random seed (two runs give the same data). Every bulk user shares one
//! Argon2 hash of the demo password, computed once. Bulk accounts use the
//! `@bulk.techlearnjess.cd` domain; seeding twice is refused. The word lists are in `words.rs`,
//! the users, courses and their content in `learning.rs`, the forum and chat in `community.rs`.

mod community;
mod learning;
mod words;

use std::fmt;

use anyhow::bail;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;
use time::{Duration, OffsetDateTime};

use crate::db::Db;
use words::SENTENCES;

/// E-mail domain of every bulk account (marks the bulk data).
pub const BULK_DOMAIN: &str = "bulk.techlearnjess.cd";

/// Row counts at scale 1.
const COURSES: f64 = 2_000.0;
const USERS: f64 = 20_000.0;
const ENROLMENTS: f64 = 200_000.0;
const FORUM_POSTS: f64 = 100_000.0;
const CHAT_MESSAGES: f64 = 10_000.0;
/// Lessons per bulk course (2 sections of 2 lessons).
const SECTIONS_PER_COURSE: usize = 2;
const LESSONS_PER_SECTION: usize = 2;
/// Bind parameters per statement (below SQLite's 32,766 and PostgreSQL's 65,535).
const MAX_BINDS: usize = 15_000;
const MAX_ROWS: usize = 1_000;

/// Parses `--scale`: a decimal between 0.01 and 10 (`1`, `0.1`, `2.5`).
pub fn parse_scale(raw: &str) -> Result<f64, String> {
    let value: f64 = raw
        .trim()
        .parse()
        .map_err(|_| format!("« {raw} » n'est pas un nombre (exemples : 1, 0.1, 2.5)"))?;
    if !(0.01..=10.0).contains(&value) {
        return Err(format!(
            "l'échelle doit être entre 0.01 et 10 (reçu : {raw})"
        ));
    }
    Ok(value)
}

/// What was written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub users: usize,
    pub courses: usize,
    pub lessons: usize,
    pub enrolments: usize,
    pub progress_rows: usize,
    pub forum_topics: usize,
    pub forum_replies: usize,
    pub chat_messages: usize,
    pub seconds: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Données de charge ajoutées en {} s : {} utilisateurs, {} cours ({} leçons), \
             {} inscriptions, {} leçons terminées, {} sujets et {} réponses de forum, \
             {} messages de discussion.",
            self.seconds,
            self.users,
            self.courses,
            self.lessons,
            self.enrolments,
            self.progress_rows,
            self.forum_topics,
            self.forum_replies,
            self.chat_messages
        )
    }
}

/// Target counts for `scale`.
struct Targets {
    users: usize,
    courses: usize,
    enrolments: usize,
    forum_posts: usize,
    chat_messages: usize,
}

impl Targets {
    fn new(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        Self {
            users: n(USERS),
            courses: n(COURSES),
            enrolments: n(ENROLMENTS),
            forum_posts: n(FORUM_POSTS),
            chat_messages: n(CHAT_MESSAGES),
        }
    }
}

/// A value of a bulk row: bound as a parameter, except NULL (written as a literal, so that
/// PostgreSQL does not see a text-typed NULL for a number column).
enum V {
    I(i64),
    F(i32),
    S(String),
    Null,
}

/// Inserts `rows` (flattened, `cols` values each) into `head` (`"table (a, b, c)"`) with
/// multi-row INSERTs.
async fn insert_rows(
    conn: &mut AnyConnection,
    head: &str,
    cols: usize,
    rows: Vec<V>,
) -> Result<(), sqlx::Error> {
    let per_statement = (MAX_BINDS / cols).clamp(1, MAX_ROWS);
    let mut values = rows.into_iter().peekable();
    while values.peek().is_some() {
        let chunk: Vec<V> = values.by_ref().take(per_statement * cols).collect();
        let mut sql = format!("INSERT INTO {head} VALUES ");
        let mut n = 0;
        for (i, v) in chunk.iter().enumerate() {
            if i % cols == 0 {
                sql.push_str(if i == 0 { "(" } else { "), (" });
            } else {
                sql.push_str(", ");
            }
            if matches!(v, V::Null) {
                sql.push_str("NULL");
            } else {
                n += 1;
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
        sql.push(')');
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for v in chunk {
            query = match v {
                V::I(x) => query.bind(x),
                V::F(x) => query.bind(x),
                V::S(x) => query.bind(x),
                V::Null => query,
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn max_id(db: &Db, table: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(MAX(id), 0) FROM {table}"
    )))
    .fetch_one(&db.pool)
    .await
}

/// `de` + subject with the French contractions (du, des, d').
fn of(subject: &str) -> String {
    if let Some(rest) = subject.strip_prefix("le ") {
        format!("du {rest}")
    } else if let Some(rest) = subject.strip_prefix("les ") {
        format!("des {rest}")
    } else if subject.starts_with("la ") || subject.starts_with("l'") {
        format!("de {subject}")
    } else if subject.starts_with(['A', 'E', 'I', 'O', 'U']) {
        format!("d'{subject}")
    } else {
        format!("de {subject}")
    }
}

/// `à` + subject with the French contractions (au, aux).
fn to(subject: &str) -> String {
    if let Some(rest) = subject.strip_prefix("le ") {
        format!("au {rest}")
    } else if let Some(rest) = subject.strip_prefix("les ") {
        format!("aux {rest}")
    } else {
        format!("à {subject}")
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn course_title(subject: &str, variant: usize) -> String {
    match variant % 8 {
        0 => format!("Introduction {}", to(subject)),
        1 => format!("Maîtriser {subject}"),
        2 => format!("{} pour débutants", capitalized(subject)),
        3 => format!("Les fondamentaux {}", of(subject)),
        4 => format!("{} : niveau avancé", capitalized(subject)),
        5 => format!("Atelier pratique : {subject}"),
        6 => format!("{} en 30 jours", capitalized(subject)),
        _ => format!("{} au quotidien", capitalized(subject)),
    }
}

fn sentences(rng: &mut StdRng, count: usize) -> String {
    (0..count)
        .map(|_| SENTENCES[rng.random_range(0..SENTENCES.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A timestamp up to `days` days before `now`.
fn ago(rng: &mut StdRng, now: OffsetDateTime, days: i64) -> OffsetDateTime {
    now - Duration::seconds(rng.random_range(0..days * 86_400))
}

/// A course index skewed towards the first (popular) courses.
fn popular(rng: &mut StdRng, n: usize) -> usize {
    let r: f64 = rng.random();
    ((r * r * n as f64) as usize).min(n - 1)
}

/// What every table's function shares: the pool, the seeded generator, the clock, the targets
/// and the report being filled.
struct Run<'a> {
    db: &'a Db,
    rng: StdRng,
    now: OffsetDateTime,
    targets: Targets,
    report: Report,
}

/// Adds the bulk data for `scale` (see the module documentation): one function per table, in
/// an order that keeps the generated data the same from run to run.
pub async fn seed(db: &Db, scale: f64) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email LIKE $1")
        .bind(format!("%@{BULK_DOMAIN}"))
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        bail!("la base contient déjà des données de charge ({existing} comptes @{BULK_DOMAIN})");
    }
    let mut run = Run {
        db,
        rng: StdRng::seed_from_u64(2026),
        now: OffsetDateTime::now_utc(),
        targets: Targets::new(scale),
        report: Report::default(),
    };
    let people = learning::users(&mut run).await?;
    let category_ids = learning::categories(&run).await?;
    let courses = learning::courses(&mut run, &category_ids, &people.trainers).await?;
    let sections = learning::sections(&run, &courses.all).await?;
    let lessons_of = learning::lessons(&mut run, &sections).await?;
    learning::enrolments(&mut run, &people.learners, &courses.published, &lessons_of).await?;
    let forum_categories = community::forum_categories(&run).await?;
    let topics =
        community::forum_topics(&mut run, &forum_categories, &courses.published, &people.all)
            .await?;
    community::forum_replies(&mut run, &topics, &people.all).await?;
    community::chat_messages(&mut run, &courses.published, &people.learners).await?;
    // Fresh planner statistics for the new volumes.
    sqlx::query("ANALYZE").execute(&db.pool).await?;
    let mut report = run.report;
    report.seconds = started.elapsed().as_secs();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_accepts_decimals_in_range_and_refuses_the_rest() {
        assert_eq!(parse_scale("1"), Ok(1.0));
        assert_eq!(parse_scale("0.1"), Ok(0.1));
        assert!(parse_scale("0").is_err());
        assert!(parse_scale("11").is_err());
        assert!(
            parse_scale("beaucoup")
                .unwrap_err()
                .contains("n'est pas un nombre")
        );
    }

    #[test]
    fn targets_follow_the_scale() {
        let t = Targets::new(0.1);
        assert_eq!(
            (t.courses, t.users, t.enrolments, t.forum_posts),
            (200, 2_000, 20_000, 10_000)
        );
    }

    #[test]
    fn titles_use_french_contractions() {
        assert_eq!(course_title("le lingala", 0), "Introduction au lingala");
        assert_eq!(
            course_title("les statistiques", 3),
            "Les fondamentaux des statistiques"
        );
        assert_eq!(course_title("Excel", 3), "Les fondamentaux d'Excel");
    }
}
