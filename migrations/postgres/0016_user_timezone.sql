-- The zone a user reads times in (an IANA name, checked by web::time::TimeZone); NULL follows
-- the platform's default (TLJ_TIMEZONE).
ALTER TABLE users ADD COLUMN timezone TEXT;
