//! Signed Web Hooks: verification, decoding and signing.
