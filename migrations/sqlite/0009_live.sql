-- Live sessions: planning, stored reminders (sent exactly once by the worker), attendance,
-- questions with votes, the room's chat feed, and per-user calendar feed tokens.
CREATE TABLE live_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trainer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    external_url TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled',
    broadcaster_conn TEXT,
    started_at TEXT,
    ended_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX live_sessions_starts ON live_sessions (starts_at);
CREATE INDEX live_sessions_course ON live_sessions (course_id);

CREATE TABLE live_reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (session_id, kind, due_at)
);
CREATE INDEX live_reminders_due ON live_reminders (sent_at, due_at);

CREATE TABLE live_attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    left_at TEXT,
    seconds INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX live_attendance_session ON live_attendance (session_id, user_id);

CREATE TABLE live_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    votes INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open',
    pinned INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX live_questions_session ON live_questions (session_id, user_id, created_at);

CREATE TABLE live_votes (
    question_id INTEGER NOT NULL REFERENCES live_questions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, user_id)
);

CREATE TABLE live_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX live_messages_session ON live_messages (session_id, user_id, created_at);

CREATE TABLE live_feed_tokens (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE
);
