//! `pann train` (feature `train`): LeNet-5 or the MLP trained with candle, or any of the three
//! networks fine-tuned with fake quantization (`--pann`, `--uniform`).

use super::args::{command_line, count_bar, data_dir};
use anyhow::Context;
use clap::Args;
use pann::nn::{
    idx::DatasetId,
    model::{ModelId, Network},
    qat::{self, QatMethod, QatProvenance},
    quant::{Granularity, Quantizer},
};
use std::path::{Path, PathBuf};

/// `pann train`.
#[derive(Args)]
pub struct TrainArgs {
    /// lenet5 | mlp (float training); ccexam-cnn | lenet5 | mlp (fine-tuning).
    #[arg(long)]
    model: String,
    /// mnist | fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// Fine-tune with PANN fake quantization (needs --r and --act-bits).
    #[arg(long, conflicts_with = "uniform")]
    pann: bool,
    /// Fine-tune with uniform b-bit fake quantization (needs --bits).
    #[arg(long)]
    uniform: bool,
    /// PANN: additions per weight R (mean |q|, > 0) of the inner layers.
    #[arg(long, requires = "pann")]
    r: Option<f64>,
    /// PANN: activation bits b̃x of the inner layers (2..=8).
    #[arg(long, requires = "pann")]
    act_bits: Option<u32>,
    /// Uniform: weight and activation bits of the inner layers (2..=8).
    #[arg(long, requires = "uniform")]
    bits: Option<u32>,
    /// Uniform: clipping rule of every weight and activation range, minmax | mse | aciq
    /// (evaluated with the same rule).
    #[arg(long, requires = "uniform", default_value = "mse")]
    quantizer: String,
    /// Base float weights to fine-tune (default with --pann/--uniform: the model's weights
    /// file); without --pann/--uniform: float fine-tuning from them (a control).
    #[arg(long)]
    from: Option<PathBuf>,
    /// Fine-tuning: the energy budget the parameters were chosen at (e.g. `twos-2`); recorded
    /// in the provenance and in the default file name.
    #[arg(long)]
    budget: Option<String>,
    /// Fine-tuning: accounting of --budget (datapath | total).
    #[arg(long, default_value = "datapath")]
    accounting: String,
    /// Fine-tuning: re-calibrate the activation ranges every N steps.
    #[arg(long, default_value_t = 50)]
    recalib_every: usize,
    /// Fine-tuning: calibration images of the activation ranges (as `pann curve`: 512).
    #[arg(long, default_value_t = 512)]
    calib_size: usize,
    /// Fine-tuning: evaluate only the first N test images after each epoch.
    #[arg(long)]
    eval_limit: Option<usize>,
    /// Epochs (default: 10 for float training, 2 for fine-tuning).
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Adam learning rate (default: 1e-3 for float training, 1e-4 for fine-tuning).
    #[arg(long)]
    lr: Option<f64>,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use only the first N training images (smoke test).
    #[arg(long)]
    limit: Option<usize>,
    /// Output safetensors (default: the model's weights file under the data directory;
    /// fine-tuning: `weights/<base stem>.<label>.safetensors`, label `pann-twos2` with
    /// --budget twos-2, else `pann-r<R>-x<b̃x>`, or `uniform<b>-<quantizer>`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Run `pann train`.
pub fn run_train(a: TrainArgs) -> anyhow::Result<()> {
    if a.pann || a.uniform {
        return run_fine_tune(a);
    }
    use pann::nn::train::{train, TrainConfig};
    let dir = data_dir(&a.data_dir);
    let (model, ds) = (ModelId::parse(&a.model)?, DatasetId::parse(&a.dataset)?);
    anyhow::ensure!(
        model != ModelId::CcexamCnn || a.from.is_some(),
        "ccexam-cnn is pretrained, not trained here (fine-tune it with --from, --pann or --uniform)"
    );
    anyhow::ensure!(
        a.from.is_none() || a.out.is_some(),
        "--from (float fine-tuning) needs --out, so that the base weights are not overwritten"
    );
    let init = match &a.from {
        Some(p) => {
            let mut n = model.architecture();
            n.load_safetensors(p)
                .with_context(|| format!("--from {}: not {} weights", p.display(), model.name()))?;
            Some(n)
        }
        None => None,
    };
    let (epochs, lr) = match &init {
        None => (a.epochs.unwrap_or(10), a.lr.unwrap_or(1e-3)),
        Some(_) => (a.epochs.unwrap_or(2), a.lr.unwrap_or(1e-4)),
    };
    let cfg = TrainConfig {
        epochs,
        batch: a.batch,
        lr,
        seed: a.seed,
        limit: a.limit,
        init,
    };
    let t = std::time::Instant::now();
    let net = train(&dir, model, ds, &cfg, &mut |m| eprintln!("{m}"))?;
    let test = ds.load(&dir, pann::nn::idx::Split::Test)?;
    let correct = pann::nn::float::count_correct(&pann::nn::float::predict(&net, &test), &test);
    let top1 = 100.0 * correct as f64 / test.len() as f64;
    let out = a.out.unwrap_or_else(|| dir.join(model.weights_file(ds)));
    let from = a
        .from
        .as_ref()
        .map_or(String::new(), |p| format!(" from {}", p.display()));
    let meta = format!(
        "trained by pann train: model {} dataset {}{from} epochs {} batch {} lr {} seed {} limit {:?}; float top-1 {top1:.2} % ({correct}/{})",
        model.name(), ds.name(), epochs, a.batch, lr, a.seed, a.limit, test.len()
    );
    net.save_safetensors(&out, &[("provenance", &meta)])?;
    println!(
        "{meta}; {:.0} s; wrote {}",
        t.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// The method the flags ask for, validated (R > 0, bits in 2..=8).
fn method(a: &TrainArgs) -> anyhow::Result<QatMethod> {
    let m = if a.pann {
        QatMethod::Pann {
            r: a.r.context("--pann needs --r R")?,
            act_bits: a.act_bits.context("--pann needs --act-bits B")?,
        }
    } else {
        QatMethod::Uniform {
            bits: a.bits.context("--uniform needs --bits b")?,
            quantizer: Quantizer::parse(&a.quantizer).context("--quantizer")?,
        }
    };
    m.validate().map_err(|e| match m {
        QatMethod::Pann { r, .. } if !(r.is_finite() && r > 0.0) => {
            anyhow::anyhow!("--r {r}: R must be a positive number of additions per weight")
        }
        _ => anyhow::Error::from(e),
    })?;
    Ok(m)
}

/// Default output label: `pann-twos2` with --budget twos-2, else `pann-r<R>-x<b̃x>`;
/// `uniform<b>-<quantizer>`.
fn label(m: QatMethod, budget: Option<&str>) -> String {
    match (m, budget) {
        (QatMethod::Pann { .. }, Some(b)) => format!("pann-{}", b.replace('-', "")),
        _ => m.tag(),
    }
}

fn run_fine_tune(a: TrainArgs) -> anyhow::Result<()> {
    use pann::nn::qat_train::{fine_tune, Hooks, QatConfig};
    let m = method(&a)?;
    let dir = data_dir(&a.data_dir);
    let model = ModelId::parse(&a.model).context("--model")?;
    let ds = DatasetId::parse(&a.dataset).context("--dataset")?;
    anyhow::ensure!(
        model.supports(ds),
        "--dataset {}: {} is trained on mnist only",
        ds.name(),
        model.name()
    );
    let mut cfg = QatConfig::new(m);
    cfg.epochs = a.epochs.unwrap_or(cfg.epochs);
    cfg.lr = a.lr.unwrap_or(cfg.lr);
    cfg.batch = a.batch;
    cfg.seed = a.seed;
    cfg.limit = a.limit;
    cfg.calib_size = a.calib_size;
    cfg.recalib_every = a.recalib_every;
    cfg.validate()?;
    anyhow::ensure!(
        ["datapath", "total"].contains(&a.accounting.as_str()),
        "--accounting {}: must be datapath or total",
        a.accounting
    );
    anyhow::ensure!(
        a.eval_limit != Some(0),
        "--eval-limit 0: evaluate at least 1 image"
    );
    let from = a
        .from
        .clone()
        .unwrap_or_else(|| dir.join(model.weights_file(ds)));
    let base_bytes = std::fs::read(&from)
        .with_context(|| format!("--from {}: cannot read the base weights", from.display()))?;
    let mut base = model.architecture();
    base.load_safetensors(&from)
        .with_context(|| format!("--from {}: not {} weights", from.display(), model.name()))?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| dir.join(qat::weights_file(model, ds, &label(m, a.budget.as_deref()))));
    anyhow::ensure!(
        !out.is_dir(),
        "--out {}: is a folder, not a file",
        out.display()
    );
    let (calib, test) =
        qat::calib_and_test(&dir, ds, cfg.calib_size, cfg.calib_seed, a.eval_limit)?;
    let eval = |net: &Network| qat::integer_top1(net, model, ds, m, None, &calib, &test);
    let ptq_top1 = eval(&base)?;
    eprintln!(
        "{} on {}: {} fine-tuning from {} ({} training images, {} epochs, lr {}); post-training top-1 {ptq_top1:.2} % on {} test images",
        model.name(),
        ds.name(),
        m.tag(),
        from.display(),
        a.limit.map_or("all".to_string(), |n| n.to_string()),
        cfg.epochs,
        cfg.lr,
        test.len()
    );
    let base_name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prov = |epochs: usize, top1: f64, seconds: f64| QatProvenance {
        method: m,
        budget: a.budget.clone(),
        accounting: a.budget.as_ref().map(|_| a.accounting.clone()),
        model: model.name().into(),
        dataset: ds.name().into(),
        base: base_name.clone(),
        base_sha256: pann::report::sha256_hex(&base_bytes),
        epochs,
        batch: cfg.batch,
        lr: cfg.lr,
        seed: cfg.seed,
        limit: cfg.limit,
        calib_size: cfg.calib_size,
        calib_seed: cfg.calib_seed,
        recalib_every: cfg.recalib_every,
        granularity: Granularity::PerTensor.name().into(),
        ptq_top1,
        top1,
        test_images: test.len(),
        seconds,
        version: env!("CARGO_PKG_VERSION").into(),
        git_rev: pann::experiment::report::GIT_REV.into(),
    };
    let start = std::time::Instant::now();
    let cmd = command_line();
    let mut pb = count_bar(1, "steps", a.quiet);
    let mut last = (0usize, ptq_top1);
    let mut on_step = |epoch: usize, done: usize, total: usize| {
        if done == 1 {
            pb.finish_and_clear();
            pb = count_bar(total as u64, &format!("steps of epoch {epoch}"), a.quiet);
        }
        pb.set_position(done as u64);
    };
    let mut on_epoch = |s: pann::nn::qat_train::EpochStats, net: &Network| {
        let top1 = eval(net)?;
        let p = prov(s.epoch, top1, start.elapsed().as_secs_f64());
        save(net, &out, &p, &cmd)?;
        eprintln!(
            "epoch {}: loss {:.4}, train top-1 {:.2} % (fake-quantized), test top-1 {top1:.2} % (integer inference), {:.0} s; checkpoint {}",
            s.epoch,
            s.loss,
            s.train_top1,
            s.seconds,
            out.display()
        );
        last = (s.epoch, top1);
        Ok(())
    };
    fine_tune(
        &dir,
        model,
        ds,
        &base,
        &cfg,
        Hooks {
            step: &mut on_step,
            epoch: &mut on_epoch,
        },
    )?;
    println!(
        "{} on {}: {} after {} epochs: test top-1 {:.2} % (post-training {ptq_top1:.2} %), {:.0} s; wrote {}",
        model.name(),
        ds.name(),
        m.tag(),
        last.0,
        last.1,
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// Write the checkpoint atomically with its provenance (`qat` JSON, `provenance` text).
fn save(net: &Network, out: &Path, p: &QatProvenance, cmd: &str) -> pann::nn::Result<()> {
    let json = serde_json::to_string(p).expect("provenance is plain data");
    let text = format!(
        "fine-tuned by `{cmd}`: {} on {} from {} (sha256 {}), epochs {} batch {} lr {} seed {}; integer top-1 {:.2} % (post-training {:.2} %) on {} test images",
        p.model, p.dataset, p.base, p.base_sha256, p.epochs, p.batch, p.lr, p.seed, p.top1, p.ptq_top1, p.test_images
    );
    net.save_safetensors(out, &[(qat::METADATA_KEY, &json), ("provenance", &text)])
}
