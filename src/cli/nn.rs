//! The neural-network subcommands: `eval`, `streams`, `quant-table`, `bench-nn`, `train`.

use super::args::{csv_text, data_dir, emit, Format, OutputArgs};
use clap::{Args, Subcommand};
use pann::nn::{
    eval::{self, EvalOptions, EvalReport},
    idx::DatasetId,
    mac::Repr,
    model::ModelId,
    quant::{Granularity, QuantConfig, Quantizer},
    stream::{self, Dataflow, LayerStream},
};
use std::path::PathBuf;

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

/// `pann train`.
#[cfg(feature = "train")]
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

#[cfg(feature = "train")]
fn run_train(a: TrainArgs) -> anyhow::Result<()> {
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

/// Quantization options shared by the subcommands: the inner layers' bits and clipping rule,
/// and everything else ([`QuantCommon`], the part `quant-table` sweeps around).
#[derive(Args, Clone)]
pub struct QuantArgs {
    /// Weight bits of inner layers (2..=8).
    #[arg(long, default_value_t = 8)]
    wbits: u32,
    /// Activation bits of inner layers (2..=8).
    #[arg(long, default_value_t = 8)]
    abits: u32,
    /// minmax | mse | aciq.
    #[arg(long, default_value = "minmax")]
    quantizer: String,
    #[command(flatten)]
    common: QuantCommon,
}

/// Quantization options other than the inner bits and the clipping rule.
#[derive(Args, Clone)]
pub struct QuantCommon {
    /// Weight and input bits of the first MAC layer (input = raw pixel, unsigned).
    #[arg(long, default_value_t = 8)]
    first_bits: u32,
    /// Weight and input bits of the last MAC layer.
    #[arg(long, default_value_t = 8)]
    last_bits: u32,
    /// per-channel | per-tensor (weight scales).
    #[arg(long, default_value = "per-channel")]
    granularity: String,
    /// Number representation.
    #[arg(long, value_enum, default_value_t = Repr::Twos)]
    repr: Repr,
    /// Accumulator width B (wraps mod 2^B).
    #[arg(long, default_value_t = 32)]
    acc_bits: u32,
    /// Correct biases for the mean weight-quantization error.
    #[arg(long)]
    bias_correction: bool,
    /// Calibration images drawn from the training split.
    #[arg(long, default_value_t = 512)]
    calib_size: usize,
    /// Seed choosing the calibration images.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl QuantCommon {
    /// The configuration with inner layers at `wbits`/`abits` and clipping rule `quantizer`.
    fn config(&self, wbits: u32, abits: u32, quantizer: Quantizer) -> anyhow::Result<QuantConfig> {
        let c = QuantConfig {
            wbits,
            abits,
            first_bits: self.first_bits,
            last_bits: self.last_bits,
            quantizer,
            granularity: Granularity::parse(&self.granularity)?,
            repr: self.repr,
            acc_bits: self.acc_bits,
            bias_correction: self.bias_correction,
            calib_size: self.calib_size,
            seed: self.seed,
        };
        c.validate()?;
        Ok(c)
    }
}

impl QuantArgs {
    fn config(&self) -> anyhow::Result<QuantConfig> {
        self.common
            .config(self.wbits, self.abits, Quantizer::parse(&self.quantizer)?)
    }
}

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

/// `pann quant-table`.
#[derive(Args)]
pub struct QuantTableArgs {
    /// Output CSV (required: the shipped table is regenerated on purpose, see
    /// data/results/README.md).
    #[arg(short = 'o', long)]
    out: PathBuf,
    /// Models (comma-separated; those without weights are skipped with a note).
    #[arg(long, default_value = "ccexam-cnn,lenet5,mlp")]
    models: String,
    /// Datasets (comma-separated).
    #[arg(long, default_value = "mnist,fashion-mnist")]
    datasets: String,
    /// Bit widths, used for W and A together.
    #[arg(long, default_value = "2,3,4,8")]
    bits: String,
    /// Quantizers.
    #[arg(long, default_value = "minmax,mse,aciq")]
    quantizers: String,
    /// Also rows with first and last layer at the same bits as the rest ("uniform").
    #[arg(long)]
    uniform: bool,
    /// Evaluate only the first N test images (at least 1).
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    quant: QuantCommon,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl QuantTableArgs {
    /// The base configuration (bits and quantizer are set per row).
    fn base(&self) -> anyhow::Result<QuantConfig> {
        self.quant.config(8, 8, Quantizer::MinMax)
    }
}

/// `pann bench-nn`.
#[derive(Args)]
pub struct BenchArgs {
    /// Test images.
    #[arg(long, default_value_t = 10_000)]
    images: usize,
    /// Number representation.
    #[arg(long, value_enum, default_value_t = Repr::Twos)]
    repr: Repr,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
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

fn run_eval(a: EvalArgs) -> anyhow::Result<()> {
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

fn run_streams(a: StreamsArgs) -> anyhow::Result<()> {
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

fn list<T>(s: &str, f: impl Fn(&str) -> pann::nn::Result<T>) -> anyhow::Result<Vec<T>> {
    s.split(',').map(|x| Ok(f(x.trim())?)).collect()
}

/// Columns of the quantization table.
fn table_header() -> Vec<&'static str> {
    let mut h = vec!["model", "dataset"];
    h.extend(QuantConfig::CSV_COLUMNS);
    h.extend([
        "images",
        "correct",
        "top1",
        "float_top1",
        "wrap_events",
        "version",
    ]);
    h
}

fn run_table(a: QuantTableArgs) -> anyhow::Result<()> {
    let dir = data_dir(&a.data_dir);
    let base = a.base()?;
    anyhow::ensure!(a.limit != Some(0), "--limit 0: evaluate at least 1 image");
    pann::report::check_target(&a.out)?;
    let bits = list(&a.bits, |b| {
        b.parse::<u32>()
            .map_err(|_| pann::nn::NnError::InvalidConfig {
                field: "bits",
                value: b.into(),
                why: "not an integer".into(),
            })
    })?;
    let mut rows = Vec::new();
    for model in list(&a.models, ModelId::parse)? {
        for ds in list(&a.datasets, DatasetId::parse)? {
            if !model.supports(ds) {
                eprintln!(
                    "note: {} does not run on {}, skipped",
                    model.name(),
                    ds.name()
                );
                continue;
            }
            if !dir.join(model.weights_file(ds)).exists() {
                eprintln!(
                    "note: no weights for {} on {}, skipped",
                    model.name(),
                    ds.name()
                );
                continue;
            }
            let fopts = EvalOptions {
                model,
                dataset: ds,
                float: true,
                cfg: base.clone(),
                limit: a.limit,
            };
            let (net, test, _) = eval::prepare(&dir, &fopts)?;
            let fr = eval::float_report(&net, &fopts, &test);
            let train = ds.load(&dir, pann::nn::idx::Split::Train)?;
            pann::nn::qnet::check_calib_size(&train, base.calib_size)?;
            let calib = pann::nn::qnet::calibration_slice(&train, base.calib_size, base.seed);
            for q in list(&a.quantizers, Quantizer::parse)? {
                for &b in &bits {
                    // "uniform" = first and last layer at b bits too (same as default at 8).
                    let differs = b != base.first_bits || b != base.last_bits;
                    let policies: &[bool] = if a.uniform && differs {
                        &[false, true]
                    } else {
                        &[false]
                    };
                    for &uniform in policies {
                        let mut cfg = QuantConfig {
                            wbits: b,
                            abits: b,
                            quantizer: q,
                            ..base.clone()
                        };
                        if uniform {
                            (cfg.first_bits, cfg.last_bits) = (b, b);
                        }
                        let qn = pann::nn::qnet::QuantNet::build(&net, &cfg, &calib)?;
                        let opts = EvalOptions {
                            cfg: cfg.clone(),
                            float: false,
                            ..fopts.clone()
                        };
                        let r = eval::int_report(&qn, &opts, &test);
                        eprintln!(
                            "{} {} {} W{b}A{b} first/last {}/{}: {:.2} %",
                            model.name(),
                            ds.name(),
                            q.name(),
                            cfg.first_bits,
                            cfg.last_bits,
                            r.top1
                        );
                        rows.push(table_row(&r, &cfg, &fr));
                    }
                }
            }
        }
    }
    anyhow::ensure!(
        !rows.is_empty(),
        "quant-table: no (model, dataset) pair of --models {} and --datasets {} could be evaluated; nothing written to {}",
        a.models,
        a.datasets,
        a.out.display()
    );
    emit(&Some(a.out), &csv_text(&table_header(), &rows)?)
}

fn table_row(r: &EvalReport, c: &QuantConfig, f: &EvalReport) -> Vec<String> {
    let mut row = vec![r.model.clone(), r.dataset.clone()];
    row.extend(c.csv_values());
    row.extend([
        r.images.to_string(),
        r.correct.to_string(),
        format!("{:.2}", r.top1),
        format!("{:.2}", f.top1),
        r.layers
            .iter()
            .map(|l| l.wrap_events)
            .sum::<u64>()
            .to_string(),
        r.version.clone(),
    ]);
    row
}

fn run_bench(a: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.images != 0, "--images 0: time at least 1 image");
    let dir = data_dir(&a.data_dir);
    let cfg = QuantConfig {
        repr: a.repr,
        ..QuantConfig::default()
    };
    let opts = EvalOptions {
        model: ModelId::CcexamCnn,
        dataset: DatasetId::Mnist,
        float: false,
        cfg,
        limit: Some(a.images),
    };
    let t0 = std::time::Instant::now();
    let (net, test, q) = eval::prepare(&dir, &opts)?;
    let t_prep = t0.elapsed();
    let q = q.expect("integer mode");
    let t1 = std::time::Instant::now();
    let r = eval::int_report(&q, &opts, &test);
    let t_int = t1.elapsed();
    let t2 = std::time::Instant::now();
    let f = eval::float_report(
        &net,
        &EvalOptions {
            float: true,
            ..opts.clone()
        },
        &test,
    );
    let t_float = t2.elapsed();
    let macs: u64 = r.layers.iter().map(|l| l.macs).sum();
    println!(
        "ccexam-cnn MNIST test, {} images, {} rayon threads, repr {}",
        test.len(),
        rayon::current_num_threads(),
        a.repr
    );
    println!("load + calibrate: {:.2} s", t_prep.as_secs_f64());
    println!(
        "integer W8A8: {:.2} s ({:.0} images/s, {:.2} GMAC/s), top-1 {:.2} %",
        t_int.as_secs_f64(),
        test.len() as f64 / t_int.as_secs_f64(),
        macs as f64 / t_int.as_secs_f64() / 1e9,
        r.top1
    );
    println!(
        "float32 reference: {:.2} s, top-1 {:.2} %; integer/float time ratio {:.2}",
        t_float.as_secs_f64(),
        f.top1,
        t_int.as_secs_f64() / t_float.as_secs_f64()
    );
    if let Some(kb) = peak_rss_kib() {
        println!("peak resident memory: {:.0} MiB", kb as f64 / 1024.0);
    }
    Ok(())
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}
