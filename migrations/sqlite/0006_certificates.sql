-- Certificates: one row per issued certificate. The learner name, course title, trainer name
-- and dates are frozen at issue time (they are what was signed); `signature` is the Ed25519
-- signature (base64) of the canonical text built from these columns (see certificates::model).
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    learner_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    trainer_name TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    format_version INTEGER NOT NULL DEFAULT 1,
    signature TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT,
    revoked_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);
-- At most one valid (non-revoked) certificate per learner and course.
CREATE UNIQUE INDEX certificates_active ON certificates (user_id, course_id) WHERE revoked_at IS NULL;
CREATE INDEX certificates_user ON certificates (user_id, issued_at);
