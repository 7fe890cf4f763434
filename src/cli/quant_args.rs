//! Quantization options shared by the network subcommands.

use clap::Args;
use pann::nn::{
    mac::Repr,
    quant::{Granularity, QuantConfig, Quantizer},
};

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
    pub(super) fn config(
        &self,
        wbits: u32,
        abits: u32,
        quantizer: Quantizer,
    ) -> anyhow::Result<QuantConfig> {
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
    pub(super) fn config(&self) -> anyhow::Result<QuantConfig> {
        self.common
            .config(self.wbits, self.abits, Quantizer::parse(&self.quantizer)?)
    }
}
