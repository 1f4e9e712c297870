//! Accounts: roles, the signed-in user, and validated sign-up / log-in input.

use serde::{Deserialize, Serialize};

/// A role; roles are cumulative (an admin can do everything, a trainer is also a learner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Trainer,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Learner, Role::Trainer, Role::Moderator, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Trainer => "trainer",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }
}

/// The set of roles of a user, stored as space-separated codes (`"learner trainer"`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn parse(stored: &str) -> Self {
        let mut roles: Vec<Role> = stored.split_whitespace().filter_map(Role::parse).collect();
        roles.sort_by_key(|r| *r as u8);
        roles.dedup();
        Self(roles)
    }

    pub fn of(roles: &[Role]) -> Self {
        Self::parse(&roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(" "))
    }

    pub fn stored(&self) -> String {
        self.0
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether these roles grant `role`: admins have every role, everyone is a learner.
    pub fn grants(&self, role: Role) -> bool {
        role == Role::Learner || self.0.contains(&Role::Admin) || self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
}

/// A signed-in, active user as loaded for a request.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: Roles,
    pub locale: String,
    pub photo_path: Option<String>,
    /// Data saver setting: `None` follows the browser, `Some(on)` overrides it.
    pub data_saver: Option<bool>,
    /// The zone chosen in the profile; `None` follows the platform's (`TLJ_TIMEZONE`).
    pub timezone: Option<crate::web::time::TimeZone>,
}

impl User {
    /// The role check of the whole application: `Forbidden` unless the user holds `role`.
    pub fn require(&self, role: Role) -> crate::error::AppResult<&Self> {
        if self.roles.grants(role) {
            Ok(self)
        } else {
            Err(crate::error::AppError::Forbidden)
        }
    }
}

/// What templates see of the user.
#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub is_trainer: bool,
    pub is_moderator: bool,
    pub is_admin: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            roles: u.roles.iter().collect(),
            is_trainer: u.roles.grants(Role::Trainer),
            is_moderator: u.roles.grants(Role::Moderator),
            is_admin: u.roles.grants(Role::Admin),
        }
    }
}

/// An e-mail address, trimmed and lower-cased, with a plausible shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let e = raw.trim().to_lowercase();
        if e.is_empty() {
            return Err("auth.error.email_required");
        }
        let valid = e.len() <= 254
            && e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && domain
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            })
            && !e
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c));
        if valid {
            Ok(Self(e))
        } else {
            Err("auth.error.email_invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 2 to 80 characters once trimmed, no control characters.
#[derive(Clone, Debug)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let n = raw.trim();
        let count = n.chars().count();
        if count == 0 {
            Err("auth.error.name_required")
        } else if !(2..=80).contains(&count) || n.chars().any(char::is_control) {
            Err("auth.error.name_invalid")
        } else {
            Ok(Self(n.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 128 characters with at least one letter and one digit.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str, confirm: &str) -> Result<Self, &'static str> {
        let count = raw.chars().count();
        if count < 10 {
            Err("auth.error.password_short")
        } else if count > 128 {
            Err("auth.error.password_long")
        } else if !raw.chars().any(char::is_alphabetic) || !raw.chars().any(|c| c.is_ascii_digit())
        {
            Err("auth.error.password_weak")
        } else if raw != confirm {
            Err("auth.error.password_mismatch")
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The sign-up form as posted.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SignupForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    /// Where the log-in after sign-up leads (a seat code's page, say); a local path only.
    #[serde(default)]
    pub next: String,
}

/// The log-in form as posted.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// The forgotten-password form.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

/// The new-password form (reset link).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ResetForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

/// Keeps `next` only when it is a local path (no open redirect), else the dashboard.
pub fn safe_next(next: &str) -> String {
    let n = next.trim();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\');
    if local {
        n.to_owned()
    } else {
        "/dashboard".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_hold_every_role_and_everyone_is_a_learner() {
        let admin = Roles::parse("admin");
        assert!(Role::ALL.iter().all(|r| admin.grants(*r)));
        let trainer = Roles::parse("trainer bogus trainer");
        assert!(trainer.grants(Role::Learner) && trainer.grants(Role::Trainer));
        assert!(!trainer.grants(Role::Moderator) && !trainer.grants(Role::Admin));
        assert_eq!(trainer.stored(), "trainer");
        assert_eq!(
            Roles::of(&[Role::Admin, Role::Learner]).stored(),
            "learner admin"
        );
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Jess@Example.CD ").map(|e| e.0),
            Ok("jess@example.cd".into())
        );
        for bad in [
            "",
            "jess",
            "@x.cd",
            "a@b",
            "a@.cd",
            "a b@c.cd",
            "<script>@x.cd",
            "a@x..cd",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_need_length_a_letter_and_a_digit() {
        assert_eq!(
            NewPassword::parse("court1", "court1").err(),
            Some("auth.error.password_short")
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa", "aaaaaaaaaaaa").err(),
            Some("auth.error.password_weak")
        );
        assert_eq!(
            NewPassword::parse("abcdefghij1", "abcdefghij2").err(),
            Some("auth.error.password_mismatch")
        );
        assert!(NewPassword::parse("Matadi-2026", "Matadi-2026").is_ok());
        let long = "a1".repeat(70);
        assert_eq!(
            NewPassword::parse(&long, &long).err(),
            Some("auth.error.password_long")
        );
    }

    #[test]
    fn next_only_accepts_local_paths() {
        assert_eq!(safe_next("/courses?q=rust"), "/courses?q=rust");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
            "",
        ] {
            assert_eq!(safe_next(bad), "/dashboard", "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Jess ").map(|n| n.0), Ok("Jess".into()));
        assert!(PersonName::parse("J").is_err());
        assert!(PersonName::parse(&"é".repeat(81)).is_err());
        assert!(PersonName::parse("Jess 🎓").is_ok());
    }
}
