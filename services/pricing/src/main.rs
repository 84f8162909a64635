//! The pricing service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(pricing::SERVICE, pricing::build)
}
