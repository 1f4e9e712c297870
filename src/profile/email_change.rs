//! Changing the e-mail address: the checks of the request, then a confirmation link to the new
//! address and a notice to the old one (the change happens when the link is confirmed).

use minijinja::context;

use super::model::{EmailForm, Errors};
use super::queries;
use super::security::current_password_ok;
use crate::auth::model::{Email, User};
use crate::error::AppResult;
use crate::state::AppState;
use crate::state::send_logged as send;
use crate::web::RequestContext;
use crate::web::csrf::random_b64;
use crate::web::i18n::Locale;
use crate::web::tokens::sha256_hex as token_hash;

/// How long the confirmation link is valid.
const EMAIL_CHANGE_HOURS: i64 = 24;

/// The new address of `user`'s request, or the form's errors (translated): a malformed, the
/// same or a taken address, a wrong current password.
pub async fn check(
    state: &AppState,
    locale: Locale,
    user: &User,
    form: &EmailForm,
) -> AppResult<Result<Email, Errors>> {
    let mut errors = Errors::new();
    let tr = |key: &str| state.i18n.t(locale, key).to_owned();
    let email = match Email::parse(&form.new_email) {
        Ok(e) if e.as_str() == user.email => {
            errors.insert("new_email", tr("profile.error.email_same"));
            None
        }
        Ok(e) => Some(e),
        Err(k) => {
            errors.insert("new_email", tr(k));
            None
        }
    };
    if !current_password_ok(state, user.id, &user.email, &form.current_password).await? {
        errors.insert(
            "email_current_password",
            tr("profile.error.current_password"),
        );
    }
    if let Some(e) = &email
        && errors.is_empty()
        && queries::email_taken(&state.db, e.as_str()).await?
    {
        errors.insert("new_email", tr("profile.error.email_taken"));
    }
    Ok(email.filter(|_| errors.is_empty()).ok_or(errors))
}

/// Stores the pending change and e-mails the link to the new address and a notice to the old.
pub async fn start(
    state: &AppState,
    ctx: &RequestContext,
    user: &User,
    email: &Email,
) -> AppResult<()> {
    let token = random_b64(32);
    let expires = crate::db::timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::hours(EMAIL_CHANGE_HOURS),
    );
    queries::create_email_change(
        &state.db,
        user.id,
        email.as_str(),
        &token_hash(&token),
        &expires,
    )
    .await?;
    let locale = ctx.locale.code();
    let link = format!("{}/profile/email/confirm/{token}", state.config.base_url);
    let confirm = state.templates.render(
        "views/mail/email_change_confirm.txt",
        context! { locale, name => &user.name, link },
    )?;
    send(
        state,
        ctx,
        email.as_str(),
        &user.name,
        "mail.email_change_confirm.subject",
        confirm,
    )
    .await;
    let notice = state.templates.render(
        "views/mail/email_change_notice.txt",
        context! { locale, name => &user.name, new_email => email.as_str() },
    )?;
    send(
        state,
        ctx,
        &user.email,
        &user.name,
        "mail.email_change_notice.subject",
        notice,
    )
    .await;
    tracing::info!(user.id = user.id, "e-mail change requested");
    Ok(())
}
