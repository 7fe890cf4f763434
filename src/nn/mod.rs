//! Neural networks on real data: IDX datasets, weights, float reference inference, bit-exact
//! integer inference (the arithmetic the simulated MAC performs), quantizers, evaluation and
//! the operand streams each layer's MACs see.
//!
//! Principal types: [`idx::Dataset`], [`model::Network`] (float weights),
//! [`quant::QuantConfig`] → [`qnet::QuantNet`] (integer network), [`mac`] (the reference
//! accumulator the gate-level MAC is checked against), [`stream::LayerStream`] (operand pairs in
//! dataflow order), [`eval::EvalReport`], [`pann::PannConfig`] → [`pann::PannNet`] →
//! [`pann::PannReport`] (PANN: `R` additions per weight instead of multiplications).
//!
//! Choices this module makes (and reports in every output):
//! - Activations entering every MAC are **unsigned** `b_x`-bit codes, including the first
//!   layer, whose input is the raw pixel (0..=255 at 8 bits); the input normalisation is folded
//!   into Δx and an exact per-position bias (see [`qnet`]).
//! - Weights are **symmetric signed** codes in `±(2^(b_w−1)−1)` (no zero-point: the MAC
//!   multiplies `x·w` only), per output channel by default. Asymmetric weights are not offered.
//! - First and last MAC layers default to 8 bits (`first_bits`, `last_bits`).
//! - Accumulators wrap mod 2^B; the twos/unsigned/signmag representations give identical
//!   accumulator words (see [`mac`]), overflow events are counted per layer.
//!
//! Entry points for other modules:
//! - reference MAC: [`mac::mac_step`], [`mac::accumulate`], [`mac::accumulate_unsigned`],
//!   [`mac::mac_trace`];
//! - PANN: [`pann::evaluate_pann`], [`pann::calibration_accuracy`],
//!   [`pann::PannNet::addition_stream`] (the additions one accumulator pair sees);
//! - streams: [`stream::LayerStream::for_model`] (or [`stream::LayerStream::new`] on a built
//!   [`qnet::QuantNet`]), [`stream::LayerStream::parse_spec`] for `nn:<model>:<layer>`.

pub mod error;
pub mod eval;
pub mod float;
pub mod idx;
pub mod kernels;
pub mod mac;
pub mod model;
pub mod pann;
pub mod pth;
pub mod qat;
#[cfg(feature = "train")]
pub mod qat_train;
pub mod qnet;
pub mod quant;
pub mod stream;
#[cfg(feature = "train")]
pub mod train;

pub use error::{NnError, Result};

/// Default data directory: `./data` if it exists, else the crate's own `data/`.
pub fn default_data_dir() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("data");
    if local.join("datasets").is_dir() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
    }
}
