//! `pann` command-line interface: glue only; the library does the work.

mod cli;

use clap::{CommandFactory, FromArgMatches};

/// Every option of every subcommand takes negative numbers as values, so `--bx -1` is refused
/// naming `--bx` (not as an unknown argument `-1`).
fn negatives(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| a.allow_negative_numbers(true))
        .mut_subcommands(negatives)
}

fn main() {
    // Parse errors as clap writes them (usage, valid values, suggestions), exit code 2;
    // `--help` and `--version` exit 0.
    let matches = negatives(cli::Cli::command()).get_matches();
    let parsed = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // SIGINT/SIGTERM: remove half-written outputs' temporary files, exit 130/143.
    if let Err(e) = pann::report::remove_temporaries_on_signal() {
        eprintln!("warning: cannot install the signal handler: {e}");
    }
    // A bad PANN_KERNEL (unknown, or a path this CPU cannot run): one line, exit code 2.
    if let Err(e) = pann::sim::isa::kernel_path_from_env() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    if let Err(e) = cli::run(parsed) {
        // One line, naming what failed; exit code 2 for every user-facing error.
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
}
