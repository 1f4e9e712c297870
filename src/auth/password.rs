//! Argon2id password hashing, off the async runtime (it is deliberately slow).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Hashes `password` into a PHC string with a fresh salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hachage du mot de passe impossible : {e}"))
    })
    .await?
}

/// Checks `password` against a stored PHC string; `None` burns the same time (unknown account).
pub async fn verify(password: String, phc: Option<String>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Dv3Ub0Q6X1lTjaH1ZzbhH3D6KFPxKHzDFaGyvEBB5mE";
    let known = phc.is_some();
    tokio::task::spawn_blocking(move || {
        let stored = phc.unwrap_or_else(|| DUMMY.to_owned());
        Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let phc = hash("Matadi-2026".into()).await.expect("hashes");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("Matadi-2026".into(), Some(phc.clone())).await);
        assert!(!verify("matadi-2026".into(), Some(phc)).await);
        assert!(!verify("anything".into(), None).await);
    }
}
