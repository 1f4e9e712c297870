//! Integration tests of the payments feature.
