//! Quizzes: grading, attempts, feedback, access.
