//! Live session pages: list, scheduling, editing, cancelling, starting and ending, the room,
//! `.ics` files and the per-user calendar feed; the reminder sender.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::access;
use super::model::{self, SessionForm, Status, ValidSession};
use super::queries::{self, Question, Session};
use super::schedule::{SessionView, is_upcoming};
use crate::auth::model::User;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::realtime::Hub;
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::time::TimeZone;
use crate::web::{Ctx, FlashLevel, SignedIn, Trainer};

/// Chat lines shown when the room opens.
pub const LINES: i64 = 50;

/// The hub topic of a session's room.
pub fn topic(id: i64) -> String {
    format!("live:{id}")
}

/// The hub topic of one WebSocket connection of a room (signalling addressed to it).
pub fn conn_topic(id: i64, conn: &str) -> String {
    format!("live:{id}:conn:{conn}")
}

/// `GET /live`: upcoming and past sessions the user may attend.
pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
) -> AppResult<Response> {
    let now = OffsetDateTime::now_utc();
    let courses = access::attended_courses(&state.db, &user).await?;
    let all = queries::all_sessions(&state.db).await?;
    let (upcoming, mut past): (Vec<&Session>, Vec<&Session>) = all
        .iter()
        .filter(|s| access::visible(&user, s, &courses))
        .partition(|s| is_upcoming(s, now));
    past.reverse();
    past.truncate(30);
    let upcoming: Vec<SessionView> = upcoming
        .iter()
        .map(|s| SessionView::new(s, Some(&user)))
        .collect();
    let past: Vec<SessionView> = past
        .iter()
        .map(|s| SessionView::new(s, Some(&user)))
        .collect();
    let token = queries::feed_token(&state.db, user.id).await?;
    let feed_url = format!("{}/live/feed/{token}", state.config.base_url);
    let webcal_url =
        feed_url
            .replacen("https://", "webcal://", 1)
            .replacen("http://", "webcal://", 1);
    Ok(state
        .render(
            &ctx,
            "views/live/index.html",
            context! {
                upcoming => Serde(upcoming),
                past => Serde(past),
                can_plan => access::may_plan(&user),
                feed_url,
                webcal_url,
            },
        )?
        .into_response())
}

/// `POST /live/feed/regenerate`: a new secret feed address (the old one stops working).
pub async fn regenerate_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
) -> AppResult<Response> {
    queries::regenerate_feed_token(&state.db, user.id).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "live.feed_regenerated", "/live"))
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    session: Option<&Session>,
    form: &SessionForm,
    errors: &[(&'static str, &'static str)],
) -> AppResult<Response> {
    // The course choices as `[value, label]` pairs for the `select` macro: first "public".
    let courses: Vec<(String, String)> = std::iter::once((
        String::new(),
        state.i18n.t(ctx.locale, "live.public_option").to_owned(),
    ))
    .chain(
        queries::plannable_courses(&state.db, user.id, access::plans_for_every_course(user))
            .await?
            .into_iter()
            .map(|(id, title)| (id.to_string(), title)),
    )
    .collect();
    let errors: HashMap<&str, &str> = errors
        .iter()
        .map(|(f, k)| (*f, state.i18n.t(ctx.locale, k)))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    state.render_status(
        ctx,
        status,
        "views/live/form.html",
        context! {
            session => session.map(|s| Serde(SessionView::new(s, Some(user)))),
            form => Serde(form),
            errors => Serde(errors),
            courses => Serde(courses),
            zone => crate::web::time::zone_label(&ctx.timezone, crate::web::time::now()),
        },
    )
}

/// `GET /live/new` (trainers: the route's guard)
pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Trainer(user): Trainer,
) -> AppResult<Response> {
    let form = SessionForm {
        duration_minutes: "60".into(),
        ..SessionForm::default()
    };
    render_form(&state, &ctx, &user, None, &form, &[]).await
}

/// Checks the form and that the course (if any) is the planner's own (any course for admins).
async fn check(
    state: &AppState,
    user: &User,
    form: &SessionForm,
    zone: &TimeZone,
) -> AppResult<Result<ValidSession, model::ErrorKeys>> {
    let valid = match form.validate(OffsetDateTime::now_utc(), zone) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(course_id) = valid.course_id {
        match queries::course_trainer(&state.db, course_id).await? {
            Some(t) if access::may_plan_for(user, t) => {}
            _ => return Ok(Err(vec![("course_id", "live.error.course")])),
        }
    }
    Ok(Ok(valid))
}

/// `POST /live`: schedules a session and its reminders (trainers: the route's guard).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Trainer(user): Trainer,
    Form(form): Form<SessionForm>,
) -> AppResult<Response> {
    let valid = match check(&state, &user, &form, &ctx.timezone).await? {
        Ok(v) => v,
        Err(errors) => return render_form(&state, &ctx, &user, None, &form, &errors).await,
    };
    let id = schedule(&state, user.id, &valid, OffsetDateTime::now_utc()).await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "live.scheduled",
        &format!("/live/{id}"),
    ))
}

/// Stores a session and its reminders (`scheduled` now, 24 h and 15 min before).
pub async fn schedule(
    state: &AppState,
    trainer_id: i64,
    valid: &ValidSession,
    now: OffsetDateTime,
) -> AppResult<i64> {
    let id = queries::insert_session(&state.db, trainer_id, valid, now).await?;
    for (kind, due) in model::reminders("scheduled", valid.starts_at, now) {
        queries::insert_reminder(&state.db, id, kind, due).await?;
    }
    Ok(id)
}

/// `GET /live/{id}/edit`
pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = access::editable(&state, &user, id).await?;
    if Status::parse(&s.status) != Status::Scheduled {
        return Err(AppError::BadRequest("live.error.not_scheduled"));
    }
    let form = SessionForm {
        title: s.title.clone(),
        description: s.description.clone(),
        course_id: s.course_id.map(|c| c.to_string()).unwrap_or_default(),
        starts_at: crate::web::time::to_local_input(&s.starts_at, &ctx.timezone),
        duration_minutes: s.duration_minutes.to_string(),
        external_url: s.external_url.clone().unwrap_or_default(),
    };
    render_form(&state, &ctx, &user, Some(&s), &form, &[]).await
}

/// `POST /live/{id}/edit`: a new start time means "moved": unsent reminders are replaced.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<SessionForm>,
) -> AppResult<Response> {
    let s = access::editable(&state, &user, id).await?;
    if Status::parse(&s.status) != Status::Scheduled {
        return Err(AppError::BadRequest("live.error.not_scheduled"));
    }
    let valid = match check(&state, &user, &form, &ctx.timezone).await? {
        Ok(v) => v,
        Err(errors) => return render_form(&state, &ctx, &user, Some(&s), &form, &errors).await,
    };
    reschedule(&state, &s, &valid, OffsetDateTime::now_utc()).await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "live.updated", &format!("/live/{id}")))
}

/// Stores the changes; when the start moved, replaces the unsent reminders with `moved` (due
/// now) and new 24 h / 15 min reminders.
pub async fn reschedule(
    state: &AppState,
    s: &Session,
    valid: &ValidSession,
    now: OffsetDateTime,
) -> AppResult<()> {
    queries::update_session(&state.db, s.id, valid, now).await?;
    if db::timestamp(valid.starts_at) != s.starts_at {
        queries::delete_unsent_reminders(&state.db, s.id).await?;
        for (kind, due) in model::reminders("moved", valid.starts_at, now) {
            queries::insert_reminder(&state.db, s.id, kind, due).await?;
        }
    }
    Ok(())
}

/// `POST /live/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    access::editable(&state, &user, id).await?;
    if !queries::cancel(&state.db, id, &state.db.now()).await? {
        return Err(AppError::BadRequest("live.error.not_scheduled"));
    }
    hub.publish(&topic(id), "status", 0, "").await?;
    Ok(ctx.redirect_with_flash(FlashLevel::Success, "live.cancelled", "/live"))
}

/// `POST /live/{id}/start`
pub async fn start(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    access::editable(&state, &user, id).await?;
    if !queries::start(&state.db, id, &state.db.now()).await? {
        return Err(AppError::BadRequest("live.error.not_scheduled"));
    }
    hub.publish(&topic(id), "status", 0, "").await?;
    Ok(Redirect::to(&format!("/live/{id}")).into_response())
}

/// `POST /live/{id}/end`
pub async fn end(
    State(state): State<AppState>,
    State(hub): State<Hub>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    access::editable(&state, &user, id).await?;
    if !queries::end(&state.db, id, &state.db.now()).await? {
        return Err(AppError::BadRequest("live.error.not_live"));
    }
    hub.publish(&topic(id), "status", 0, "").await?;
    Ok(Redirect::to(&format!("/live/{id}")).into_response())
}

/// A question ready for a template.
#[derive(Serialize)]
pub struct QuestionView {
    pub id: i64,
    pub user_name: String,
    pub body: String,
    pub votes: i64,
    pub status: String,
    pub pinned: bool,
}

impl From<&Question> for QuestionView {
    fn from(q: &Question) -> Self {
        Self {
            id: q.id,
            user_name: q.user_name.clone(),
            body: q.body.clone(),
            votes: q.votes,
            status: q.status.clone(),
            pinned: db::flag(q.pinned),
        }
    }
}

/// Renders the question list for one locale, for moderators (`staff`: hidden ones and
/// moderation buttons) or everyone else.
pub fn render_questions(
    state: &AppState,
    locale: Locale,
    staff: bool,
    questions: &[Question],
    open: bool,
) -> AppResult<String> {
    let views: Vec<QuestionView> = questions
        .iter()
        .filter(|q| staff || q.status != "hidden")
        .map(QuestionView::from)
        .collect();
    Ok(state.templates.render(
        "partials/live/questions.html",
        context! { locale => locale.code(), staff, open, questions => Serde(views) },
    )?)
}

/// The question list in every locale and for both audiences, rendered once per change:
/// `{"fr": …, "en": …, "fr:staff": …, "en:staff": …}`.
pub async fn questions_payload(state: &AppState, s: &Session) -> AppResult<String> {
    let questions = queries::questions(&state.db, s.id, true).await?;
    let open =
        Status::parse(&s.status) != Status::Ended && Status::parse(&s.status) != Status::Cancelled;
    let mut map = serde_json::Map::new();
    for locale in Locale::ALL {
        for staff in [false, true] {
            let key = if staff {
                format!("{}:staff", locale.code())
            } else {
                locale.code().to_owned()
            };
            map.insert(
                key,
                render_questions(state, locale, staff, &questions, open)?.into(),
            );
        }
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// A chat line ready for a template.
#[derive(Serialize)]
pub struct LineView {
    pub id: i64,
    pub user_name: String,
    pub body: String,
    /// Stored UTC time; the template shows its clock in the viewer's zone.
    pub at: String,
}

impl From<&queries::Line> for LineView {
    fn from(l: &queries::Line) -> Self {
        Self {
            id: l.id,
            user_name: l.user_name.clone(),
            body: l.body.clone(),
            at: l.created_at.clone(),
        }
    }
}

/// `GET /live/{id}`: the room (or, after the session, its summary).
pub async fn room(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = access::enter(&state, &user, id).await?;
    let staff = access::can_moderate(&user, &s);
    let status = Status::parse(&s.status);
    let questions = queries::questions(&state.db, id, true).await?;
    let questions_html = render_questions(
        &state,
        ctx.locale,
        staff,
        &questions,
        !matches!(status, Status::Ended | Status::Cancelled),
    )?;
    let lines: Vec<LineView> = queries::lines(&state.db, id, LINES)
        .await?
        .iter()
        .map(LineView::from)
        .collect();
    let (attendance, attendees) = if status == Status::Ended {
        let list = queries::attendance(&state.db, id).await?;
        let count = list.iter().filter(|a| a.user_id != s.trainer_id).count();
        let rows: Vec<AttendeeView> = if staff || access::can_edit(&user, &s) {
            list.iter().map(AttendeeView::from).collect()
        } else {
            Vec::new()
        };
        (count, rows)
    } else {
        (0, Vec::new())
    };
    Ok(state
        .render(
            &ctx,
            "views/live/room.html",
            context! {
                s => Serde(SessionView::new(&s, Some(&user))),
                staff,
                is_trainer => access::is_host(&user, &s),
                questions_html => minijinja::Value::from_safe_string(questions_html),
                lines => Serde(lines),
                attendance,
                attendees => Serde(attendees),
                ice => state.config.live_ice_servers.clone(),
            },
        )?
        .into_response())
}

#[derive(Serialize)]
pub struct AttendeeView {
    name: String,
    /// Stored UTC time; templates show it with `when`.
    joined: String,
    minutes: i64,
}

impl From<&queries::Attendee> for AttendeeView {
    fn from(a: &queries::Attendee) -> Self {
        Self {
            name: a.name.clone(),
            joined: a.joined_at.clone(),
            minutes: (a.seconds + 59) / 60,
        }
    }
}

/// Renders the status banner and controls of the room (used by the page and by the socket).
pub fn status_values(s: &Session, user: &User) -> minijinja::Value {
    context! {
        s => Serde(SessionView::new(s, Some(user))),
        is_trainer => access::is_host(user, s),
    }
}

fn ics_event<'a>(state: &AppState, s: &'a Session) -> model::IcsEvent<'a> {
    let host = url::Url::parse(&state.config.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "techlearnjess.cd".into());
    model::IcsEvent {
        uid: format!("live-{}@{host}", s.id),
        start: &s.starts_at,
        duration_minutes: s.duration_minutes,
        title: &s.title,
        description: &s.description,
        url: format!("{}/live/{}", state.config.base_url, s.id),
        cancelled: Status::parse(&s.status) == Status::Cancelled,
    }
}

fn calendar(body: String, file: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /live/{id}/session.ics`
pub async fn session_ics(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = access::enter(&state, &user, id).await?;
    let body = model::ics(
        &s.title,
        &[ics_event(&state, &s)],
        OffsetDateTime::now_utc(),
    );
    Ok(calendar(body, &format!("session-{id}.ics")))
}

/// `GET /live/feed/{token}`: every session the token's owner may attend (no login: calendar
/// apps fetch it; the token is the secret).
pub async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let token = token.trim_end_matches(".ics");
    let user_id = queries::feed_owner(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let user = crate::auth::queries::find_active_user(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let courses = access::attended_courses(&state.db, &user).await?;
    let since = db::timestamp(OffsetDateTime::now_utc() - Duration::days(30));
    let all = queries::all_sessions(&state.db).await?;
    let events: Vec<model::IcsEvent<'_>> = all
        .iter()
        .filter(|s| s.starts_at >= since && access::visible(&user, s, &courses))
        .map(|s| ics_event(&state, s))
        .collect();
    let body = model::ics(
        "TechLearnJess — sessions live",
        &events,
        OffsetDateTime::now_utc(),
    );
    Ok(calendar(body, "techlearnjess-live.ics"))
}
