//! The payments service as a standalone binary.

fn main() {}
