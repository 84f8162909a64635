//! The recommendations service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(recommendations::SERVICE, recommendations::build)
}
