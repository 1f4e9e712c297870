-- Nothing to do on SQLite: one instance keeps its rate limits in memory (web::rate_limit). The
-- `rate_limits` table is PostgreSQL's (migrations/postgres/0024_rate_limits.sql); this file
-- keeps both engines' migrations numbered alike.
SELECT 1;
