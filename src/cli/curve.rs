//! `pann curve`: power–accuracy curves of one network ([`pann::tradeoff::run_curve`]) written
//! as `curve.csv`, `layers.csv`, `curve.svg` and `curve.png` into one folder.

use super::args::{count_bar, data_dir, EnergyArgs};
use anyhow::{Context, Result};
use clap::Args;
use pann::fit::predict::CoefficientTable;
use pann::nn::idx::DatasetId;
use pann::nn::model::ModelId;
use pann::plot::PlotFormat;
use pann::report::write_atomic;
use pann::tradeoff::output::{csv_text, curve_rows, layer_rows, CURVE_COLUMNS, LAYER_COLUMNS};
use pann::tradeoff::plot::curve_plot;
use pann::tradeoff::{energy, run_curve, Curve, CurveConfig, EnergySource};
use std::path::{Path, PathBuf};

/// Arguments shared by `pann curve` and `pann reproduce`.
/// The post-training search and its options, shared by `pann curve` and `pann reproduce`.
#[derive(Args, Debug, Clone)]
pub struct PtqArgs {
    /// R values of the traversal (comma-separated, each > 0; default: the curve's grid).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub r: Option<Vec<f64>>,
    /// PANN activation bits searched (comma-separated, each in 2..=8; default: all of them).
    #[arg(long, value_delimiter = ',')]
    pub act_bits: Option<Vec<u32>>,
    /// PANN weight step Δw: per-tensor (one per layer) | per-channel.
    #[arg(long, default_value = "per-tensor")]
    pub pann_granularity: String,
    /// Activation clipping of every quantized network: minmax | mse | aciq.
    #[arg(long, default_value = "minmax")]
    pub act_quantizer: String,
    /// Correct every quantized network's biases for the mean weight-quantization error.
    #[arg(long)]
    pub bias_correction: bool,
}

impl PtqArgs {
    /// The post-training options named by the flags.
    pub fn options(&self) -> Result<pann::nn::pann::PtqOptions> {
        Ok(pann::nn::pann::PtqOptions {
            granularity: pann::nn::quant::Granularity::parse(&self.pann_granularity)
                .context("--pann-granularity")?,
            act_quantizer: pann::nn::quant::Quantizer::parse(&self.act_quantizer)
                .context("--act-quantizer")?,
            bias_correction: self.bias_correction,
        })
    }

    /// The flags as given on a command line (defaults left out), each with a leading space.
    pub fn flags(&self) -> String {
        let list = |v: &[String]| v.join(",");
        let mut s = String::new();
        if let Some(r) = &self.r {
            s += &format!(
                " --r {}",
                list(&r.iter().map(|x| x.to_string()).collect::<Vec<_>>())
            );
        }
        if let Some(b) = &self.act_bits {
            s += &format!(
                " --act-bits {}",
                list(&b.iter().map(|x| x.to_string()).collect::<Vec<_>>())
            );
        }
        if self.pann_granularity != "per-tensor" {
            s += &format!(" --pann-granularity {}", self.pann_granularity);
        }
        if self.act_quantizer != "minmax" {
            s += &format!(" --act-quantizer {}", self.act_quantizer);
        }
        if self.bias_correction {
            s += " --bias-correction";
        }
        s
    }
}

#[derive(Args, Debug, Clone)]
pub struct CurveArgs {
    /// Network: ccexam-cnn | lenet5 | mlp.
    #[arg(long, default_value = "ccexam-cnn")]
    pub model: String,
    /// Dataset: mnist | fashion-mnist.
    #[arg(long, default_value = "mnist")]
    pub dataset: String,
    /// Output folder (created; must not be a file).
    #[arg(long)]
    pub out: PathBuf,
    /// Evaluate only the first N test images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Small settings for CI: 128 calibration and 500 held-out images, 4096 sampled pairs
    /// per layer, a 7-point R grid.
    #[arg(long)]
    pub quick: bool,
    /// Coefficients CSV of `pann fit` (default: fit the quick design on the fly).
    #[arg(long)]
    pub models: Option<PathBuf>,
    /// Cell library.
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
    #[command(flatten)]
    pub energy: EnergyArgs,
    #[command(flatten)]
    pub ptq: PtqArgs,
    /// Held-out images of the training split that choose b̃x and R at each budget (default:
    /// 2000; 500 with --quick).
    #[arg(long)]
    pub heldout: Option<usize>,
    /// Seed of the calibration and held-out images and of the quick fit.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Data directory (default: ./data, else the crate's data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl CurveArgs {
    /// Validated configuration; loads or fits the power models.
    pub fn config(&self) -> Result<CurveConfig> {
        let model = ModelId::parse(&self.model).context("--model")?;
        let dataset = DatasetId::parse(&self.dataset).context("--dataset")?;
        let opts = self.energy.options()?;
        pann::energy::CellLibrary::load(&self.cells)
            .with_context(|| format!("--cells {}", self.cells))?;
        let source = EnergySource {
            cells: self.cells.clone(),
            clock_ns: opts.clock_ns,
            wire_cap_ff: opts.wire_cap_ff,
            models: None,
        };
        let mut c = CurveConfig::new(model, dataset, source, self.quick);
        c.limit = self.limit;
        c.seed = self.seed;
        c.ptq = self.ptq.options()?;
        if let Some(h) = self.heldout {
            c.heldout = h;
        }
        c.data_dir = data_dir(&self.data_dir);
        if let Some(r) = &self.ptq.r {
            c.r_grid = r.clone();
            c.r_grid
                .sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        }
        if let Some(a) = &self.ptq.act_bits {
            c.act_bits = a.clone();
        }
        c.validate()?;
        // Fail on missing weights before fitting anything.
        model.load(&c.data_dir, dataset).context("--model")?;
        c.source.models = Some(match &self.models {
            Some(p) => {
                let t = CoefficientTable::read(p)?;
                for repr in [pann::circuits::Repr::Twos, pann::circuits::Repr::Unsigned] {
                    t.select(repr, Some(&self.cells))
                        .and_then(|_| t.select_gated(repr, Some(&self.cells)))
                        .with_context(|| format!("--models {}", p.display()))?;
                }
                t
            }
            None => energy::quick_models(&self.cells, opts.clock_ns, opts.wire_cap_ff, self.seed)?,
        });
        Ok(c)
    }
}

/// Create `dir` (refusing a file) before any work.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    anyhow::ensure!(
        !dir.exists() || dir.is_dir(),
        "--out {}: exists and is not a folder",
        dir.display()
    );
    std::fs::create_dir_all(dir).with_context(|| format!("--out {}", dir.display()))
}

/// Write `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic::<_, anyhow::Error>(path, |w| Ok(w.write_all(bytes)?))
        .with_context(|| format!("writing {}", path.display()))
}

/// Run the curve with one progress bar per stage (hidden when quiet or not on a terminal).
pub fn compute(c: &CurveConfig, quiet: bool) -> Result<Curve> {
    Ok(compute_timed(c, quiet, "")?.0)
}

/// [`compute`], also returning each stage's wall time in seconds; bars are labelled
/// `label` + stage.
pub fn compute_timed(
    c: &CurveConfig,
    quiet: bool,
    label: &str,
) -> Result<(Curve, Vec<(String, f64)>)> {
    let mut times: Vec<(String, f64)> = Vec::new();
    let mut bar: Option<(String, indicatif::ProgressBar, std::time::Instant)> = None;
    let finish = |bar: &mut Option<(String, indicatif::ProgressBar, std::time::Instant)>,
                  times: &mut Vec<(String, f64)>| {
        if let Some((stage, pb, t)) = bar.take() {
            pb.set_position(pb.length().unwrap_or(0));
            pb.finish();
            times.push((stage, t.elapsed().as_secs_f64()));
        }
    };
    let start = std::time::Instant::now();
    let curve = run_curve(c, &mut |stage, done, total| {
        if bar.as_ref().map(|b| b.0.as_str()) != Some(stage) {
            finish(&mut bar, &mut times);
            if stage == "done" {
                return;
            }
            let pb = count_bar(total as u64, &format!("{label}{stage}"), quiet);
            bar = Some((stage.to_string(), pb, std::time::Instant::now()));
        }
        if let Some((_, pb, _)) = &bar {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        }
    })?;
    finish(&mut bar, &mut times);
    // Loading data and measuring the 8-bit edge layers happen before the first stage.
    let staged: f64 = times.iter().map(|t| t.1).sum();
    times.insert(
        0,
        (
            "data, float model, edge layers".into(),
            (start.elapsed().as_secs_f64() - staged).max(0.0),
        ),
    );
    Ok((curve, times))
}

/// Write curve.csv, layers.csv, curve.svg, curve.png into `dir`.
pub fn write_curve(dir: &Path, c: &Curve) -> Result<()> {
    let csv = csv_text(&CURVE_COLUMNS, &curve_rows(c))?;
    let layers = csv_text(&LAYER_COLUMNS, &layer_rows(c))?;
    let svg = curve_plot(c, PlotFormat::Svg).map_err(anyhow::Error::msg)?;
    let png = curve_plot(c, PlotFormat::Png).map_err(anyhow::Error::msg)?;
    write_file(&dir.join("curve.csv"), csv.as_bytes())?;
    write_file(&dir.join("layers.csv"), layers.as_bytes())?;
    write_file(&dir.join("curve.svg"), &svg)?;
    write_file(&dir.join("curve.png"), &png)
}

/// `pann curve`.
pub fn run(a: CurveArgs) -> Result<()> {
    anyhow::ensure!(
        !a.out.exists() || a.out.is_dir(),
        "--out {}: exists and is not a folder",
        a.out.display()
    );
    let start = std::time::Instant::now();
    let c = a.config()?;
    let curve = compute(&c, a.quiet)?;
    prepare_dir(&a.out)?;
    write_curve(&a.out, &curve)?;
    print!("{}", pann::tradeoff::output::budget_table(&curve));
    print!("{}", qat_table(&curve));
    if !a.quiet {
        eprintln!(
            "{} on {}: {} points in {:.1} s; wrote curve.csv, layers.csv, curve.svg, curve.png in {}",
            curve.model,
            curve.dataset,
            curve.points.len(),
            start.elapsed().as_secs_f64(),
            a.out.display()
        );
    }
    Ok(())
}

/// One line per fine-tuned network (`pann-qat` at its budget, `uniform-qat`) next to the
/// post-training network of the same energy budget and float (empty without such networks).
pub fn qat_table(c: &Curve) -> String {
    use pann::tradeoff::Accounting;
    let float = c
        .points
        .iter()
        .find(|p| p.method == "float")
        .map_or(f64::NAN, |p| p.top1);
    let mut s = String::new();
    for p in c.points.iter().filter(|p| p.method.ends_with("-qat")) {
        if p.budget.starts_with("curve:") {
            continue;
        }
        let a = p.accounting.unwrap_or(Accounting::Datapath);
        let ptq = match p.method.as_str() {
            "pann-qat" => c.points.iter().find(|q| {
                q.method == "pann" && q.chosen && q.budget == p.budget && q.accounting == Some(a)
            }),
            _ => c
                .points
                .iter()
                .find(|q| q.is_budget_uniform() && q.budget == p.budget),
        };
        let what = match p.method.as_str() {
            "pann-qat" => format!(
                "b̃x={} R={:.3}",
                p.act_bits.unwrap_or(0),
                p.r.unwrap_or(f64::NAN)
            ),
            _ => format!("b={}", p.bits.unwrap_or(0)),
        };
        s += &format!(
            "{:<11} {:<7} {:<16} {:<9} top-1 {:>6.2} % (post-training {}: {}), float {float:.2} %; {:.0} fJ/inference{}\n",
            p.method,
            p.budget,
            what,
            a.name(),
            p.top1,
            ptq.map_or("-".to_string(), |q| q.method.clone()),
            ptq.map_or("-".to_string(), |q| match q.r {
                Some(r) => format!("{:.2} % at b̃x={} R={r:.3}", q.top1, q.act_bits.unwrap_or(0)),
                None => format!("{:.2} %", q.top1),
            }),
            p.energy(a),
            p.budget_fj
                .map_or(String::new(), |b| format!(" (budget {b:.0})")),
        );
    }
    s
}
