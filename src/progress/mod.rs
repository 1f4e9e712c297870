//! Learner progress: lessons done, quizzes passed, percentage per course, course completion.

pub mod queries;
