-- Forum: public categories (created by admins), topics in a category or in a course's forum,
-- replies, likes, reports, follows; and the moderation log shared by forum, chat and admin.
CREATE TABLE forum_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Exactly one of category_id / course_id is set.
CREATE TABLE forum_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id INTEGER REFERENCES forum_categories (id) ON DELETE CASCADE,
    course_id INTEGER REFERENCES courses (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    last_activity_at TEXT NOT NULL,
    edited_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX forum_topics_category ON forum_topics (category_id, pinned, last_activity_at);
CREATE INDEX forum_topics_course ON forum_topics (course_id, pinned, last_activity_at);
CREATE INDEX forum_topics_author ON forum_topics (author_id, created_at);

CREATE TABLE forum_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_id INTEGER NOT NULL REFERENCES forum_topics (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    edited_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX forum_replies_topic ON forum_replies (topic_id, id);
CREATE INDEX forum_replies_author ON forum_replies (author_id, created_at);

-- target_type: 'topic' or 'reply'.
CREATE TABLE forum_likes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (target_type, target_id, user_id)
);

CREATE TABLE forum_follows (
    topic_id INTEGER NOT NULL REFERENCES forum_topics (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (topic_id, user_id)
);

CREATE TABLE forum_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_type TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES forum_topics (id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (target_type, target_id, reporter_id)
);
CREATE INDEX forum_reports_open ON forum_reports (resolved_at, id);

-- Every moderation action (forum, chat, admin): who did what to which target, and why.
CREATE TABLE moderation_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id INTEGER,
    target_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX moderation_actions_created ON moderation_actions (created_at);
CREATE INDEX moderation_actions_user ON moderation_actions (target_user_id);
