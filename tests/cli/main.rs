//! The `pann` binary end to end (one test target): every subcommand's outputs, provenance,
//! determinism and errors, and the notebooks that read what it writes.

mod cli;
mod common;
mod crosscheck_cli;
mod energy_cli;
mod nn_cli;
mod notebooks;
mod report_browser;
mod slurm;
mod tradeoff;
mod yosys_cli;
