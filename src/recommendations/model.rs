//! A recommended course with the reason shown to the learner, and the in-memory scoring.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::FromRow;

use crate::courses::model::CourseCard;

/// Why a course is recommended: a catalogue key under `recommendations.reason_*` and the one
/// value it interpolates (a course title, a category or a trainer name; empty when unused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub key: &'static str,
    pub arg: String,
}

/// A course card with the reason it is recommended.
#[derive(Debug, Serialize)]
pub struct Recommendation {
    #[serde(flatten)]
    pub course: CourseCard,
    pub reason_key: &'static str,
    pub reason_arg: String,
}

/// One of the learner's enrolments, with what the scoring needs of its course.
#[derive(Debug, FromRow)]
pub struct Taken {
    pub course_id: i64,
    pub title: String,
    pub category_id: i64,
    pub category_name: String,
    pub trainer_id: i64,
    pub trainer_name: String,
    pub completed: i64,
}

/// A published course that may be recommended, with its recent popularity.
#[derive(Debug, FromRow)]
pub struct Candidate {
    pub id: i64,
    pub category_id: i64,
    pub trainer_id: i64,
    pub created_at: String,
    pub recent_enrolments: i64,
}

/// Learners of `mine` (one of the learner's courses) who also took `other`.
#[derive(Debug, FromRow)]
pub struct CoEnrolment {
    pub mine: i64,
    pub other: i64,
    pub shared: i64,
}

const CO_ENROLMENT: f64 = 3.0;
const CATEGORY: f64 = 1.5;
const TRAINER: f64 = 0.5;
const POPULARITY: f64 = 0.5;

/// Ranks `candidates` for a learner who took `taken`, best first, at most `limit`, skipping
/// courses taken and `except`. A completed course weighs twice an unfinished one. Without any
/// history signal a course ranks by recent popularity, then by novelty.
pub fn rank(
    taken: &[Taken],
    candidates: &[Candidate],
    co: &[CoEnrolment],
    except: &[i64],
    limit: usize,
) -> Vec<(i64, Reason)> {
    let weight = |t: &Taken| if t.completed != 0 { 2.0 } else { 1.0 };
    let taken_ids: HashSet<i64> = taken.iter().map(|t| t.course_id).collect();
    let by_id: HashMap<i64, &Taken> = taken.iter().map(|t| (t.course_id, t)).collect();
    // other course → (weighted co-enrolment score, best source course and its share)
    let mut co_score: HashMap<i64, (f64, i64, f64)> = HashMap::new();
    for c in co {
        let Some(t) = by_id.get(&c.mine) else {
            continue;
        };
        let part = weight(t) * (c.shared as f64);
        let entry = co_score.entry(c.other).or_insert((0.0, c.mine, 0.0));
        entry.0 += part;
        if part > entry.2 {
            entry.1 = c.mine;
            entry.2 = part;
        }
    }
    let mut scored: Vec<(f64, &Candidate, Reason)> = candidates
        .iter()
        .filter(|c| !taken_ids.contains(&c.id) && !except.contains(&c.id))
        .map(|c| {
            let (co_raw, co_source, _) = co_score.get(&c.id).copied().unwrap_or((0.0, 0, 0.0));
            let co_part = CO_ENROLMENT * (1.0 + co_raw).ln();
            let same_cat: Vec<&Taken> = taken
                .iter()
                .filter(|t| t.category_id == c.category_id)
                .collect();
            let cat_part = CATEGORY * same_cat.iter().map(|t| weight(t)).sum::<f64>();
            let same_trainer: Vec<&Taken> = taken
                .iter()
                .filter(|t| t.trainer_id == c.trainer_id)
                .collect();
            let trainer_part = TRAINER * same_trainer.iter().map(|t| weight(t)).sum::<f64>();
            let pop_part = POPULARITY * (1.0 + c.recent_enrolments as f64).ln();
            let score = co_part + cat_part + trainer_part + pop_part;
            let reason = if co_part > 0.0 && co_part >= cat_part && co_part >= trainer_part {
                Reason {
                    key: "co_enrolled",
                    arg: by_id
                        .get(&co_source)
                        .map(|t| t.title.clone())
                        .unwrap_or_default(),
                }
            } else if cat_part > 0.0 && cat_part >= trainer_part {
                match same_cat.iter().find(|t| t.completed != 0) {
                    Some(done) => Reason {
                        key: "followed",
                        arg: done.title.clone(),
                    },
                    None => Reason {
                        key: "category",
                        arg: same_cat[0].category_name.clone(),
                    },
                }
            } else if trainer_part > 0.0 {
                Reason {
                    key: "trainer",
                    arg: same_trainer[0].trainer_name.clone(),
                }
            } else if c.recent_enrolments > 0 {
                Reason {
                    key: "popular",
                    arg: String::new(),
                }
            } else {
                Reason {
                    key: "new",
                    arg: String::new(),
                }
            };
            (score, c, reason)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| b.1.created_at.cmp(&a.1.created_at))
            .then_with(|| b.1.id.cmp(&a.1.id))
    });
    scored
        .into_iter()
        .take(limit)
        .map(|(_, c, r)| (c.id, r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: i64, category_id: i64, recent: i64) -> Candidate {
        Candidate {
            id,
            category_id,
            trainer_id: 1,
            created_at: format!("2026-01-{id:02}T00:00:00Z"),
            recent_enrolments: recent,
        }
    }

    #[test]
    fn co_enrolment_beats_category_and_taken_courses_are_skipped() {
        let taken = [Taken {
            course_id: 1,
            title: "A".into(),
            category_id: 10,
            category_name: "Design".into(),
            trainer_id: 1,
            trainer_name: "T".into(),
            completed: 0,
        }];
        let candidates = [
            cand(1, 10, 9),
            cand(2, 20, 3),
            cand(3, 10, 0),
            cand(4, 30, 5),
        ];
        let co = [CoEnrolment {
            mine: 1,
            other: 2,
            shared: 3,
        }];
        let ranked = rank(&taken, &candidates, &co, &[], 10);
        let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert_eq!(ranked[0].1.key, "co_enrolled");
        assert_eq!(ranked[1].1.key, "category");
        assert_eq!(rank(&taken, &candidates, &co, &[2], 1)[0].0, 3);
    }

    #[test]
    fn a_new_learner_gets_popular_then_new_courses() {
        let candidates = [cand(1, 10, 0), cand(2, 20, 3), cand(3, 10, 0)];
        let ranked = rank(&[], &candidates, &[], &[], 3);
        assert_eq!(
            ranked[0],
            (
                2,
                Reason {
                    key: "popular",
                    arg: String::new()
                }
            )
        );
        assert_eq!(ranked[1].0, 3);
        assert_eq!(ranked[1].1.key, "new");
    }
}
