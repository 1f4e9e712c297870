//! The signed-in user's home: what they are doing now, with shortcuts to every part of the platform.

pub mod handlers;
pub mod model;
pub mod queries;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new().get("/dashboard", handlers::show_dashboard)
}
