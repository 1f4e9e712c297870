-- Offline learning: a quiz submission queued offline and replayed carries a key chosen by the
-- browser; the same key never makes a second attempt (NULL keys, from no-JS forms, never clash).
ALTER TABLE quiz_attempts ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX quiz_attempts_client_key ON quiz_attempts (user_id, quiz_id, client_key);
