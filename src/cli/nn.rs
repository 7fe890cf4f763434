//! The neural-network subcommands (`eval`, `streams`, `quant-table`, `bench-nn`, `train`), one
//! file each, flattened into the top-level command list.

use super::bench_nn::{run_bench, BenchArgs};
use super::eval::{run_eval, EvalArgs};
use super::quant_table::{run_table, QuantTableArgs};
use super::streams::{run_streams, StreamsArgs};
#[cfg(feature = "train")]
use super::train::{run_train, TrainArgs};
use clap::Subcommand;

/// Subcommands of the nn side (flattened into the top-level CLI).
#[derive(Subcommand)]
pub enum NnCommand {
    /// Top-1 accuracy of a network in float or bit-exact integer arithmetic, with MAC and
    /// overflow counts per layer.
    Eval(EvalArgs),
    /// Capture one layer's MAC operand stream (CSV `x,w`) and print its statistics.
    Streams(StreamsArgs),
    /// Top-1 table over weight/activation bits and quantizers → CSV.
    QuantTable(QuantTableArgs),
    /// Time integer inference of the ccexam CNN over the MNIST test set.
    BenchNn(BenchArgs),
    /// Train LeNet-5 or the MLP with candle and save safetensors (feature `train`).
    #[cfg(feature = "train")]
    Train(TrainArgs),
}

/// Run one nn subcommand.
pub fn run(cmd: NnCommand) -> anyhow::Result<()> {
    match cmd {
        NnCommand::Eval(a) => run_eval(a),
        NnCommand::Streams(a) => run_streams(a),
        NnCommand::QuantTable(a) => run_table(a),
        NnCommand::BenchNn(a) => run_bench(a),
        #[cfg(feature = "train")]
        NnCommand::Train(a) => run_train(a),
    }
}
