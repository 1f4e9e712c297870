//! Catalogue, course page, enrolment, lessons, resources, access rules, progress.
