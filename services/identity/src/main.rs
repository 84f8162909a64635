//! The identity service as a standalone binary.

fn main() {}
