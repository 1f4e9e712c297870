//! Sponsored seats: an NGO, an employer or a school pays once for many learners. An admin — or a
//! trainer for their own courses, when the admin allows it — creates a batch (sponsor, seats,
//! expiry, one course or a bundle; paid by mobile money through the checkout, or by an admin's
//! word: paid offline or free, in the audit log); each seat is a single-use code
//! (`TLJ-7KQ4-M2XP`) that enrols whoever redeems it at `/codes`. The sponsor's contact reads the
//! batch's report.

pub mod access;
pub mod admin;
pub mod cards;
pub mod create;
pub mod invite;
pub mod model;
pub mod queries;
pub mod redeem;
pub mod report;

use crate::auth::model::Role;
use crate::web::{Guard, Routes};

pub fn router() -> Routes {
    Routes::area(Guard::Open)
        .get("/codes", redeem::page)
        .get("/codes/invite/{token}", invite::page)
        .merge(
            Routes::area(Guard::SignedIn)
                .post("/codes", redeem::redeem)
                .post("/codes/invite/{token}", invite::join)
                .post("/seats/{id}/invite", invite::create)
                .post("/seats/{id}/invite/off", invite::remove)
                .get("/seats", report::list)
                .get("/seats/{id}", report::show)
                .get("/seats/{id}/report.csv", report::csv)
                .get("/seats/{id}/codes.csv", cards::codes_csv)
                .get("/seats/{id}/cards.pdf", cards::cards_pdf),
        )
        .merge(
            Routes::area(Guard::Role(Role::Trainer))
                .get("/teach/seats/new", create::new_form)
                .post("/teach/seats", create::create),
        )
        .merge(
            Routes::area(Guard::Role(Role::Admin))
                .get("/admin/seats", admin::list)
                .get("/admin/seats/new", create::new_form)
                .post("/admin/seats", create::create)
                .post("/admin/seats/settings", admin::settings)
                .post("/admin/seats/{id}/revoke", admin::revoke_unused)
                .post("/admin/seats/{id}/extend", admin::extend),
        )
}
