//! The identity service as a standalone binary.

fn main() -> std::process::ExitCode {
    runtime::run(identity::SERVICE, identity::build)
}
