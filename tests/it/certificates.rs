//! Integration tests of the certificates feature.
