//! The payments service (being built).
