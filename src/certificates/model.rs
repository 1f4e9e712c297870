//! Certificate domain rules: the row, its canonical signed text, codes and dates.
//!
//! ## Canonical text, version 1
//! What is signed (Ed25519, UTF-8 bytes, signature stored base64 in `certificates.signature`) is
//! exactly these seven lines, each ended by `\n`, in this order:
//!
//! ```text
//! TLJ-CERTIFICATE v1
//! code: TLJ-7K3F-9QMD
//! learner: <learner name>
//! course: <course title>
//! trainer: <trainer name>
//! completed: <YYYY-MM-DD>
//! issued: <RFC 3339 UTC timestamp, e.g. 2026-11-25T12:00:00Z>
//! ```
//!
//! In values, `\` is written `\\`, a line feed `\n` and a carriage return `\r`, so a value can
//! never forge another line. Verification rebuilds this text from the stored row and checks the
//! signature with the public key (`/certificates/public-key`), so changing any of these columns
//! makes the certificate invalid. A later format gets a new version number (`format_version`).

use serde::Serialize;

/// Current version of the canonical text.
pub const FORMAT_VERSION: i64 = 1;

/// A new certificate code, and the canonical form of one typed: the platform's short codes
/// (`web::tokens`), shared with sponsored seats.
pub use crate::web::tokens::{human_code as new_code, normalize_human_code as normalize_code};

/// A certificate as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub code: String,
    pub user_id: i64,
    pub course_id: i64,
    pub learner_name: String,
    pub course_title: String,
    pub trainer_name: String,
    /// Completion date, `YYYY-MM-DD` (UTC).
    pub completed_on: String,
    pub issued_at: String,
    pub format_version: i64,
    pub signature: String,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

/// The signed fields of a certificate.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    pub code: &'a str,
    pub learner_name: &'a str,
    pub course_title: &'a str,
    pub trainer_name: &'a str,
    pub completed_on: &'a str,
    pub issued_at: &'a str,
}

impl Certificate {
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            code: &self.code,
            learner_name: &self.learner_name,
            course_title: &self.course_title,
            trainer_name: &self.trainer_name,
            completed_on: &self.completed_on,
            issued_at: &self.issued_at,
        }
    }

    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// Escapes a field of the signed canonical text (backslash, line breaks) so that every field
/// stays on its line: a format of its own, not HTML, hence not `markdown::escape_html`.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The canonical text of `fields` in format `version`; `None` for an unknown version.
pub fn canonical_text(version: i64, fields: &Fields<'_>) -> Option<String> {
    if version != 1 {
        return None;
    }
    Some(format!(
        "TLJ-CERTIFICATE v1\ncode: {}\nlearner: {}\ncourse: {}\ntrainer: {}\ncompleted: {}\nissued: {}\n",
        escape(fields.code),
        escape(fields.learner_name),
        escape(fields.course_title),
        escape(fields.trainer_name),
        escape(fields.completed_on),
        escape(fields.issued_at),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields<'static> {
        Fields {
            code: "TLJ-7K3F-9QMD",
            learner_name: "Joséphine Mbuyi-Kalala",
            course_title: "Les bases de Python",
            trainer_name: "Jess Formatrice",
            completed_on: "2026-11-25",
            issued_at: "2026-11-25T12:00:00Z",
        }
    }

    #[test]
    fn canonical_text_is_fixed() {
        assert_eq!(
            canonical_text(1, &fields()).expect("test step"),
            "TLJ-CERTIFICATE v1\ncode: TLJ-7K3F-9QMD\nlearner: Joséphine Mbuyi-Kalala\n\
             course: Les bases de Python\ntrainer: Jess Formatrice\ncompleted: 2026-11-25\n\
             issued: 2026-11-25T12:00:00Z\n"
        );
        assert!(canonical_text(2, &fields()).is_none());
    }

    #[test]
    fn a_value_cannot_forge_another_line() {
        let mut f = fields();
        f.learner_name = "A\ncourse: Autre";
        let text = canonical_text(1, &f).expect("test step");
        assert_eq!(text.lines().count(), 7);
        assert!(text.contains("learner: A\\ncourse: Autre\n"));
        let mut g = fields();
        g.learner_name = "A";
        g.course_title = "Autre\ncourse: Les bases de Python";
        assert_ne!(canonical_text(1, &g), canonical_text(1, &f));
    }
}
