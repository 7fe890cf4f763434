//! Evaluation: top-1 accuracy of a network in float or bit-exact integer arithmetic, with the
//! MAC count and overflow counters of every layer, and the provenance of the numbers.

use super::error::Result;
use super::float;
use super::idx::{Dataset, DatasetId, Split};
use super::model::{Layer, ModelId, Network};
use super::qnet::{calibration_slice, check_calib_size, QuantNet};
use super::quant::QuantConfig;
use std::path::Path;

/// Per-layer part of an [`EvalReport`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerReport {
    /// Layer name.
    pub layer: String,
    /// Weight bits (`None` in float mode).
    pub w_bits: Option<u32>,
    /// Input activation bits (`None` in float mode).
    pub x_bits: Option<u32>,
    /// MACs per image.
    pub macs_per_image: u64,
    /// MACs over all evaluated images.
    pub macs: u64,
    /// Accumulator wrap events (integer mode; 0 in float mode).
    pub wrap_events: u64,
    /// Dot products whose final accumulator differs from the exact sum.
    pub overflowed_outputs: u64,
}

/// Result of one evaluation, with the configuration that produced it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EvalReport {
    /// Model name.
    pub model: String,
    /// Dataset name (test split).
    pub dataset: String,
    /// `float` or `int`.
    pub mode: String,
    /// Quantization configuration (`None` in float mode).
    pub config: Option<QuantConfig>,
    /// Images evaluated.
    pub images: usize,
    /// Correct top-1 predictions.
    pub correct: usize,
    /// Top-1 accuracy in percent.
    pub top1: f64,
    /// Per MAC layer.
    pub layers: Vec<LayerReport>,
    /// `pann` version.
    pub version: String,
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Network.
    pub model: ModelId,
    /// Dataset (its test split is evaluated, its training split calibrates).
    pub dataset: DatasetId,
    /// Float reference instead of integer inference.
    pub float: bool,
    /// Integer configuration.
    pub cfg: QuantConfig,
    /// Evaluate only the first `n` test images.
    pub limit: Option<usize>,
}

/// Load network, test set and (for integer mode) the calibrated integer network.
pub fn prepare(data_dir: &Path, o: &EvalOptions) -> Result<(Network, Dataset, Option<QuantNet>)> {
    o.cfg.validate()?;
    let net = o.model.load(data_dir, o.dataset)?;
    let mut test = o.dataset.load(data_dir, Split::Test)?;
    if let Some(n) = o.limit {
        test = test.head(n);
    }
    let q = if o.float {
        None
    } else {
        let train = o.dataset.load(data_dir, Split::Train)?;
        check_calib_size(&train, o.cfg.calib_size)?;
        let calib = calibration_slice(&train, o.cfg.calib_size, o.cfg.seed);
        Some(QuantNet::build(&net, &o.cfg, &calib)?)
    };
    Ok((net, test, q))
}

/// Run an evaluation.
pub fn evaluate(data_dir: &Path, o: &EvalOptions) -> Result<EvalReport> {
    let (net, test, q) = prepare(data_dir, o)?;
    Ok(match q {
        None => float_report(&net, o, &test),
        Some(q) => int_report(&q, o, &test),
    })
}

fn macs_per_image(net: &Network) -> Vec<(String, u64)> {
    let shapes = net.shapes();
    net.layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let out = shapes[i + 1];
            match l {
                Layer::Conv(c) => Some((
                    c.name.clone(),
                    (out[0] * out[1] * out[2] * c.in_c * c.k * c.k) as u64,
                )),
                Layer::Linear(f) => Some((f.name.clone(), (f.out_f * f.in_f) as u64)),
                _ => None,
            }
        })
        .collect()
}

fn base(o: &EvalOptions, test: &Dataset, correct: usize, mode: &str) -> EvalReport {
    EvalReport {
        model: o.model.name().into(),
        dataset: o.dataset.name().into(),
        mode: mode.into(),
        config: None,
        images: test.len(),
        correct,
        top1: 100.0 * correct as f64 / test.len().max(1) as f64,
        layers: Vec::new(),
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// Float reference evaluation.
pub fn float_report(net: &Network, o: &EvalOptions, test: &Dataset) -> EvalReport {
    let pred = float::predict(net, test);
    let mut r = base(o, test, float::count_correct(&pred, test), "float");
    r.layers = macs_per_image(net)
        .into_iter()
        .map(|(layer, m)| LayerReport {
            layer,
            w_bits: None,
            x_bits: None,
            macs_per_image: m,
            macs: m * test.len() as u64,
            wrap_events: 0,
            overflowed_outputs: 0,
        })
        .collect();
    r
}

/// Integer evaluation.
pub fn int_report(q: &QuantNet, o: &EvalOptions, test: &Dataset) -> EvalReport {
    let (pred, counts) = q.predict(test);
    let mut r = base(o, test, float::count_correct(&pred, test), "int");
    r.config = Some(q.cfg.clone());
    r.layers = q
        .layers
        .iter()
        .zip(counts)
        .map(|(l, c)| LayerReport {
            layer: l.name.clone(),
            w_bits: Some(l.w_bits),
            x_bits: Some(l.x_bits),
            macs_per_image: l.macs_per_image(),
            macs: c.macs,
            wrap_events: c.wrap_events,
            overflowed_outputs: c.overflowed_outputs,
        })
        .collect();
    r
}

/// Column names of [`EvalReport::csv_rows`].
pub fn csv_header() -> Vec<&'static str> {
    let mut h = vec!["model", "dataset", "mode"];
    h.extend(QuantConfig::CSV_COLUMNS);
    h.extend([
        "images",
        "correct",
        "top1",
        "layer",
        "layer_w_bits",
        "layer_x_bits",
        "macs_per_image",
        "macs",
        "wrap_events",
        "overflowed_outputs",
        "version",
    ]);
    h
}

impl EvalReport {
    /// One CSV row per layer, each carrying the full configuration (tidy format).
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        let config = self
            .config
            .as_ref()
            .map_or_else(Default::default, QuantConfig::csv_values);
        let bits = |b: Option<u32>| b.map_or(String::new(), |b| b.to_string());
        self.layers
            .iter()
            .map(|l| {
                let mut row = vec![self.model.clone(), self.dataset.clone(), self.mode.clone()];
                row.extend(config.iter().cloned());
                row.extend([
                    self.images.to_string(),
                    self.correct.to_string(),
                    format!("{:.2}", self.top1),
                    l.layer.clone(),
                    bits(l.w_bits),
                    bits(l.x_bits),
                    l.macs_per_image.to_string(),
                    l.macs.to_string(),
                    l.wrap_events.to_string(),
                    l.overflowed_outputs.to_string(),
                    self.version.clone(),
                ]);
                row
            })
            .collect()
    }

    /// Human-readable table.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} on {} test ({} images), {}",
            self.model, self.dataset, self.images, self.mode
        );
        if let Some(c) = &self.config {
            s += &format!(
                ": W{}A{} (first layer {} bits, last layer {} bits), {} {} {}, {}-bit accumulator, bias correction {}, calibration {} train images seed {}",
                c.wbits, c.abits, c.first_bits, c.last_bits, c.quantizer.name(), c.granularity.name(),
                c.repr.name(), c.acc_bits, c.bias_correction, c.calib_size, c.seed
            );
        }
        s += &format!(
            "\ntop-1: {:.2} % ({} / {})\n",
            self.top1, self.correct, self.images
        );
        s += &format!(
            "{:<8} {:>6} {:>6} {:>14} {:>16} {:>12} {:>12}\n",
            "layer", "w_bits", "x_bits", "MACs/image", "MACs", "wraps", "overflowed"
        );
        for l in &self.layers {
            let b = |b: Option<u32>| b.map_or("float".to_string(), |b| b.to_string());
            s += &format!(
                "{:<8} {:>6} {:>6} {:>14} {:>16} {:>12} {:>12}\n",
                l.layer,
                b(l.w_bits),
                b(l.x_bits),
                l.macs_per_image,
                l.macs,
                l.wrap_events,
                l.overflowed_outputs
            );
        }
        s
    }
}
