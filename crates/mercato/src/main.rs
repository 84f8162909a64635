//! `mercato`: the one command a user runs.
//!
//! `mercato up` (what `cargo run --release` runs) starts every service as its own process,
//! supervises them (registry, health checks, restarts with backoff), seeds a demo catalog on
//! first start and stops everything gracefully on Ctrl-C. `mercato status` and
//! `mercato scale` talk to a running supervisor, and `mercato bench` puts it under load.
//! `mercato service NAME` is how the supervisor starts one service process (the same binary,
//! so one build runs everything).

mod bench;
mod chaos;
mod cli;
mod control;
mod evaluation;
mod postgres;
mod rebuild;
mod registry;
mod seed;
mod services;
mod state;
mod status;
mod supervisor;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        Some(cli::Command::Service { name }) => services::run(&name),
        Some(cli::Command::Up(args)) => block_on(supervisor::up(args)),
        None => block_on(supervisor::up(cli.up)),
        Some(cli::Command::Status(args)) => block_on(status::show(args)),
        Some(cli::Command::Scale(args)) => block_on(status::scale(args)),
        Some(cli::Command::Seed(args)) => block_on(seed::command(args)),
        Some(cli::Command::Bench(args)) => block_on(bench::command(args)),
        Some(cli::Command::Chaos(args)) => block_on(chaos::command(args)),
        Some(cli::Command::Search(args)) => block_on(rebuild::command(args)),
        Some(cli::Command::Recommendations(args)) => block_on(evaluation::command(args)),
    }
}

fn block_on(fut: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    runtime::init_process();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("mercato: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mercato: {err:#}");
            ExitCode::FAILURE
        }
    }
}
