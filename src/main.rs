//! `pann` command-line interface: glue only; the library does the work.

mod cli;

use clap::Parser;

fn main() {
    // Parse errors as clap writes them (usage, valid values, suggestions), exit code 2;
    // `--help` and `--version` exit 0.
    let parsed = cli::Cli::parse();
    // SIGINT/SIGTERM: remove half-written outputs' temporary files, exit 130/143.
    if let Err(e) = pann::report::remove_temporaries_on_signal() {
        eprintln!("warning: cannot install the signal handler: {e}");
    }
    if let Err(e) = cli::run(parsed) {
        // One line, naming what failed; exit code 2 for every user-facing error.
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
}
