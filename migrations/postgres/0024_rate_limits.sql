-- Rate limits counted across instances (web::rate_limit): per action and key (the digest of an
-- address or account), the GCRA "theoretical arrival time" in unix milliseconds of the platform
-- clock. A row whose time has passed means a full allowance again, so the housekeeping deletes
-- it. UNLOGGED: one write per guarded request stays out of the WAL; a crash empties the table,
-- which only gives every key its full allowance back. No index on `tat`: it changes on every
-- write, and the prune every ten minutes may scan a table that small.
CREATE UNLOGGED TABLE rate_limits (
    action TEXT NOT NULL,
    key TEXT NOT NULL,
    tat BIGINT NOT NULL,
    PRIMARY KEY (action, key)
);
