//! The command line: argument definitions and one library call per subcommand.

mod args;
mod bench;
mod bench_nn;
mod cells;
mod compare;
mod crosscheck;
mod curve;
mod eval;
mod fit;
mod netlist;
mod nn;
mod predict;
mod quant_args;
mod quant_table;
mod reproduce;
mod simulate;
mod streams;
#[cfg(feature = "train")]
mod train;

use clap::{Parser, Subcommand};

/// `pann`.
#[derive(Parser)]
#[command(
    name = "pann",
    version,
    about = "Gate-level power simulator for low-precision NN arithmetic, and a PANN evaluator",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Cell libraries: import Liberty corners, list the shipped ones.
    #[command(subcommand)]
    Cells(cells::CellsCmd),
    /// fJ/op of int8/int32 add and multiply next to Horowitz 45 nm, QKeras qtools and node scaling.
    Compare(compare::CompareArgs),
    /// Simulate a unit over an operand stream; report toggles and energy per operation by component.
    Simulate(Box<simulate::SimulateArgs>),
    /// Print a generated circuit as structural Verilog, Graphviz dot or statistics.
    Netlist(netlist::NetlistArgs),
    /// Run a simulation through OpenSTA too (mapped netlist + pin-level SAIF/VCD) and print both side by side.
    Crosscheck(Box<crosscheck::CrosscheckArgs>),
    /// Throughput of the simulator next to Icarus Verilog and Verilator on the same vectors.
    Bench(bench::BenchArgs),
    /// Sweep MACs through the simulator and fit every component's power model (coefficients CSV).
    Fit(fit::FitArgs),
    /// fJ/op per component from fitted power models; --check compares with the simulation.
    Predict(predict::PredictArgs),
    /// Accuracy against energy per inference: uniform b-bit, unsigned, PANN over R and at each budget.
    Curve(Box<curve::CurveArgs>),
    /// Measure the paper's claims (1–8) and write claims.md, claims.csv and the curves.
    Reproduce(reproduce::ReproduceArgs),
    #[command(flatten)]
    Nn(nn::NnCommand),
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Cells(c) => cells::cells(c),
        Command::Compare(a) => compare::compare(a),
        Command::Simulate(a) => simulate::run_simulate(*a),
        Command::Netlist(a) => netlist::run_netlist(a),
        Command::Crosscheck(a) => crosscheck::run_crosscheck(*a),
        Command::Bench(a) => bench::run_bench(a),
        Command::Fit(a) => fit::run_fit(a),
        Command::Predict(a) => predict::run_predict(a),
        Command::Curve(a) => curve::run(*a),
        Command::Reproduce(a) => reproduce::run(a),
        Command::Nn(c) => nn::run(c),
    }
}
