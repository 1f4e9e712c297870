//! Integration tests of the notifications feature.
