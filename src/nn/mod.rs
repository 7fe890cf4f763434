//! Neural networks on real data: IDX datasets, weights, float reference inference, bit-exact
//! integer inference (the arithmetic the simulated MAC performs), quantizers, evaluation and
//! the operand streams each layer's MACs see.
//!
//! Principal types: [`idx::Dataset`], [`model::Network`] (float weights),
//! [`quant::QuantConfig`] → [`qnet::QuantNet`] (integer network), [`mac`] (the reference
//! accumulator the gate-level MAC is checked against), [`stream::LayerStream`] (operand pairs in
//! dataflow order), [`eval::EvalReport`].

pub mod error;
pub mod eval;
pub mod float;
pub mod idx;
pub mod kernels;
pub mod mac;
pub mod model;
pub mod pth;
pub mod qnet;
pub mod quant;
pub mod stream;

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
