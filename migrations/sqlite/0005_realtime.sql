-- Realtime: notifications and their e-mail settings, chat rooms and messages, presence,
-- large bus payloads, and the posting suspension shared by forum and chat.
ALTER TABLE users ADD COLUMN posting_suspended_until TEXT;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

CREATE TABLE notification_settings (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    email INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE chat_rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    course_id INTEGER UNIQUE REFERENCES courses (id) ON DELETE CASCADE,
    dm_key TEXT UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE chat_room_members (
    room_id INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_room_members_user ON chat_room_members (user_id);

CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    hidden_at TEXT,
    hidden_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX chat_messages_room ON chat_messages (room_id, id);

CREATE TABLE chat_reads (
    room_id INTEGER NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_id INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE chat_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (message_id, reporter_id)
);

CREATE TABLE presence (
    instance_id TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (instance_id, user_id)
);
CREATE INDEX presence_user ON presence (user_id);

CREATE TABLE realtime_payloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL
);
