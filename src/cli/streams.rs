//! `pann streams`: one layer's MAC operand stream as CSV, and its statistics.

use super::args::data_dir;
use super::quant_args::QuantArgs;
use clap::Args;
use pann::nn::{
    idx::DatasetId,
    mac::Repr,
    model::ModelId,
    quant::QuantConfig,
    stream::{self, Dataflow, LayerStream},
};
use std::path::PathBuf;

/// `pann streams`.
#[derive(Args)]
pub struct StreamsArgs {
    /// ccexam-cnn | lenet5 | mlp.
    #[arg(long)]
    model: String,
    /// mnist | fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// MAC layer name (e.g. conv2).
    #[arg(long)]
    layer: String,
    /// Number of test images (the first N).
    #[arg(long, default_value_t = 16)]
    images: usize,
    /// output-stationary | weight-stationary.
    #[arg(long, default_value = "output-stationary")]
    dataflow: String,
    /// CSV output `x,w` (omit to print statistics only); `pann simulate --stream file:`
    /// reads it (a MAC wide enough for the codes, with the same --repr).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Stop after this many pairs.
    #[arg(long)]
    max_pairs: Option<u64>,
    #[command(flatten)]
    quant: QuantArgs,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Run `pann streams`.
pub fn run_streams(a: StreamsArgs) -> anyhow::Result<()> {
    let cfg = a.quant.config()?;
    if a.max_pairs == Some(0) {
        anyhow::bail!("--max-pairs 0: write at least 1 pair");
    }
    if let Some(p) = &a.out {
        pann::report::check_target(p)?;
    }
    let s = LayerStream::for_model(
        &data_dir(&a.data_dir),
        ModelId::parse(&a.model)?,
        DatasetId::parse(&a.dataset)?,
        &a.layer,
        a.images,
        a.dataflow.parse::<Dataflow>()?,
        &cfg,
    )?;
    // The smallest MAC that takes these codes in the same representation: unsigned
    // activation codes need a sign bit more in a two's complement or sign-magnitude operand.
    let bx = s.x_bits + u32::from(cfg.repr != Repr::Unsigned);
    let simulate_with = a.out.as_ref().map(|p| {
        format!(
            "pann simulate --repr {} --bx {bx} --bw {} --stream file:{}",
            cfg.repr.name(),
            s.w_bits,
            p.display()
        )
    });
    let st = match &a.out {
        Some(p) => stream::write_csv(s, p, cfg.repr, a.max_pairs)?,
        None => stream::stats(s, cfg.repr, a.max_pairs),
    };
    #[derive(serde::Serialize)]
    struct Out<'a> {
        model: &'a str,
        dataset: &'a str,
        images: usize,
        config: &'a QuantConfig,
        stats: &'a stream::StreamStats,
        #[serde(skip_serializing_if = "Option::is_none")]
        simulate_with: Option<String>,
        version: &'a str,
    }
    let o = Out {
        model: &a.model,
        dataset: &a.dataset,
        images: a.images,
        config: &cfg,
        stats: &st,
        simulate_with,
        version: env!("CARGO_PKG_VERSION"),
    };
    println!("{}", serde_json::to_string_pretty(&o)?);
    Ok(())
}
