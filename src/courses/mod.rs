//! Courses and categories. The foundation holds the data and the cards shown on the home page;
//! the catalogue, course pages and authoring routes come with the courses issue.

pub mod model;
pub mod queries;
