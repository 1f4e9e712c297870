-- Payment trust: quotes kept on the server (the checkout form carries only the quote's token),
-- sandbox payments flagged, and at most one open payment per learner and course.

-- One row per currency offered on a checkout page; the rows of one page share a random token.
CREATE TABLE payment_quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    ref_currency TEXT NOT NULL,
    ref_amount_minor INTEGER NOT NULL,
    rate_id INTEGER REFERENCES exchange_rates (id),
    rate_x10000 INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (token, currency)
);
CREATE INDEX payment_quotes_user ON payment_quotes (user_id, course_id, expires_at);

-- 1: made against the embedded fake providers (no money moved); kept out of revenue.
ALTER TABLE payments ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;

-- Open duplicates left by the old application-level check: keep the newest, expire the others
-- (a later success from the provider still enrols: succeeded is allowed from expired).
INSERT INTO payment_transitions (payment_id, from_status, to_status, source, raw, created_at)
SELECT p.id, p.status, 'expired', 'migration', 'duplicate open payment',
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM payments p
WHERE p.status IN ('created', 'pending', 'unknown')
  AND p.id <> (SELECT MAX(q.id) FROM payments q
               WHERE q.user_id = p.user_id AND q.course_id = p.course_id
                 AND q.status IN ('created', 'pending', 'unknown'));
UPDATE payments SET status = 'expired', failure_reason = 'payments.reason.expired',
       finalized_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
       updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
WHERE status IN ('created', 'pending', 'unknown')
  AND id <> (SELECT MAX(q.id) FROM payments q
             WHERE q.user_id = payments.user_id AND q.course_id = payments.course_id
               AND q.status IN ('created', 'pending', 'unknown'));

-- The "one open payment per course" rule, enforced by the database: two tabs submitting at
-- once cannot both push a PIN prompt.
CREATE UNIQUE INDEX payments_one_open ON payments (user_id, course_id)
    WHERE status IN ('created', 'pending', 'unknown');
