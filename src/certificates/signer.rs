//! The platform's Ed25519 certificate key: from `TLJ_CERT_KEY` (PEM, or a path to a PEM file),
//! or `data_dir/certificate-key.pem`, created (mode 0600) on first start. The database records
//! the public key of the first instance that starts, and an instance with another key refuses to
//! start: every instance must sign so that every other one verifies.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::config::Config;
use crate::db::Db;

/// File name of the generated key in the data dir.
pub const KEY_FILE: &str = "certificate-key.pem";

/// The `platform_settings` key of the public key (PEM) every instance must sign with.
pub const PUBLIC_KEY_SETTING: &str = "certificate_public_key";

/// Signs and verifies certificates' canonical texts.
pub struct Signer {
    key: SigningKey,
    public_pem: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

impl Signer {
    /// Loads the key pair from the config or the data dir, creating it on first start.
    pub fn load_or_create(config: &Config) -> anyhow::Result<Self> {
        match Self::load(config)? {
            Some(signer) => Ok(signer),
            None => Self::create(&config.data_dir.join(KEY_FILE)),
        }
    }

    /// The platform's key for this instance: [`Signer::load_or_create`], checked against the
    /// public key recorded in the database, which the first instance to start records. An
    /// instance with no key of its own creates none when the platform already has one.
    pub async fn for_platform(config: &Config, db: &Db) -> anyhow::Result<Self> {
        let recorded = crate::auth::queries::platform_setting(db, PUBLIC_KEY_SETTING)
            .await
            .context("lecture de la clé publique des certificats")?;
        let (signer, created) = match (Self::load(config)?, &recorded) {
            (Some(signer), _) => (signer, None),
            (None, Some(_)) => bail!(
                "cette instance n'a pas de clé de signature des certificats, et la plateforme en \
                 a déjà une (enregistrée dans la base par sa première instance) : donnez à \
                 TLJ_CERT_KEY la clé privée des autres instances"
            ),
            (None, None) => {
                let path = config.data_dir.join(KEY_FILE);
                (Self::create(&path)?, Some(path))
            }
        };
        // Two first instances starting together: the first insert wins, the other reads it.
        let platform = crate::auth::queries::insert_platform_setting_if_absent(
            db,
            PUBLIC_KEY_SETTING,
            signer.public_key_pem(),
        )
        .await
        .context("enregistrement de la clé publique des certificats")?;
        if signer.has_public_key(&platform) {
            if recorded.is_none() {
                tracing::info!("certificate public key recorded for the platform");
            }
            return Ok(signer);
        }
        if let Some(path) = created {
            // Made by this start, never used: it would only be picked up again next time.
            let _ = std::fs::remove_file(path);
        }
        bail!(
            "la clé de signature des certificats de cette instance ({}) n'est pas celle de la \
             plateforme, enregistrée dans la base par sa première instance : un certificat signé \
             ici ne se vérifierait pas ailleurs. Donnez à TLJ_CERT_KEY la même clé privée sur \
             toutes les instances",
            key_origin(config)
        )
    }

    /// The key of `TLJ_CERT_KEY`, else the data dir's key file when it exists.
    fn load(config: &Config) -> anyhow::Result<Option<Self>> {
        if let Some(value) = config.certificate_key.as_deref() {
            let value = value.trim();
            let pem = if value.starts_with("-----BEGIN") {
                value.to_owned()
            } else {
                std::fs::read_to_string(value).with_context(|| {
                    format!("TLJ_CERT_KEY : impossible de lire le fichier {value}")
                })?
            };
            return Self::from_pem(&pem)
                .context("TLJ_CERT_KEY doit être une clé privée Ed25519 PEM (PKCS#8)")
                .map(Some);
        }
        let path = config.data_dir.join(KEY_FILE);
        if path.exists() {
            let pem = std::fs::read_to_string(&path)
                .with_context(|| format!("lecture de {}", path.display()))?;
            return Self::from_pem(&pem)
                .with_context(|| format!("{} n'est pas une clé Ed25519 PEM", path.display()))
                .map(Some);
        }
        Ok(None)
    }

    /// A new key, written to `path`.
    fn create(path: &Path) -> anyhow::Result<Self> {
        let signer = Self::generate();
        write_private(path, &signer.private_pem()?)?;
        tracing::info!(file.path = %path.display(), "certificate signing key created");
        Ok(signer)
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self::from_key(SigningKey::from_bytes(&secret))
    }

    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: SigningKey) -> Self {
        let public_pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default();
        Self { key, public_pem }
    }

    fn private_pem(&self) -> anyhow::Result<String> {
        Ok(self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string())
    }

    /// The public key, PEM (SubjectPublicKeyInfo), as published at `/certificates/public-key`.
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Whether `pem` (SubjectPublicKeyInfo) is this key's public half, whatever its line breaks.
    pub fn has_public_key(&self, pem: &str) -> bool {
        VerifyingKey::from_public_key_pem(pem.trim())
            .is_ok_and(|public| public == self.key.verifying_key())
    }

    /// The signature of `text`, base64.
    pub fn sign(&self, text: &str) -> String {
        B64.encode(self.key.sign(text.as_bytes()).to_bytes())
    }

    /// Whether `signature` (base64) is this key's signature of `text`.
    pub fn verify(&self, text: &str, signature: &str) -> bool {
        verify_with(&self.key.verifying_key(), text, signature)
    }
}

/// Checks a base64 signature of `text` with `key`.
pub fn verify_with(key: &VerifyingKey, text: &str, signature: &str) -> bool {
    let Ok(bytes) = B64.decode(signature.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(text.as_bytes(), &sig).is_ok()
}

/// Where this instance's key comes from, for the start-up error.
fn key_origin(config: &Config) -> String {
    if config.certificate_key.is_some() {
        "TLJ_CERT_KEY".to_owned()
    } else {
        config.data_dir.join(KEY_FILE).display().to_string()
    }
}

fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} existe déjà (créée en même temps ?)", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("création de {}", path.display())),
    };
    use std::io::Write;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::model::{Fields, canonical_text};

    fn fields() -> Fields<'static> {
        Fields {
            code: "TLJ-7K3F-9QMD",
            learner_name: "Éloïse N'Sele",
            course_title: "Excel : tableaux croisés & graphiques",
            trainer_name: "Jess Formatrice",
            completed_on: "2026-11-25",
            issued_at: "2026-11-25T12:00:00Z",
        }
    }

    #[test]
    fn signature_verifies_and_any_tampered_field_fails() {
        let signer = Signer::generate();
        let text = canonical_text(1, &fields()).expect("test step");
        let sig = signer.sign(&text);
        assert!(signer.verify(&text, &sig));
        let tampered: [fn(&mut Fields<'static>); 6] = [
            |f| f.code = "TLJ-7K3F-9QME",
            |f| f.learner_name = "Eloïse N'Sele",
            |f| f.course_title = "Excel : tableaux croisés",
            |f| f.trainer_name = "Autre",
            |f| f.completed_on = "2026-11-24",
            |f| f.issued_at = "2026-11-25T12:00:01Z",
        ];
        for change in tampered {
            let mut f = fields();
            change(&mut f);
            assert!(!signer.verify(&canonical_text(1, &f).expect("test step"), &sig));
        }
        assert!(!signer.verify(&text, "not base64!"));
        assert!(!signer.verify(&text, &B64.encode([0u8; 64])));
        assert!(!Signer::generate().verify(&text, &sig), "another key");
    }

    #[test]
    fn a_public_key_is_recognised_whatever_its_line_breaks_and_another_one_is_not() {
        let signer = Signer::generate();
        let pem = signer.public_key_pem();
        assert!(signer.has_public_key(pem));
        assert!(signer.has_public_key(&format!("\n{}\r\n", pem.trim())));
        assert!(signer.has_public_key(&pem.replace('\n', "\r\n")));
        assert!(!signer.has_public_key(Signer::generate().public_key_pem()));
        assert!(!signer.has_public_key(""));
        assert!(
            !signer.has_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
        );
        // A private key is not a recorded public key.
        let private = signer.private_pem().expect("test step");
        assert!(!signer.has_public_key(&private));
    }

    #[test]
    fn key_is_created_once_with_private_mode_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("tlj-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config =
            Config::from_lookup(|k| (k == "TLJ_DATA_DIR").then(|| dir.display().to_string()))
                .expect("test step");
        let first = Signer::load_or_create(&config).expect("test step");
        let path = dir.join(KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("test step")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Signer::load_or_create(&config).expect("test step");
        assert_eq!(first.public_key_pem(), again.public_key_pem());
        assert!(
            first
                .public_key_pem()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );

        // TLJ_CERT_KEY as a path and as PEM text.
        let by_path = Config::from_lookup(|k| match k {
            "TLJ_DATA_DIR" => Some("/nonexistent".into()),
            "TLJ_CERT_KEY" => Some(path.display().to_string()),
            _ => None,
        })
        .expect("test step");
        assert_eq!(
            Signer::load_or_create(&by_path)
                .expect("test step")
                .public_key_pem(),
            first.public_key_pem()
        );
        let pem = std::fs::read_to_string(&path).expect("test step");
        let by_pem = Config::from_lookup(|k| match k {
            "TLJ_CERT_KEY" => Some(pem.clone()),
            _ => None,
        })
        .expect("test step");
        assert_eq!(
            Signer::load_or_create(&by_pem)
                .expect("test step")
                .public_key_pem(),
            first.public_key_pem()
        );
        let bad = Config::from_lookup(|k| (k == "TLJ_CERT_KEY").then(|| "-----BEGIN nope".into()))
            .expect("test step");
        assert!(Signer::load_or_create(&bad).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
