//! `pann eval`: top-1 accuracy of a network in float or bit-exact integer arithmetic.

use super::args::{csv_text, data_dir, emit, Format, OutputArgs};
use super::quant_args::QuantArgs;
use clap::Args;
use pann::nn::{
    eval::{self, EvalOptions},
    idx::DatasetId,
    model::ModelId,
};
use std::path::PathBuf;

/// `pann eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// ccexam-cnn | lenet5 | mlp.
    #[arg(long)]
    model: String,
    /// mnist | fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Float32 reference instead of integer inference.
    #[arg(long)]
    float: bool,
    #[command(flatten)]
    quant: QuantArgs,
    /// Evaluate only the first N test images (at least 1).
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
    /// Data directory (default: ./data, else the crate's data/).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Run `pann eval`.
pub fn run_eval(a: EvalArgs) -> anyhow::Result<()> {
    let opts = EvalOptions {
        model: ModelId::parse(&a.model)?,
        dataset: DatasetId::parse(&a.dataset)?,
        float: a.float,
        cfg: a.quant.config()?,
        limit: a.limit,
    };
    anyhow::ensure!(a.limit != Some(0), "--limit 0: evaluate at least 1 image");
    a.output.check()?;
    let r = eval::evaluate(&data_dir(&a.data_dir), &opts)?;
    let text = match a.output.format {
        Format::Table => r.table(),
        Format::Json => serde_json::to_string_pretty(&r)? + "\n",
        Format::Csv => csv_text(&eval::csv_header(), &r.csv_rows())?,
    };
    emit(&a.output.out, &text)
}
