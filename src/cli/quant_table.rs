//! `pann quant-table`: top-1 over weight/activation bits and quantizers, as CSV.

use super::args::{csv_text, data_dir, emit};
use super::quant_args::QuantCommon;
use clap::Args;
use pann::nn::{
    eval::{self, EvalOptions, EvalReport},
    idx::DatasetId,
    model::ModelId,
    quant::{QuantConfig, Quantizer},
};
use std::path::PathBuf;

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

/// Run `pann quant-table`.
pub fn run_table(a: QuantTableArgs) -> anyhow::Result<()> {
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
