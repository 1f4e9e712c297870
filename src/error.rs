//! The one error type of the application and how it becomes an HTTP response.
//!
//! `AppError::into_response` only records what went wrong (status + message key) in the
//! response extensions; `web::context::middleware` renders it as a French (or English) error
//! page, or as a toast for htmx requests, and logs server errors once with the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page introuvable")]
    NotFound,
    #[error("connexion requise")]
    LoginRequired,
    #[error("accès refusé")]
    Forbidden,
    /// A request the user can fix; the key names a message of the catalogue.
    #[error("requête invalide : {0}")]
    BadRequest(&'static str),
    #[error("trop de tentatives")]
    TooManyRequests,
    /// The body is over a size limit; the key names the message of the catalogue.
    #[error("données trop volumineuses : {0}")]
    PayloadTooLarge(&'static str),
    #[error("jeton CSRF absent ou invalide")]
    Csrf,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error-rendering middleware needs to know about a failed request.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    /// Catalogue key of the message shown to the user.
    pub message_key: &'static str,
    /// Detail for the log only (never shown); set for server errors.
    pub detail: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::LoginRequired => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Database(sqlx::Error::RowNotFound) => StatusCode::NOT_FOUND,
            Self::Database(e) if database_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Template(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            Self::BadRequest(key) | Self::PayloadTooLarge(key) => key,
            Self::Csrf => "error.csrf",
            _ => status_message_key(self.status()),
        }
    }
}

/// Whether `e` says the database cannot be reached right now (server down, restarting, network
/// cut, pool exhausted) rather than that a query is wrong: 503, and the next request retries.
fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        // PostgreSQL: class 08 (connection exception), 57P01-57P03 (shutting down, starting).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// The catalogue key describing a bare HTTP error status.
pub fn status_message_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error.400",
        401 => "error.401",
        403 => "error.403",
        404 => "error.404",
        405 => "error.405",
        408 => "error.408",
        409 => "error.409",
        413 => "error.413",
        415 | 422 => "error.422",
        429 => "error.429",
        503 => "error.503",
        _ if status.is_client_error() => "error.400",
        _ => "error.500",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = status.is_server_error().then(|| format!("{self:?}"));
        let info = ErrorInfo {
            message_key: self.message_key(),
            detail,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_their_detail_for_the_log_only() {
        let response = AppError::Internal(anyhow::anyhow!("disk on fire")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let info = response
            .extensions()
            .get::<ErrorInfo>()
            .expect("info is attached");
        assert_eq!(info.message_key, "error.500");
        assert!(
            info.detail
                .as_deref()
                .unwrap_or_default()
                .contains("disk on fire")
        );
    }

    #[test]
    fn user_errors_carry_a_message_key_and_no_detail() {
        let response = AppError::BadRequest("error.422").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let info = response
            .extensions()
            .get::<ErrorInfo>()
            .expect("info is attached");
        assert_eq!(info.message_key, "error.422");
        assert!(info.detail.is_none());
        assert_eq!(
            AppError::Database(sqlx::Error::RowNotFound).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            AppError::Database(sqlx::Error::PoolTimedOut).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            AppError::Database(sqlx::Error::Io(refused)).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            AppError::Database(sqlx::Error::ColumnNotFound("x".into())).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
