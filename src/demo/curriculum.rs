//! The demo curriculum of each course: two sections, four lessons (with video links), a memo
//! sheet to download and a quiz. The Python course has its own text; the others a shared plan.

use crate::db::Db;
use crate::storage::{Bucket, Storage};
use crate::teach::model::{LessonInput, QuestionInput, QuizInput};
use crate::teach::queries::{self, NewResource};

type QuestionSeed<'a> = (&'a str, &'a str, Vec<(&'a str, bool)>);

struct Plan<'a> {
    sections: [&'a str; 2],
    lessons: [(&'a str, String, Option<&'a str>, i64); 4],
    quiz_title: String,
    questions: Vec<QuestionSeed<'a>>,
}

fn python_plan() -> Plan<'static> {
    Plan {
        sections: ["Premiers pas", "Structurer son code"],
        lessons: [
            (
                "Installer Python et écrire son premier programme",
                "Python est un langage simple à lire, utilisé partout : sites web, analyse de données, \
                 automatisation.\n\n## Installer Python\n\nSur ordinateur, téléchargez Python sur \
                 python.org. Sur téléphone Android, l'application **Pydroid 3** suffit pour suivre ce cours.\n\n\
                 ## Votre premier programme\n\n```python\nprint(\"Bonjour Matadi !\")\n```\n\n\
                 Exécutez-le : le texte s'affiche. Bravo, vous programmez !"
                    .into(),
                Some("https://www.youtube.com/watch?v=rfscVS0vtbw"),
                15,
            ),
            (
                "Variables et types de base",
                "Une **variable** garde une valeur sous un nom.\n\n```python\nville = \"Matadi\"\n\
                 habitants = 300000\nprix = 2.5\n```\n\n- `str` : du texte\n- `int` : un nombre entier\n\
                 - `float` : un nombre à virgule\n\nLa fonction `type()` indique le type d'une valeur, et \
                 `len()` la longueur d'un texte : `len(\"Matadi\")` vaut 6."
                    .into(),
                None,
                20,
            ),
            (
                "Conditions et boucles",
                "Avec `if`, le programme choisit :\n\n```python\nif solde >= prix:\n    print(\"Paiement accepté\")\n\
                 else:\n    print(\"Solde insuffisant\")\n```\n\nAvec `for`, il répète :\n\n```python\n\
                 for jour in [\"lundi\", \"mardi\"]:\n    print(jour)\n```"
                    .into(),
                Some("https://www.youtube.com/watch?v=rfscVS0vtbw"),
                25,
            ),
            (
                "Écrire ses propres fonctions",
                "Une fonction regroupe des instructions réutilisables. On la définit avec le mot-clé `def` :\n\n\
                 ```python\ndef convertir_en_cdf(montant_usd, taux):\n    return montant_usd * taux\n```\n\n\
                 **Exercice :** écrivez une fonction qui calcule la moyenne de trois notes."
                    .into(),
                None,
                25,
            ),
        ],
        quiz_title: "Quiz : les bases de Python".into(),
        questions: vec![
            (
                "Quel mot-clé sert à définir une fonction en Python ?",
                "On écrit `def nom_de_la_fonction(paramètres):`.",
                vec![("def", true), ("func", false), ("function", false), ("define", false)],
            ),
            (
                "Lesquels de ces types représentent des nombres ?",
                "int (entiers) et float (nombres à virgule) sont numériques ; str est du texte.",
                vec![("int", true), ("float", true), ("str", false), ("list", false)],
            ),
            (
                "Que vaut len(\"Matadi\") ?",
                "Le mot Matadi compte 6 lettres.",
                vec![("5", false), ("6", true), ("7", false)],
            ),
        ],
    }
}

fn generic_plan(title: &str, summary: &str) -> Plan<'static> {
    Plan {
        sections: ["Découvrir", "Mettre en pratique"],
        lessons: [
            (
                "Bienvenue dans le cours",
                format!(
                    "Bienvenue dans **{title}** !\n\n{summary}\n\n## Comment suivre ce cours\n\n\
                     - Une leçon par jour suffit : 15 à 30 minutes.\n- Faites les exercices sur papier ou \
                     sur téléphone.\n- Posez vos questions pendant les sessions live."
                ),
                Some("https://vimeo.com/76979871"),
                10,
            ),
            (
                "Les notions essentielles",
                format!(
                    "Cette leçon présente le vocabulaire et les idées clés de « {title} ».\n\n\
                     ## À retenir\n\n1. Commencez simple.\n2. Pratiquez régulièrement.\n\
                     3. Apprenez de vos erreurs : elles font partie du métier."
                ),
                None,
                20,
            ),
            (
                "Un exemple pas à pas",
                "Suivons un cas concret inspiré d'une petite entreprise de Matadi : nous allons appliquer \
                 chaque notion, étape par étape, puis comparer le résultat avec la version du formateur."
                    .into(),
                Some("https://www.youtube.com/watch?v=UB1O30fR-EE"),
                25,
            ),
            (
                "Exercice final",
                "**À vous !** Réalisez l'exercice décrit dans la fiche récapitulative (ressource à \
                 télécharger), puis comparez avec la correction présentée en session live."
                    .into(),
                None,
                30,
            ),
        ],
        quiz_title: format!("Quiz : {title}"),
        questions: vec![
            (
                "Quelle est la meilleure façon de progresser dans ce cours ?",
                "La régularité compte plus que la durée : un peu chaque jour.",
                vec![
                    ("Pratiquer un peu chaque jour", true),
                    ("Tout lire en une nuit", false),
                    ("Sauter les exercices", false),
                ],
            ),
            (
                "Où poser vos questions au formateur ?",
                "Pendant les sessions live et sur le forum du cours.",
                vec![("Pendant les sessions live", true), ("Sur le forum du cours", true), ("Nulle part", false)],
            ),
        ],
    }
}

/// Adds the curriculum of one course; the memo sheet is stored as a resource in `files`.
pub async fn seed(
    db: &Db,
    files: &Storage,
    course_id: i64,
    slug: &str,
    title: &str,
    summary: &str,
) -> anyhow::Result<()> {
    let plan = if slug == "bases-de-python" {
        python_plan()
    } else {
        generic_plan(title, summary)
    };
    let mut sections = Vec::new();
    for name in plan.sections {
        sections.push(queries::add_section(db, course_id, name).await?);
    }
    for (i, (title, body, video, minutes)) in plan.lessons.iter().enumerate() {
        let lesson = LessonInput {
            title: (*title).to_owned(),
            body: body.clone(),
            video_url: video.map(str::to_owned),
            duration_minutes: *minutes,
            free_preview: i == 0,
        };
        queries::add_lesson(db, course_id, sections[i / 2], &lesson).await?;
    }
    let memo = format!(
        "{title}\n{}\n\nFiche récapitulative — TechLearnJess\n\n{summary}\n\nPlan du cours :\n{}\n",
        "=".repeat(title.chars().count()),
        plan.lessons
            .iter()
            .map(|l| format!("- {}", l.0))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stored = format!("demo-{slug}.txt");
    files
        .put(Bucket::Resources, &stored, memo.as_bytes())
        .await?;
    queries::add_resource(
        db,
        course_id,
        NewResource {
            title: "Fiche récapitulative",
            original_name: &format!("fiche-{slug}.txt"),
            stored_name: &stored,
            content_type: "text/plain; charset=utf-8",
            size_bytes: memo.len() as i64,
        },
    )
    .await?;
    let quiz = QuizInput {
        title: plan.quiz_title,
        description: String::new(),
        pass_percent: 70,
        max_attempts: None,
    };
    let quiz_id = queries::add_quiz(db, course_id, &quiz).await?;
    for (prompt, explanation, options) in plan.questions {
        let question = QuestionInput {
            prompt: prompt.to_owned(),
            explanation: explanation.to_owned(),
            options: options
                .into_iter()
                .map(|(label, ok)| (label.to_owned(), ok))
                .collect(),
        };
        queries::add_question(db, quiz_id, &question).await?;
    }
    Ok(())
}
