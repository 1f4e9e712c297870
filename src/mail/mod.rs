//! Outgoing e-mail through one mailer: SMTP (lettre) when `TLJ_SMTP_URL` is set, otherwise
//! written to `data/outbox/` and logged, so every flow works on a laptop.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// A plain-text e-mail ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Arc<Transport>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("TLJ_MAIL_FROM invalide : {}", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context(
                        "TLJ_SMTP_URL invalide (exemple : smtps://user:pass@smtp.example.com)",
                    )?
                    .build(),
            ),
            None => {
                let dir = config.outbox_dir();
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("impossible de créer {}", dir.display()))?;
                Transport::Outbox(dir)
            }
        };
        Ok(Self {
            from,
            transport: Arc::new(transport),
        })
    }

    /// Sends `email`; in outbox mode writes `<outbox>/<time>-<random>.eml`.
    pub async fn send(&self, email: Email) -> anyhow::Result<()> {
        let to = Mailbox::new(
            Some(email.to_name.clone()),
            email
                .to_address
                .parse()
                .context("adresse du destinataire invalide")?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body)
            .context("e-mail mal formé")?;
        match &*self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("envoi SMTP échoué")?;
            }
            Transport::Outbox(dir) => {
                let name = format!(
                    "{}-{}.eml",
                    time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
                    crate::web::csrf::new_request_id()
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .with_context(|| format!("écriture de {}", path.display()))?;
                tracing::info!(mail.to = %email.to_address, mail.subject = %email.subject, mail.file = %path.display(), "e-mail written to outbox");
            }
        }
        Ok(())
    }

    /// Sends `email`; a failure is logged, not returned (for flows whose page does not depend
    /// on the mail server).
    pub async fn send_logged(&self, email: Email) {
        let to = email.to_address.clone();
        if let Err(e) = self.send(email).await {
            tracing::error!(mail.to = %to, error = %e, "e-mail could not be sent");
        }
    }
}
