-- A seat batch paid by mobile money through the checkout: the payment names the batch it pays
-- for (its course_id is the batch's first course, for names and links), and the batch's codes
-- are issued when that payment succeeds. Free and offline batches are issued at creation.
ALTER TABLE seat_batches ADD COLUMN issued_at TEXT;
-- What the sponsor paid (offline: as recorded by the admin; mobile money: the payment's
-- amount), for the revenue by sponsor. NULL for a free batch.
ALTER TABLE seat_batches ADD COLUMN amount_minor INTEGER;
ALTER TABLE seat_batches ADD COLUMN currency TEXT;
UPDATE seat_batches SET issued_at = created_at;

ALTER TABLE payments ADD COLUMN seat_batch_id INTEGER REFERENCES seat_batches (id);
ALTER TABLE payment_quotes ADD COLUMN seat_batch_id INTEGER REFERENCES seat_batches (id) ON DELETE CASCADE;
CREATE INDEX payments_seat_batch ON payments (seat_batch_id);

-- One open payment per payer and thing bought: a course, or a batch's seats.
DROP INDEX payments_one_open;
CREATE UNIQUE INDEX payments_one_open ON payments (user_id, course_id, COALESCE(seat_batch_id, 0))
    WHERE status IN ('created', 'pending', 'unknown');
