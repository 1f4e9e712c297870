//! Demo content for `serve --demo` and `seed-demo`: categories, courses, testimonials and one
//! account per role. Only written into an empty database.

mod curriculum;
pub mod scale;

use crate::auth::model::{Role, Roles};
use crate::auth::{password, queries as users};
use crate::courses::queries::{self as courses, NewCourse};
use crate::db::Db;
use crate::pages::queries as pages;
use crate::storage::Storage;

/// Password of every demo account (printed when seeded; never use demo data in production).
pub const DEMO_PASSWORD: &str = "Demo-2026-tlj";

/// A seeded account, printed for the person trying the platform.
pub struct DemoAccount {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

const ACCOUNTS: [(&str, &str, &str, &[Role]); 4] = [
    (
        "Administratrice",
        "Grâce Admin",
        "admin@techlearnjess.cd",
        &[Role::Admin],
    ),
    (
        "Formateur",
        "Chadrack Mbu Jess",
        "formateur@techlearnjess.cd",
        &[Role::Trainer],
    ),
    (
        "Modératrice",
        "Nadia Lukusa",
        "moderateur@techlearnjess.cd",
        &[Role::Moderator],
    ),
    (
        "Apprenant",
        "Patrick Mavungu",
        "apprenant@techlearnjess.cd",
        &[Role::Learner],
    ),
];

const CATEGORIES: [(&str, &str); 5] = [
    ("programmation", "Programmation"),
    ("design", "Design"),
    ("business", "Business"),
    ("bureautique", "Bureautique"),
    ("marketing-digital", "Marketing digital"),
];

/// The Markdown description shared by the demo courses (the summary is shown above it).
const DESCRIPTION: &str = "## Ce que vous allez apprendre\n\n\
- Les notions essentielles, expliquées simplement\n\
- Des exercices pratiques à faire sur téléphone ou ordinateur\n\
- Un quiz à la fin de chaque partie\n\n\
## Pour qui ?\n\n\
Jeunes, étudiants et professionnels qui veulent progresser à leur rythme.";

/// (category, title, slug, summary, level, minutes, price minor units, currency)
type CourseSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
);

const COURSES: [CourseSeed; 12] = [
    (
        "programmation",
        "Les bases de Python",
        "bases-de-python",
        "Variables, conditions, boucles et fonctions : écrivez vos premiers programmes pas à pas.",
        "beginner",
        360,
        0,
        "USD",
    ),
    (
        "programmation",
        "Créer un site web avec HTML et CSS",
        "site-web-html-css",
        "De la page blanche à un site responsive publié en ligne, pensé pour les téléphones.",
        "beginner",
        480,
        0,
        "USD",
    ),
    (
        "programmation",
        "JavaScript pour le web",
        "javascript-pour-le-web",
        "Rendez vos pages interactives : DOM, événements, formulaires et appels réseau.",
        "intermediate",
        540,
        1500,
        "USD",
    ),
    (
        "programmation",
        "Développement backend avec Django",
        "backend-django",
        "Modèles, vues, authentification et déploiement d'une application web complète.",
        "advanced",
        720,
        2500,
        "USD",
    ),
    (
        "design",
        "Design graphique avec Canva",
        "design-graphique-canva",
        "Affiches, logos et publications pour les réseaux sociaux, sans logiciel coûteux.",
        "beginner",
        240,
        0,
        "USD",
    ),
    (
        "design",
        "UX design pour applications mobiles",
        "ux-design-mobile",
        "Comprendre les utilisateurs, dessiner des maquettes et tester une application mobile.",
        "intermediate",
        420,
        3_500_000,
        "CDF",
    ),
    (
        "business",
        "Entrepreneuriat : lancer son activité à Matadi",
        "entrepreneuriat-matadi",
        "De l'idée au premier client : étude de marché, plan d'affaires et financement local.",
        "beginner",
        300,
        2_000_000,
        "CDF",
    ),
    (
        "business",
        "Gestion financière pour PME",
        "gestion-financiere-pme",
        "Trésorerie, comptabilité simple, prix de revient et tableaux de bord pour petites entreprises.",
        "intermediate",
        360,
        2000,
        "USD",
    ),
    (
        "bureautique",
        "Excel de zéro à expert",
        "excel-zero-expert",
        "Formules, tableaux croisés dynamiques et graphiques pour le travail de bureau.",
        "beginner",
        420,
        1_500_000,
        "CDF",
    ),
    (
        "bureautique",
        "Word et PowerPoint au bureau",
        "word-powerpoint-bureau",
        "Rédiger des documents propres et présenter ses idées avec des diapositives claires.",
        "beginner",
        240,
        0,
        "USD",
    ),
    (
        "marketing-digital",
        "Marketing sur les réseaux sociaux",
        "marketing-reseaux-sociaux",
        "Facebook, WhatsApp Business et Instagram : attirer et fidéliser des clients.",
        "beginner",
        300,
        1000,
        "USD",
    ),
    (
        "marketing-digital",
        "Rédaction web et référencement",
        "redaction-web-seo",
        "Écrire pour le web et être trouvé sur Google : mots-clés, structure, mesure.",
        "intermediate",
        330,
        1200,
        "USD",
    ),
];

const TESTIMONIALS: [(&str, &str, &str); 3] = [
    (
        "Merveille K.",
        "Étudiante en informatique, Matadi",
        "J'ai suivi le cours de Python sur mon téléphone, même avec une petite connexion. Aujourd'hui je fais mes propres scripts !",
    ),
    (
        "Jonathan M.",
        "Commerçant, Boma",
        "Le cours d'entrepreneuriat m'a aidé à organiser ma boutique. Payer avec M-Pesa a été très simple.",
    ),
    (
        "Esther N.",
        "Assistante administrative, Kinshasa",
        "Grâce à Excel de zéro à expert, je prépare les rapports de mon bureau deux fois plus vite.",
    ),
];

/// Seeds the demo content when the database has no user yet; returns the accounts created.
/// Demo files (course resources) go to `files`.
pub async fn seed_if_empty(db: &Db, files: &Storage) -> anyhow::Result<Option<Vec<DemoAccount>>> {
    if users::count_users(db).await? > 0 || courses::count_courses(db).await? > 0 {
        return Ok(None);
    }
    seed(db, files).await.map(Some)
}

async fn seed(db: &Db, files: &Storage) -> anyhow::Result<Vec<DemoAccount>> {
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut accounts = Vec::new();
    let mut trainer_id = None;
    for (role, name, email, roles) in ACCOUNTS {
        let id = users::create_user(
            db,
            users::NewUser {
                name,
                email,
                password_hash: &hash,
                roles: &Roles::of(roles),
                verified: true,
                locale: "fr",
            },
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("le compte de démonstration {email} existe déjà"))?;
        if roles.contains(&Role::Trainer) {
            trainer_id = Some(id);
        }
        accounts.push(DemoAccount {
            role,
            email,
            password: DEMO_PASSWORD,
        });
    }
    let trainer_id =
        trainer_id.ok_or_else(|| anyhow::anyhow!("aucun formateur de démonstration"))?;
    let mut category_ids = std::collections::HashMap::new();
    for (position, (slug, name)) in CATEGORIES.into_iter().enumerate() {
        category_ids.insert(
            slug,
            courses::upsert_category(db, slug, name, position as i64).await?,
        );
    }
    for (cat, title, slug, summary, level, minutes, price, currency) in COURSES {
        let course_id = courses::create_course(
            db,
            NewCourse {
                title,
                slug,
                summary,
                description: DESCRIPTION,
                category_id: category_ids[cat],
                trainer_id,
                level,
                duration_minutes: minutes,
                price_minor: price,
                currency,
                published: true,
            },
        )
        .await?;
        curriculum::seed(db, files, course_id, slug, title, summary).await?;
    }
    for (position, (name, title, quote)) in TESTIMONIALS.into_iter().enumerate() {
        pages::create_testimonial(db, name, title, quote, position as i64).await?;
    }
    // Content of later features (each seeds its own, finding the demo accounts by e-mail):
    crate::live::demo::seed(db).await?;
    crate::forum::demo::seed(db).await?;
    Ok(accounts)
}
