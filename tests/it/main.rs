//! Integration tests: the real app over HTTP, on SQLite (default) or PostgreSQL
//! (`TLJ_TEST_ENGINE=postgres`, `TLJ_TEST_POSTGRES_URL`). One module per feature.

mod auth;
mod certificates;
mod chat;
mod cli;
mod courses;
mod dashboard;
mod forum;
mod helpers;
mod notifications;
mod otp;
mod pages;
mod payments;
mod profile;
mod quizzes;
mod teach;
mod web;
