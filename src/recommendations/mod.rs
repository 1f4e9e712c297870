//! Course recommendations from the learner's history, each with its reason.

pub mod model;
pub mod queries;

pub use model::Recommendation;
pub use queries::{for_user, for_user_except};
