//! Forum pages, one file per seam: topic lists and topics (`topics.rs`), replies and quoting
//! (`replies.rs`), likes, follows and reports (`reactions.rs`); here what they share: the
//! forum's view, the posting check, a refused form's messages and what a viewer sees of a post.

pub mod reactions;
pub mod replies;
pub mod topics;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::access::{Forum, can_edit_post};
use super::model::{POSTS_PER_MINUTE, PostView, ReplyRow, Target, TopicRow};
use super::queries;
use crate::auth::model::User;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::RequestContext;

/// A refused form's messages, by field.
type Errors = BTreeMap<&'static str, String>;

impl Forum {
    fn view(&self) -> ForumView {
        ForumView {
            url: self.url(),
            name: self.name().to_owned(),
            description: match self {
                Forum::Category(c) => c.description.clone(),
                Forum::Course(_) => String::new(),
            },
            course: matches!(self, Forum::Course(_)),
        }
    }
}

#[derive(Serialize)]
struct ForumView {
    url: String,
    name: String,
    description: String,
    course: bool,
}

/// Verified, not suspended, and under the posting rate: otherwise a French refusal.
async fn check_can_post(state: &AppState, user: &User) -> AppResult<()> {
    if !queries::email_verified(&state.db, user.id).await? {
        return Err(AppError::BadRequest("forum.error.unverified"));
    }
    if crate::auth::queries::posting_suspended(&state.db, user.id, &state.db.now()).await? {
        return Err(AppError::BadRequest("forum.error.suspended"));
    }
    let since = crate::db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    if queries::posts_since(&state.db, user.id, &since).await? >= POSTS_PER_MINUTE {
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

/// The message of a refused field, in the viewer's language.
fn field_error(state: &AppState, ctx: &RequestContext, field: &'static str, key: &str) -> Errors {
    Errors::from([(field, state.i18n.t(ctx.locale, key).to_owned())])
}

/// What a viewer sees of one post.
pub struct Viewer<'a> {
    pub user: Option<&'a User>,
    pub liked: HashSet<(Target, i64)>,
    pub now: time::OffsetDateTime,
}

impl Viewer<'_> {
    #[expect(
        clippy::too_many_arguments,
        reason = "the fields shared by topics and replies"
    )]
    fn post(
        &self,
        target: Target,
        id: i64,
        topic_id: i64,
        author_id: i64,
        author_name: &str,
        body: &str,
        hidden: bool,
        created_at: &str,
        edited: bool,
        like_count: i64,
    ) -> PostView {
        let own = self.user.is_some_and(|u| u.id == author_id);
        PostView {
            id,
            topic_id,
            target: target.code(),
            author_id,
            author_name: author_name.to_owned(),
            body_html: crate::markdown::render_user_content(body),
            created: created_at.to_owned(),
            edited,
            hidden,
            like_count,
            liked: self.liked.contains(&(target, id)),
            own,
            can_like: self.user.is_some() && !own,
            can_edit: self
                .user
                .is_some_and(|u| can_edit_post(u, author_id, created_at, self.now)),
        }
    }

    pub fn topic_post(&self, t: &TopicRow) -> PostView {
        self.post(
            Target::Topic,
            t.id,
            t.id,
            t.author_id,
            &t.author_name,
            &t.body,
            t.is_hidden(),
            &t.created_at,
            t.edited_at.is_some(),
            t.like_count,
        )
    }

    pub fn reply_post(&self, r: &ReplyRow) -> PostView {
        self.post(
            Target::Reply,
            r.id,
            r.topic_id,
            r.author_id,
            &r.author_name,
            &r.body,
            crate::db::flag(r.hidden),
            &r.created_at,
            r.edited_at.is_some(),
            r.like_count,
        )
    }
}

/// A reply the topic page sends back (422) with its text and the reason.
struct RefusedReply {
    body: String,
    errors: Errors,
}

/// A report of a post the topic page sends back (422), its form open with the reason typed.
struct RefusedReport {
    target: Target,
    id: i64,
    reason: String,
    errors: Errors,
}

/// The form of a topic page refused (422), if any.
enum Refused {
    Reply(RefusedReply),
    Report(RefusedReport),
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: String,
}
