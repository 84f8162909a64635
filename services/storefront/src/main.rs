//! The storefront as a standalone binary.

fn main() -> std::process::ExitCode {
    runtime::run(storefront::SERVICE, storefront::build)
}
