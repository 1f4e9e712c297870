//! Certificates: issued on course completion, signed with Ed25519, rendered to PDF, verified
//! publicly by code (the QR code's target).
//!
//! - `model.rs`: the row, the canonical signed text (versioned, documented there), codes, dates.
//! - `signer.rs`: the key pair (config, or created in the data dir) and signatures.
//! - `render.rs`: typst PDF with the QR code, cached in the file storage (`storage`).
//! - `handlers.rs`: the learner's list and downloads, the public key, `/verify`.
//! - `admin.rs`: `/admin/certificates` (search, revoke with a reason, re-issue).

pub mod access;
pub mod admin;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod render;
pub mod signer;

use crate::auth::model::Role;
use crate::error::AppResult;
use crate::notifications::{Kind, Notice};
use crate::state::AppState;
use crate::web::{Guard, Routes};
use model::{Certificate, FORMAT_VERSION, Fields, canonical_text};
pub use signer::Signer;

pub fn router() -> Routes {
    Routes::new()
        .get("/certificates", handlers::my_certificates)
        .get("/certificates/public-key", handlers::public_key)
        .get("/certificates/{code}/pdf", handlers::download)
        .get("/verify", handlers::verify_form)
        .get("/verify/{code}", handlers::verify)
        .merge(
            Routes::area(Guard::Role(Role::Admin))
                .get("/admin/certificates", admin::list)
                .post("/admin/certificates/{code}/revoke", admin::revoke)
                .post("/admin/certificates/{code}/reissue", admin::reissue),
        )
}

/// What verification says about a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Revoked,
    /// The stored row does not match its signature (tampered, or signed by another key).
    Invalid,
    Unknown,
}

/// Checks the stored signature of `cert` against the text rebuilt from its columns.
pub fn signature_ok(state: &AppState, cert: &Certificate) -> bool {
    canonical_text(cert.format_version, &cert.fields())
        .is_some_and(|text| state.signer.verify(&text, &cert.signature))
}

/// The verification status of a stored certificate.
pub fn status_of(state: &AppState, cert: &Certificate) -> Status {
    if !signature_ok(state, cert) {
        Status::Invalid
    } else if cert.is_revoked() {
        Status::Revoked
    } else {
        Status::Valid
    }
}

/// Issues the certificate of a learner who has just completed a course, and notifies them
/// ("Votre attestation est disponible", in-app and by e-mail). Idempotent: returns the new
/// certificate only when this call created it; `None` when the learner already holds a valid
/// one for the course or has not completed it. Call it where
/// `progress::queries::record_completion_if_done` returned true.
pub async fn issue_on_completion(
    state: &AppState,
    user_id: i64,
    course_id: i64,
) -> AppResult<Option<Certificate>> {
    let Some(facts) = queries::issue_facts(&state.db, user_id, course_id).await? else {
        return Ok(None);
    };
    let Some(completed_at) = facts.completed_at.as_deref() else {
        return Ok(None);
    };
    let completed_on = completed_at.get(..10).unwrap_or(completed_at).to_owned();
    issue(state, user_id, course_id, &facts, &completed_on).await
}

/// Creates, signs and stores a certificate, then notifies the learner. `None` when a valid one
/// already exists for (learner, course).
async fn issue(
    state: &AppState,
    user_id: i64,
    course_id: i64,
    facts: &queries::IssueFacts,
    completed_on: &str,
) -> AppResult<Option<Certificate>> {
    if queries::active_for(&state.db, user_id, course_id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let issued_at = state.db.now();
    for _ in 0..5 {
        let code = model::new_code();
        let fields = Fields {
            code: &code,
            learner_name: &facts.learner_name,
            course_title: &facts.course_title,
            trainer_name: &facts.trainer_name,
            completed_on,
            issued_at: &issued_at,
        };
        let text = canonical_text(FORMAT_VERSION, &fields)
            .ok_or_else(|| anyhow::anyhow!("canonical text v{FORMAT_VERSION} missing"))?;
        let signature = state.signer.sign(&text);
        let row = queries::NewCertificate {
            code: &code,
            user_id,
            course_id,
            learner_name: &facts.learner_name,
            course_title: &facts.course_title,
            trainer_name: &facts.trainer_name,
            completed_on,
            issued_at: &issued_at,
            format_version: FORMAT_VERSION,
            signature: &signature,
        };
        if queries::insert(&state.db, &row).await?.is_some() {
            let cert = queries::by_code(&state.db, &code)
                .await?
                .ok_or_else(|| anyhow::anyhow!("certificate {code} vanished"))?;
            tracing::info!(user.id = user_id, course.id = course_id, certificate.code = %code, "certificate issued");
            crate::notifications::notify(
                state,
                user_id,
                Notice {
                    kind: Kind::CertificateAvailable,
                    subject: &facts.course_title,
                    link: "/certificates",
                },
            )
            .await?;
            return Ok(Some(cert));
        }
        // Refused: another request issued it meanwhile, or the code was taken (retry).
        if queries::active_for(&state.db, user_id, course_id)
            .await?
            .is_some()
        {
            return Ok(None);
        }
    }
    Err(anyhow::anyhow!("could not find a free certificate code").into())
}

/// Re-issues the certificate `old` (admin): revokes it when still valid, then issues a new one
/// with the learner's and course's current names and the same completion date.
pub async fn reissue(
    state: &AppState,
    old: &Certificate,
    reason: &str,
    admin_id: i64,
) -> AppResult<Option<Certificate>> {
    let now = state.db.now();
    queries::revoke(&state.db, old.id, reason, admin_id, &now).await?;
    let facts = queries::issue_facts(&state.db, old.user_id, old.course_id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    issue(state, old.user_id, old.course_id, &facts, &old.completed_on).await
}
