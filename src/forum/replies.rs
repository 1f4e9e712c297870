//! Posting a reply: the row, the live event for open topic pages, and the notifications of the
//! people mentioned and of the topic's followers (the handler validates and renders).

use std::collections::HashSet;

use super::access::Forum;
use super::model::{self, TopicRow};
use super::queries;
use crate::auth::model::User;
use crate::error::AppResult;
use crate::notifications::{Kind, Notice, notify_many};
use crate::state::AppState;

/// Stores `body` (already checked) as `author`'s reply to `topic`, publishes it to the topic's
/// open pages and notifies the mentioned users and the followers (once each, never the
/// author). Returns the reply's id and its link.
pub async fn post(
    state: &AppState,
    forum: &Forum,
    author: &User,
    topic: &TopicRow,
    body: &str,
) -> AppResult<(i64, String)> {
    let id = topic.id;
    let reply_id = queries::create_reply(&state.db, id, author.id, body).await?;
    tracing::info!(
        user.id = author.id,
        topic.id = id,
        reply.id = reply_id,
        "forum reply posted"
    );
    if let Err(e) = state
        .hub
        .publish(&format!("forum:topic:{id}"), "reply", reply_id, "")
        .await
    {
        tracing::warn!(error = %e, topic.id = id, "forum reply not published live");
    }
    let link = format!("/forum/topics/{id}#reply-{reply_id}");
    let mentioned = notify_mentions(state, forum, author, body, &topic.title, &link).await;
    let followers: Vec<i64> = queries::followers(&state.db, id)
        .await?
        .into_iter()
        .filter(|f| *f != author.id && !mentioned.contains(f))
        .collect();
    if !followers.is_empty()
        && let Err(e) = notify_many(
            state,
            &followers,
            Notice {
                kind: Kind::ForumReply,
                subject: &topic.title,
                link: &link,
            },
        )
        .await
    {
        tracing::warn!(error = ?e, topic.id = id, "forum reply notifications failed");
    }
    Ok((reply_id, link))
}

/// Notifies the users mentioned in `body` who may read the forum (not the author); returns
/// who was notified.
pub async fn notify_mentions(
    state: &AppState,
    forum: &Forum,
    author: &User,
    body: &str,
    title: &str,
    link: &str,
) -> HashSet<i64> {
    let names = model::mentioned_names(body);
    if names.is_empty() {
        return HashSet::new();
    }
    let mut ids = Vec::new();
    let users = match queries::users_named(&state.db, &names).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "forum mentions not resolved");
            return HashSet::new();
        }
    };
    for (uid, _) in users {
        if uid == author.id {
            continue;
        }
        let allowed = match forum {
            Forum::Category(_) => true,
            Forum::Course(_) => {
                match crate::auth::queries::find_active_user(&state.db, uid).await {
                    Ok(Some(u)) => super::access::can_read(&state.db, &u, forum)
                        .await
                        .unwrap_or(false),
                    _ => false,
                }
            }
        };
        if allowed {
            ids.push(uid);
        }
    }
    if !ids.is_empty()
        && let Err(e) = notify_many(
            state,
            &ids,
            Notice {
                kind: Kind::ForumMention,
                subject: title,
                link,
            },
        )
        .await
    {
        tracing::warn!(error = ?e, "forum mention notifications failed");
    }
    ids.into_iter().collect()
}
