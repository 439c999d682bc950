//! Carrier client tests.
