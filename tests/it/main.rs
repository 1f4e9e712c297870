//! Integration tests: the real app over HTTP, on SQLite (default) or PostgreSQL
//! (`TLJ_TEST_ENGINE=postgres`, `TLJ_TEST_POSTGRES_URL`). One module per feature.
#![allow(clippy::unwrap_used)] // a failing unwrap is a failing test

mod admin;
mod auth;
mod authz;
mod backup;
mod bad_input;
mod bruteforce;
mod budget;
mod certificates;
mod chat;
mod cli;
mod courses;
mod csrf;
mod dashboard;
mod datasaver;
mod faults;
mod forum;
mod headers;
mod helpers;
mod limits;
mod live;
mod notifications;
mod offline;
mod otp;
mod pages;
mod payment_providers;
mod payments;
mod profile;
mod quizzes;
mod response_cache;
mod scale;
mod search;
mod seats;
mod sessions;
mod storage;
mod teach;
mod time;
mod web;
