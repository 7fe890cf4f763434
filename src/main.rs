//! `pann` command-line interface: glue only; the library does the work.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pann",
    version,
    about = "Gate-level power simulator for low-precision NN arithmetic"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {}
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        // One line, naming what failed; exit code 2 for every user-facing error.
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
}
