//! Integration tests: the real app over HTTP, on SQLite (default) or PostgreSQL
//! (`TLJ_TEST_ENGINE=postgres`, `TLJ_TEST_POSTGRES_URL`). One module per feature.
#![allow(clippy::unwrap_used)] // a failing unwrap is a failing test

mod admin;
mod auth;
mod certificates;
mod chat;
mod cli;
mod courses;
mod dashboard;
mod forum;
mod helpers;
mod live;
mod notifications;
mod otp;
mod pages;
mod payment_providers;
mod payments;
mod profile;
mod quizzes;
mod teach;
mod web;
