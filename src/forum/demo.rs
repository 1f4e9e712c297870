//! Demo forum: public categories, a few topics and replies in French, and two course forums.

use super::queries::{self, Place};
use crate::db::Db;

async fn user_id(db: &Db, email: &str) -> anyhow::Result<i64> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("compte de démonstration {email} introuvable"))
}

async fn course_id(db: &Db, slug: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM courses WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// (topic author, title, body, [(reply author, body)])
type TopicSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ADMIN: &str = "admin@techlearnjess.cd";
const TRAINER: &str = "formateur@techlearnjess.cd";
const MODERATOR: &str = "moderateur@techlearnjess.cd";
const LEARNER: &str = "apprenant@techlearnjess.cd";

const ANNONCES: &[TopicSeed] = &[(
    ADMIN,
    "Bienvenue sur le forum de TechLearnJess",
    "Bonjour à toutes et à tous !\n\nCe forum est l'endroit pour **poser vos questions**, partager vos réussites et vous entraider. Quelques règles simples :\n\n- restez courtois et bienveillants ;\n- cherchez avant de poser une question, elle a peut-être déjà une réponse ;\n- signalez tout message déplacé avec le bouton « Signaler ».\n\nBonne formation !",
    &[(
        LEARNER,
        "Merci pour cette plateforme ! Je suis à Matadi et les cours passent bien même avec ma petite connexion.",
    )],
)];

const ENTRAIDE: &[TopicSeed] = &[
    (
        LEARNER,
        "Erreur « IndentationError » en Python",
        "Bonjour, quand je lance mon programme j'ai cette erreur :\n\n```\nIndentationError: expected an indented block\n```\n\nVoici mon code :\n\n```python\nif age >= 18:\nprint(\"majeur\")\n```\n\nQu'est-ce que je fais mal ?",
        &[
            (
                TRAINER,
                "Bonjour @Patrick_Mavungu ! En Python, le bloc après `if` doit être **indenté** (4 espaces) :\n\n```python\nif age >= 18:\n    print(\"majeur\")\n```",
            ),
            (LEARNER, "Ça marche, merci beaucoup !"),
        ],
    ),
    (
        MODERATOR,
        "Comment étudier avec une connexion lente ?",
        "Partagez vos astuces pour suivre les cours avec une connexion 2G/3G. Pour ma part, j'ouvre les leçons le matin quand le réseau est meilleur : elles restent ensuite lisibles hors ligne.",
        &[(
            LEARNER,
            "Je télécharge les fiches mémo en PDF au cybercafé, puis je révise chez moi.",
        )],
    ),
];

const PRESENTATIONS: &[TopicSeed] = &[(
    LEARNER,
    "Bonjour, je suis Patrick de Matadi",
    "Je m'appelle Patrick, j'ai 24 ans et je veux devenir développeur web. Je commence par *Les bases de Python*. Ravi de vous rencontrer !",
    &[(
        TRAINER,
        "Bienvenue Patrick ! N'hésite pas à poser tes questions dans le forum du cours.",
    )],
)];

const COURSE_TOPICS: &[(&str, TopicSeed)] = &[
    (
        "bases-de-python",
        (
            TRAINER,
            "Questions sur la première partie",
            "Posez ici vos questions sur les variables et les types. Je réponds chaque semaine.",
            &[(
                MODERATOR,
                "Pensez à indiquer le numéro de la leçon dans votre question, cela aide tout le monde.",
            )],
        ),
    ),
    (
        "site-web-html-css",
        (
            TRAINER,
            "Montrez-nous votre première page web",
            "Partagez une capture ou le lien de votre première page publiée. Les meilleures seront présentées en direct.",
            &[],
        ),
    ),
];

/// Seeds the demo forum (called once, on an empty database, after the courses).
pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let categories = [
        (
            "annonces",
            "Annonces",
            "Les nouvelles de la plateforme.",
            ANNONCES,
        ),
        (
            "entraide",
            "Entraide",
            "Une question sur un cours, un exercice, un outil ? Demandez ici.",
            ENTRAIDE,
        ),
        (
            "presentations",
            "Présentations",
            "Présentez-vous à la communauté.",
            PRESENTATIONS,
        ),
    ];
    // Older topics first, a day apart, so the lists show varied activity.
    let mut days_ago = 12;
    for (slug, name, description, topics) in categories {
        let Some(id) = queries::create_category(db, slug, name, description).await? else {
            continue;
        };
        for topic in topics {
            seed_topic(db, Place::Category(id), topic, days_ago).await?;
            days_ago -= 1;
        }
    }
    for (slug, topic) in COURSE_TOPICS {
        if let Some(id) = course_id(db, slug).await? {
            seed_topic(db, Place::Course(id), topic, days_ago).await?;
            days_ago -= 1;
        }
    }
    Ok(())
}

/// Seeds a topic dated `days_ago` days back and its replies a few hours apart (so demo posts
/// never count against anyone's posting rate).
async fn seed_topic(db: &Db, place: Place, topic: &TopicSeed, days_ago: i64) -> anyhow::Result<()> {
    let (author, title, body, replies) = topic;
    let start = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago.max(1));
    let topic_id =
        queries::create_topic(db, place, user_id(db, author).await?, title, body).await?;
    let mut at = crate::db::timestamp(start);
    sqlx::query("UPDATE forum_topics SET created_at = $1 WHERE id = $2")
        .bind(&at)
        .bind(topic_id)
        .execute(&db.pool)
        .await?;
    for (hours, (author, body)) in (1_i64..).zip(replies.iter()) {
        let id = queries::create_reply(db, topic_id, user_id(db, author).await?, body).await?;
        at = crate::db::timestamp(start + time::Duration::hours(hours * 3));
        sqlx::query("UPDATE forum_replies SET created_at = $1 WHERE id = $2")
            .bind(&at)
            .bind(id)
            .execute(&db.pool)
            .await?;
    }
    sqlx::query("UPDATE forum_topics SET last_activity_at = $1 WHERE id = $2")
        .bind(&at)
        .bind(topic_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
