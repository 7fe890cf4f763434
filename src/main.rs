//! `pann` command-line interface: glue only; the library does the work.

use clap::{Parser, Subcommand};

mod cli_nn;

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
    #[command(flatten)]
    Nn(cli_nn::NnCommand),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Nn(c) => cli_nn::run(c),
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
