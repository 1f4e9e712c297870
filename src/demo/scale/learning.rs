//! Bulk users, course categories, courses, their sections and lessons, enrolments and progress.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, bail};
use rand::Rng;
use time::Duration;

use super::words::{CATEGORIES, CITIES, FIRST_NAMES, LAST_NAMES, LEVELS};
use super::{
    BULK_DOMAIN, LESSONS_PER_SECTION, Run, SECTIONS_PER_COURSE, V, ago, course_title, insert_rows,
    max_id, of, popular, sentences,
};
use crate::auth::password;
use crate::db;
use crate::web::slug::slugify;

/// The bulk accounts by role.
pub(super) struct People {
    pub all: Vec<i64>,
    pub trainers: Vec<i64>,
    pub learners: Vec<i64>,
}

/// Users: one hash for all (the demo password), 1 % trainers, a few in English.
pub(super) async fn users(run: &mut Run<'_>) -> anyhow::Result<People> {
    let hash = password::hash(crate::demo::DEMO_PASSWORD.to_owned()).await?;
    let rng = &mut run.rng;
    let mut rows = Vec::with_capacity(run.targets.users * 8);
    for i in 0..run.targets.users {
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
                slugify(first),
                slugify(last)
            )),
            V::S(hash.clone()),
            V::S(role.to_owned()),
            V::F(1),
            V::S(if i.is_multiple_of(20) { "en" } else { "fr" }.to_owned()),
            V::S(CITIES[rng.random_range(0..CITIES.len())].to_owned()),
            V::S(db::timestamp(ago(rng, run.now, 730))),
        ]);
    }
    let mut tx = run.db.pool.begin().await?;
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
            .bind(format!("%@{BULK_DOMAIN}"))
            .fetch_all(&run.db.pool)
            .await?;
    run.report.users = users.len();
    let with_role = |role: &str| -> Vec<i64> {
        users
            .iter()
            .filter(|(_, r)| r == role)
            .map(|(id, _)| *id)
            .collect()
    };
    let people = People {
        trainers: with_role("trainer"),
        learners: with_role("learner"),
        all: users.iter().map(|(id, _)| *id).collect(),
    };
    if people.trainers.is_empty() || people.learners.is_empty() {
        bail!("échelle trop petite : il faut au moins un formateur et un apprenant");
    }
    Ok(people)
}

/// Categories (upserted: the demo's five plus five more).
pub(super) async fn categories(run: &Run<'_>) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for (position, (slug, name, _)) in CATEGORIES.iter().enumerate() {
        ids.push(
            crate::courses::queries::upsert_category(run.db, slug, name, position as i64).await?,
        );
    }
    Ok(ids)
}

/// The bulk courses: every one with its published flag, and the published ids.
pub(super) struct Courses {
    pub all: Vec<(i64, i64)>,
    pub published: Vec<i64>,
}

/// Courses: varied categories, levels, prices (free, USD, CDF), 90 % published.
pub(super) async fn courses(
    run: &mut Run<'_>,
    category_ids: &[i64],
    trainers: &[i64],
) -> anyhow::Result<Courses> {
    let before = max_id(run.db, "courses").await?;
    let rng = &mut run.rng;
    let mut rows = Vec::with_capacity(run.targets.courses * 13);
    for i in 0..run.targets.courses {
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
        let created = ago(rng, run.now, 730);
        let summary = format!(
            "Un parcours pour apprendre {subject} pas à pas, avec des exercices pratiques \
             pensés pour le téléphone et les petites connexions."
        );
        let description = format!(
            "## Ce que vous allez apprendre\n\n- Les notions essentielles {}\n\
             - Des exercices corrigés\n- Un projet final\n\n{}",
            of(subject),
            sentences(rng, 2)
        );
        rows.extend([
            V::S(title.clone()),
            V::S(format!("{}-{}", slugify(&title), i + 1)),
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
    let mut tx = run.db.pool.begin().await?;
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
    let all: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, published FROM courses WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&run.db.pool)
            .await?;
    run.report.courses = all.len();
    let published: Vec<i64> = all
        .iter()
        .filter(|(_, p)| db::flag(*p))
        .map(|(id, _)| *id)
        .collect();
    if published.is_empty() {
        bail!("échelle trop petite : aucun cours publié");
    }
    Ok(Courses { all, published })
}

/// Sections: two per course; returns (section, course) in course order.
pub(super) async fn sections(
    run: &Run<'_>,
    courses: &[(i64, i64)],
) -> anyhow::Result<Vec<(i64, i64)>> {
    let stamp = db::timestamp(run.now - Duration::days(400));
    let before = max_id(run.db, "course_sections").await?;
    let mut rows = Vec::new();
    for (course, _) in courses {
        for s in 0..SECTIONS_PER_COURSE {
            rows.extend([
                V::I(*course),
                V::S(format!("Partie {}", s + 1)),
                V::F(s as i32),
                V::S(stamp.clone()),
            ]);
        }
    }
    let mut tx = run.db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "course_sections (course_id, title, position, created_at)",
        4,
        rows,
    )
    .await
    .context("parties")?;
    tx.commit().await?;
    Ok(sqlx::query_as(
        "SELECT id, course_id FROM course_sections WHERE id > $1 ORDER BY course_id, position",
    )
    .bind(before)
    .fetch_all(&run.db.pool)
    .await?)
}

/// Lessons: two per section, the first of each course a free preview; returns each course's
/// lessons in order.
pub(super) async fn lessons(
    run: &mut Run<'_>,
    sections: &[(i64, i64)],
) -> anyhow::Result<HashMap<i64, Vec<i64>>> {
    let stamp = db::timestamp(run.now - Duration::days(400));
    let before = max_id(run.db, "lessons").await?;
    let rng = &mut run.rng;
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
                    sentences(rng, 3),
                    sentences(rng, 3)
                )),
                V::F(rng.random_range(5..=20)),
                V::F(position as i32),
                V::F(i32::from(position == 0)),
                V::S(stamp.clone()),
                V::S(stamp.clone()),
            ]);
        }
    }
    let mut tx = run.db.pool.begin().await?;
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
            .fetch_all(&run.db.pool)
            .await?;
    run.report.lessons = lesson_rows.len();
    let mut lessons_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (lesson, course) in lesson_rows {
        lessons_of.entry(course).or_default().push(lesson);
    }
    Ok(lessons_of)
}

/// Enrolments and lesson progress (one transaction): about ten per learner on popular
/// courses, at most half of all pairs; 30 % with progress, a third of those completed.
pub(super) async fn enrolments(
    run: &mut Run<'_>,
    learners: &[i64],
    published: &[i64],
    lessons_of: &HashMap<i64, Vec<i64>>,
) -> anyhow::Result<()> {
    let rng = &mut run.rng;
    let capacity = learners.len() * published.len() / 2;
    let wanted = run.targets.enrolments.min(capacity.max(1));
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
                let c = popular(rng, published.len());
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
        let enrolled = ago(rng, run.now, 365);
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
    run.report.enrolments = enrolments.len();
    run.report.progress_rows = progress.len() / 3;
    let mut tx = run.db.pool.begin().await?;
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
    Ok(())
}
