//! What a moderator's action does to a topic or a reply: the change, the reports it resolves
//! and the line in the moderation log (the queue's handlers only call it).

use super::model::Target;
use super::queries::{self, ModerationAction, TopicFlag};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;

/// One action of the moderation form.
pub struct Act<'a> {
    pub target: Target,
    /// The topic's or the reply's id.
    pub id: i64,
    /// hide, restore, delete; for topics also lock, unlock, pin, unpin, move.
    pub action: &'a str,
    /// Where a topic moves to.
    pub category_id: Option<&'a str>,
    /// Already checked (`model::parse_reason`).
    pub reason: &'a str,
}

/// What an applied action changed that the page cares about.
pub struct Done {
    /// The topic that no longer exists (its page cannot be shown again).
    pub deleted_topic: Option<i64>,
    /// The topic whose page shows the post acted on.
    pub topic_id: i64,
}

/// Applies `act` for `moderator_id`: `NotFound` for a missing target, `BadRequest` for an
/// unknown action or a missing category.
pub async fn apply(db: &Db, moderator_id: i64, act: Act<'_>) -> AppResult<Done> {
    let Act {
        target,
        id,
        action,
        category_id,
        reason,
    } = act;
    let (topic_id, author_id) = match target {
        Target::Topic => {
            let t = queries::topic(db, id).await?.ok_or(AppError::NotFound)?;
            (t.id, t.author_id)
        }
        Target::Reply => {
            let r = queries::reply(db, id).await?.ok_or(AppError::NotFound)?;
            (r.topic_id, r.author_id)
        }
    };
    let mut deleted_topic = None;
    match (target, action) {
        (Target::Topic, "hide") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Hidden, true).await?
        }
        (Target::Topic, "restore") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Hidden, false).await?
        }
        (Target::Topic, "lock") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Locked, true).await?
        }
        (Target::Topic, "unlock") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Locked, false).await?
        }
        (Target::Topic, "pin") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Pinned, true).await?
        }
        (Target::Topic, "unpin") => {
            queries::set_topic_flag(db, topic_id, TopicFlag::Pinned, false).await?
        }
        (Target::Topic, "move") => {
            let category_id = category_id
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or(AppError::BadRequest("forum.error.category_required"))?;
            queries::category_by_id(db, category_id)
                .await?
                .ok_or(AppError::BadRequest("forum.error.category_required"))?;
            queries::move_topic(db, topic_id, category_id).await?;
        }
        (Target::Topic, "delete") => {
            queries::delete_topic(db, topic_id).await?;
            deleted_topic = Some(topic_id);
        }
        (Target::Reply, "hide") => queries::set_reply_hidden(db, id, true).await?,
        (Target::Reply, "restore") => queries::set_reply_hidden(db, id, false).await?,
        (Target::Reply, "delete") => queries::delete_reply(db, id).await?,
        _ => return Err(AppError::BadRequest("forum.error.unknown_action")),
    }
    if action != "delete" || target == Target::Reply {
        queries::resolve_reports(db, target, id, moderator_id).await?;
    }
    queries::record_action(
        db,
        ModerationAction {
            actor_id: moderator_id,
            action,
            target_type: match target {
                Target::Topic => "forum_topic",
                Target::Reply => "forum_reply",
            },
            target_id: Some(id),
            target_user_id: Some(author_id),
            reason,
        },
    )
    .await?;
    tracing::info!(
        moderator.id = moderator_id,
        moderation.action = action,
        moderation.target = target.code(),
        moderation.target_id = id,
        "forum moderation action applied"
    );
    Ok(Done {
        deleted_topic,
        topic_id,
    })
}

/// After `apply`: a post hidden or deleted leaves the pages already open on its topic (the
/// topic's stream removes it for everyone but moderators), and the moderators' badges follow
/// the reports it closed.
pub async fn announce(state: &AppState, act: &Act<'_>, done: &Done) -> AppResult<()> {
    if matches!(act.action, "hide" | "delete") {
        state
            .hub
            .publish(
                &super::live::topic_channel(done.topic_id),
                "hidden",
                act.id,
                act.target.code(),
            )
            .await?;
    }
    refresh_moderator_badges(state).await
}

/// Tells every moderator that a report waits in the queue (`what`: the topic's title, or the
/// chat's room); their menu badge follows through the notification stream.
pub async fn tell_moderators(state: &AppState, what: &str) -> AppResult<()> {
    let moderators = queries::moderator_ids(&state.db).await?;
    let notice = Notice {
        kind: Kind::ModerationReport,
        subject: what,
        link: "/forum/moderation",
    };
    notifications::notify_many(state, &moderators, notice).await
}

/// Re-sends the moderators' badges (after reports were closed).
pub async fn refresh_moderator_badges(state: &AppState) -> AppResult<()> {
    for id in queries::moderator_ids(&state.db).await? {
        state
            .hub
            .publish(&notifications::user_topic(id), "badge", 0, "")
            .await?;
    }
    Ok(())
}

/// Reports waiting in the queue: forum posts and chat messages.
pub async fn open_report_count(db: &Db) -> AppResult<i64> {
    Ok(queries::open_report_count(db).await? + crate::chat::queries::open_report_count(db).await?)
}

/// Tells a user of a moderator's warning, suspension (until when) or lifted suspension, in
/// the app and by e-mail, in their language and time zone.
pub async fn tell_user(
    state: &AppState,
    user_id: i64,
    action: &str,
    reason: &str,
    until: Option<&str>,
) -> AppResult<()> {
    let (kind, subject) = match (action, until) {
        ("warn", _) => (Kind::ModerationWarning, reason.to_owned()),
        ("suspend", Some(until)) => (
            Kind::ModerationSuspension,
            notifications::suspension_subject(until, reason),
        ),
        ("unsuspend", _) => (Kind::ModerationLifted, String::new()),
        _ => return Ok(()),
    };
    let notice = Notice {
        kind,
        subject: &subject,
        link: "/forum",
    };
    notifications::notify_and_email(state, user_id, notice).await
}
