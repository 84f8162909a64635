//! The search service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(search::SERVICE, search::build)
}
