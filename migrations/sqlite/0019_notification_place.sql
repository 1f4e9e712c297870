-- Notifications: the place a notification is about (its link without the #fragment), so that
-- notifications of the same kind and place make one line ("3 nouvelles réponses dans « … »").
ALTER TABLE notifications ADD COLUMN place TEXT NOT NULL DEFAULT '';
UPDATE notifications SET place = CASE WHEN instr(link, '#') > 0
    THEN substr(link, 1, instr(link, '#') - 1) ELSE link END;
CREATE INDEX notifications_place ON notifications (user_id, kind, place);
