//! The statements of the CSV exports: one spec per export (its SELECT, how it is filtered,
//! its columns and how each becomes a cell), so the handler only picks a spec and streams.

use super::UserFilter;

/// How a column of the file is made from the selected row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Int,
    OptInt,
    Text,
    OptText,
    /// A 0/1 flag written `oui`/`non`.
    YesNo,
    /// Minor units written as a decimal with two places.
    Money,
    /// A rate ×10 000 written as a decimal with four places.
    Rate,
    /// Not selected: the progress percentage of the four integer columns just before it
    /// (lessons done, lessons in all, quizzes passed, quizzes in all).
    ProgressPercent,
}

/// What narrows an export's rows.
#[derive(Clone, Copy, Debug)]
enum Filter {
    /// The users page's filter (search, role, status).
    Users,
    /// The from/to days, on this column.
    Dated(&'static str),
    /// The days on `p.created_at`, and provider, currency and status.
    Payments,
}

/// One export: `/admin/exports/{kind}.csv`.
#[derive(Debug)]
pub struct ExportSpec {
    pub kind: &'static str,
    /// The statement up to (not including) its WHERE clause.
    select: &'static str,
    filter: Filter,
    order_by: &'static str,
    /// The header of each column of the file and how it is made.
    pub columns: &'static [(&'static str, Column)],
}

/// The filters typed on the exports page, already checked (days are `YYYY-MM-DD`).
pub struct ExportFilter<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub users: &'a UserFilter,
    pub provider: &'a str,
    pub currency: &'a str,
    pub status: &'a str,
}

use Column::{Int, Money, OptInt, OptText, ProgressPercent, Rate, Text, YesNo};

/// Every export, in the order of the exports page.
pub const EXPORTS: [ExportSpec; 7] = [
    ExportSpec {
        kind: "users",
        select: "SELECT u.id, u.name, u.email, u.roles, u.email_verified, u.active, u.created_at \
                 FROM users u",
        filter: Filter::Users,
        order_by: "u.id",
        columns: &[
            ("id", Int),
            ("nom", Text),
            ("email", Text),
            ("roles", Text),
            ("email_verifie", YesNo),
            ("actif", YesNo),
            ("inscrit_le", Text),
        ],
    },
    ExportSpec {
        kind: "enrolments",
        select: "SELECT e.id, u.name, u.email, c.slug, c.title, e.source, e.created_at, e.completed_at \
                 FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id",
        filter: Filter::Dated("e.created_at"),
        order_by: "e.id",
        columns: &[
            ("id", Int),
            ("apprenant", Text),
            ("email", Text),
            ("cours_slug", Text),
            ("cours", Text),
            ("origine", Text),
            ("inscrit_le", Text),
            ("termine_le", OptText),
        ],
    },
    ExportSpec {
        kind: "progress",
        select: "SELECT u.name, u.email, c.slug, \
                   (SELECT COUNT(*) FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id \
                      WHERE l.course_id = c.id AND lp.user_id = u.id), \
                   (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id), \
                   (SELECT COUNT(DISTINCT a.quiz_id) FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id \
                      WHERE z.course_id = c.id AND a.user_id = u.id AND a.passed = 1), \
                   (SELECT COUNT(*) FROM quizzes z WHERE z.course_id = c.id), \
                   e.completed_at \
                 FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id",
        filter: Filter::Dated("e.created_at"),
        order_by: "e.id",
        columns: &[
            ("apprenant", Text),
            ("email", Text),
            ("cours_slug", Text),
            ("lecons_faites", Int),
            ("lecons_total", Int),
            ("quiz_reussis", Int),
            ("quiz_total", Int),
            ("pourcentage", ProgressPercent),
            ("termine_le", OptText),
        ],
    },
    ExportSpec {
        kind: "quiz_attempts",
        select: "SELECT a.id, u.name, u.email, c.slug, z.title, a.score_percent, a.passed, a.created_at \
                 FROM quiz_attempts a JOIN users u ON u.id = a.user_id JOIN quizzes z ON z.id = a.quiz_id \
                 JOIN courses c ON c.id = z.course_id",
        filter: Filter::Dated("a.created_at"),
        order_by: "a.id",
        columns: &[
            ("id", Int),
            ("apprenant", Text),
            ("email", Text),
            ("cours_slug", Text),
            ("quiz", Text),
            ("score_pourcent", Int),
            ("reussi", YesNo),
            ("le", Text),
        ],
    },
    ExportSpec {
        kind: "logins",
        select: "SELECT h.id, h.user_id, h.email, h.ip, h.user_agent, h.success, h.reason, h.created_at \
                 FROM login_history h",
        filter: Filter::Dated("h.created_at"),
        order_by: "h.id",
        columns: &[
            ("id", Int),
            ("utilisateur_id", OptInt),
            ("email", Text),
            ("ip", Text),
            ("navigateur", Text),
            ("reussie", YesNo),
            ("motif", Text),
            ("le", Text),
        ],
    },
    ExportSpec {
        kind: "payments",
        select: "SELECT p.id, p.reference, p.invoice_number, u.name, u.email, c.slug, p.wallet, p.provider, \
                   p.status, p.amount_minor, p.currency, p.ref_amount_minor, p.ref_currency, p.rate_x10000, \
                   p.provider_ref, p.created_at, p.finalized_at, p.refunded_at, p.sandbox \
                 FROM payments p JOIN users u ON u.id = p.user_id JOIN courses c ON c.id = p.course_id",
        filter: Filter::Payments,
        order_by: "p.id",
        columns: &[
            ("id", Int),
            ("reference", Text),
            ("facture", OptText),
            ("apprenant", Text),
            ("email", Text),
            ("cours_slug", Text),
            ("portefeuille", Text),
            ("operateur", Text),
            ("statut", Text),
            ("montant", Money),
            ("devise", Text),
            ("prix_reference", Money),
            ("devise_reference", Text),
            ("taux_usd_cdf", Rate),
            ("reference_operateur", OptText),
            ("cree_le", Text),
            ("finalise_le", OptText),
            ("rembourse_le", OptText),
            // A sandbox payment (no money moved) is flagged in its own column.
            ("bac_a_sable", YesNo),
        ],
    },
    ExportSpec {
        kind: "certificates",
        select: "SELECT k.code, k.learner_name, u.email, k.course_title, k.trainer_name, k.completed_on, \
                   k.issued_at, k.revoked_at, k.revoked_reason \
                 FROM certificates k JOIN users u ON u.id = k.user_id",
        filter: Filter::Dated("k.issued_at"),
        order_by: "k.id",
        columns: &[
            ("code", Text),
            ("apprenant", Text),
            ("email", Text),
            ("cours", Text),
            ("formateur", Text),
            ("termine_le", Text),
            ("emis_le", Text),
            ("revoque_le", OptText),
            ("motif_revocation", OptText),
        ],
    },
];

/// The export named `kind`, if there is one.
pub fn spec(kind: &str) -> Option<&'static ExportSpec> {
    EXPORTS.iter().find(|e| e.kind == kind)
}

impl ExportSpec {
    /// The statement and its parameters (`$1`…) for `filter`.
    pub fn statement(&self, filter: &ExportFilter<'_>) -> (String, Vec<String>) {
        let (clause, values) = match self.filter {
            Filter::Users => filter.users.clause(),
            Filter::Dated(column) => range_clause(column, filter),
            Filter::Payments => {
                let (mut clause, mut values) = range_clause("p.created_at", filter);
                for (column, value) in [
                    ("p.provider", filter.provider),
                    ("p.currency", filter.currency),
                    ("p.status", filter.status),
                ] {
                    let value = value.trim();
                    if !value.is_empty() {
                        values.push(value.to_owned());
                        clause.push_str(&format!(" AND {column} = ${}", values.len()));
                    }
                }
                (clause, values)
            }
        };
        let sql = format!("{} WHERE {clause} ORDER BY {}", self.select, self.order_by);
        (sql, values)
    }
}

/// `column` within the from/to days, with parameters from `$1`.
fn range_clause(column: &str, filter: &ExportFilter<'_>) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut values = Vec::new();
    if let Some(f) = filter.from {
        values.push(f.to_owned());
        parts.push(format!("{column} >= ${}", values.len()));
    }
    if let Some(t) = filter.to {
        // The whole last day: everything before the next one.
        values.push(format!("{t}T99"));
        parts.push(format!("{column} < ${}", values.len()));
    }
    if parts.is_empty() {
        ("1 = 1".into(), values)
    } else {
        (parts.join(" AND "), values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(users: &UserFilter) -> ExportFilter<'_> {
        ExportFilter {
            from: Some("2026-01-01"),
            to: Some("2026-01-31"),
            users,
            provider: "orange",
            currency: "",
            status: " succeeded ",
        }
    }

    #[test]
    fn every_export_has_a_unique_kind_and_a_header_per_column() {
        for (i, e) in EXPORTS.iter().enumerate() {
            assert!(EXPORTS[..i].iter().all(|o| o.kind != e.kind), "{}", e.kind);
            assert!(!e.columns.is_empty());
            assert_eq!(spec(e.kind).map(|s| s.kind), Some(e.kind));
        }
        assert!(spec("secrets").is_none());
    }

    #[test]
    fn dated_exports_bind_the_whole_last_day() {
        let users = UserFilter::default();
        let (sql, values) = spec("logins").expect("logins").statement(&filter(&users));
        assert!(
            sql.ends_with("WHERE h.created_at >= $1 AND h.created_at < $2 ORDER BY h.id"),
            "{sql}"
        );
        assert_eq!(values, vec!["2026-01-01", "2026-01-31T99"]);
    }

    #[test]
    fn payment_filters_follow_the_dates_and_skip_empty_values() {
        let users = UserFilter::default();
        let (sql, values) = spec("payments")
            .expect("payments")
            .statement(&filter(&users));
        assert!(
            sql.contains(
                "WHERE p.created_at >= $1 AND p.created_at < $2 AND p.provider = $3 AND p.status = $4 ORDER BY p.id"
            ),
            "{sql}"
        );
        assert_eq!(values[2..], ["orange".to_owned(), "succeeded".to_owned()]);
    }
}
