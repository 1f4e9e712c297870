//! Cross-cutting HTTP: request context (user, locale, CSRF, flash), the route builder and its
//! table, guards and role extractors, i18n, templates, assets, sessions, rate limits, security
//! headers, the cache of public pages' reads, and pagination.

pub mod assets;
pub mod client_ip;
pub mod context;
pub mod csrf;
pub mod csv_export;
pub mod etag;
pub mod fragment;
pub mod guard;
pub mod i18n;
pub mod multipart;
pub mod page_cache;
pub mod pagination;
pub mod rate_limit;
pub mod response_cache;
pub mod routes;
pub mod security;
pub mod session_store;
pub mod slug;
pub mod templates;
pub mod time;
pub mod tokens;

pub use context::{Ctx, FlashLevel, RequestContext};
pub use fragment::Fragment;
pub use guard::{Admin, Guard, Moderator, SignedIn, Trainer};
pub use routes::Routes;
