//! `pann` command-line interface: glue only; the library does the work.

mod cli_energy;
mod cli_sim;
mod cli_timed;

use clap::{Parser, Subcommand};

mod cli_nn;

#[derive(Parser)]
#[command(
    name = "pann",
    version,
    about = "Gate-level power simulator for low-precision NN arithmetic, and a PANN evaluator"
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
    /// fJ/op of int8/int32 add and multiply next to Horowitz 45 nm, QKeras qtools and node scaling.
    Compare(cli_energy::CompareArgs),
    /// Simulate a unit over an operand stream; report toggles per operation by component.
    Simulate(cli_sim::SimulateArgs),
    /// Print a generated circuit as structural Verilog, Graphviz dot or statistics.
    Netlist(cli_sim::NetlistArgs),
    /// Throughput of the simulator next to Icarus Verilog and Verilator on the same vectors.
    Bench(cli_sim::BenchArgs),
    #[command(flatten)]
    Nn(cli_nn::NnCommand),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cells(c) => cli_energy::cells(c),
        Command::Compare(a) => cli_energy::compare(a),
        Command::Simulate(a) => cli_sim::run_simulate(a),
        Command::Netlist(a) => cli_sim::run_netlist(a),
        Command::Bench(a) => cli_sim::run_bench(a),
        Command::Nn(c) => cli_nn::run(c),
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // One line: clap's first line names the flag and the bad value.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(cli) {
        // One line, naming what failed; exit code 2 for every user-facing error.
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
}
