//! Who may download a certificate's PDF and manage certificates: the one place for these rules.
//!
//! - Anyone may verify a code (`/verify/{code}`): that page shows only what the certificate
//!   itself states.
//! - The PDF: its holder while it is valid (a revoked one is gone for them: 404), or an admin.
//! - Revoking and re-issuing (`/admin/certificates…`): admins (the routes' guard).

use super::model::Certificate;
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult};

/// `Ok` when `user` may download the PDF of `cert`: `Forbidden` for another user's, `NotFound`
/// for the holder's own revoked certificate.
pub fn require_download(user: &User, cert: &Certificate) -> AppResult<()> {
    if user.roles.grants(Role::Admin) {
        return Ok(());
    }
    if cert.user_id != user.id {
        return Err(AppError::Forbidden);
    }
    if cert.is_revoked() {
        return Err(AppError::NotFound);
    }
    Ok(())
}
