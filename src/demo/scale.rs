//! Bulk data for benchmarks: `seed-demo --scale N` adds, on top of the normal demo, a realistic
//! volume of data scaled by N (a decimal from 0.01 to 10): at N = 1, 2,000 courses, 20,000
//! users, 200,000 enrolments and 100,000 forum posts (10 % topics, 90 % replies), with lessons,
//! progress rows and chat messages. Rows are written with multi-row INSERTs inside one
//! transaction per table through the shared pool (SQLite and PostgreSQL), from small French
//! word lists and a fixed random seed (two runs give the same data). Every bulk user shares one
//! Argon2 hash of the demo password, computed once. Bulk accounts use the
//! `@bulk.techlearnjess.cd` domain; seeding twice is refused.

use std::collections::HashSet;
use std::fmt;

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;
use time::{Duration, OffsetDateTime};

use crate::auth::password;
use crate::db::{self, Db};

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

const FIRST_NAMES: &[&str] = &[
    "Patrick",
    "Grâce",
    "Merveille",
    "Jonathan",
    "Esther",
    "Chadrack",
    "Nadia",
    "Christelle",
    "Dieudonné",
    "Bénédicte",
    "Joël",
    "Rachel",
    "Fiston",
    "Divine",
    "Héritier",
    "Sarah",
    "Emmanuel",
    "Ruth",
    "Glody",
    "Plamedie",
    "Trésor",
    "Naomie",
    "Junior",
    "Gloire",
    "Cédric",
    "Exaucée",
    "Patient",
    "Miriam",
    "Prince",
    "Orlyse",
    "Israël",
    "Déborah",
];

const LAST_NAMES: &[&str] = &[
    "Mavungu",
    "Lukusa",
    "Mbuyi",
    "Nzuzi",
    "Kalala",
    "Tshibanda",
    "Ilunga",
    "Mukendi",
    "Kasongo",
    "Ngoy",
    "Lumbu",
    "Makiese",
    "Nsimba",
    "Matondo",
    "Bakala",
    "Kiala",
    "Luzolo",
    "Mpanzu",
    "Ndombasi",
    "Kabongo",
    "Mwamba",
    "Kanku",
    "Lelo",
    "Nkanga",
    "Mayala",
];

const CITIES: &[&str] = &[
    "Matadi",
    "Kinshasa",
    "Boma",
    "Lubumbashi",
    "Kisangani",
    "Goma",
    "Bukavu",
    "Mbanza-Ngungu",
    "Kananga",
    "Muanda",
];

/// Catalogue categories of the bulk courses: (slug, name, subjects). The first five are the
/// demo's own.
const CATEGORIES: &[(&str, &str, &[&str])] = &[
    (
        "programmation",
        "Programmation",
        &[
            "Python",
            "JavaScript",
            "PHP",
            "Java",
            "Rust",
            "Kotlin pour Android",
            "Flutter",
            "React",
            "SQL et les bases de données",
            "Git et GitHub",
            "Linux en ligne de commande",
            "Node.js",
            "Django",
            "Laravel",
            "C",
        ],
    ),
    (
        "design",
        "Design",
        &[
            "Figma",
            "Photoshop",
            "Illustrator",
            "Canva",
            "la typographie",
            "l'identité visuelle",
            "le design d'interfaces",
            "la photographie au smartphone",
            "le montage vidéo",
            "la retouche photo",
        ],
    ),
    (
        "business",
        "Business",
        &[
            "la comptabilité",
            "la gestion de projet",
            "la négociation commerciale",
            "le plan d'affaires",
            "la gestion de stock",
            "le service client",
            "la fiscalité des PME",
            "la microfinance",
            "l'import-export",
            "la vente en ligne",
        ],
    ),
    (
        "bureautique",
        "Bureautique",
        &[
            "Excel",
            "Word",
            "PowerPoint",
            "Google Sheets",
            "Google Docs",
            "la messagerie professionnelle",
            "la dactylographie",
            "Access",
        ],
    ),
    (
        "marketing-digital",
        "Marketing digital",
        &[
            "Facebook Ads",
            "WhatsApp Business",
            "Instagram",
            "le référencement naturel",
            "l'e-mailing",
            "TikTok pour les marques",
            "la publicité en ligne",
            "le marketing de contenu",
        ],
    ),
    (
        "reseaux-securite",
        "Réseaux et sécurité",
        &[
            "les réseaux informatiques",
            "la cybersécurité",
            "Windows Server",
            "le cloud",
            "la maintenance informatique",
            "la fibre optique",
        ],
    ),
    (
        "donnees-ia",
        "Données et IA",
        &[
            "l'analyse de données",
            "Power BI",
            "les statistiques",
            "l'intelligence artificielle",
            "le machine learning",
            "la visualisation de données",
        ],
    ),
    (
        "langues",
        "Langues",
        &[
            "l'anglais professionnel",
            "le lingala",
            "le swahili",
            "l'anglais du tourisme",
            "la rédaction administrative",
        ],
    ),
    (
        "agriculture",
        "Agriculture et élevage",
        &[
            "l'agriculture durable",
            "la pisciculture",
            "l'élevage de poules",
            "la transformation du manioc",
            "l'apiculture",
        ],
    ),
    (
        "sante",
        "Santé",
        &[
            "les premiers secours",
            "la nutrition",
            "l'hygiène hospitalière",
            "la santé communautaire",
        ],
    ),
];

const LEVELS: &[&str] = &["beginner", "intermediate", "advanced"];

const SENTENCES: &[&str] = &[
    "J'ai suivi la leçon hier soir sur mon téléphone, tout s'est bien passé.",
    "Quelqu'un peut-il m'expliquer la différence entre ces deux méthodes ?",
    "Merci pour l'explication, c'est beaucoup plus clair maintenant.",
    "Je bloque sur l'exercice de la deuxième partie depuis deux jours.",
    "Avec la connexion 3G de Matadi, les vidéos chargent mieux le matin.",
    "Je conseille de refaire le quiz après avoir relu la fiche mémo.",
    "Est-ce qu'il existe un groupe d'étude à Kinshasa ?",
    "J'ai trouvé mon premier stage grâce à ce cours.",
    "Le formateur répond vite, c'est vraiment motivant.",
    "Pensez à bien enregistrer votre travail avant de fermer l'application.",
    "Voici ce que j'ai essayé, mais le résultat n'est pas celui attendu.",
    "Bravo pour ton projet, la présentation est très propre !",
    "Je recommande de commencer par les bases avant d'attaquer cette partie.",
    "La fiche mémo en PDF m'aide beaucoup pour réviser hors ligne.",
    "Qui a réussi l'exercice final ? J'aimerais comparer nos solutions.",
    "On peut payer avec M-Pesa ou Airtel Money, c'est pratique.",
];

const CHAT_LINES: &[&str] = &[
    "Bonjour à tous !",
    "Quelqu'un a fini la leçon 3 ?",
    "Merci beaucoup, ça marche maintenant.",
    "Le quiz est plus difficile que prévu.",
    "Rendez-vous à la session en direct de jeudi ?",
    "Je partage ma solution dans le forum.",
    "Bonne soirée et bon courage pour les révisions.",
    "La connexion est lente aujourd'hui, je réessaie plus tard.",
    "Super explication du formateur !",
    "Qui est de Boma ici ?",
];

const TOPIC_PATTERNS: &[&str] = &[
    "Question sur {s}",
    "Besoin d'aide avec {s}",
    "Quelles ressources pour apprendre {s} ?",
    "Mon projet avec {s}",
    "Exercice difficile : {s}",
    "Vos conseils pour progresser en {s}",
];

const FORUM_CATEGORIES: &[(&str, &str, &str)] = &[
    (
        "carrieres",
        "Carrières et emploi",
        "Stages, premiers emplois, entretiens : partagez vos expériences.",
    ),
    (
        "projets",
        "Vos projets",
        "Montrez ce que vous avez réalisé et recevez des avis.",
    ),
];

/// ASCII, lower case, for e-mail addresses and slugs.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other.to_ascii_lowercase(),
        })
        .collect()
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

/// Adds the bulk data for `scale` (see the module documentation).
pub async fn seed(db: &Db, scale: f64) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let marker = format!("%@{BULK_DOMAIN}");
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email LIKE $1")
        .bind(&marker)
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        bail!("la base contient déjà des données de charge ({existing} comptes @{BULK_DOMAIN})");
    }
    let targets = Targets::new(scale);
    let mut rng = StdRng::seed_from_u64(2026);
    let now = OffsetDateTime::now_utc();
    let mut report = Report::default();

    // Users: one hash for all (the demo password), 1 % trainers, a few in English.
    let hash = password::hash(super::DEMO_PASSWORD.to_owned()).await?;
    let mut rows = Vec::with_capacity(targets.users * 8);
    for i in 0..targets.users {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let role = if i.is_multiple_of(100) {
            "trainer"
        } else {
            "learner"
        };
        rows.extend([
            V::S(format!("{first} {last}")),
            V::S(format!(
                "{}.{}.{i}@{BULK_DOMAIN}",
                ascii(first),
                ascii(last)
            )),
            V::S(hash.clone()),
            V::S(role.to_owned()),
            V::F(1),
            V::S(if i.is_multiple_of(20) { "en" } else { "fr" }.to_owned()),
            V::S(CITIES[rng.random_range(0..CITIES.len())].to_owned()),
            V::S(db::timestamp(ago(&mut rng, now, 730))),
        ]);
    }
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "users (name, email, password_hash, roles, email_verified, locale, city, created_at)",
        8,
        rows,
    )
    .await
    .context("utilisateurs")?;
    tx.commit().await?;
    let users: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, roles FROM users WHERE email LIKE $1 ORDER BY id")
            .bind(&marker)
            .fetch_all(&db.pool)
            .await?;
    report.users = users.len();
    let trainers: Vec<i64> = users
        .iter()
        .filter(|(_, r)| r == "trainer")
        .map(|(id, _)| *id)
        .collect();
    let learners: Vec<i64> = users
        .iter()
        .filter(|(_, r)| r == "learner")
        .map(|(id, _)| *id)
        .collect();
    let user_ids: Vec<i64> = users.iter().map(|(id, _)| *id).collect();
    if trainers.is_empty() || learners.is_empty() {
        bail!("échelle trop petite : il faut au moins un formateur et un apprenant");
    }

    // Categories (upserted: the demo's five plus five more).
    let mut category_ids = Vec::new();
    for (position, (slug, name, _)) in CATEGORIES.iter().enumerate() {
        category_ids
            .push(crate::courses::queries::upsert_category(db, slug, name, position as i64).await?);
    }

    // Courses: varied categories, levels, prices (free, USD, CDF), 90 % published.
    let before = max_id(db, "courses").await?;
    let mut rows = Vec::with_capacity(targets.courses * 13);
    for i in 0..targets.courses {
        let category = i % CATEGORIES.len();
        let subjects = CATEGORIES[category].2;
        let subject = subjects[(i / CATEGORIES.len()) % subjects.len()];
        let title = course_title(subject, i / (CATEGORIES.len() * subjects.len()) + i);
        let level = LEVELS[rng.random_range(0..LEVELS.len())];
        let (price, currency) = match rng.random_range(0..20) {
            0..=7 => (0, "USD"),
            8..=14 => (rng.random_range(5..=50) * 100, "USD"),
            _ => (rng.random_range(10..=100) * 50_000, "CDF"),
        };
        let created = ago(&mut rng, now, 730);
        let summary = format!(
            "Un parcours pour apprendre {subject} pas à pas, avec des exercices pratiques \
             pensés pour le téléphone et les petites connexions."
        );
        let description = format!(
            "## Ce que vous allez apprendre\n\n- Les notions essentielles {}\n\
             - Des exercices corrigés\n- Un projet final\n\n{}",
            of(subject),
            sentences(&mut rng, 2)
        );
        rows.extend([
            V::S(title.clone()),
            V::S(format!("{}-{}", crate::web::slug::slugify(&title), i + 1)),
            V::S(summary),
            V::S(description),
            V::I(category_ids[category]),
            V::I(trainers[i % trainers.len()]),
            V::S(level.to_owned()),
            V::I(rng.random_range(6..=60) * 10),
            V::I(price),
            V::S(currency.to_owned()),
            V::F(i32::from(i % 10 != 9)),
            V::S(db::timestamp(created)),
            V::S(db::timestamp(created)),
        ]);
    }
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "courses (title, slug, summary, description, category_id, trainer_id, level, \
         duration_minutes, price_minor, currency, published, created_at, updated_at)",
        13,
        rows,
    )
    .await
    .context("cours")?;
    tx.commit().await?;
    let courses: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, published FROM courses WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&db.pool)
            .await?;
    report.courses = courses.len();
    let published: Vec<i64> = courses
        .iter()
        .filter(|(_, p)| db::flag(*p))
        .map(|(id, _)| *id)
        .collect();
    if published.is_empty() {
        bail!("échelle trop petite : aucun cours publié");
    }

    // Sections and lessons.
    let stamp = db::timestamp(now - Duration::days(400));
    let before = max_id(db, "course_sections").await?;
    let mut rows = Vec::new();
    for (course, _) in &courses {
        for s in 0..SECTIONS_PER_COURSE {
            rows.extend([
                V::I(*course),
                V::S(format!("Partie {}", s + 1)),
                V::F(s as i32),
                V::S(stamp.clone()),
            ]);
        }
    }
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "course_sections (course_id, title, position, created_at)",
        4,
        rows,
    )
    .await
    .context("parties")?;
    tx.commit().await?;
    let sections: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, course_id FROM course_sections WHERE id > $1 ORDER BY course_id, position",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await?;
    let before = max_id(db, "lessons").await?;
    let mut rows = Vec::new();
    for (index, (section, course)) in sections.iter().enumerate() {
        for l in 0..LESSONS_PER_SECTION {
            let position = (index % SECTIONS_PER_COURSE) * LESSONS_PER_SECTION + l;
            rows.extend([
                V::I(*course),
                V::I(*section),
                V::S(format!("Leçon {}", position + 1)),
                V::S(format!(
                    "## Leçon {}\n\n{}\n\n{}",
                    position + 1,
                    sentences(&mut rng, 3),
                    sentences(&mut rng, 3)
                )),
                V::F(rng.random_range(5..=20)),
                V::F(position as i32),
                V::F(i32::from(position == 0)),
                V::S(stamp.clone()),
                V::S(stamp.clone()),
            ]);
        }
    }
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "lessons (course_id, section_id, title, body, duration_minutes, position, \
         free_preview, created_at, updated_at)",
        9,
        rows,
    )
    .await
    .context("leçons")?;
    tx.commit().await?;
    let lesson_rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, course_id FROM lessons WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&db.pool)
            .await?;
    report.lessons = lesson_rows.len();
    let mut lessons_of: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for (lesson, course) in lesson_rows {
        lessons_of.entry(course).or_default().push(lesson);
    }

    // Enrolments: about ten per learner on popular courses, at most half of all pairs; 30 %
    // with progress, a third of those completed.
    let capacity = learners.len() * published.len() / 2;
    let wanted = targets.enrolments.min(capacity.max(1));
    let mut taken: Vec<HashSet<usize>> = vec![HashSet::new(); learners.len()];
    let mut enrolments = Vec::new();
    'fill: loop {
        let mut added = false;
        for (u, set) in taken.iter_mut().enumerate() {
            let k = rng.random_range(1..=19usize);
            for _ in 0..k {
                if enrolments.len() >= wanted {
                    break 'fill;
                }
                if set.len() * 2 >= published.len().max(2) {
                    break;
                }
                let c = popular(&mut rng, published.len());
                if set.insert(c) {
                    enrolments.push((learners[u], published[c]));
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
    let mut rows = Vec::with_capacity(enrolments.len() * 5);
    let mut progress = Vec::new();
    for (user, course) in &enrolments {
        let enrolled = ago(&mut rng, now, 365);
        let roll = rng.random_range(0..10);
        let lessons = lessons_of.get(course).map(Vec::as_slice).unwrap_or(&[]);
        let completed = roll == 0 && !lessons.is_empty();
        let done = if completed {
            lessons.len()
        } else if roll < 3 {
            rng.random_range(1..=lessons.len().max(1))
                .min(lessons.len())
        } else {
            0
        };
        for (n, lesson) in lessons.iter().take(done).enumerate() {
            progress.extend([
                V::I(*user),
                V::I(*lesson),
                V::S(db::timestamp(enrolled + Duration::days(n as i64 + 1))),
            ]);
        }
        rows.extend([
            V::I(*user),
            V::I(*course),
            V::S(
                if rng.random_range(0..3) == 0 {
                    "payment"
                } else {
                    "free"
                }
                .to_owned(),
            ),
            V::S(db::timestamp(enrolled)),
            if completed {
                V::S(db::timestamp(
                    enrolled + Duration::days(lessons.len() as i64 + 2),
                ))
            } else {
                V::Null
            },
        ]);
    }
    report.enrolments = enrolments.len();
    report.progress_rows = progress.len() / 3;
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "enrolments (user_id, course_id, source, created_at, completed_at)",
        5,
        rows,
    )
    .await
    .context("inscriptions")?;
    insert_rows(
        &mut tx,
        "lesson_progress (user_id, lesson_id, completed_at)",
        3,
        progress,
    )
    .await
    .context("progression")?;
    tx.commit().await?;

    // Forum: topics (a tenth of the posts) in the public categories and in course forums,
    // replies spread over them (popular topics get more).
    for (slug, name, description) in FORUM_CATEGORIES {
        crate::forum::queries::create_category(db, slug, name, description).await?;
    }
    let forum_categories: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM forum_categories ORDER BY id")
            .fetch_all(&db.pool)
            .await?;
    let topic_count = (targets.forum_posts / 10).max(1);
    let reply_count = targets.forum_posts - topic_count;
    let mut replies_per_topic = vec![0usize; topic_count];
    for _ in 0..reply_count {
        replies_per_topic[popular(&mut rng, topic_count)] += 1;
    }
    let all_subjects: Vec<&str> = CATEGORIES
        .iter()
        .flat_map(|c| c.2.iter().copied())
        .collect();
    let mut topic_rows = Vec::with_capacity(topic_count * 8);
    let mut topic_times = Vec::with_capacity(topic_count);
    for replies in &replies_per_topic {
        let subject = all_subjects[rng.random_range(0..all_subjects.len())];
        let pattern = TOPIC_PATTERNS[rng.random_range(0..TOPIC_PATTERNS.len())];
        let created = ago(&mut rng, now, 365);
        // Replies come within the topic's first days, one every few hours at most.
        let last = created + Duration::minutes(*replies as i64 * rng.random_range(5..=240));
        let last = last.min(now);
        let count = rng.random_range(2..=5);
        let body = sentences(&mut rng, count);
        let in_course = forum_categories.is_empty() || rng.random_range(0..5) < 2;
        let (category, course) = if in_course {
            (V::Null, V::I(published[popular(&mut rng, published.len())]))
        } else {
            (
                V::I(forum_categories[rng.random_range(0..forum_categories.len())]),
                V::Null,
            )
        };
        topic_rows.extend([
            category,
            course,
            V::I(user_ids[rng.random_range(0..user_ids.len())]),
            V::S(pattern.replace("{s}", subject)),
            V::S(body),
            V::S(db::timestamp(last)),
            V::S(db::timestamp(created)),
        ]);
        topic_times.push((created, last));
    }
    let before = max_id(db, "forum_topics").await?;
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "forum_topics (category_id, course_id, author_id, title, body, last_activity_at, \
         created_at)",
        7,
        topic_rows,
    )
    .await
    .context("sujets du forum")?;
    tx.commit().await?;
    let topics: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM forum_topics WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&db.pool)
            .await?;
    report.forum_topics = topics.len();
    let mut rows = Vec::with_capacity(reply_count * 4);
    for ((topic, replies), (created, last)) in
        topics.iter().zip(&replies_per_topic).zip(&topic_times)
    {
        let span = (*last - *created).whole_seconds().max(1);
        for n in 0..*replies {
            let at = *created + Duration::seconds(span * (n as i64 + 1) / *replies as i64);
            let count = rng.random_range(1..=3);
            rows.extend([
                V::I(*topic),
                V::I(user_ids[rng.random_range(0..user_ids.len())]),
                V::S(sentences(&mut rng, count)),
                V::S(db::timestamp(at)),
            ]);
        }
    }
    report.forum_replies = rows.len() / 4;
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "forum_replies (topic_id, author_id, body, created_at)",
        4,
        rows,
    )
    .await
    .context("réponses du forum")?;
    tx.commit().await?;

    // Chat: the general room and the rooms of the ten most popular courses.
    let mut rooms = vec![crate::chat::queries::general_room(db).await?];
    for course in published.iter().take(10) {
        rooms.push(crate::chat::queries::course_room(db, *course).await?);
    }
    let mut times: Vec<OffsetDateTime> = (0..targets.chat_messages)
        .map(|_| ago(&mut rng, now, 60))
        .collect();
    times.sort();
    let mut rows = Vec::with_capacity(targets.chat_messages * 4);
    for at in times {
        let room = if rng.random_range(0..2) == 0 {
            rooms[0]
        } else {
            rooms[rng.random_range(0..rooms.len())]
        };
        rows.extend([
            V::I(room),
            V::I(learners[rng.random_range(0..learners.len())]),
            V::S(CHAT_LINES[rng.random_range(0..CHAT_LINES.len())].to_owned()),
            V::S(db::timestamp(at)),
        ]);
    }
    report.chat_messages = rows.len() / 4;
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "chat_messages (room_id, user_id, body, created_at)",
        4,
        rows,
    )
    .await
    .context("messages de discussion")?;
    tx.commit().await?;

    // Fresh planner statistics for the new volumes.
    sqlx::query("ANALYZE").execute(&db.pool).await?;
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
