//! The catalog service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(catalog::SERVICE, catalog::build)
}
