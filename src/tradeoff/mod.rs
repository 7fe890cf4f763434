//! Accuracy against energy: energy per inference of every quantization method on real
//! networks ([`curve`]), each layer charged under its own sampled real stream ([`sample`])
//! simulated gate by gate and predicted by the fitted power models ([`energy`]); the tidy
//! CSV and figures of `pann curve` ([`output`], [`plot`]); and the paper's claims measured
//! as commands ([`claims`], `pann reproduce`).
//!
//! Principal types: [`curve::CurveConfig`] → [`curve::run_curve`] → [`curve::Curve`];
//! [`energy::EnergySource`] (library, clock, power models) → [`energy::Measured`];
//! [`claims::Claim`].

pub mod claims;
pub mod curve;
pub mod energy;
pub mod index;
pub mod output;
pub mod plot;
pub mod sample;

pub use curve::{run_curve, Curve, CurveConfig, Point};
pub use energy::{Accounting, EnergySource};

/// Errors of the trade-off evaluation.
#[derive(Debug, thiserror::Error)]
pub enum TradeoffError {
    /// A bad setting.
    #[error("{0}")]
    Input(String),
    /// Loading or quantizing a network failed.
    #[error(transparent)]
    Nn(#[from] crate::nn::NnError),
    /// A simulation failed.
    #[error("simulation: {0}")]
    Sim(String),
    /// The power models cannot be used.
    #[error("power models: {0}")]
    Models(String),
    /// A file could not be written.
    #[error("{0}")]
    Io(String),
}
