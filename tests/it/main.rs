//! Integration tests: the real app over HTTP, on SQLite (default) or PostgreSQL
//! (`TLJ_TEST_ENGINE=postgres`, `TLJ_TEST_POSTGRES_URL`). One module per feature.

mod auth;
mod cli;
mod courses;
mod dashboard;
mod helpers;
mod otp;
mod pages;
mod profile;
mod quizzes;
mod teach;
mod web;
