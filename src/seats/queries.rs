//! Every SQL statement of sponsored seats.

use serde::Serialize;
use sqlx::FromRow;

use super::model::{BatchFilter, CodeState, NewBatch, PaymentKind};
use crate::courses::access::CourseRef;
use crate::db::Db;
use crate::money::Money;

/// A batch as the lists show it, with its seats counted.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct BatchRow {
    pub id: i64,
    pub sponsor_name: String,
    pub contact_user_id: Option<i64>,
    pub contact_name: Option<String>,
    pub note: String,
    pub seats: i64,
    pub expires_at: String,
    pub payment_kind: String,
    pub payer: String,
    pub payment_reference: String,
    pub paid_on: Option<String>,
    /// What the sponsor paid (offline as recorded, or the mobile-money payment); `None` if free.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// When the codes were issued; `None` while a mobile-money batch awaits its payment.
    pub issued_at: Option<String>,
    pub created_by: i64,
    pub created_at: String,
    pub used: i64,
    pub revoked: i64,
    /// The invitation link's token, if the batch has one.
    pub invite_token: Option<String>,
    /// Seats the invitation link may still fill.
    pub link_free: i64,
}

/// The statement of [`BatchRow`]s, ended by `$tail` (a filter and an order).
macro_rules! batch_select {
    ($tail:literal) => {
        concat!(
            "SELECT b.id, b.sponsor_name, b.contact_user_id, u.name AS contact_name, b.note, \
             b.seats, b.expires_at, b.payment_kind, b.payer, b.payment_reference, b.paid_on, \
             b.amount_minor, b.currency, b.issued_at, b.created_by, b.created_at, \
             (SELECT COUNT(*) FROM seat_codes c WHERE c.batch_id = b.id \
                AND c.used_by IS NOT NULL) AS used, \
             (SELECT COUNT(*) FROM seat_codes c WHERE c.batch_id = b.id AND c.used_by IS NULL \
                AND c.revoked_at IS NOT NULL) AS revoked, b.invite_token, \
             (SELECT COUNT(*) FROM seat_codes c WHERE c.batch_id = b.id AND c.used_by IS NULL \
                AND c.revoked_at IS NULL AND c.for_link = 1) AS link_free \
             FROM seat_batches b LEFT JOIN users u ON u.id = b.contact_user_id ",
            $tail
        )
    };
}

/// A course of a batch.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct BatchCourse {
    pub id: i64,
    pub slug: String,
    pub title: String,
}

/// A course an admin may put in a batch.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct CourseChoice {
    pub id: i64,
    pub title: String,
    pub price_minor: i64,
    pub currency: String,
}

/// One seat of a batch, with its holder's progress in the batch's courses.
#[derive(Clone, Debug, FromRow, Serialize)]
pub struct SeatRow {
    pub code: String,
    /// Set aside for the invitation link (1) or handed out by hand (0).
    pub for_link: i64,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub learner_name: Option<String>,
    pub learner_email: Option<String>,
    pub lessons_done: i64,
    pub lessons_total: i64,
    pub quizzes_passed: i64,
    pub quizzes_total: i64,
    /// How many of the batch's courses the holder has completed.
    pub completed: i64,
    /// The holder's latest completion among them.
    pub completed_at: Option<String>,
    /// The holder's certificates of the batch's courses, comma-separated codes.
    pub certificates: Option<String>,
}

/// Published courses, for the creation form: every one for an admin, a trainer's own otherwise.
pub async fn course_choices(
    db: &Db,
    trainer: Option<i64>,
) -> Result<Vec<CourseChoice>, sqlx::Error> {
    match trainer {
        Some(trainer) => {
            sqlx::query_as(
                "SELECT id, title, price_minor, currency FROM courses \
                 WHERE published = 1 AND trainer_id = $1 ORDER BY title",
            )
            .bind(trainer)
            .fetch_all(&db.pool)
            .await
        }
        None => {
            sqlx::query_as(
                "SELECT id, title, price_minor, currency FROM courses \
                 WHERE published = 1 ORDER BY title",
            )
            .fetch_all(&db.pool)
            .await
        }
    }
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND active = 1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// Creates the batch and its courses, all or nothing; a free or offline batch gets its codes
/// at once, a mobile-money batch when its payment succeeds ([`issue_paid`]).
pub async fn create_batch(
    db: &Db,
    batch: &NewBatch,
    contact_user_id: Option<i64>,
    expires_at: &str,
    created_by: i64,
) -> Result<i64, sqlx::Error> {
    let now = db.now();
    let issued = batch.payment_kind != PaymentKind::MobileMoney;
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO seat_batches (sponsor_name, contact_user_id, note, seats, expires_at, \
         payment_kind, payer, payment_reference, paid_on, amount_minor, currency, issued_at, \
         created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(&batch.sponsor_name)
    .bind(contact_user_id)
    .bind(&batch.note)
    .bind(batch.seats)
    .bind(expires_at)
    .bind(batch.payment_kind.code())
    .bind(&batch.payer)
    .bind(&batch.payment_reference)
    .bind(batch.paid_on.map(|d| d.to_string()))
    .bind(batch.paid.map(|m| m.amount_minor))
    .bind(batch.paid.map(|m| m.currency.code()))
    .bind(issued.then_some(&now))
    .bind(created_by)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for course_id in &batch.course_ids {
        sqlx::query("INSERT INTO seat_batch_courses (batch_id, course_id) VALUES ($1, $2)")
            .bind(id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
    }
    if issued {
        insert_codes(&mut tx, id, batch.seats).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// One fresh code per seat.
async fn insert_codes(
    conn: &mut sqlx::AnyConnection,
    batch_id: i64,
    seats: i64,
) -> Result<(), sqlx::Error> {
    for _ in 0..seats {
        // 40-bit codes: a collision is rare; a new code is drawn until one is free.
        loop {
            let done = sqlx::query(
                "INSERT INTO seat_codes (batch_id, code) VALUES ($1, $2) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(batch_id)
            .bind(crate::web::tokens::human_code())
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 1 {
                break;
            }
        }
    }
    Ok(())
}

/// A mobile-money batch's payment succeeded: records what was paid and issues the codes, in
/// the payment's own transaction, once (a batch already issued is left as it is).
pub async fn issue_paid(
    conn: &mut sqlx::AnyConnection,
    batch_id: i64,
    paid: Money,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let seats: Option<i64> = sqlx::query_scalar(
        "UPDATE seat_batches SET issued_at = $1, amount_minor = $2, currency = $3, paid_on = $4 \
         WHERE id = $5 AND issued_at IS NULL RETURNING seats",
    )
    .bind(now)
    .bind(paid.amount_minor)
    .bind(paid.currency.code())
    .bind(now.get(..10).unwrap_or(now))
    .bind(batch_id)
    .fetch_optional(&mut *conn)
    .await?;
    match seats {
        Some(seats) => {
            insert_codes(conn, batch_id, seats).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A batch and its courses, as a checkout prices them.
pub struct SeatOrder {
    pub batch: BatchRow,
    /// At least one; the first names the payment.
    pub courses: Vec<CourseRef>,
}

/// The batch `id` if it waits for a mobile-money payment and can still be paid (not expired,
/// with courses); `None` otherwise.
pub async fn payable_order(db: &Db, id: i64) -> Result<Option<SeatOrder>, sqlx::Error> {
    let Some(batch) = batch(db, id).await? else {
        return Ok(None);
    };
    if batch.payment_kind != PaymentKind::MobileMoney.code()
        || batch.issued_at.is_some()
        || batch.expires_at <= db.now()
    {
        return Ok(None);
    }
    let courses: Vec<CourseRef> = sqlx::query_as(
        "SELECT c.id, c.slug, c.title, c.trainer_id, c.published, c.price_minor, c.currency \
         FROM seat_batch_courses bc JOIN courses c ON c.id = bc.course_id \
         WHERE bc.batch_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok((!courses.is_empty()).then_some(SeatOrder { batch, courses }))
}

/// Every batch, newest first; when a user is given, only those they follow as the sponsor's
/// contact or created as a trainer.
pub async fn batches(db: &Db, user: Option<i64>) -> Result<Vec<BatchRow>, sqlx::Error> {
    match user {
        Some(user) => {
            sqlx::query_as(batch_select!(
                "WHERE b.contact_user_id = $1 OR b.created_by = $1 ORDER BY b.id DESC"
            ))
            .bind(user)
            .fetch_all(&db.pool)
            .await
        }
        None => {
            sqlx::query_as(batch_select!("ORDER BY b.id DESC"))
                .fetch_all(&db.pool)
                .await
        }
    }
}

/// The admin's list: batches whose sponsor contains `filter.q`, in a state and of a kind.
pub async fn filtered_batches(db: &Db, filter: &BatchFilter) -> Result<Vec<BatchRow>, sqlx::Error> {
    let q = filter.q.trim().to_lowercase();
    sqlx::query_as(batch_select!(
        "WHERE ($1 = '' OR LOWER(b.sponsor_name) LIKE $2 ESCAPE '\\') \
           AND ($3 = '' OR ($3 = 'awaiting' AND b.issued_at IS NULL AND b.expires_at > $4) \
             OR ($3 = 'active' AND b.issued_at IS NOT NULL AND b.expires_at > $4) \
             OR ($3 = 'expired' AND b.expires_at <= $4)) \
           AND ($5 = '' OR b.payment_kind = $5) \
         ORDER BY b.id DESC LIMIT 500"
    ))
    .bind(&q)
    .bind(crate::db::like_anywhere(&q))
    .bind(filter.state())
    .bind(db.now())
    .bind(filter.kind().map_or("", PaymentKind::code))
    .fetch_all(&db.pool)
    .await
}

pub async fn batch(db: &Db, id: i64) -> Result<Option<BatchRow>, sqlx::Error> {
    sqlx::query_as(batch_select!("WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn batch_courses(db: &Db, batch_id: i64) -> Result<Vec<BatchCourse>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.slug, c.title FROM seat_batch_courses bc \
         JOIN courses c ON c.id = bc.course_id WHERE bc.batch_id = $1 ORDER BY c.title",
    )
    .bind(batch_id)
    .fetch_all(&db.pool)
    .await
}

/// The seats of a batch in code order, with each holder's progress summed over the batch's
/// courses (the report a sponsor sends its funder).
pub async fn seats(db: &Db, batch_id: i64) -> Result<Vec<SeatRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.code, s.for_link, s.used_at, s.revoked_at, u.name AS learner_name, u.email AS learner_email, \
           (SELECT COUNT(*) FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id \
              JOIN seat_batch_courses bc ON bc.course_id = l.course_id \
              WHERE bc.batch_id = s.batch_id AND lp.user_id = s.used_by) AS lessons_done, \
           (SELECT COUNT(*) FROM lessons l JOIN seat_batch_courses bc ON bc.course_id = l.course_id \
              WHERE bc.batch_id = s.batch_id) AS lessons_total, \
           (SELECT COUNT(DISTINCT a.quiz_id) FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id \
              JOIN seat_batch_courses bc ON bc.course_id = z.course_id \
              WHERE bc.batch_id = s.batch_id AND a.user_id = s.used_by AND a.passed = 1) AS quizzes_passed, \
           (SELECT COUNT(*) FROM quizzes z JOIN seat_batch_courses bc ON bc.course_id = z.course_id \
              WHERE bc.batch_id = s.batch_id) AS quizzes_total, \
           (SELECT COUNT(*) FROM enrolments e JOIN seat_batch_courses bc ON bc.course_id = e.course_id \
              WHERE bc.batch_id = s.batch_id AND e.user_id = s.used_by \
              AND e.completed_at IS NOT NULL) AS completed, \
           (SELECT MAX(e.completed_at) FROM enrolments e \
              JOIN seat_batch_courses bc ON bc.course_id = e.course_id \
              WHERE bc.batch_id = s.batch_id AND e.user_id = s.used_by) AS completed_at, \
           (SELECT MIN(ce.code) FROM certificates ce \
              JOIN seat_batch_courses bc ON bc.course_id = ce.course_id \
              WHERE bc.batch_id = s.batch_id AND ce.user_id = s.used_by \
              AND ce.revoked_at IS NULL) AS certificates \
         FROM seat_codes s LEFT JOIN users u ON u.id = s.used_by \
         WHERE s.batch_id = $1 ORDER BY s.used_at IS NULL, s.used_at, s.code",
    )
    .bind(batch_id)
    .fetch_all(&db.pool)
    .await
}

/// The code `code` and its batch, as a redemption must judge them.
#[derive(Clone, Debug, FromRow)]
pub struct CodeLookup {
    pub id: i64,
    pub batch_id: i64,
    pub used_by: Option<i64>,
    pub revoked_at: Option<String>,
    pub expires_at: String,
}

pub async fn lookup(db: &Db, code: &str) -> Result<Option<CodeLookup>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.batch_id, s.used_by, s.revoked_at, b.expires_at \
         FROM seat_codes s JOIN seat_batches b ON b.id = s.batch_id WHERE s.code = $1",
    )
    .bind(code)
    .fetch_optional(&db.pool)
    .await
}

impl CodeLookup {
    pub fn state(&self, now: &str) -> CodeState {
        CodeState {
            used_by: self.used_by,
            revoked: self.revoked_at.is_some(),
            expired: self.expires_at.as_str() <= now,
        }
    }
}

/// Whether `user_id` already holds a seat of batch `batch_id`.
pub async fn holds_seat(db: &Db, user_id: i64, batch_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM seat_codes WHERE batch_id = $1 AND used_by = $2")
            .bind(batch_id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}

/// Takes the seat `code_id` for `user_id` and enrols them in the batch's courses, in one
/// transaction. The update is the lock: of two redemptions at once, exactly one changes the
/// row; the other gets `false` and nothing is written. Returns the courses' ids.
pub async fn take_seat(
    db: &Db,
    code_id: i64,
    batch_id: i64,
    user_id: i64,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let now = db.now();
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query(
        "UPDATE seat_codes SET used_by = $1, used_at = $2 \
         WHERE id = $3 AND used_by IS NULL AND revoked_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM seat_codes o WHERE o.batch_id = $4 AND o.used_by = $1) \
         AND EXISTS (SELECT 1 FROM seat_batches b WHERE b.id = $4 AND b.expires_at > $2)",
    )
    .bind(user_id)
    .bind(&now)
    .bind(code_id)
    .bind(batch_id)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Ok(None);
    }
    let courses: Vec<i64> =
        sqlx::query_scalar("SELECT course_id FROM seat_batch_courses WHERE batch_id = $1")
            .bind(batch_id)
            .fetch_all(&mut *tx)
            .await?;
    for course_id in &courses {
        crate::courses::queries::enrol_in(&mut tx, user_id, *course_id, "seat").await?;
    }
    tx.commit().await?;
    Ok(Some(courses))
}

/// Revokes the batch's unused codes; returns how many.
pub async fn revoke_unused(db: &Db, batch_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE seat_codes SET revoked_at = $1 \
         WHERE batch_id = $2 AND used_by IS NULL AND revoked_at IS NULL",
    )
    .bind(db.now())
    .bind(batch_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Moves the batch's expiry; returns the previous one.
pub async fn extend(
    db: &Db,
    batch_id: i64,
    expires_at: &str,
) -> Result<Option<String>, sqlx::Error> {
    let before: Option<String> =
        sqlx::query_scalar("SELECT expires_at FROM seat_batches WHERE id = $1")
            .bind(batch_id)
            .fetch_optional(&db.pool)
            .await?;
    if before.is_some() {
        sqlx::query("UPDATE seat_batches SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(batch_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(before)
}

/// The codes of batch `batch_id` to hand out: nobody used or revoked them and they are not set
/// aside for the invitation link. In issue order.
pub async fn free_codes(db: &Db, batch_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT code FROM seat_codes WHERE batch_id = $1 AND used_by IS NULL \
         AND revoked_at IS NULL AND for_link = 0 ORDER BY id",
    )
    .bind(batch_id)
    .fetch_all(&db.pool)
    .await
}

/// Gives batch `batch_id` an invitation link `token` for `seats` of its free codes, replacing
/// any earlier link (whose unused seats go back to the cards); `None` removes the link. Returns
/// `false`, changing nothing, when fewer than `seats` codes are free.
pub async fn set_link(
    db: &Db,
    batch_id: i64,
    link: Option<(&str, i64)>,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE seat_codes SET for_link = 0 WHERE batch_id = $1 AND used_by IS NULL AND for_link = 1",
    )
    .bind(batch_id)
    .execute(&mut *tx)
    .await?;
    let token = match link {
        Some((token, seats)) => {
            let set_aside = sqlx::query(
                "UPDATE seat_codes SET for_link = 1 WHERE id IN (SELECT id FROM seat_codes \
                 WHERE batch_id = $1 AND used_by IS NULL AND revoked_at IS NULL \
                 ORDER BY id DESC LIMIT $2)",
            )
            .bind(batch_id)
            .bind(seats)
            .execute(&mut *tx)
            .await?;
            if set_aside.rows_affected() != u64::try_from(seats).unwrap_or(u64::MAX) {
                return Ok(false);
            }
            Some(token)
        }
        None => None,
    };
    sqlx::query("UPDATE seat_batches SET invite_token = $1 WHERE id = $2")
        .bind(token)
        .bind(batch_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The batch an invitation link opens.
pub async fn batch_by_link(db: &Db, token: &str) -> Result<Option<BatchRow>, sqlx::Error> {
    sqlx::query_as(batch_select!("WHERE b.invite_token = $1"))
        .bind(token)
        .fetch_optional(&db.pool)
        .await
}

/// Takes one of the seats set aside for batch `batch_id`'s link, for `user_id`, as
/// [`take_seat`] takes a typed code. Of two joins racing for a seat, the loser tries the next
/// one; `None` when no seat is left (or the user already holds one of the batch).
pub async fn take_link_seat(
    db: &Db,
    batch_id: i64,
    user_id: i64,
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    for _ in 0..8 {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM seat_codes WHERE batch_id = $1 AND for_link = 1 \
             AND used_by IS NULL AND revoked_at IS NULL ORDER BY id LIMIT 1",
        )
        .bind(batch_id)
        .fetch_optional(&db.pool)
        .await?;
        let Some(code_id) = next else {
            return Ok(None);
        };
        if let Some(courses) = take_seat(db, code_id, batch_id, user_id).await? {
            return Ok(Some(courses));
        }
        if holds_seat(db, user_id, batch_id).await? {
            return Ok(None);
        }
    }
    Ok(None)
}
