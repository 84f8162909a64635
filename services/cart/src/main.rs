//! The cart service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(cart::SERVICE, cart::build)
}
