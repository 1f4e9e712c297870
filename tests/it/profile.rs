//! Profile: information, photo, history, statistics, security.
