-- Administration: featured courses on the home page, and the audit log of admin actions.
ALTER TABLE courses ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;

CREATE TABLE admin_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id INTEGER,
    details TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX admin_audit_created ON admin_audit (created_at);
CREATE INDEX login_history_created ON login_history (created_at);
CREATE INDEX users_created ON users (created_at);
