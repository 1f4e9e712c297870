//! Trainer authoring: courses, sections, lessons, resources, quizzes, publishing.
