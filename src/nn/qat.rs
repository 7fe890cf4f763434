//! Quantization-aware fine-tuning (QAT): what a fine-tuned weights file records about its
//! training, finding the shipped ones, and evaluating them. The fine-tuning itself
//! (`pann train --pann | --uniform`, candle) is [`super::qat_train`], behind the `train` feature;
//! this part is in the default build so that `pann curve` and the tests can use shipped files.
//!
//! A fine-tuned file holds float32 weights like any other (same tensor names); its safetensors
//! metadata `qat` is a [`QatProvenance`] as JSON. It is evaluated by exactly the post-training
//! path: [`PannNet::build`] (Δw(R) by bisection from its weights, activation ranges calibrated
//! min-max on the calibration slice) or [`QuantNet::build`] (uniform b-bit), then the bit-exact
//! integer inference. There is no separate float simulation of the quantized network.

use super::error::{NnError, Result};
use super::float;
use super::idx::{Dataset, DatasetId, Split};
use super::model::{ModelId, Network};
use super::pann::{PannConfig, PannNet};
use super::qnet::{calibration_slice, QuantNet};
use super::quant::{Granularity, QuantConfig, Quantizer};
use std::path::{Path, PathBuf};

/// Metadata key of the JSON provenance in a fine-tuned safetensors file.
pub const METADATA_KEY: &str = "qat";

/// What a network was fine-tuned for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum QatMethod {
    /// PANN: inner layers' weights quantized with Δw(R) (mean |q| = R), activations unsigned
    /// at `act_bits`; first and last layer 8-bit uniform (as [`PannConfig`]'s default).
    Pann {
        /// Additions per weight.
        r: f64,
        /// Activation bits b̃x of the inner layers.
        act_bits: u32,
    },
    /// Uniform b-bit weights (per output channel) and activations, first and last layer 8-bit
    /// (as [`QuantConfig`]'s default), every clipping range by `quantizer` (min-max clips
    /// nothing; MSE is the stronger baseline at 2 bits).
    Uniform {
        /// Weight and activation bits of the inner layers.
        bits: u32,
        /// Clipping rule of every weight and activation range.
        quantizer: Quantizer,
    },
}

impl QatMethod {
    /// Check ranges (R > 0 and finite, bits in 2..=8).
    pub fn validate(&self) -> Result<()> {
        let bits = |field: &'static str, b: u32| {
            if (2..=8).contains(&b) {
                Ok(())
            } else {
                Err(NnError::InvalidConfig {
                    field,
                    value: b.to_string(),
                    why: "must be in 2..=8".into(),
                })
            }
        };
        match *self {
            QatMethod::Pann { r, act_bits } => {
                if !(r.is_finite() && r > 0.0) {
                    return Err(NnError::InvalidConfig {
                        field: "r",
                        value: r.to_string(),
                        why: "must be a positive number of additions per weight".into(),
                    });
                }
                bits("act-bits", act_bits)
            }
            QatMethod::Uniform { bits: b, .. } => bits("bits", b),
        }
    }
    /// `pann-qat` or `uniform-qat` (the method name of curve rows).
    pub fn curve_method(&self) -> &'static str {
        match self {
            QatMethod::Pann { .. } => "pann-qat",
            QatMethod::Uniform { .. } => "uniform-qat",
        }
    }
    /// Short tag: `pann-r1.23-x4`, `uniform2-mse`.
    pub fn tag(&self) -> String {
        match self {
            QatMethod::Pann { r, act_bits } => format!("pann-r{r}-x{act_bits}"),
            QatMethod::Uniform { bits, quantizer } => format!("uniform{bits}-{}", quantizer.name()),
        }
    }
}

/// Everything a fine-tuned file records about how it was made (metadata [`METADATA_KEY`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QatProvenance {
    /// Method and its quantization parameters.
    #[serde(flatten)]
    pub method: QatMethod,
    /// The energy budget the parameters were chosen at (`twos-2`: the 2-bit two's-complement
    /// network's datapath energy, as `pann curve` chooses b̃x and R), if any.
    pub budget: Option<String>,
    /// Accounting of `budget` (`datapath` or `total`; absent: datapath).
    #[serde(default)]
    pub accounting: Option<String>,
    /// Model name.
    pub model: String,
    /// Dataset name.
    pub dataset: String,
    /// File name of the base (float) weights fine-tuned from.
    pub base: String,
    /// SHA-256 of the base weights file.
    pub base_sha256: String,
    /// Epochs run.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Seed of the batch shuffle.
    pub seed: u64,
    /// Training images used (the first ones; `None`: all).
    pub limit: Option<usize>,
    /// Calibration images of the activation ranges (training split).
    pub calib_size: usize,
    /// Seed of the calibration images.
    pub calib_seed: u64,
    /// Activation ranges re-calibrated every this many steps.
    pub recalib_every: usize,
    /// Weight-step granularity of the PANN layers (`per-tensor`, as evaluated).
    pub granularity: String,
    /// Test top-1 (%) of the post-training path on the base weights (bit-exact integer).
    pub ptq_top1: f64,
    /// Test top-1 (%) of the fine-tuned weights (bit-exact integer inference).
    pub top1: f64,
    /// Test images of the two top-1 values.
    pub test_images: usize,
    /// Wall time of the fine-tuning, seconds.
    pub seconds: f64,
    /// `pann` version.
    pub version: String,
    /// Git revision of the build.
    pub git_rev: String,
}

/// Read the [`QatProvenance`] of a safetensors file (`None` when it has none: a float file).
pub fn read_provenance(path: &Path) -> Result<Option<QatProvenance>> {
    let bytes = std::fs::read(path).map_err(|e| NnError::io(path, e))?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| NnError::corrupt(path, format!("safetensors: {e}")))?;
    let Some(json) = meta.metadata().as_ref().and_then(|m| m.get(METADATA_KEY)) else {
        return Ok(None);
    };
    serde_json::from_str(json)
        .map(Some)
        .map_err(|e| NnError::corrupt(path, format!("metadata `{METADATA_KEY}`: {e}")))
}

/// A fine-tuned network found next to its base weights.
#[derive(Debug, Clone)]
pub struct QatWeights {
    /// The file.
    pub path: PathBuf,
    /// Its provenance.
    pub prov: QatProvenance,
    /// The weights.
    pub net: Network,
}

/// File name of a fine-tuned network: `<base stem>.<label>.safetensors`, e.g.
/// `lenet5_fashion-mnist.pann-twos2.safetensors` (relative to the data directory).
pub fn weights_file(model: ModelId, ds: DatasetId, label: &str) -> PathBuf {
    let base = model.weights_file(ds);
    let stem = base
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    base.with_file_name(format!("{stem}.{label}.safetensors"))
}

/// Every fine-tuned network of `model` on `ds` under `data_dir/weights` (files
/// `<base stem>.*.safetensors` with a `qat` provenance of that model and dataset), by name.
pub fn shipped(data_dir: &Path, model: ModelId, ds: DatasetId) -> Result<Vec<QatWeights>> {
    if !model.supports(ds) {
        return Ok(Vec::new());
    }
    let base = data_dir.join(model.weights_file(ds));
    let (Some(dir), Some(stem)) = (base.parent(), base.file_stem().and_then(|s| s.to_str())) else {
        return Ok(Vec::new());
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{stem}.");
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with(&prefix) && name.ends_with(".safetensors") && *p != base
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(prov) = read_provenance(&path)? else {
            continue;
        };
        if prov.model != model.name() || prov.dataset != ds.name() {
            continue;
        }
        prov.method.validate()?;
        let mut net = model.architecture();
        net.load_safetensors(&path)?;
        out.push(QatWeights { path, prov, net });
    }
    Ok(out)
}

/// The PANN configuration a network fine-tuned with `method` is evaluated with (at `r`
/// instead of the trained R when given: the deployment-time traversal).
pub fn pann_config(
    model: ModelId,
    ds: DatasetId,
    r: f64,
    act_bits: u32,
    calib_size: usize,
    seed: u64,
) -> PannConfig {
    PannConfig {
        model,
        dataset: ds,
        r,
        act_bits,
        calib_size,
        seed,
        granularity: Granularity::PerTensor,
        ..PannConfig::default()
    }
}

/// The uniform configuration of a network fine-tuned at `bits` with `quantizer` (two's
/// complement).
pub fn uniform_config(
    bits: u32,
    quantizer: Quantizer,
    calib_size: usize,
    seed: u64,
) -> QuantConfig {
    QuantConfig {
        wbits: bits,
        abits: bits,
        quantizer,
        calib_size,
        seed,
        ..QuantConfig::default()
    }
}

/// Top-1 (%) of `net` quantized as `method` prescribes, by the bit-exact integer inference
/// (PANN at `r_override` if given), calibrated on `calib`, on `test`.
pub fn integer_top1(
    net: &Network,
    model: ModelId,
    ds: DatasetId,
    method: QatMethod,
    r_override: Option<f64>,
    calib: &Dataset,
    test: &Dataset,
) -> Result<f64> {
    method.validate()?;
    let pred = match method {
        QatMethod::Pann { r, act_bits } => {
            let cfg = pann_config(model, ds, r_override.unwrap_or(r), act_bits, calib.len(), 0);
            PannNet::build(net, &cfg, calib)?.predict(test).0
        }
        QatMethod::Uniform { bits, quantizer } => {
            QuantNet::build(net, &uniform_config(bits, quantizer, calib.len(), 0), calib)?
                .predict(test)
                .0
        }
    };
    Ok(100.0 * float::count_correct(&pred, test) as f64 / test.len().max(1) as f64)
}

/// Calibration slice (`calib_size` images drawn with `seed` from the training split) and the
/// first `limit` test images of `ds`.
pub fn calib_and_test(
    data_dir: &Path,
    ds: DatasetId,
    calib_size: usize,
    seed: u64,
    limit: Option<usize>,
) -> Result<(Dataset, Dataset)> {
    let train = ds.load(data_dir, Split::Train)?;
    let mut test = ds.load(data_dir, Split::Test)?;
    if let Some(n) = limit {
        test = test.head(n);
    }
    Ok((calibration_slice(&train, calib_size, seed), test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_round_trips_through_json_with_the_method_flattened() {
        let p = QatProvenance {
            method: QatMethod::Pann {
                r: 1.25,
                act_bits: 4,
            },
            budget: Some("twos-2".into()),
            accounting: Some("datapath".into()),
            model: "lenet5".into(),
            dataset: "fashion-mnist".into(),
            base: "lenet5_fashion-mnist.safetensors".into(),
            base_sha256: "00".into(),
            epochs: 2,
            batch: 64,
            lr: 1e-4,
            seed: 0,
            limit: None,
            calib_size: 512,
            calib_seed: 0,
            recalib_every: 50,
            granularity: "per-tensor".into(),
            ptq_top1: 80.0,
            top1: 85.0,
            test_images: 10000,
            seconds: 1.0,
            version: "0".into(),
            git_rev: "x".into(),
        };
        let j = serde_json::to_string(&p).unwrap();
        assert!(j.contains("\"method\":\"pann\""), "{j}");
        assert_eq!(serde_json::from_str::<QatProvenance>(&j).unwrap(), p);
        assert!(QatMethod::Pann {
            r: 0.0,
            act_bits: 4
        }
        .validate()
        .is_err());
        assert_eq!(
            weights_file(ModelId::CcexamCnn, DatasetId::Mnist, "pann-twos2"),
            Path::new("weights/ccexam_mnist_cnn.pann-twos2.safetensors")
        );
    }
}
