-- Attempts a course's trainer (or an admin) granted a learner beyond a quiz's limit, so a learner
-- out of attempts is never locked out of a course and its certificate for good.
-- quizzes::queries::record_attempt allows attempt numbers up to max_attempts + extra.
CREATE TABLE quiz_extra_attempts (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    quiz_id INTEGER NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    extra INTEGER NOT NULL DEFAULT 0,
    granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, quiz_id)
);
