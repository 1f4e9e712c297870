//! Quizzes and questions: their rows, forms and what the editor shows.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::{ErrorKeys, char_len};

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct QuizRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub pass_percent: i64,
    pub max_attempts: Option<i64>,
}

#[derive(Debug, FromRow, Serialize)]
pub struct QuizListItem {
    pub id: i64,
    pub title: String,
    pub pass_percent: i64,
    pub questions: i64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct QuizForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pass_percent: String,
    #[serde(default)]
    pub max_attempts: String,
}

pub struct QuizInput {
    pub title: String,
    pub description: String,
    pub pass_percent: i64,
    pub max_attempts: Option<i64>,
}

impl QuizForm {
    pub fn blank() -> Self {
        Self {
            pass_percent: "70".into(),
            ..Self::default()
        }
    }

    pub fn parse(&self) -> Result<QuizInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() || char_len(&title) > 200 {
            e.insert("title", "teach.error.quiz_title");
        }
        let description = self.description.trim().to_owned();
        if char_len(&description) > 2000 {
            e.insert("description", "teach.error.quiz_description");
        }
        let pass = self
            .pass_percent
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100).contains(p));
        if pass.is_none() {
            e.insert("pass_percent", "teach.error.pass_percent");
        }
        let max = self.max_attempts.trim();
        let max_attempts = if max.is_empty() {
            Some(None)
        } else {
            max.parse::<i64>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .map(Some)
        };
        if max_attempts.is_none() {
            e.insert("max_attempts", "teach.error.max_attempts");
        }
        match (pass, max_attempts) {
            (Some(pass_percent), Some(max_attempts)) if e.is_empty() => Ok(QuizInput {
                title,
                description,
                pass_percent,
                max_attempts,
            }),
            _ => Err(e),
        }
    }
}

impl From<&QuizRow> for QuizForm {
    fn from(q: &QuizRow) -> Self {
        Self {
            title: q.title.clone(),
            description: q.description.clone(),
            pass_percent: q.pass_percent.to_string(),
            max_attempts: q.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

/// How many option rows the question form offers.
pub const OPTION_ROWS: usize = 6;

#[derive(Clone, Debug, Default, Serialize)]
pub struct OptionField {
    pub label: String,
    pub correct: bool,
}

/// The question form as typed: prompt, explanation and [`OPTION_ROWS`] option rows.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionForm {
    pub prompt: String,
    pub explanation: String,
    pub options: Vec<OptionField>,
}

impl Default for QuestionForm {
    fn default() -> Self {
        Self {
            prompt: String::new(),
            explanation: String::new(),
            options: vec![OptionField::default(); OPTION_ROWS],
        }
    }
}

pub struct QuestionInput {
    pub prompt: String,
    pub explanation: String,
    /// (label, is_correct), in order.
    pub options: Vec<(String, bool)>,
}

impl QuestionForm {
    /// Reads `prompt`, `explanation`, `option_{i}` and `correct_{i}` (i = 1…6) from form pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "prompt" => form.prompt = v.clone(),
                "explanation" => form.explanation = v.clone(),
                _ => {
                    let (field, index) = if let Some(i) = k.strip_prefix("option_") {
                        ("label", i)
                    } else if let Some(i) = k.strip_prefix("correct_") {
                        ("correct", i)
                    } else {
                        continue;
                    };
                    let Some(slot) = index
                        .parse::<usize>()
                        .ok()
                        .filter(|i| (1..=OPTION_ROWS).contains(i))
                        .and_then(|i| form.options.get_mut(i - 1))
                    else {
                        continue;
                    };
                    if field == "label" {
                        slot.label = v.clone();
                    } else {
                        slot.correct = !v.is_empty();
                    }
                }
            }
        }
        form
    }

    pub fn parse(&self) -> Result<QuestionInput, ErrorKeys> {
        let mut e = ErrorKeys::new();
        let prompt = self.prompt.trim().to_owned();
        if prompt.is_empty() || char_len(&prompt) > 1000 {
            e.insert("prompt", "teach.error.prompt");
        }
        let explanation = self.explanation.trim().to_owned();
        if char_len(&explanation) > 2000 {
            e.insert("explanation", "teach.error.explanation");
        }
        let options: Vec<(String, bool)> = self
            .options
            .iter()
            .filter(|o| !o.label.trim().is_empty())
            .map(|o| (o.label.trim().to_owned(), o.correct))
            .collect();
        if options.iter().any(|(l, _)| char_len(l) > 500) {
            e.insert("options", "teach.error.option_length");
        } else if options.len() < 2 {
            e.insert("options", "teach.error.options_min");
        } else if !options.iter().any(|(_, c)| *c) {
            e.insert("options", "teach.error.options_correct");
        }
        if e.is_empty() {
            Ok(QuestionInput {
                prompt,
                explanation,
                options,
            })
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, FromRow, Serialize)]
pub struct QuestionRow {
    pub id: i64,
    pub prompt: String,
    pub explanation: String,
}

#[derive(Clone, Debug, FromRow, Serialize)]
pub struct OptionRow {
    pub id: i64,
    pub question_id: i64,
    pub label: String,
    pub is_correct: i64,
}

#[derive(Debug, Serialize)]
pub struct QuestionView {
    pub id: i64,
    pub prompt: String,
    pub explanation: String,
    pub options: Vec<OptionRow>,
}

impl QuestionView {
    pub fn form(&self) -> QuestionForm {
        let mut form = QuestionForm {
            prompt: self.prompt.clone(),
            explanation: self.explanation.clone(),
            options: self
                .options
                .iter()
                .map(|o| OptionField {
                    label: o.label.clone(),
                    correct: crate::db::flag(o.is_correct),
                })
                .collect(),
        };
        form.options
            .resize(OPTION_ROWS.max(form.options.len()), OptionField::default());
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_needs_two_options_and_one_correct() {
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        let none_correct = QuestionForm::from_pairs(&pairs(&[
            ("prompt", "Q ?"),
            ("option_1", "A"),
            ("option_2", "B"),
        ]));
        assert_eq!(
            none_correct
                .parse()
                .err()
                .and_then(|e| e.get("options").copied()),
            Some("teach.error.options_correct")
        );
        let ok = QuestionForm::from_pairs(&pairs(&[
            ("prompt", "Q ?"),
            ("option_1", "A"),
            ("correct_1", "1"),
            ("option_3", ""),
            ("option_4", "B"),
            ("correct_4", "1"),
            ("option_9", "ignored"),
        ]))
        .parse()
        .ok()
        .map(|q| q.options);
        assert_eq!(ok, Some(vec![("A".into(), true), ("B".into(), true)]));
    }
}
