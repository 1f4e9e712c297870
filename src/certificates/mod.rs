//! Certificates: issued on course completion, signed with Ed25519, rendered to PDF, verified
//! publicly by code (the QR code's target).

use axum::Router;

use crate::config::Config;
use crate::state::AppState;

/// The platform's signing key. (Being built by the certificates issue.)
pub struct Signer {}

impl Signer {
    /// Loads the key pair from the data dir, creating it on first start.
    pub fn load_or_create(config: &Config) -> anyhow::Result<Self> {
        let _ = config;
        Ok(Self {})
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
}
