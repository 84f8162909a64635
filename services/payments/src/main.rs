//! The payments service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(payments::SERVICE, payments::build)
}
