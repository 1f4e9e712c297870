//! Course management: every course with its figures, publish / unpublish, feature on the
//! home page; categories; testimonials shown on the home page.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Admin, Ctx, FlashLevel, RequestContext};

/// Field key → translated message of a form to correct.
type Errors = BTreeMap<String, String>;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let courses = queries::courses(&state.db, &q.q).await?;
    Ok(state
        .render(
            &ctx,
            "views/admin/courses.html",
            context! { courses => Serde(courses), q => q.q },
        )?
        .into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    queries::course_published(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if crate::teach::queries::count_lessons(&state.db, id).await? == 0 {
        return Err(AppError::BadRequest("teach.error.publish_no_lessons"));
    }
    if crate::teach::queries::publish(&state.db, id).await? {
        crate::notifications::announce_course(&state, id);
    }
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "publish",
        "course",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.published",
        "/admin/courses",
    ))
}

pub async fn unpublish(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    queries::course_published(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::teach::queries::unpublish(&state.db, id).await?;
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "unpublish",
        "course",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.unpublished",
        "/admin/courses",
    ))
}

pub async fn toggle_feature(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let featured = queries::toggle_featured(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "feature",
        "course",
        Some(id),
        serde_json::json!({ "before": !featured, "after": featured }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.featured",
        "/admin/courses",
    ))
}

pub async fn categories(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render_categories(&state, &ctx, StatusCode::OK, "", Errors::new()).await
}

/// The categories page; after a refusal, the name typed in the new-category form (`typed`)
/// and the errors (`name` for that form, `name-<id>` for the row of a renamed category).
async fn render_categories(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    typed: &str,
    errors: Errors,
) -> AppResult<Response> {
    let categories = queries::categories(&state.db).await?;
    state.render_status(
        ctx,
        status,
        "views/admin/categories.html",
        context! { categories => Serde(categories), typed, errors },
    )
}

#[derive(Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
}

/// A name of 2–60 characters.
fn category_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    ((2..=60).contains(&name.chars().count()) && !name.contains('\0')).then(|| name.to_owned())
}

/// The categories page again with 422, `key` naming the refused field.
async fn refuse_category(
    state: &AppState,
    ctx: &RequestContext,
    typed: &str,
    field: String,
    message: &'static str,
) -> AppResult<Response> {
    let errors = Errors::from([(field, state.i18n.t(ctx.locale, message).to_owned())]);
    render_categories(state, ctx, StatusCode::UNPROCESSABLE_ENTITY, typed, errors).await
}

pub async fn create_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Form(form): Form<CategoryForm>,
) -> AppResult<Response> {
    let refuse = |message| refuse_category(&state, &ctx, &form.name, "name".to_owned(), message);
    let Some(name) = category_name(&form.name) else {
        return refuse("admin.error.category_name").await;
    };
    let slug = crate::web::slug::slugify(&name);
    if slug.is_empty() {
        return refuse("admin.error.category_name").await;
    }
    let Some(id) = queries::create_category(&state.db, &slug, &name).await? else {
        return refuse("admin.error.category_taken").await;
    };
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "create",
        "category",
        Some(id),
        serde_json::json!({ "after": name }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.category",
        "/admin/categories",
    ))
}

pub async fn rename_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<CategoryForm>,
) -> AppResult<Response> {
    let Some(name) = category_name(&form.name) else {
        let field = format!("name-{id}");
        return refuse_category(&state, &ctx, "", field, "admin.error.category_name").await;
    };
    let before = queries::rename_category(&state.db, id, &name)
        .await?
        .ok_or(AppError::NotFound)?;
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "rename",
        "category",
        Some(id),
        serde_json::json!({ "before": before, "after": name }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.category",
        "/admin/categories",
    ))
}

pub async fn testimonials(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let fresh = TestimonialForm::default();
    render_testimonials(&state, &ctx, StatusCode::OK, &fresh, Errors::new()).await
}

async fn render_testimonials(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    form: &TestimonialForm,
    errors: Errors,
) -> AppResult<Response> {
    let testimonials = queries::testimonials(&state.db).await?;
    state.render_status(
        ctx,
        status,
        "views/admin/testimonials.html",
        context! { testimonials => Serde(testimonials), form => Serde(form), errors },
    )
}

#[derive(Default, Deserialize, Serialize)]
pub struct TestimonialForm {
    #[serde(default)]
    author_name: String,
    #[serde(default)]
    author_title: String,
    #[serde(default)]
    quote: String,
}

pub async fn create_testimonial(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Form(form): Form<TestimonialForm>,
) -> AppResult<Response> {
    let (name, title, quote) = (
        form.author_name.trim(),
        form.author_title.trim(),
        form.quote.trim(),
    );
    let ok = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.chars().count()) && !s.contains('\0')
    };
    let errors: Errors = [
        (
            "author_name",
            ok(name, 2, 80),
            "admin.error.testimonial_author",
        ),
        (
            "author_title",
            ok(title, 0, 80),
            "admin.error.testimonial_role",
        ),
        ("quote", ok(quote, 10, 600), "admin.error.testimonial_quote"),
    ]
    .into_iter()
    .filter(|(_, valid, _)| !valid)
    .map(|(field, _, key)| (field.to_owned(), state.i18n.t(ctx.locale, key).to_owned()))
    .collect();
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_testimonials(&state, &ctx, status, &form, errors).await;
    }
    let position = queries::testimonials(&state.db).await?.len() as i64;
    crate::pages::queries::create_testimonial(&state.db, name, title, quote, position).await?;
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "create",
        "testimonial",
        None,
        serde_json::json!({ "after": { "author": name, "quote": quote } }),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.testimonial",
        "/admin/testimonials",
    ))
}

pub async fn toggle_testimonial(
    State(state): State<AppState>,
    ctx: Ctx,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if !queries::toggle_testimonial(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    state.forget_public_pages();
    queries::audit(
        &state.db,
        admin.id,
        "toggle",
        "testimonial",
        Some(id),
        serde_json::json!({}),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        FlashLevel::Success,
        "admin.flash.testimonial",
        "/admin/testimonials",
    ))
}
