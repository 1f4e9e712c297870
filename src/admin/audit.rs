//! The audit log as people read it: each stored entry (action, target, JSON details) becomes a
//! sentence in the reader's language, with a link to what it is about when that still exists.
//! Nothing raw (codes, ids, JSON) reaches the page.

use serde::Serialize;
use serde_json::Value;

use super::queries::AuditEntry;
use crate::web::RequestContext;
use crate::web::i18n::{I18n, Locale};
use crate::web::time::Style;

/// One line of the audit log.
#[derive(Debug, Serialize)]
pub struct AuditLine {
    pub created_at: String,
    pub actor_name: Option<String>,
    /// "Cours publié : « Excel pour débutants »".
    pub text: String,
    /// Where the target can be seen (a user's page, a course, …), when it still exists.
    pub link: Option<String>,
    /// What else matters (an export's period and filters), in words; empty when nothing.
    pub details: String,
}

/// The catalogue key of an entry's sentence: `admin.audit.action.<action>_<target>` (a featured
/// flag turned off reads as `unfeature`); `None` for a pair the catalogue does not know.
fn key(i18n: &I18n, e: &AuditEntry, details: &Value) -> Option<String> {
    let action = match (e.action.as_str(), details.get("after")) {
        ("feature", Some(Value::Bool(false))) => "unfeature",
        (action, _) => action,
    };
    let target = if e.action == "export" {
        "data"
    } else {
        e.target_type.as_str()
    };
    let key = format!("admin.audit.action.{action}_{target}");
    i18n.contains(&key).then_some(key)
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Stored roles ("learner trainer") as the catalogue names them ("Apprenant, Formateur").
fn roles_text(i18n: &I18n, locale: Locale, stored: &str) -> String {
    let names: Vec<String> = stored
        .split_whitespace()
        .map(|r| {
            let key = format!("admin.role.{r}");
            if i18n.contains(&key) {
                i18n.format(locale, &key, &[])
            } else {
                r.to_owned()
            }
        })
        .collect();
    names.join(", ")
}

pub fn describe(i18n: &I18n, ctx: &RequestContext, e: AuditEntry) -> AuditLine {
    let locale = ctx.locale;
    let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
    let name = e
        .target_name
        .clone()
        .unwrap_or_else(|| i18n.t(locale, "admin.audit.gone").to_owned());
    let before = text_of(details.get("before"));
    let after = text_of(details.get("after"));
    let (before, after) = if e.action == "roles" {
        (
            roles_text(i18n, locale, &before),
            roles_text(i18n, locale, &after),
        )
    } else {
        (before, after)
    };
    let kind = if e.action == "export" {
        let key = format!("admin.exports.kind.{}", e.target_type);
        if i18n.contains(&key) {
            i18n.format(locale, &key, &[])
        } else {
            i18n.t(locale, "admin.audit.export_other").to_owned()
        }
    } else {
        String::new()
    };
    let author = details
        .get("after")
        .and_then(|a| a.get("author"))
        .map(|a| text_of(Some(a)))
        .unwrap_or_else(|| name.clone());
    let text = match key(i18n, &e, &details) {
        Some(key) => i18n.format(
            locale,
            &key,
            &[
                ("name", &name),
                ("before", &before),
                ("after", &after),
                ("kind", &kind),
                ("author", &author),
            ],
        ),
        None => i18n.t(locale, "admin.audit.action.other").to_owned(),
    };
    let link = match (e.target_type.as_str(), e.target_id, e.target_name.is_some()) {
        ("user", Some(id), true) => Some(format!("/admin/users/{id}")),
        ("course", Some(_), true) => e.target_slug.as_ref().map(|s| format!("/courses/{s}")),
        ("category", Some(_), true) => Some("/admin/categories".to_owned()),
        ("testimonial", Some(_), true) => Some("/admin/testimonials".to_owned()),
        ("seat_batch", Some(id), true) => Some(format!("/seats/{id}")),
        _ => None,
    };
    let details = if e.action == "export" {
        export_details(i18n, ctx, &details)
    } else {
        String::new()
    };
    AuditLine {
        created_at: e.created_at,
        actor_name: e.actor_name,
        text,
        link,
        details,
    }
}

/// An export's period and options in words: "Du 1 déc. 2026 au 3 déc. 2026 · Excel en français".
fn export_details(i18n: &I18n, ctx: &RequestContext, details: &Value) -> String {
    let locale = ctx.locale;
    let mut parts = Vec::new();
    let from = text_of(details.get("from"));
    let to = text_of(details.get("to"));
    let day = |s: &str| ctx.time(s, Style::Date);
    match (from.is_empty(), to.is_empty()) {
        (false, false) => parts.push(i18n.format(
            locale,
            "admin.audit.period_between",
            &[("from", &day(&from)), ("to", &day(&to))],
        )),
        (false, true) => {
            parts.push(i18n.format(locale, "admin.audit.period_from", &[("from", &day(&from))]))
        }
        (true, false) => {
            parts.push(i18n.format(locale, "admin.audit.period_to", &[("to", &day(&to))]))
        }
        (true, true) => parts.push(i18n.t(locale, "admin.audit.period_all").to_owned()),
    }
    if let Some(filters) = details.get("filters") {
        let q = text_of(filters.get("q"));
        if !q.trim().is_empty() {
            parts.push(i18n.format(locale, "admin.audit.filter_search", &[("q", q.trim())]));
        }
        let role = text_of(filters.get("role"));
        if !role.is_empty() {
            parts.push(roles_text(i18n, locale, &role));
        }
        let status = text_of(filters.get("status"));
        let key = format!("admin.status.{status}");
        if !status.is_empty() && i18n.contains(&key) {
            parts.push(i18n.format(locale, &key, &[]));
        }
    }
    if text_of(details.get("sep")) == "semicolon" {
        parts.push(i18n.t(locale, "admin.audit.excel_fr").to_owned());
    }
    parts.join(" · ")
}
