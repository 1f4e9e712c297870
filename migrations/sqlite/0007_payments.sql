-- Payments: mobile-money payments and their transitions, exchange rates, routing, invoices,
-- refunds. Money is integer minor units with an explicit currency.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    course_id INTEGER NOT NULL REFERENCES courses (id),
    wallet TEXT NOT NULL,
    provider TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    ref_currency TEXT NOT NULL,
    ref_amount_minor INTEGER NOT NULL,
    rate_id INTEGER,
    rate_x10000 INTEGER NOT NULL,
    msisdn TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'created',
    provider_ref TEXT,
    callback_secret TEXT,
    redirect_url TEXT,
    failure_reason TEXT,
    invoice_number TEXT UNIQUE,
    expires_at TEXT NOT NULL,
    next_check_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    refunded_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finalized_at TEXT
);
CREATE INDEX payments_user ON payments (user_id, created_at);
CREATE INDEX payments_due ON payments (status, next_check_at);
CREATE INDEX payments_provider_ref ON payments (provider, provider_ref);

CREATE TABLE payment_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id INTEGER NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    source TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX payment_transitions_payment ON payment_transitions (payment_id, id);

CREATE TABLE exchange_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base TEXT NOT NULL DEFAULT 'USD',
    quote TEXT NOT NULL DEFAULT 'CDF',
    rate_x10000 INTEGER NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    set_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE payment_routes (
    wallet TEXT NOT NULL,
    currency TEXT NOT NULL,
    provider TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (wallet, currency)
);

CREATE TABLE invoice_counters (
    year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

CREATE TABLE payment_refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id INTEGER NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    refunded_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id);

-- A course's optional pinned price in the other currency ("10 USD or 29 000 FC"): overrides
-- the conversion.
CREATE TABLE course_pinned_prices (
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    set_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (course_id, currency)
);
