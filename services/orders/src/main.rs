//! The orders service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(orders::SERVICE, orders::build)
}
