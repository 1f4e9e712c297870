//! The route builder every feature's `router()` uses: it builds the axum `Router` and, in the
//! same calls, the table of (method, path, guard) that `crate::route_table` exposes (the
//! authorisation matrix test iterates it). An area declares its guard once
//! (`Routes::area(Guard::Role(Role::Admin))`); it is checked by one route layer in front of the
//! area's routes, before any extractor or handler runs.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

use super::guard::{self, Guard};
use crate::state::AppState;

/// One routed (method, path) and the guard in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: &'static str,
    pub path: String,
    pub guard: Guard,
}

/// Routes of one area (one guard) plus the areas merged into it, each keeping its own guard.
pub struct Routes {
    guard: Guard,
    /// The routes declared on this area; its guard is layered on them by `finish`.
    own: Router<AppState>,
    /// Areas merged in, already finished with their own guard.
    merged: Router<AppState>,
    /// How many routes were declared on this area itself (a route layer needs one).
    own_routes: usize,
    table: Vec<RouteEntry>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    /// Routes without a guard at the router (public, or checked by their handler's policy).
    pub fn new() -> Self {
        Self::area(Guard::Open)
    }

    /// Routes that all need `guard`.
    pub fn area(guard: Guard) -> Self {
        Self {
            guard,
            own: Router::new(),
            merged: Router::new(),
            own_routes: 0,
            table: Vec::new(),
        }
    }

    fn add(mut self, method: &'static str, path: &str, route: MethodRouter<AppState>) -> Self {
        self.own = self.own.route(path, route);
        self.own_routes += 1;
        self.table.push(RouteEntry {
            method,
            path: path.to_owned(),
            guard: self.guard,
        });
        self
    }

    pub fn get<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, get(handler))
    }

    pub fn post<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, post(handler))
    }

    /// A POST whose handler streams the body and enforces its own size limit (uploads): the
    /// global 2 MB limit is lifted for it.
    pub fn upload<H, T>(self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            "POST",
            path,
            post(handler).layer(DefaultBodyLimit::disable()),
        )
    }

    /// Adds another area's routes; they keep their own guard (this area's guard is not added).
    pub fn merge(mut self, other: Routes) -> Self {
        self.table.extend(other.table.iter().cloned());
        self.merged = self.merged.merge(other.finish());
        self
    }

    fn finish(self) -> Router<AppState> {
        let own = if self.guard == Guard::Open || self.own_routes == 0 {
            self.own
        } else {
            self.own.route_layer(axum::middleware::from_fn_with_state(
                self.guard,
                guard::require,
            ))
        };
        own.merge(self.merged)
    }

    /// The axum router, every area behind its guard.
    pub fn into_router(self) -> Router<AppState> {
        self.finish()
    }

    /// Every (method, path) routed, with its guard, in declaration order.
    pub fn table(&self) -> &[RouteEntry] {
        &self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::model::Role;

    async fn page() -> &'static str {
        "page"
    }

    #[test]
    fn an_area_keeps_its_own_guard_when_merged_and_the_table_lists_every_method() {
        let routes = Routes::area(Guard::Role(Role::Admin))
            .get("/admin", page)
            .merge(Routes::area(Guard::Role(Role::Moderator)).get("/admin/queue", page))
            .merge(
                Routes::new()
                    .get("/live", page)
                    .merge(Routes::area(Guard::Role(Role::Trainer)).post("/live", page)),
            );
        let table: Vec<(&str, &str, Guard)> = routes
            .table()
            .iter()
            .map(|r| (r.method, r.path.as_str(), r.guard))
            .collect();
        assert_eq!(
            table,
            [
                ("GET", "/admin", Guard::Role(Role::Admin)),
                ("GET", "/admin/queue", Guard::Role(Role::Moderator)),
                ("GET", "/live", Guard::Open),
                ("POST", "/live", Guard::Role(Role::Trainer)),
            ]
        );
        // GET and POST of one path from two areas make one axum route (no overlap panic).
        let _router = routes.into_router();
    }
}
