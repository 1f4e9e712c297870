-- An invitation link for a number of a batch's seats: the link's token is on the batch, and the
-- seats it may fill are codes set aside for it (not printed on cards, not in the codes' CSV).
-- Whoever opens the link and joins takes one of them, atomically, like a typed code.
ALTER TABLE seat_batches ADD COLUMN invite_token TEXT;
CREATE UNIQUE INDEX seat_batches_invite_token ON seat_batches (invite_token);
ALTER TABLE seat_codes ADD COLUMN for_link INTEGER NOT NULL DEFAULT 0;
