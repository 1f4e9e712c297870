//! Demo live sessions: a public session tomorrow and a course session next week, both by the
//! demo trainer, with their reminders.

use time::{Duration, OffsetDateTime, Time};

use super::model::{KINSHASA, ValidSession};
use super::queries;
use crate::db::Db;

pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_sessions")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let Some(trainer) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
        .bind("formateur@techlearnjess.cd")
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(());
    };
    let course: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM courses WHERE trainer_id = $1 AND published = 1 ORDER BY id LIMIT 1",
    )
    .bind(trainer)
    .fetch_optional(&db.pool)
    .await?;
    let now = OffsetDateTime::now_utc();
    // 18:00 in Kinshasa, tomorrow and in a week.
    let at = |days: i64| {
        (now.to_offset(KINSHASA) + Duration::days(days))
            .replace_time(Time::from_hms(18, 0, 0).unwrap_or(Time::MIDNIGHT))
            .to_offset(time::UtcOffset::UTC)
    };
    let sessions = [
        ValidSession {
            title: "Questions-réponses : bien démarrer sur TechLearnJess".into(),
            description: "Une heure pour poser toutes vos questions sur la plateforme, les cours \
                          et les certificats. Ouvert à tous."
                .into(),
            course_id: None,
            starts_at: at(1),
            duration_minutes: 60,
            external_url: None,
        },
        ValidSession {
            title: "Atelier en direct : exercices corrigés".into(),
            description: "Correction en direct des exercices du cours, avec vos questions.".into(),
            course_id: course,
            starts_at: at(7),
            duration_minutes: 90,
            external_url: Some("https://meet.jit.si/techlearnjess-atelier".into()),
        },
    ];
    for s in &sessions {
        let id = queries::insert_session(db, trainer, s, now).await?;
        // No "scheduled" announcement for seeded content: only the 24 h and 15 min reminders.
        for (kind, due) in super::model::reminders("scheduled", s.starts_at, now)
            .into_iter()
            .skip(1)
        {
            queries::insert_reminder(db, id, kind, due).await?;
        }
    }
    Ok(())
}
