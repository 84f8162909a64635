//! The admin console as a standalone binary.

fn main() -> std::process::ExitCode {
    runtime::run(console::SERVICE, console::build)
}
