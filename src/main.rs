//! `pann` command-line interface: glue only; the library does the work.

use clap::{Parser, Subcommand};

mod cli_energy;

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
enum Command {
    /// Cell libraries: import Liberty corners, list the shipped ones.
    #[command(subcommand)]
    Cells(cli_energy::CellsCmd),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cells(c) => cli_energy::cells(c),
    }
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
