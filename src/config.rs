//! Every setting of the platform, read once from the environment (and CLI flags) with defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use url::Url;

/// Runtime configuration. Built once at start-up; misconfiguration fails fast.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address the HTTP server listens on (`TLJ_ADDR`).
    pub addr: SocketAddr,
    /// `sqlite://…` (default) or `postgres://…` (`DATABASE_URL`).
    pub database_url: String,
    /// Uploads (unless they are kept in the database), certificate key, mail outbox
    /// (`TLJ_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Where uploaded and generated files live (`TLJ_FILE_STORAGE`: `files` or `database`;
    /// default: the database on PostgreSQL, the data dir on SQLite). See `storage`.
    pub file_storage: crate::storage::StorageKind,
    /// Absolute base for links in e-mails and QR codes, without trailing slash (`TLJ_BASE_URL`).
    pub base_url: String,
    /// SMTP server URL; when unset, e-mails go to `data_dir/outbox` (`TLJ_SMTP_URL`).
    pub smtp_url: Option<String>,
    /// Sender of every e-mail (`TLJ_MAIL_FROM`).
    pub mail_from: String,
    /// Mark cookies `Secure` (on behind HTTPS) (`TLJ_SECURE_COOKIES`).
    pub secure_cookies: bool,
    /// The direct peer is a reverse proxy whose `X-Forwarded-For` is believed, whatever its
    /// address (`TLJ_TRUST_PROXY`); see `web::client_ip`.
    pub trust_proxy: bool,
    /// Networks of reverse proxies whose `X-Forwarded-For` is believed, wherever they stand in
    /// the chain (`TLJ_TRUSTED_PROXIES`, CIDRs separated by commas; default none).
    pub trusted_proxies: Vec<crate::web::client_ip::Cidr>,
    /// Largest uploaded file (course resources, images), in bytes (`TLJ_MAX_UPLOAD_MB`, default 20).
    pub max_upload_bytes: usize,
    /// Ed25519 signing key of certificates, PEM (PKCS#8) or a path to one (`TLJ_CERT_KEY`);
    /// unset: created on first start in the data dir.
    pub certificate_key: Option<String>,
    /// Mobile-money providers, routing, rates and sandbox (`TLJ_PAY_*`, see payments::config).
    pub payments: crate::payments::config::PaymentsConfig,
    /// Demo mode (`serve --demo`): demo content; sandbox payments unless `TLJ_PAY_SANDBOX=false`.
    pub demo: bool,
    /// STUN/TURN servers of live sessions, a JSON array of RTCIceServer (`TLJ_LIVE_ICE_SERVERS`,
    /// default `[]`).
    pub live_ice_servers: String,
    /// Zone of visitors and of users who chose none, an IANA name (`TLJ_TIMEZONE`, default
    /// Africa/Kinshasa).
    pub timezone: crate::web::time::TimeZone,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let addr: SocketAddr = get("TLJ_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8000".into())
            .parse()
            .context("TLJ_ADDR doit être une adresse hôte:port, par exemple 127.0.0.1:8000")?;
        let data_dir = PathBuf::from(get("TLJ_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/techlearnjess.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("DATABASE_URL doit commencer par sqlite: ou postgres:// (reçu : {database_url})");
        }
        let file_storage =
            crate::storage::StorageKind::parse(get("TLJ_FILE_STORAGE").as_deref(), &database_url)
                .map_err(anyhow::Error::msg)?;
        let base_url = get("TLJ_BASE_URL").unwrap_or_else(|| format!("http://{addr}"));
        let parsed = Url::parse(&base_url)
            .with_context(|| format!("TLJ_BASE_URL n'est pas une URL valide : {base_url}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            bail!("TLJ_BASE_URL doit être une URL http ou https (reçu : {base_url})");
        }
        let smtp_url = get("TLJ_SMTP_URL");
        let mail_from = get("TLJ_MAIL_FROM")
            .unwrap_or_else(|| "TechLearnJess <no-reply@techlearnjess.cd>".into());
        let max_upload_mb: usize = get("TLJ_MAX_UPLOAD_MB")
            .unwrap_or_else(|| "20".into())
            .parse()
            .ok()
            .filter(|mb| (1..=2048).contains(mb))
            .context("TLJ_MAX_UPLOAD_MB doit être un nombre de mégaoctets entre 1 et 2048")?;
        let live_ice_servers = get("TLJ_LIVE_ICE_SERVERS").unwrap_or_else(|| "[]".into());
        if !matches!(
            serde_json::from_str::<serde_json::Value>(&live_ice_servers),
            Ok(serde_json::Value::Array(_))
        ) {
            bail!(
                "TLJ_LIVE_ICE_SERVERS doit être un tableau JSON de serveurs ICE, par exemple \
                 [{{\"urls\":\"stun:stun.example.org:3478\"}}]"
            );
        }
        let timezone_name =
            get("TLJ_TIMEZONE").unwrap_or_else(|| crate::web::time::DEFAULT_ZONE.into());
        let timezone = crate::web::time::TimeZone::parse(&timezone_name).with_context(|| {
            format!(
                "TLJ_TIMEZONE doit être un fuseau horaire IANA, par exemple Africa/Kinshasa ou \
                 Africa/Lubumbashi (reçu : {timezone_name})"
            )
        })?;
        Ok(Self {
            addr,
            database_url,
            data_dir,
            file_storage,
            base_url: base_url.trim_end_matches('/').to_owned(),
            smtp_url,
            mail_from,
            secure_cookies: parse_bool(get("TLJ_SECURE_COOKIES").as_deref(), "TLJ_SECURE_COOKIES")?,
            trust_proxy: parse_bool(get("TLJ_TRUST_PROXY").as_deref(), "TLJ_TRUST_PROXY")?,
            trusted_proxies: crate::web::client_ip::parse_list(
                &get("TLJ_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "TLJ_TRUSTED_PROXIES doit lister des adresses ou réseaux CIDR séparés par des \
                     virgules, par exemple 10.0.0.0/8,192.168.1.10 : {e}"
                )
            })?,
            max_upload_bytes: max_upload_mb * 1024 * 1024,
            certificate_key: get("TLJ_CERT_KEY"),
            payments: crate::payments::config::PaymentsConfig::from_lookup(&get)?,
            demo: false,
            live_ice_servers,
            timezone,
        })
    }

    /// Directory where e-mails are written when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

fn parse_bool(value: Option<&str>, key: &str) -> anyhow::Result<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => bail!("{key} doit valoir true ou false (reçu : {other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_port_8000() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.addr.to_string(), "127.0.0.1:8000");
        assert_eq!(c.database_url, "sqlite://data/techlearnjess.db");
        assert_eq!(c.base_url, "http://127.0.0.1:8000");
        assert!(!c.secure_cookies);
        assert_eq!(c.file_storage, crate::storage::StorageKind::Files);
    }

    #[test]
    fn files_go_to_the_database_on_postgresql_unless_told_otherwise() {
        use crate::storage::StorageKind;
        let pg = ("DATABASE_URL", "postgres://tlj@db/tlj");
        assert_eq!(
            config(&[pg]).expect("valid").file_storage,
            StorageKind::Database
        );
        assert_eq!(
            config(&[pg, ("TLJ_FILE_STORAGE", "files")])
                .expect("valid")
                .file_storage,
            StorageKind::Files
        );
        assert_eq!(
            config(&[("TLJ_FILE_STORAGE", "database")])
                .expect("valid")
                .file_storage,
            StorageKind::Database
        );
        let err = config(&[("TLJ_FILE_STORAGE", "s3")])
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("TLJ_FILE_STORAGE") && err.contains("s3"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_address_or_url_fails_with_a_clear_message() {
        assert!(config(&[("TLJ_ADDR", "nowhere")]).is_err());
        assert!(config(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert!(config(&[("TLJ_BASE_URL", "ftp://x")]).is_err());
        assert!(config(&[("TLJ_SECURE_COOKIES", "maybe")]).is_err());
        assert!(config(&[("TLJ_MAX_UPLOAD_MB", "0")]).is_err());
    }

    #[test]
    fn trusted_proxies_are_cidrs_and_a_typo_stops_start_up() {
        let c = config(&[(
            "TLJ_TRUSTED_PROXIES",
            "10.0.0.0/8, 192.168.1.10,2001:db8::/32",
        )])
        .expect("valid");
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(config(&[]).expect("default").trusted_proxies.is_empty());
        let err = config(&[("TLJ_TRUSTED_PROXIES", "10.0.0.0/8,nginx")])
            .expect_err("not an address")
            .to_string();
        assert!(
            err.contains("TLJ_TRUSTED_PROXIES") && err.contains("nginx"),
            "{err}"
        );
        assert!(config(&[("TLJ_TRUSTED_PROXIES", "10.0.0.1/8")]).is_err());
    }

    #[test]
    fn the_base_url_loses_its_trailing_slash() {
        let c = config(&[("TLJ_BASE_URL", "https://techlearnjess.cd/")]).expect("valid");
        assert_eq!(c.base_url, "https://techlearnjess.cd");
    }

    #[test]
    fn the_time_zone_defaults_to_kinshasa_and_a_wrong_name_stops_start_up() {
        assert_eq!(
            config(&[]).expect("default").timezone.name(),
            "Africa/Kinshasa"
        );
        let c = config(&[("TLJ_TIMEZONE", "Africa/Lubumbashi")]).expect("valid");
        assert_eq!(c.timezone.name(), "Africa/Lubumbashi");
        let err = config(&[("TLJ_TIMEZONE", "Africa/Goma")])
            .expect_err("no such zone")
            .to_string();
        assert!(
            err.contains("TLJ_TIMEZONE") && err.contains("Africa/Goma"),
            "{err}"
        );
    }
}
