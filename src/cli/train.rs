//! `pann train` (feature `train`): LeNet-5 or the MLP trained with candle.

use super::args::data_dir;
use clap::Args;
use pann::nn::{idx::DatasetId, model::ModelId};
use std::path::PathBuf;

/// `pann train`.
#[derive(Args)]
pub struct TrainArgs {
    /// lenet5 | mlp.
    #[arg(long)]
    model: String,
    /// mnist | fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Epochs.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use only the first N training images (smoke test).
    #[arg(long)]
    limit: Option<usize>,
    /// Output safetensors (default: the model's weights file under the data directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Run `pann train`.
pub fn run_train(a: TrainArgs) -> anyhow::Result<()> {
    use pann::nn::train::{train, TrainConfig};
    let dir = data_dir(&a.data_dir);
    let (model, ds) = (ModelId::parse(&a.model)?, DatasetId::parse(&a.dataset)?);
    anyhow::ensure!(
        model != ModelId::CcexamCnn,
        "ccexam-cnn is pretrained, not trained here"
    );
    let cfg = TrainConfig {
        epochs: a.epochs,
        batch: a.batch,
        lr: a.lr,
        seed: a.seed,
        limit: a.limit,
    };
    let t = std::time::Instant::now();
    let net = train(&dir, model, ds, &cfg, &mut |m| eprintln!("{m}"))?;
    let test = ds.load(&dir, pann::nn::idx::Split::Test)?;
    let correct = pann::nn::float::count_correct(&pann::nn::float::predict(&net, &test), &test);
    let top1 = 100.0 * correct as f64 / test.len() as f64;
    let out = a.out.unwrap_or_else(|| dir.join(model.weights_file(ds)));
    let meta = format!(
        "trained by pann train: model {} dataset {} epochs {} batch {} lr {} seed {} limit {:?}; float top-1 {top1:.2} % ({correct}/{})",
        model.name(), ds.name(), a.epochs, a.batch, a.lr, a.seed, a.limit, test.len()
    );
    net.save_safetensors(&out, &[("provenance", &meta)])?;
    println!(
        "{meta}; {:.0} s; wrote {}",
        t.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}
