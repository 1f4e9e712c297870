//! Cross-cutting HTTP: request context (user, locale, CSRF, flash), i18n, templates, assets,
//! sessions, rate limits and security headers.

pub mod assets;
pub mod context;
pub mod csrf;
pub mod i18n;
pub mod multipart;
pub mod rate_limit;
pub mod security;
pub mod session_store;
pub mod templates;

pub use context::{Ctx, FlashLevel, RequestContext};
