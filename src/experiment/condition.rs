//! The operating condition of an experiment: cell library and corner (process, voltage,
//! temperature), clock, delay model, wire load and the data (stream, dataflow, seed). One type
//! is the source of every provenance column a report carries, and the defaults are defined
//! here once.

use crate::energy::{CellLibrary, EnergyOptions, ENERGY_MODEL_VERSION};
use crate::sim::delay::DelayModel;
use crate::stream::{Dataflow, StreamSpec};

/// Clock period (ns) when none is given: 100 MHz. Leakage is charged per period.
pub const DEFAULT_CLOCK_NS: f64 = 10.0;
/// Wire capacitance per fan-out pin (fF) when none is given (about the SKY130 open_pdks
/// `Small` wire-load model).
pub const DEFAULT_WIRE_CAP_FF: f64 = 0.3;
/// Cycles of a synthetic stream when none are given.
pub const DEFAULT_SYNTHETIC_CYCLES: u64 = 100_000;
/// Test images of an `nn:` stream when none are given.
pub const DEFAULT_IMAGES: usize = 16;
/// Seed of synthetic streams and of the calibration of `nn:` streams when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// Check a clock period (ns, `None` = the default) and a wire load (fF): a positive finite
/// period, a finite load >= 0. The error names the flag and value.
pub fn check_energy_options(
    clock_ns: Option<f64>,
    wire_cap_ff: f64,
) -> Result<(), super::ExperimentError> {
    let bad = |flag, value: f64, why: &str| super::ExperimentError::Input {
        flag,
        value: value.to_string(),
        why: why.to_string(),
    };
    if let Some(c) = clock_ns {
        if !(c.is_finite() && c > 0.0) {
            return Err(bad("clock-ns", c, "must be a positive finite number of ns"));
        }
    }
    if !(wire_cap_ff.is_finite() && wire_cap_ff >= 0.0) {
        return Err(bad(
            "wire-cap-ff",
            wire_cap_ff,
            "must be a finite number of fF >= 0",
        ));
    }
    Ok(())
}

/// Which delay each gate has (the choice; [`DelayModel`] is the resolved table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DelayKind {
    /// No delays: functional toggles only.
    #[default]
    Zero,
    /// Every combinational gate one tick.
    Unit,
    /// Each cell kind the delay of the cell library (`--cells`), in ticks.
    Cells,
}

impl DelayKind {
    /// The delay model of this kind under `lib`.
    pub fn model(self, lib: &CellLibrary) -> DelayModel {
        match self {
            DelayKind::Zero => DelayModel::Zero,
            DelayKind::Unit => DelayModel::Unit,
            DelayKind::Cells => DelayModel::Cells(lib.delay_table()),
        }
    }
}

/// A resolved operating condition, as every report states it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Condition {
    /// Cell-library id (`pann cells list`), e.g. `sky130_tt_025C_1v80`: process and corner.
    pub library: String,
    /// Supply voltage, V.
    pub voltage_v: f64,
    /// Temperature, °C.
    pub temperature_c: f64,
    /// Clock period, ns.
    pub clock_ns: f64,
    /// Whether the clock was given (otherwise [`DEFAULT_CLOCK_NS`] was assumed).
    pub clock_given: bool,
    /// Delay model name (`zero`, `unit`, `cells`).
    pub delay: &'static str,
    /// Wire capacitance per fan-out pin, fF.
    pub wire_cap_ff: f64,
    /// Operand stream.
    pub stream: String,
    /// Operand order.
    pub dataflow: String,
    /// Seed of the stream (and of an `nn:` stream's calibration).
    pub seed: u64,
    /// Energy-model version.
    pub energy_model: &'static str,
}

impl Condition {
    /// Provenance column names, in the order of [`Condition::values`].
    pub const COLUMNS: [&'static str; 10] = [
        "stream",
        "dataflow",
        "seed",
        "delay",
        "library",
        "voltage_v",
        "temperature_c",
        "clock_ns",
        "wire_cap_ff",
        "energy_model",
    ];

    /// The condition of a run of `stream` under `lib`, `delay` and `energy`.
    pub fn new(
        lib: &CellLibrary,
        delay: DelayKind,
        energy: &EnergyOptions,
        clock_given: bool,
        stream: &StreamSpec,
        dataflow: Dataflow,
        seed: u64,
    ) -> Condition {
        Condition {
            library: lib.id.clone(),
            voltage_v: lib.voltage_v,
            temperature_c: lib.temperature_c,
            clock_ns: energy.clock_ns,
            clock_given,
            delay: delay.model_name(),
            wire_cap_ff: energy.wire_cap_ff,
            stream: stream.to_string(),
            dataflow: dataflow.to_string(),
            seed,
            energy_model: ENERGY_MODEL_VERSION,
        }
    }

    /// Column values, in [`Condition::COLUMNS`] order.
    pub fn values(&self) -> Vec<String> {
        vec![
            self.stream.clone(),
            self.dataflow.clone(),
            self.seed.to_string(),
            self.delay.to_string(),
            self.library.clone(),
            self.voltage_v.to_string(),
            self.temperature_c.to_string(),
            self.clock_ns.to_string(),
            self.wire_cap_ff.to_string(),
            self.energy_model.to_string(),
        ]
    }
}

impl DelayKind {
    /// The name reports use.
    pub fn model_name(self) -> &'static str {
        match self {
            DelayKind::Zero => "zero",
            DelayKind::Unit => "unit",
            DelayKind::Cells => "cells",
        }
    }
}
