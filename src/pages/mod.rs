//! Public pages: home, about, language choice, the health check, and offline reading (the
//! service worker at `/sw.js` and its fallback page `/offline`).

pub mod handlers;
pub mod queries;

use crate::web::Routes;

pub fn router() -> Routes {
    Routes::new()
        .get("/", handlers::home)
        .get("/about", handlers::about)
        .get("/lang", handlers::choose_language)
        .post("/lang", handlers::set_language)
        .get("/sw.js", handlers::service_worker)
        .get("/offline", handlers::offline)
}
