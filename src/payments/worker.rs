//! Settling payments: applying a provider's answer to the state machine, the status poller with
//! back-off (due checks are rows with `next_check_at <= now`, so the schedule survives
//! restarts and several instances share it through a compare-and-set claim), expiry, and
//! reconciliation of `unknown` payments (queried every 2 min until a day after expiry).

use std::time::Duration;

use super::model::{Status, backoff_secs};
use super::providers::{PaymentLookup, ProviderKind};
use super::queries::{self, PaymentRow};
use crate::db;
use crate::money::Currency;
use crate::notifications::{Kind, Notice, notify};
use crate::state::AppState;

/// How long after its expiry an `unknown` payment is still re-queried before it is expired.
const RECONCILE_HOURS: i64 = 24;

/// How often expired quotes are deleted (each learner's own are also dropped on his next quote).
const QUOTE_PURGE_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(state: AppState) {
    let every = Duration::from_secs(state.payments.config.poll_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut purged = std::time::Instant::now();
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state).await {
                tracing::warn!(error = %e, "payments: checking pending payments failed");
            }
            if purged.elapsed() >= QUOTE_PURGE_EVERY {
                purged = std::time::Instant::now();
                let before = db::timestamp(state.clock.now() - time::Duration::hours(1));
                if let Err(e) = queries::purge_quotes(&state.db, &before).await {
                    tracing::warn!(error = %e, "payments: purging expired quotes failed");
                }
            }
        }
    });
}

/// Checks every payment that is due; returns how many were checked.
pub async fn run_once(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let due = queries::due(&state.db, &db::timestamp(now), 20).await?;
    let mut checked = 0;
    for p in due {
        let next = db::timestamp(now + time::Duration::seconds(backoff_secs(p.attempts)));
        if !queries::claim_check(&state.db, p.id, &p.next_check_at, &next).await? {
            continue;
        }
        if let Err(e) = check(state, &p, "poll").await {
            tracing::warn!(error = %e, payment.reference = %p.reference, "payments: status check failed");
        }
        checked += 1;
    }
    Ok(checked)
}

/// Queries the provider about `p` and applies the answer; then expires it if it is still open
/// after its deadline. Returns the status afterwards.
pub async fn check(state: &AppState, p: &PaymentRow, source: &str) -> Result<Status, sqlx::Error> {
    // The fakes must never settle a real payment, nor real providers a sandbox one (the mode
    // changed with a restart): such a payment is left to expire.
    let same_mode = p.is_sandbox() == state.payments.sandbox_enabled();
    let provider = ProviderKind::parse(&p.provider)
        .and_then(|k| state.payments.provider(k))
        .filter(|_| same_mode);
    match provider {
        None if !same_mode => {
            queries::note(
                &state.db,
                p.id,
                &p.status,
                source,
                "sandbox payment and real providers (or the reverse): not queried",
            )
            .await?;
        }
        None => {
            queries::note(
                &state.db,
                p.id,
                &p.status,
                source,
                "provider not configured",
            )
            .await?;
        }
        Some(provider) => {
            let lookup = PaymentLookup {
                reference: p.reference.clone(),
                provider_ref: p.provider_ref.clone(),
                currency: Currency::parse(&p.currency).unwrap_or(Currency::Usd),
                amount_minor: p.amount_minor,
            };
            match provider.query(&lookup).await {
                Ok(report) => {
                    let to = Status::from_provider(&report.status);
                    apply(
                        state,
                        p,
                        to,
                        report.provider_ref.as_deref(),
                        &format!("{source}:query"),
                        &report.raw.to_string(),
                        None,
                    )
                    .await?;
                }
                Err(e) => {
                    queries::note(
                        &state.db,
                        p.id,
                        &p.status,
                        &format!("{source}:query_error"),
                        &e.to_string(),
                    )
                    .await?;
                }
            }
        }
    }
    expire_if_late(state, &p.reference).await
}

/// Expires an open payment past its deadline (`unknown` ones only after the reconciliation
/// window: the money may have been taken). Returns the current status.
async fn expire_if_late(state: &AppState, reference: &str) -> Result<Status, sqlx::Error> {
    let Some(p) = queries::by_reference(&state.db, reference).await? else {
        return Ok(Status::Unknown);
    };
    let status = p.status();
    if status.is_final() {
        return Ok(status);
    }
    let now = state.clock.now();
    let Some(expires_at) = db::parse_timestamp(&p.expires_at) else {
        return Ok(status);
    };
    let deadline = if status == Status::Unknown {
        expires_at + time::Duration::hours(RECONCILE_HOURS)
    } else {
        expires_at
    };
    if now > deadline
        && queries::transition(
            &state.db,
            p.id,
            Status::Expired,
            "expiry",
            "",
            Some("payments.reason.expired"),
            None,
        )
        .await?
    {
        return Ok(Status::Expired);
    }
    Ok(status)
}

/// Applies a provider's answer (from an initiation or a status query; never from a callback
/// alone). Returns whether the payment changed.
pub async fn apply(
    state: &AppState,
    p: &PaymentRow,
    to: Status,
    provider_ref: Option<&str>,
    source: &str,
    raw: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    // The operator's own reason, when its answer gives a known code (shown in words).
    let reason = reason.or_else(|| {
        (to == Status::Failed)
            .then(|| super::refusals::reason_key(raw))
            .flatten()
    });
    let current = p.status();
    if to == current && to != Status::Succeeded {
        queries::note(&state.db, p.id, current.code(), source, raw).await?;
        // A status query may report the failure first (without its reason) and the blocked
        // initiation answer with the operator's code next (M-Pesa): keep that reason.
        if let Some(reason) = reason.filter(|_| to == Status::Failed) {
            queries::add_failure_reason(&state.db, p.id, reason).await?;
        }
        return Ok(false);
    }
    match to {
        Status::Succeeded => {
            match queries::succeed(&state.db, p.id, provider_ref, source, raw).await? {
                Some(invoice) => {
                    tracing::info!(payment.reference = %p.reference, payment.invoice = %invoice, "payments: payment succeeded");
                    after_success(state, p).await;
                    Ok(true)
                }
                None => {
                    queries::note(&state.db, p.id, "succeeded", source, raw).await?;
                    Ok(false)
                }
            }
        }
        Status::Created => Ok(false),
        other => {
            let next = (!other.is_final()).then(|| {
                db::timestamp(state.clock.now() + time::Duration::seconds(backoff_secs(p.attempts)))
            });
            let changed =
                queries::transition(&state.db, p.id, other, source, raw, reason, next.as_deref())
                    .await?;
            if !changed {
                queries::note(&state.db, p.id, p.status.as_str(), source, raw).await?;
                if let Some(reason) = reason.filter(|_| other == Status::Failed) {
                    queries::add_failure_reason(&state.db, p.id, reason).await?;
                }
            }
            Ok(changed)
        }
    }
}

/// The learner's notification (and e-mail, per their settings). Failures are logged: the
/// payment and the enrolment are already committed.
async fn after_success(state: &AppState, p: &PaymentRow) {
    // A sponsor's seats: the batch's page, where its codes now are.
    let (link, subject) = match (p.seat_batch_id, &p.seat_sponsor) {
        (Some(id), Some(sponsor)) => (format!("/seats/{id}"), sponsor),
        _ => (format!("/payments/{}", p.reference), &p.course_title),
    };
    if let Err(e) = notify(
        state,
        p.user_id,
        Notice {
            kind: Kind::PaymentConfirmed,
            subject,
            link: &link,
        },
    )
    .await
    {
        tracing::warn!(error = %e, payment.reference = %p.reference, "payments: payment notification failed");
    }
}
