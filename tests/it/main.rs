//! Integration tests: the real app over HTTP, on SQLite (default) or PostgreSQL
//! (`TLJ_TEST_ENGINE=postgres`, `TLJ_TEST_POSTGRES_URL`). One module per feature.

mod auth;
mod cli;
mod courses;
mod helpers;
mod pages;
mod quizzes;
mod teach;
mod web;
