//! The notifications service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(notifications::SERVICE, notifications::build)
}
