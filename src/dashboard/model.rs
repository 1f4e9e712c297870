//! What the dashboard shows: the learner's courses and, for trainers, their own courses' figures.

use serde::Serialize;
use sqlx::FromRow;

use crate::progress::queries::Progress;

/// One of the learner's enrolments, as the dashboard lists it.
#[derive(Debug, FromRow)]
pub struct EnrolledRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_name: String,
    pub completed_at: Option<String>,
}

/// An enrolled course with its progress and where to resume.
#[derive(Debug, Serialize)]
pub struct EnrolledCourse {
    pub title: String,
    pub slug: String,
    pub category_name: String,
    pub completed_at: Option<String>,
    pub progress: Progress,
    /// The first lesson not done, in course order (none: only quizzes are left, or nothing).
    pub resume_lesson: Option<i64>,
    /// The code of the learner's valid certificate for the course, if any.
    pub certificate_code: Option<String>,
}

/// A trainer's course with its enrolment and completion counts.
#[derive(Debug, FromRow, Serialize)]
pub struct TrainerCourse {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub published: i64,
    pub enrolments: i64,
    pub completions: i64,
}

/// An unread conversation with its newest message.
#[derive(Debug, Serialize)]
pub struct Conversation {
    pub room: crate::chat::queries::RoomEntry,
    pub last_author: Option<String>,
    /// The start of the newest message (plain text).
    pub excerpt: String,
    pub last_at: Option<String>,
}

/// The dashboard's "Discussions récentes".
#[derive(Debug, Serialize)]
pub struct Discussions {
    pub topics: Vec<crate::forum::queries::RecentTopic>,
    pub conversations: Vec<Conversation>,
}
