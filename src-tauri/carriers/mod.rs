//! Carrier clients (work in progress).
