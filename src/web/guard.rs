//! Who may enter a route at all: the `Guard` of an area (checked once by a route layer, see
//! `web::routes`) and the extractors for the signed-in user (`SignedIn`) and role holders
//! (`Admin`, `Moderator`, `Trainer`). Rules about one object (this course, this room) are not
//! here but in the feature's policy module (`courses::access`, `live::access`, …).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::context::RequestContext;
use crate::auth::model::{Role, User};
use crate::error::{AppError, AppResult};

/// The requirement an area puts in front of its routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Nothing at the router: a public route, or one whose handler or policy decides.
    Open,
    /// A signed-in user.
    SignedIn,
    /// A signed-in user holding the role (admins hold every role).
    Role(Role),
}

impl Guard {
    /// `LoginRequired` (the log-in page with `?next=`) for visitors, `Forbidden` (the French
    /// 403 page, or a toast for htmx) for users without the role.
    pub fn check(self, user: Option<&User>) -> AppResult<()> {
        match (self, user) {
            (Guard::Open, _) => Ok(()),
            (_, None) => Err(AppError::LoginRequired),
            (Guard::SignedIn, Some(_)) => Ok(()),
            (Guard::Role(role), Some(u)) => u.require(role).map(|_| ()),
        }
    }

    /// How the route table shows it.
    pub fn code(self) -> &'static str {
        match self {
            Guard::Open => "open",
            Guard::SignedIn => "signed-in",
            Guard::Role(role) => role.code(),
        }
    }
}

fn context(parts: &Parts) -> AppResult<&Arc<RequestContext>> {
    parts
        .extensions
        .get::<Arc<RequestContext>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context middleware missing")))
}

fn user_with(parts: &Parts, guard: Guard) -> AppResult<User> {
    let user = context(parts)?.user.as_ref();
    guard.check(user)?;
    user.cloned().ok_or(AppError::LoginRequired)
}

/// The route layer of a guarded area: answers before any extractor or handler runs; errors are
/// rendered by `web::context::middleware` like a handler's.
pub async fn require(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let user = req
        .extensions()
        .get::<Arc<RequestContext>>()
        .map(|ctx| ctx.user.as_ref());
    match user {
        None => AppError::Internal(anyhow::anyhow!("context middleware missing")).into_response(),
        Some(user) => match guard.check(user) {
            Ok(()) => next.run(req).await,
            Err(e) => e.into_response(),
        },
    }
}

/// The signed-in user; visitors are sent to the log-in page.
#[derive(Clone, Debug)]
pub struct SignedIn(pub User);

/// A signed-in admin.
#[derive(Clone, Debug)]
pub struct Admin(pub User);

/// A signed-in moderator (or admin).
#[derive(Clone, Debug)]
pub struct Moderator(pub User);

/// A signed-in trainer (or admin).
#[derive(Clone, Debug)]
pub struct Trainer(pub User);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> AppResult<Self> {
        user_with(parts, Guard::SignedIn).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> AppResult<Self> {
        user_with(parts, Guard::Role(Role::Admin)).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Moderator {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> AppResult<Self> {
        user_with(parts, Guard::Role(Role::Moderator)).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Trainer {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> AppResult<Self> {
        user_with(parts, Guard::Role(Role::Trainer)).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::Roles;

    fn user(roles: &str) -> User {
        User {
            id: 1,
            name: "Test".into(),
            email: "t@example.cd".into(),
            roles: Roles::parse(roles),
            locale: "fr".into(),
            photo_path: None,
            data_saver: None,
            timezone: None,
        }
    }

    #[test]
    fn a_guard_sends_visitors_to_log_in_and_refuses_missing_roles() {
        let trainer = user("learner trainer");
        let admin = user("learner admin");
        let learner = user("learner");
        assert!(Guard::Open.check(None).is_ok());
        assert!(matches!(
            Guard::SignedIn.check(None),
            Err(AppError::LoginRequired)
        ));
        assert!(matches!(
            Guard::Role(Role::Admin).check(None),
            Err(AppError::LoginRequired)
        ));
        assert!(Guard::SignedIn.check(Some(&learner)).is_ok());
        assert!(Guard::Role(Role::Trainer).check(Some(&trainer)).is_ok());
        assert!(Guard::Role(Role::Trainer).check(Some(&admin)).is_ok());
        assert!(Guard::Role(Role::Moderator).check(Some(&admin)).is_ok());
        assert!(matches!(
            Guard::Role(Role::Trainer).check(Some(&learner)),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            Guard::Role(Role::Admin).check(Some(&trainer)),
            Err(AppError::Forbidden)
        ));
    }
}
