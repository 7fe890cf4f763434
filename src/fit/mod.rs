//! Closed-form power models (`pann fit`): a designed [`sweep`] of operating points, each
//! measured until its mean energy is precise, [`stats`] of each operand stream as model
//! inputs, [`lsq`] least squares with a plain twin and coefficient uncertainty, per-component
//! [`model`]s (`PowerModelParams::fit(&Dataset) -> FittedPowerModel`), a supply-[`voltage`]
//! model per corner, tidy CSV [`output`], and [`predict`]ion from a coefficients CSV.

pub mod lsq;
pub mod model;
pub mod output;
pub mod plot;
pub mod predict;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod voltage;

pub use model::{
    fit_all, Dataset, Features, FittedPowerModel, Holdout, Observation, PowerComponent,
    PowerModelParams, Weighting,
};
pub use stats::StreamStats;
pub use sweep::{
    run_sweep, Convergence, Measurement, Provenance, SweepDesign, SweepPoint, SweepRow,
};
pub use voltage::FittedVoltageModel;

/// Errors of fitting.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// Design matrix, observations or weights of inconsistent shape.
    #[error("least squares: {0}")]
    Shape(String),
    /// Fewer points than model terms.
    #[error("least squares: {points} point(s) cannot determine {terms} coefficient(s)")]
    TooFewPoints {
        /// Points given.
        points: usize,
        /// Coefficients wanted.
        terms: usize,
    },
    /// The terms are linearly dependent on these points.
    #[error(
        "least squares: the design is rank-deficient (terms linearly dependent on these points)"
    )]
    Singular,
    /// Measuring a sweep point failed.
    #[error("measuring a sweep point: {0}")]
    Measure(String),
    /// A coefficients CSV is malformed.
    #[error("{path}: line {line}: {field} {value:?}: {why}")]
    Coefficients {
        /// The file.
        path: String,
        /// Line (1 = header).
        line: u64,
        /// Column.
        field: String,
        /// Offending value.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A `pann fit --shard` slice file is malformed or does not belong to this merge.
    #[error("{path}: {field} {value:?}: {why}")]
    Slice {
        /// The file.
        path: String,
        /// Field.
        field: String,
        /// Offending value.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// Reading a file failed.
    #[error("reading {path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
    /// The models asked for are not in the table.
    #[error("{0}")]
    Select(String),
    /// Writing output failed.
    #[error("writing {what}: {cause}")]
    Write {
        /// What was being written.
        what: &'static str,
        /// The cause.
        cause: csv::Error,
    },
}
