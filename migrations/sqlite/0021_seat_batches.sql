-- Sponsored seats: a sponsor (an NGO, an employer, a school) pays once for many learners; each
-- seat is a single-use code that enrols its holder in the batch's courses.
CREATE TABLE seat_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sponsor_name TEXT NOT NULL,
    -- The sponsor's contact, who may read this batch's report (NULL: admins only).
    contact_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    seats INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    -- 'free' (the admin's decision) or 'offline' (cash, bank transfer: payer, reference, date).
    payment_kind TEXT NOT NULL,
    payer TEXT NOT NULL DEFAULT '',
    payment_reference TEXT NOT NULL DEFAULT '',
    paid_on TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE seat_batch_courses (
    batch_id INTEGER NOT NULL REFERENCES seat_batches (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, course_id)
);

CREATE TABLE seat_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES seat_batches (id) ON DELETE CASCADE,
    -- Normalised: eight characters of an alphabet without 0, O, 1 or I (shown TLJ-XXXX-XXXX).
    code TEXT NOT NULL UNIQUE,
    used_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX seat_codes_batch ON seat_codes (batch_id);
CREATE INDEX seat_codes_user ON seat_codes (used_by);
