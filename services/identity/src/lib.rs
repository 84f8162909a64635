//! The identity service (being built).
