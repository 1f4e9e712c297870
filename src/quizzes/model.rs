//! Quizzes as stored, what the learner sees before answering (no correct flags), and grading.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sqlx::FromRow;

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct Quiz {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub description: String,
    pub pass_percent: i64,
    pub max_attempts: Option<i64>,
}

/// A question with its options, including which are correct: server side only.
#[derive(Clone, Debug)]
pub struct Question {
    pub id: i64,
    pub prompt: String,
    pub explanation: String,
    pub options: Vec<QuizOption>,
}

#[derive(Clone, Debug, FromRow)]
pub struct QuizOption {
    pub id: i64,
    pub question_id: i64,
    pub label: String,
    pub is_correct: i64,
}

impl Question {
    fn correct_ids(&self) -> BTreeSet<i64> {
        self.options
            .iter()
            .filter(|o| o.is_correct != 0)
            .map(|o| o.id)
            .collect()
    }

    /// Whether the question has several correct options (shown as checkboxes).
    pub fn is_multiple(&self) -> bool {
        self.correct_ids().len() > 1
    }
}

/// What the page shows before submission: never which option is correct.
#[derive(Debug, Serialize)]
pub struct QuestionView {
    pub id: i64,
    pub prompt: String,
    pub multiple: bool,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    pub id: i64,
    pub label: String,
}

impl From<&Question> for QuestionView {
    fn from(q: &Question) -> Self {
        Self {
            id: q.id,
            prompt: q.prompt.clone(),
            multiple: q.is_multiple(),
            options: q
                .options
                .iter()
                .map(|o| OptionView {
                    id: o.id,
                    label: o.label.clone(),
                })
                .collect(),
        }
    }
}

/// The learner's answers: question id → chosen option ids.
pub type Answers = BTreeMap<i64, BTreeSet<i64>>;

/// Reads `q{question_id}=option_id` pairs of a submitted form; ignores anything else, and
/// options that do not belong to the question.
pub fn parse_answers(form: &[(String, String)], questions: &[Question]) -> Answers {
    let mut answers = Answers::new();
    for (key, value) in form {
        let Some(qid) = key.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        let Ok(oid) = value.parse::<i64>() else {
            continue;
        };
        let Some(question) = questions.iter().find(|q| q.id == qid) else {
            continue;
        };
        if question.options.iter().any(|o| o.id == oid) {
            answers.entry(qid).or_default().insert(oid);
        }
    }
    answers
}

/// The grade of one question.
#[derive(Debug, Serialize)]
pub struct QuestionResult {
    pub id: i64,
    pub prompt: String,
    pub correct: bool,
    pub explanation: String,
    pub options: Vec<OptionResult>,
}

#[derive(Debug, Serialize)]
pub struct OptionResult {
    pub label: String,
    pub chosen: bool,
    pub is_correct: bool,
}

#[derive(Debug, Serialize)]
pub struct Grade {
    pub score_percent: i64,
    pub passed: bool,
    pub correct_count: usize,
    pub total: usize,
    pub questions: Vec<QuestionResult>,
}

/// A question counts as right when the chosen options are exactly the correct ones; the score is
/// the share of right questions, rounded down; passing needs `pass_percent` or more.
pub fn grade(questions: &[Question], answers: &Answers, pass_percent: i64) -> Grade {
    let empty = BTreeSet::new();
    let results: Vec<QuestionResult> = questions
        .iter()
        .map(|q| {
            let chosen = answers.get(&q.id).unwrap_or(&empty);
            QuestionResult {
                id: q.id,
                prompt: q.prompt.clone(),
                correct: *chosen == q.correct_ids(),
                explanation: q.explanation.clone(),
                options: q
                    .options
                    .iter()
                    .map(|o| OptionResult {
                        label: o.label.clone(),
                        chosen: chosen.contains(&o.id),
                        is_correct: o.is_correct != 0,
                    })
                    .collect(),
            }
        })
        .collect();
    let total = results.len();
    let correct_count = results.iter().filter(|r| r.correct).count();
    let score_percent = (correct_count * 100).checked_div(total).unwrap_or(0) as i64;
    Grade {
        score_percent,
        passed: total > 0 && score_percent >= pass_percent,
        correct_count,
        total,
        questions: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: i64, options: &[(i64, bool)]) -> Question {
        Question {
            id,
            prompt: format!("Q{id}"),
            explanation: String::new(),
            options: options
                .iter()
                .map(|(oid, ok)| QuizOption {
                    id: *oid,
                    question_id: id,
                    label: format!("O{oid}"),
                    is_correct: i64::from(*ok),
                })
                .collect(),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_multiple_answer_question_needs_exactly_the_correct_options() {
        let qs = vec![
            question(1, &[(10, true), (11, true), (12, false)]),
            question(2, &[(20, false), (21, true)]),
        ];
        assert!(qs[0].is_multiple() && !qs[1].is_multiple());
        let partial = parse_answers(&form(&[("q1", "10"), ("q2", "21")]), &qs);
        let g = grade(&qs, &partial, 70);
        assert_eq!((g.correct_count, g.score_percent, g.passed), (1, 50, false));
        let extra = parse_answers(
            &form(&[("q1", "10"), ("q1", "11"), ("q1", "12"), ("q2", "21")]),
            &qs,
        );
        assert_eq!(grade(&qs, &extra, 70).score_percent, 50);
        let right = parse_answers(&form(&[("q1", "11"), ("q1", "10"), ("q2", "21")]), &qs);
        let g = grade(&qs, &right, 70);
        assert_eq!((g.score_percent, g.passed), (100, true));
    }

    #[test]
    fn the_pass_mark_is_inclusive_and_scores_round_down() {
        let qs: Vec<Question> = (1..=3)
            .map(|i| question(i, &[(i * 10, true), (i * 10 + 1, false)]))
            .collect();
        let two = parse_answers(&form(&[("q1", "10"), ("q2", "20")]), &qs);
        let g = grade(&qs, &two, 66);
        assert_eq!((g.score_percent, g.passed), (66, true));
        assert!(!grade(&qs, &two, 67).passed);
    }

    #[test]
    fn foreign_options_and_garbage_are_ignored() {
        let qs = vec![question(1, &[(10, true), (11, false)])];
        let answers = parse_answers(
            &form(&[
                ("q1", "99"),
                ("q1", "abc"),
                ("x", "10"),
                ("q9", "10"),
                ("_csrf", "t"),
            ]),
            &qs,
        );
        assert!(answers.is_empty());
        assert!(!grade(&qs, &answers, 50).passed);
        assert!(
            !grade(&[], &Answers::new(), 0).passed,
            "an empty quiz cannot be passed"
        );
    }
}
