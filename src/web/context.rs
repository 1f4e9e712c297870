//! The per-request context (user, locale, time zone, CSRF token, flash, htmx mode) built by one middleware,
//! the extractors that read it, rendering helpers, and the rendering of every error response.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;
use tower_sessions::Session;
use tower_sessions::cookie::{Cookie, SameSite};

use super::csrf;
use super::i18n::Locale;
use super::time::{Style, TimeZone};
use crate::auth::model::{User, UserView};
use crate::error::{AppError, AppResult, ErrorInfo, status_message_key};
use crate::state::AppState;

pub const LANG_COOKIE: &str = "tlj_lang";
pub const FLASH_COOKIE: &str = "tlj_flash";
pub const CSRF_COOKIE: &str = "tlj_csrf";
/// The data saver choice of a visitor who is not signed in: `1` on, `0` off.
pub const SAVER_COOKIE: &str = "tlj_saver";
/// Session key holding the signed-in user's id.
pub const SESSION_USER_KEY: &str = "user_id";

/// Kind of a one-shot message shown on the next page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    Success,
    Info,
    Error,
}

/// A flash message, translated for the page.
#[derive(Clone, Debug, Serialize)]
pub struct FlashView {
    pub level: FlashLevel,
    pub message: String,
}

/// Everything a handler or template needs to know about the request beyond its own input.
#[derive(Debug)]
pub struct RequestContext {
    pub user: Option<User>,
    pub locale: Locale,
    /// The viewer's zone: their profile's choice, else the platform's (`TLJ_TIMEZONE`).
    pub timezone: TimeZone,
    pub csrf: String,
    pub flash: Option<FlashView>,
    /// Path and query of the request (for `?next=` and navigation highlighting).
    pub path: String,
    /// True for an htmx request that wants a fragment (not a boosted navigation), for error
    /// rendering only: handlers take the [`super::Fragment`] extractor, which sets `Vary`.
    pub(in crate::web) partial: bool,
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    pub secure_cookies: bool,
    /// Data saver on: heavy things (external video, large images) wait for a tap and show
    /// their size first.
    pub data_saver: bool,
    /// The explicit choice (profile setting, or the cookie of a visitor); `None` follows
    /// the browser.
    pub data_saver_choice: Option<bool>,
    /// The browser asks to save data (`Save-Data: on`) or reports a slow connection (`ECT`).
    pub data_saver_hint: bool,
}

#[derive(Serialize)]
struct PageView<'a> {
    locale: &'static str,
    /// Read by the `when` filter.
    timezone: &'a str,
    user: Option<UserView>,
    csrf: &'a str,
    flash: Option<&'a FlashView>,
    path: &'a str,
    request_id: &'a str,
    locales: [&'static str; 2],
    data_saver: bool,
    /// `on`, `off` or `auto`.
    data_saver_choice: &'static str,
    data_saver_hint: bool,
}

impl RequestContext {
    /// The values every template receives.
    pub fn template_values(&self) -> Value {
        Value::from(Serde(PageView {
            locale: self.locale.code(),
            timezone: self.timezone.name(),
            user: self.user.as_ref().map(UserView::from),
            csrf: &self.csrf,
            flash: self.flash.as_ref(),
            path: &self.path,
            request_id: &self.request_id,
            locales: [Locale::Fr.code(), Locale::En.code()],
            data_saver: self.data_saver,
            data_saver_choice: match self.data_saver_choice {
                Some(true) => "on",
                Some(false) => "off",
                None => "auto",
            },
            data_saver_hint: self.data_saver_hint,
        }))
    }

    /// A stored UTC time for this viewer (Rust code outside templates; templates use `when`).
    pub fn time(&self, stored: &str, style: Style) -> String {
        super::time::format(
            stored,
            style,
            &self.timezone,
            self.locale,
            super::time::now(),
        )
    }

    /// The signed-in user, or `LoginRequired` (a redirect to the log-in page).
    pub fn require_user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or(AppError::LoginRequired)
    }

    /// A cookie with the platform's attributes.
    pub fn cookie(&self, name: &'static str, value: String, max_age_days: i64) -> HeaderValue {
        build_cookie(name, value, max_age_days, self.secure_cookies)
    }

    /// 303 to `to` with a flash message (a catalogue key) shown on the next page.
    pub fn redirect_with_flash(&self, level: FlashLevel, key: &str, to: &str) -> Response {
        let level = match level {
            FlashLevel::Success => "success",
            FlashLevel::Info => "info",
            FlashLevel::Error => "error",
        };
        let mut response = Redirect::to(to).into_response();
        response.headers_mut().append(
            header::SET_COOKIE,
            self.cookie(FLASH_COOKIE, format!("{level}:{key}"), 1),
        );
        response
    }
}

fn build_cookie(name: &'static str, value: String, max_age_days: i64, secure: bool) -> HeaderValue {
    cookie_header(name, value, max_age_days, secure, true)
}

/// The CSRF token's cookie, for a year. Readable by the page's script (double submit): a
/// visitor's page holds no token (`web::response_cache`), so `app.js` sends the cookie's in
/// `X-CSRF-Token`; a script able to read it could read a signed-in page's token anyway.
pub fn csrf_cookie(token: String, secure: bool) -> HeaderValue {
    cookie_header(CSRF_COOKIE, token, 365, secure, false)
}

fn cookie_header(
    name: &'static str,
    value: String,
    max_age_days: i64,
    secure: bool,
    http_only: bool,
) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::days(max_age_days))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Reads a cookie of the request.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Extractor for the request context.
pub struct Ctx(pub Arc<RequestContext>);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<RequestContext>>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context middleware missing")))
    }
}

impl std::ops::Deref for Ctx {
    type Target = RequestContext;
    fn deref(&self) -> &RequestContext {
        &self.0
    }
}

impl AppState {
    /// Renders a page or fragment with the request's context merged into `extra`.
    pub fn render(
        &self,
        ctx: &RequestContext,
        name: &str,
        extra: Value,
    ) -> AppResult<Html<String>> {
        let values = minijinja::context! { ..extra, ..ctx.template_values() };
        Ok(Html(self.templates.render(name, values)?))
    }

    /// Renders with a status (422 for a form to correct).
    pub fn render_status(
        &self,
        ctx: &RequestContext,
        status: StatusCode,
        name: &str,
        extra: Value,
    ) -> AppResult<Response> {
        Ok((status, self.render(ctx, name, extra)?).into_response())
    }
}

/// The client's address for limits and the login history (see `web::client_ip`).
fn client_ip(req: &Request, config: &crate::config::Config) -> String {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let trust = super::client_ip::ProxyTrust {
        peer: config.trust_proxy,
        networks: &config.trusted_proxies,
    };
    super::client_ip::client_address(peer, req.headers(), trust)
        .map_or_else(|| "inconnue".into(), |ip| ip.to_string())
}

fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Whether the browser asks to save data: `Save-Data: on`, or an effective connection type
/// (`ECT` client hint, the server side of `navigator.connection.effectiveType`) of 3g or slower.
pub fn browser_saves_data(headers: &HeaderMap) -> bool {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let save_data = value("save-data").is_some_and(|v| v.split(';').next() == Some("on"));
    let slow = value("ect").is_some_and(|v| matches!(v.as_str(), "slow-2g" | "2g" | "3g"));
    save_data || slow
}

/// The data saver choice stored in the visitor's cookie.
pub fn saver_cookie(headers: &HeaderMap) -> Option<bool> {
    match read_cookie(headers, SAVER_COOKIE) {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    }
}

/// Builds the request context, checks CSRF on state-changing requests, and renders errors.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let session = req.extensions().get::<Session>().cloned();
    let user = match &session {
        Some(session) => match session.get::<i64>(SESSION_USER_KEY).await {
            Ok(Some(id)) => crate::auth::queries::find_active_user(&state.db, id)
                .await
                .ok()
                .flatten(),
            _ => None,
        },
        None => None,
    };
    if let (Some(session), Some(_)) = (&session, &user) {
        crate::auth::sessions::keep_alive(session, &state.clock).await;
    }
    let headers = req.headers();
    let locale = user
        .as_ref()
        .and_then(|u| Locale::parse(&u.locale))
        .or_else(|| read_cookie(headers, LANG_COOKIE).and_then(Locale::parse))
        .unwrap_or_default();
    let timezone = user
        .as_ref()
        .and_then(|u| u.timezone.clone())
        .unwrap_or_else(|| state.config.timezone.clone());
    let existing_csrf = read_cookie(headers, CSRF_COOKIE)
        .filter(|t| csrf::is_well_formed(t))
        .map(str::to_owned);
    let csrf = existing_csrf.clone().unwrap_or_else(csrf::new_token);
    let flash_raw = read_cookie(headers, FLASH_COOKIE).map(str::to_owned);
    let flash = flash_raw.as_deref().and_then(|raw| {
        let (level, key) = raw.split_once(':')?;
        let level = match level {
            "success" => FlashLevel::Success,
            "error" => FlashLevel::Error,
            _ => FlashLevel::Info,
        };
        state.i18n.contains(key).then(|| FlashView {
            level,
            message: state.i18n.t(locale, key).to_owned(),
        })
    });
    let data_saver_choice = match user.as_ref() {
        Some(u) if u.data_saver.is_some() => u.data_saver,
        _ => saver_cookie(headers),
    };
    let data_saver_hint = browser_saves_data(headers);
    let partial = super::fragment::wants_fragment(req.headers());
    let ctx = Arc::new(RequestContext {
        user,
        locale,
        timezone,
        csrf: csrf.clone(),
        flash,
        path: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into()),
        partial,
        ip: client_ip(&req, &state.config),
        user_agent: header_str(&req, "user-agent")
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
        request_id: csrf::new_request_id(),
        secure_cookies: state.config.secure_cookies,
        data_saver: data_saver_choice.unwrap_or(data_saver_hint),
        data_saver_choice,
        data_saver_hint,
    });

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let conditional = super::etag::Conditional::of(req.method(), req.headers());
    // A NUL (`%00`) in the path or query is never typed by a person and PostgreSQL refuses it in
    // TEXT (a 500 on any slug or token lookup): refuse it here, once, like csrf does for forms.
    let nul_in_url = req
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"));
    let response = if nul_in_url {
        AppError::BadRequest("error.400").into_response()
    } else if unsafe_method {
        match csrf::verify(req, existing_csrf.as_deref(), &state.config.base_url).await {
            Ok(mut checked) => {
                checked.extensions_mut().insert(ctx.clone());
                next.run(checked).await
            }
            Err(error) => error.into_response(),
        }
    } else {
        req.extensions_mut().insert(ctx.clone());
        next.run(req).await
    };

    let mut response = render_error(&state, &ctx, response);
    let headers = response.headers_mut();
    if existing_csrf.is_none() {
        headers.append(
            header::SET_COOKIE,
            csrf_cookie(csrf, state.config.secure_cookies),
        );
    }
    if flash_raw.is_some() && !response_sets_cookie(headers, FLASH_COOKIE) {
        headers.append(
            header::SET_COOKIE,
            ctx.cookie(FLASH_COOKIE, String::new(), 0),
        );
    }
    if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
        headers.insert("x-request-id", id);
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html && !headers.contains_key(header::CACHE_CONTROL) {
        // A signed-in page is never stored (a shared phone's back button or cache must not
        // show it to the next person); a visitor's page is only revalidated.
        let policy = if ctx.user.is_some() {
            "private, no-store"
        } else {
            "private, no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    if is_html {
        // The page's language, as its <html lang> says (app.js follows it on boosted swaps).
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(ctx.locale.code()),
        );
        // Pages depend on the data saver hints; ask Chromium for the connection type too.
        headers.insert("accept-ch", HeaderValue::from_static("ECT, Save-Data"));
        headers.append(header::VARY, HeaderValue::from_static("Save-Data, ECT"));
    }
    super::etag::tag(conditional, response).await
}

fn response_sets_cookie(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()))
}

/// Turns error responses into a French (or English) page, a toast for fragments, or a redirect
/// to the log-in page; logs server errors once.
fn render_error(state: &AppState, ctx: &RequestContext, response: Response) -> Response {
    let status = response.status();
    let info = response.extensions().get::<ErrorInfo>().cloned();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let bare_error = (status.is_client_error() || status.is_server_error()) && !is_html;
    if info.is_none() && !bare_error {
        return response;
    }
    if status == StatusCode::UNAUTHORIZED {
        let target = format!("/login?next={}", urlencode(&ctx.path));
        return if ctx.partial {
            let mut r = StatusCode::NO_CONTENT.into_response();
            if let Ok(v) = HeaderValue::from_str(&target) {
                r.headers_mut().insert("hx-redirect", v);
            }
            r
        } else {
            Redirect::to(&target).into_response()
        };
    }
    let message_key = info
        .as_ref()
        .map_or_else(|| status_message_key(status), |i| i.message_key);
    if status.is_server_error() {
        let detail = info
            .as_ref()
            .and_then(|i| i.detail.clone())
            .unwrap_or_default();
        tracing::error!(request.id = %ctx.request_id, http.status = status.as_u16(), error = %detail, "request failed");
    }
    let template = if ctx.partial {
        "partials/errors/toast.html"
    } else {
        "views/errors/error.html"
    };
    let values = minijinja::context! {
        status => status.as_u16(),
        message => state.i18n.t(ctx.locale, message_key),
    };
    let mut out = match state.render(ctx, template, values) {
        Ok(html) => (status, html).into_response(),
        Err(e) => {
            tracing::error!(request.id = %ctx.request_id, error = ?e, "error page failed to render");
            (
                status,
                Body::from(state.i18n.t(ctx.locale, message_key).to_owned()),
            )
                .into_response()
        }
    };
    // The same URL answers a toast to htmx and a page otherwise.
    out.headers_mut()
        .append(header::VARY, HeaderValue::from_static("HX-Request"));
    if ctx.partial {
        let h = out.headers_mut();
        h.insert("hx-retarget", HeaderValue::from_static("#toast"));
        h.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
    }
    if let Some(retry) = response.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, retry.clone());
    }
    // A 416 tells the client the size of the file it asked a range of.
    if let Some(range) = response.headers().get(header::CONTENT_RANGE) {
        out.headers_mut()
            .insert(header::CONTENT_RANGE, range.clone());
    }
    out
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
