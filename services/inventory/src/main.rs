//! The inventory service as a standalone binary (for deploying it alone).

fn main() -> std::process::ExitCode {
    runtime::run(inventory::SERVICE, inventory::build)
}
