//! Ending sessions: the one function that deletes a user's session rows and tells every
//! instance (hub topic `sessions:{user_id}`, event `revoke`) to close the sockets and streams
//! those sessions hold, and the [`Watch`] each socket or stream keeps to hear it.
//!
//! Events name a session by a digest of its id, never by the id itself (the cookie value).

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Utf8Bytes, close_code};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};
use tower_sessions::Session;
use tower_sessions::session::Id;

use super::model::User;
use super::queries;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::realtime::{Event, Hub};
use crate::state::AppState;
use crate::web::session_store;

/// The kind of the event that ends sessions.
pub const REVOKE: &str = "revoke";

/// The day (in days since 1970, on the platform clock) a session was last seen signed in.
const SEEN_DAY_KEY: &str = "seen_day";

/// A session ends after 14 days without a visit (`lib.rs`, `Expiry::OnInactivity`), but
/// tower-sessions dates it anew only when it saves it, and it saves only a modified session: a
/// signed-in visit marks the day in it, so each user's session is written once a day, not on
/// every request, and a learner who comes back every week stays signed in.
pub async fn keep_alive(session: &Session, clock: &crate::clock::Clock) {
    let today = clock.unix().div_euclid(86_400);
    let seen = session.get::<i64>(SEEN_DAY_KEY).await.ok().flatten();
    if seen != Some(today)
        && let Err(e) = session.insert(SEEN_DAY_KEY, today).await
    {
        tracing::warn!(error = %e, "session could not be kept alive");
    }
}

/// The hub topic of a user's sessions.
pub fn topic(user_id: i64) -> String {
    format!("sessions:{user_id}")
}

/// What is published instead of a session id.
fn digest(id: &Id) -> String {
    crate::web::tokens::short_digest(format!("tlj-session:{id}").as_bytes(), 16)
}

/// Which sessions of a user end.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// This browser signs out.
    This(Id),
    /// Every other session ends; this one stays as it is (log out elsewhere).
    Others(Id),
    /// Every other session ends; this one, which was just given a new id (password change),
    /// stays: its sockets reopen with the new cookie.
    OthersRenewing(Id),
    /// Every session ends (password reset, suspension, forced reset).
    All,
    /// No session ends, but every socket and stream reopens so that it runs with the user's
    /// new rights (role change).
    Reopen,
}

/// The revoke event's payload.
#[derive(Debug, Serialize, Deserialize)]
struct Revoke {
    #[serde(rename = "m")]
    mode: Mode,
    /// Digest of the session the mode is about.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    session: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    This,
    Others,
    OthersRenewing,
    All,
    Reopen,
}

impl Scope {
    fn revoke(self) -> Revoke {
        let (mode, session) = match self {
            Self::This(id) => (Mode::This, Some(digest(&id))),
            Self::Others(id) => (Mode::Others, Some(digest(&id))),
            Self::OthersRenewing(id) => (Mode::OthersRenewing, Some(digest(&id))),
            Self::All => (Mode::All, None),
            Self::Reopen => (Mode::Reopen, None),
        };
        Revoke { mode, session }
    }
}

/// How a socket or stream must end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Its session ended (or the account is suspended): close for good.
    Closed,
    /// The session lives on but the user's rights changed: close so that the page reconnects.
    Reopen,
}

impl Revoke {
    /// What this event means for the connection of session `mine` (a digest).
    fn verdict(&self, mine: &str) -> Option<End> {
        let named = self.session.as_deref() == Some(mine);
        match self.mode {
            Mode::This if named => Some(End::Closed),
            Mode::Others | Mode::OthersRenewing if !named => Some(End::Closed),
            Mode::OthersRenewing | Mode::Reopen => Some(End::Reopen),
            Mode::All => Some(End::Closed),
            Mode::This | Mode::Others => None,
        }
    }
}

/// Deletes the session rows `scope` names and closes, on every instance, the sockets and
/// streams they hold. Every log-out, password change or reset, e-mail change, suspension and
/// role change goes through here. Returns the number of rows deleted.
pub async fn end_sessions(state: &AppState, user_id: i64, scope: Scope) -> AppResult<u64> {
    let ended = match scope {
        Scope::This(id) => session_store::delete_session(&state.db, &id).await?,
        Scope::Others(id) | Scope::OthersRenewing(id) => {
            session_store::delete_user_sessions(&state.db, user_id, Some(&id)).await?
        }
        Scope::All => session_store::delete_user_sessions(&state.db, user_id, None).await?,
        Scope::Reopen => 0,
    };
    let revoke = scope.revoke();
    let data = serde_json::to_string(&revoke).map_err(anyhow::Error::from)?;
    state.hub.publish(&topic(user_id), REVOKE, 0, &data).await?;
    tracing::info!(
        user.id = user_id,
        sessions.ended = ended,
        sessions.scope = ?revoke.mode,
        "sessions revoked"
    );
    Ok(ended)
}

/// Gives this browser a new session id before someone signs in on it. Whoever was still signed
/// in here (a shared phone) is signed out: their session row goes, and the sockets and streams
/// their pages hold close. The password log-in and the second-factor step both start here.
pub async fn renew_for_sign_in(state: &AppState, session: &Session) -> AppResult<()> {
    let previous = session
        .get::<i64>(crate::web::context::SESSION_USER_KEY)
        .await
        .ok()
        .flatten()
        .zip(session.id());
    session
        .cycle_id()
        .await
        .map_err(|e| anyhow::anyhow!("session: {e}"))?;
    if let Some((previous_user, old_id)) = previous {
        end_sessions(state, previous_user, Scope::This(old_id)).await?;
    }
    Ok(())
}

/// The session a socket or stream was opened with: enough to check, per message, that it
/// still signs its user in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    user_id: i64,
    session: Id,
    digest: String,
}

impl SignedIn {
    /// The user as stored now, while this session is still stored, unexpired and the account
    /// active; `None` once any of that stops being true.
    pub async fn current_user(&self, db: &Db) -> Result<Option<User>, sqlx::Error> {
        queries::find_session_user(db, &self.session.to_string(), self.user_id).await
    }
}

/// Hears the revoke events of one session; create it before checking anything else, so that
/// no event falls in between.
pub struct Watch {
    signed_in: SignedIn,
    rx: broadcast::Receiver<Event>,
    /// Events may have been missed (a bus reconnect, a lagging receiver, or the time before
    /// the subscription): the store decides before anything else.
    check: bool,
}

impl Watch {
    /// Watches the session of this request, signed in as `user_id`.
    pub fn new(hub: &Hub, user_id: i64, session: &Session) -> AppResult<Self> {
        let id = session.id().ok_or(AppError::LoginRequired)?;
        Ok(Self {
            rx: hub.subscribe(&topic(user_id)),
            signed_in: SignedIn {
                user_id,
                digest: digest(&id),
                session: id,
            },
            check: true,
        })
    }

    pub fn signed_in(&self) -> &SignedIn {
        &self.signed_in
    }

    /// Resolves when the connection must end. Cancel-safe: `select!` it with the
    /// connection's other work.
    pub async fn ended(&mut self, db: &Db) -> End {
        loop {
            if self.check {
                match self.signed_in.current_user(db).await {
                    Ok(Some(_)) => self.check = false,
                    Ok(None) => return End::Closed,
                    Err(e) => {
                        tracing::warn!(user.id = self.signed_in.user_id, error = %e, "session check failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
            match self.rx.recv().await {
                Ok(event) if &*event.kind == REVOKE => {
                    match serde_json::from_str::<Revoke>(&event.data) {
                        Ok(revoke) => {
                            if let Some(end) = revoke.verdict(&self.signed_in.digest) {
                                return end;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "malformed revoke event; checking the store");
                            self.check = true;
                        }
                    }
                }
                Ok(event) if event.is_resync() => self.check = true,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.check = true,
                // The hub keeps a topic while anyone listens: this does not happen.
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

impl End {
    /// The WebSocket close frame for this end: 1008 (policy) for an ended session, which the
    /// htmx ws extension does not retry, and 1012 (restart), which it reconnects after.
    pub fn close_frame(self) -> CloseFrame {
        match self {
            Self::Closed => CloseFrame {
                code: close_code::POLICY,
                reason: Utf8Bytes::from_static("session ended"),
            },
            Self::Reopen => CloseFrame {
                code: close_code::RESTART,
                reason: Utf8Bytes::from_static("rights changed"),
            },
        }
    }
}

/// [`Watch::ended`] of an optional watch (a visitor's stream has none and never ends so).
pub async fn ended(watch: Option<&mut Watch>, db: &Db) -> End {
    match watch {
        Some(w) => w.ended(db).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(scope: Scope, mine: &Id) -> Option<End> {
        let wire = serde_json::to_string(&scope.revoke()).expect("encoded");
        let revoke: Revoke = serde_json::from_str(&wire).expect("decoded");
        revoke.verdict(&digest(mine))
    }

    #[test]
    fn each_scope_ends_exactly_the_sessions_it_names() {
        let (a, b) = (Id::default(), Id::default());
        assert_eq!(verdict(Scope::This(a), &a), Some(End::Closed));
        assert_eq!(verdict(Scope::This(a), &b), None);
        assert_eq!(verdict(Scope::Others(a), &a), None);
        assert_eq!(verdict(Scope::Others(a), &b), Some(End::Closed));
        assert_eq!(verdict(Scope::OthersRenewing(a), &a), Some(End::Reopen));
        assert_eq!(verdict(Scope::OthersRenewing(a), &b), Some(End::Closed));
        assert_eq!(verdict(Scope::All, &a), Some(End::Closed));
        assert_eq!(verdict(Scope::Reopen, &b), Some(End::Reopen));
    }

    #[test]
    fn events_never_carry_the_session_id_itself() {
        let id = Id::default();
        let wire = serde_json::to_string(&Scope::This(id).revoke()).expect("encoded");
        assert!(!wire.contains(&id.to_string()));
        assert_eq!(digest(&id), digest(&id));
    }
}
