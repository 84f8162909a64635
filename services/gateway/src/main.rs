//! The gateway as a standalone binary.

fn main() -> std::process::ExitCode {
    runtime::run(gateway::SERVICE, gateway::build)
}
