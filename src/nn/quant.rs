//! Post-training quantizers: choice of clipping range and scale for weights (symmetric, signed)
//! and activations (unsigned, `[0, α]`), per tensor or per output channel.
//!
//! Weights: `q = clamp(round(w/Δ), −(2^(b−1)−1), 2^(b−1)−1)`, `Δ = α/(2^(b−1)−1)` (symmetric,
//! zero-point 0: the MAC multiplies `x·w` with no zero-point correction). Activations:
//! `q = clamp(round(x/Δ), 0, 2^b−1)`, `Δ = α/(2^b−1)` (the asymmetric min-max range of a
//! post-ReLU tensor, whose minimum is 0). Clipping `α`:
//! - `minmax`: the largest magnitude;
//! - `mse`: grid search over `α = max·i/100`, `i = 1..=100`, minimising the mean squared
//!   quantization error;
//! - `aciq`: Laplace clipping `α = c_b · E|v − E v|` (Banner et al. 2019 constants), capped at
//!   the maximum; unsigned tensors use the constant of `b + 1` bits (same step count per side).

use super::error::{NnError, Result};
use super::mac::Repr;

/// Clipping rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantizer {
    /// Min-max range.
    MinMax,
    /// MSE-optimal clipping by grid search.
    Mse,
    /// Analytical clipping (Laplace prior).
    Aciq,
}

impl Quantizer {
    /// Parse a CLI name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "minmax" => Ok(Self::MinMax),
            "mse" => Ok(Self::Mse),
            "aciq" => Ok(Self::Aciq),
            _ => Err(NnError::UnknownName {
                what: "quantizer",
                name: s.into(),
                known: "minmax, mse, aciq".into(),
            }),
        }
    }
    /// CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::MinMax => "minmax",
            Self::Mse => "mse",
            Self::Aciq => "aciq",
        }
    }
}

/// Weight scale granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// One scale per weight tensor.
    PerTensor,
    /// One scale per output channel.
    PerChannel,
}

impl Granularity {
    /// Parse a CLI name: `per-tensor`, `per-channel`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "per-tensor" | "tensor" => Ok(Self::PerTensor),
            "per-channel" | "channel" => Ok(Self::PerChannel),
            _ => Err(NnError::UnknownName {
                what: "granularity",
                name: s.into(),
                known: "per-tensor, per-channel".into(),
            }),
        }
    }
    /// CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::PerTensor => "per-tensor",
            Self::PerChannel => "per-channel",
        }
    }
}

/// Everything that defines an integer network. Defaults: W8A8, first and last layer 8 bits,
/// min-max per channel, two's complement, 32-bit accumulator, no bias correction, 512
/// calibration images from the training set drawn with seed 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QuantConfig {
    /// Weight bits of the inner layers (2..=8).
    pub wbits: u32,
    /// Activation bits (MAC inputs) of the inner layers (2..=8).
    pub abits: u32,
    /// Weight and input bits of the first MAC layer (its input is the raw pixel, unsigned).
    pub first_bits: u32,
    /// Weight and input bits of the last MAC layer.
    pub last_bits: u32,
    /// Clipping rule.
    pub quantizer: Quantizer,
    /// Weight scale granularity.
    pub granularity: Granularity,
    /// Operand / accumulator representation.
    pub repr: Repr,
    /// Accumulator width B (8..=63).
    pub acc_bits: u32,
    /// Correct each output's bias for the mean quantization error of its weights.
    pub bias_correction: bool,
    /// Calibration images (from the training split).
    pub calib_size: usize,
    /// Seed choosing the calibration images.
    pub seed: u64,
}

impl Default for QuantConfig {
    fn default() -> Self {
        QuantConfig {
            wbits: 8,
            abits: 8,
            first_bits: 8,
            last_bits: 8,
            quantizer: Quantizer::MinMax,
            granularity: Granularity::PerChannel,
            repr: Repr::Twos,
            acc_bits: 32,
            bias_correction: false,
            calib_size: 512,
            seed: 0,
        }
    }
}

impl QuantConfig {
    /// Names of the configuration's CSV columns, in the order of [`QuantConfig::csv_values`].
    pub const CSV_COLUMNS: [&'static str; 11] = [
        "quantizer",
        "granularity",
        "repr",
        "wbits",
        "abits",
        "first_bits",
        "last_bits",
        "acc_bits",
        "bias_correction",
        "calib_size",
        "seed",
    ];

    /// The configuration as CSV fields (tidy rows carry it in every line).
    pub fn csv_values(&self) -> [String; 11] {
        [
            self.quantizer.name().into(),
            self.granularity.name().into(),
            self.repr.name().into(),
            self.wbits.to_string(),
            self.abits.to_string(),
            self.first_bits.to_string(),
            self.last_bits.to_string(),
            self.acc_bits.to_string(),
            self.bias_correction.to_string(),
            self.calib_size.to_string(),
            self.seed.to_string(),
        ]
    }

    /// Check ranges once; downstream code trusts them.
    pub fn validate(&self) -> Result<()> {
        let bits = |field: &'static str, v: u32| {
            if (2..=8).contains(&v) {
                Ok(())
            } else {
                Err(NnError::InvalidConfig {
                    field,
                    value: v.to_string(),
                    why: "must be in 2..=8".into(),
                })
            }
        };
        bits("wbits", self.wbits)?;
        bits("abits", self.abits)?;
        bits("first-bits", self.first_bits)?;
        bits("last-bits", self.last_bits)?;
        if !(8..=63).contains(&self.acc_bits) {
            return Err(NnError::InvalidConfig {
                field: "acc-bits",
                value: self.acc_bits.to_string(),
                why: "must be in 8..=63".into(),
            });
        }
        if self.calib_size == 0 {
            return Err(NnError::InvalidConfig {
                field: "calib-size",
                value: "0".into(),
                why: "need at least one calibration image".into(),
            });
        }
        Ok(())
    }
}

/// Laplace clipping constants α/b for 1..=8 bits (Banner, Nahshan, Soudry 2019).
const ACIQ_LAPLACE: [f32; 8] = [1.86, 2.83, 3.89, 5.03, 6.2, 7.41, 8.64, 9.89];

/// Largest positive weight code for `bits`: `2^(bits−1) − 1`.
pub fn wmax(bits: u32) -> i32 {
    (1 << (bits - 1)) - 1
}
/// Largest activation code for `bits`: `2^bits − 1`.
pub fn amax(bits: u32) -> i32 {
    (1 << bits) - 1
}

fn quant_err(vals: &[f32], alpha: f32, levels: i32, lo: i32) -> f64 {
    let d = alpha / levels as f32;
    vals.iter()
        .map(|&v| {
            let q = (v / d).round().clamp(lo as f32, levels as f32) * d;
            ((q - v) as f64).powi(2)
        })
        .sum()
}

fn laplace_b(vals: &[f32], abs: bool) -> f32 {
    let n = vals.len().max(1) as f64;
    let f = |v: f32| if abs { v.abs() } else { v } as f64;
    let mean = vals.iter().map(|&v| f(v)).sum::<f64>() / n;
    (vals.iter().map(|&v| (f(v) - mean).abs()).sum::<f64>() / n) as f32
}

fn clip(vals: &[f32], bits: u32, q: Quantizer, signed: bool) -> f32 {
    let max = vals.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return 1.0;
    }
    let (levels, lo) = if signed {
        (wmax(bits), -wmax(bits))
    } else {
        (amax(bits), 0)
    };
    match q {
        Quantizer::MinMax => max,
        Quantizer::Mse => {
            (1..=100)
                .map(|i| max * i as f32 / 100.0)
                .map(|a| (a, quant_err(vals, a, levels, lo)))
                .fold(
                    (max, f64::INFINITY),
                    |best, c| if c.1 < best.1 { c } else { best },
                )
                .0
        }
        Quantizer::Aciq => {
            let eff = if signed { bits } else { bits + 1 } as usize;
            match ACIQ_LAPLACE.get(eff - 1) {
                Some(c) => (c * laplace_b(vals, false)).min(max).max(max * 1e-3),
                None => max,
            }
        }
    }
}

/// Clipping value α for a signed weight tensor (or one channel of it).
pub fn clip_weights(vals: &[f32], bits: u32, q: Quantizer) -> f32 {
    clip(vals, bits, q, true)
}

/// Clipping value α for a non-negative activation tensor (values below 0 clip to 0).
pub fn clip_activations(vals: &[f32], bits: u32, q: Quantizer) -> f32 {
    clip(vals, bits, q, false)
}

/// Quantize one weight with step `delta` to a signed `bits`-bit code (symmetric range).
#[inline]
pub fn quantize_weight(w: f32, delta: f32, bits: u32) -> i16 {
    let m = wmax(bits) as f32;
    (w / delta).round().clamp(-m, m) as i16
}

/// Quantize one activation with step `delta` to an unsigned `bits`-bit code.
#[inline]
pub fn quantize_activation(x: f32, delta: f32, bits: u32) -> i16 {
    (x / delta).round().clamp(0.0, amax(bits) as f32) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mse_clip_never_exceeds_minmax_error() {
        let v: Vec<f32> = (0..1000)
            .map(|i| ((i as f32) * 0.7).sin().powi(3))
            .collect();
        for bits in [2, 3, 4, 8] {
            let a = clip_weights(&v, bits, Quantizer::Mse);
            let m = clip_weights(&v, bits, Quantizer::MinMax);
            let e = |a| quant_err(&v, a, wmax(bits), -wmax(bits));
            assert!(e(a) <= e(m), "bits {bits}");
        }
    }

    #[test]
    fn weight_codes_are_symmetric_and_in_range() {
        assert_eq!(quantize_weight(10.0, 1.0, 2), 1);
        assert_eq!(quantize_weight(-10.0, 1.0, 4), -7);
        assert_eq!(quantize_activation(-3.0, 1.0, 4), 0);
        assert_eq!(quantize_activation(300.0, 1.0, 8), 255);
    }
}
