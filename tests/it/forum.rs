//! Integration tests of the forum feature.
