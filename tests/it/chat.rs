//! Integration tests of the chat feature.
