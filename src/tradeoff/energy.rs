//! Energy per operation of one MAC under one sampled operand stream: measured by direct
//! gate-level simulation through the experiment API ([`crate::experiment::run`], zero delay,
//! the stream written as a temporary `x,w` vector file) and predicted from fitted power
//! models ([`crate::fit::predict::CoefficientTable`]) on the same pairs' statistics.

use super::TradeoffError;
use crate::circuits::{self, ClockGating, MacSpec, Repr, ValidMacSpec};
use crate::experiment::{run, Circuit, Request};
use crate::fit::predict::CoefficientTable;
use crate::fit::{Features, StreamStats};
use crate::stream::StreamSpec;
use std::collections::BTreeMap;
use std::io::Write;

/// Accumulator width B of every MAC here (bits).
pub const ACC_BITS: u32 = 32;

/// Which energy components a number counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Accounting {
    /// The arithmetic's own toggles: operand registers, multiplier, accumulator adder and
    /// register (no clock, no leakage): the paper's accounting.
    Datapath,
    /// Everything, with the clock gated as a real design would (`--clock-gating acc`: an
    /// accumulator gets a clock edge only when it adds a non-zero product, so the unsigned
    /// split's idle accumulator and every accumulator on a zero operand are not clocked):
    /// datapath + clock + the gating cells and their enable logic + leakage.
    Total,
    /// Everything with every flip-flop clocked every cycle (no clock gating).
    TotalUngated,
}

impl Accounting {
    /// The accountings the budgets are solved under, in report order (the ungated total is
    /// available through [`OpEnergy::get`] and the `total_ungated` field).
    pub const ALL: [Accounting; 2] = [Accounting::Datapath, Accounting::Total];
    /// Name in CSV rows.
    pub fn name(self) -> &'static str {
        match self {
            Accounting::Datapath => "datapath",
            Accounting::Total => "total",
            Accounting::TotalUngated => "total-ungated",
        }
    }
}

/// Energy per operation (fJ) by component, plus `datapath`, `total` (clock gated) and
/// `total_ungated`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct OpEnergy {
    /// Component → fJ/op of the ungated MAC (`operand_regs`, `multiplier`, `acc_adder`,
    /// `acc_reg`, `clock`, `leakage`).
    pub components: BTreeMap<String, f64>,
    /// Component → fJ/op of the clock-gated MAC (adds `clock_gating`; `clock` gated).
    pub gated_components: BTreeMap<String, f64>,
    /// Sum of the ungated MAC's components without clock and leakage, fJ/op.
    pub datapath: f64,
    /// Sum of the clock-gated MAC's components, fJ/op.
    pub total: f64,
    /// Sum of the ungated MAC's components, fJ/op.
    pub total_ungated: f64,
}

impl OpEnergy {
    fn from_components(
        components: BTreeMap<String, f64>,
        gated_components: BTreeMap<String, f64>,
    ) -> OpEnergy {
        let total_ungated: f64 = components.values().sum();
        let idle = |k: &str| components.get(k).copied().unwrap_or(0.0);
        let datapath = total_ungated - idle("clock") - idle("leakage");
        OpEnergy {
            datapath,
            total: gated_components.values().sum(),
            total_ungated,
            components,
            gated_components,
        }
    }
    /// fJ/op under `a`.
    pub fn get(&self, a: Accounting) -> f64 {
        match a {
            Accounting::Datapath => self.datapath,
            Accounting::Total => self.total,
            Accounting::TotalUngated => self.total_ungated,
        }
    }
    /// `self·k + other·(1−k)` component-wise (interpolation).
    pub fn lerp(&self, other: &OpEnergy, k: f64) -> OpEnergy {
        let mix = |a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>| {
            let mut c = a.clone();
            for (key, v) in c.iter_mut() {
                let o = b.get(key).copied().unwrap_or(*v);
                *v = *v * k + o * (1.0 - k);
            }
            c
        };
        OpEnergy::from_components(
            mix(&self.components, &other.components),
            mix(&self.gated_components, &other.gated_components),
        )
    }
}

/// The MAC a method runs on: `bx`-bit activations, `bw`-bit weights, `repr`, B = 32, Dadda
/// multiplier, ripple accumulator (the power models' reference architecture).
pub fn mac(bx: u32, bw: u32, repr: Repr) -> Result<ValidMacSpec, TradeoffError> {
    MacSpec {
        bx,
        bw,
        acc: ACC_BITS,
        repr,
        ..MacSpec::default()
    }
    .validate()
    .map_err(|e| TradeoffError::Input(format!("MAC {bx}x{bw} {repr}: {e}")))
}

/// The clock-gated twin of `spec` (`--clock-gating acc`), which [`Accounting::Total`] charges.
pub fn gated(spec: ValidMacSpec) -> Result<ValidMacSpec, TradeoffError> {
    MacSpec {
        clock_gating: ClockGating::Acc,
        ..*spec.spec()
    }
    .validate()
    .map_err(|e| TradeoffError::Input(format!("{}: {e}", spec.describe())))
}

/// Where energies come from: cell library, clock and (optionally) fitted power models.
#[derive(Clone, Debug)]
pub struct EnergySource {
    /// Cell library id.
    pub cells: String,
    /// Clock period, ns (leakage per cycle).
    pub clock_ns: f64,
    /// Wire capacitance per fan-out pin, fF.
    pub wire_cap_ff: f64,
    /// Fitted power models (`None`: simulation only).
    pub models: Option<CoefficientTable>,
}

impl EnergySource {
    /// Simulated fJ/op of `spec` fed `pairs` (zero delay, the experiment API): the MAC as
    /// given (components, datapath, ungated total) and its clock-gated twin ([`gated`]:
    /// the total).
    pub fn simulate(
        &self,
        spec: ValidMacSpec,
        pairs: &[(i64, i64)],
    ) -> Result<OpEnergy, TradeoffError> {
        let energy = |s| -> Result<BTreeMap<String, f64>, TradeoffError> {
            let mut e = self.report(s, pairs)?.energy_fj_per_op.unwrap_or_default();
            e.remove("total");
            Ok(e)
        };
        Ok(OpEnergy::from_components(
            energy(spec)?,
            energy(gated(spec)?)?,
        ))
    }

    /// The experiment report of `spec` fed `pairs` (zero delay; toggles and energy as
    /// simulated, no clock gating applied).
    pub fn report(
        &self,
        spec: ValidMacSpec,
        pairs: &[(i64, i64)],
    ) -> Result<crate::experiment::Report, TradeoffError> {
        let mut f = tempfile::Builder::new()
            .prefix("pann-tradeoff-")
            .suffix(".csv")
            .tempfile()
            .map_err(|e| TradeoffError::Io(format!("temporary vector file: {e}")))?;
        let mut text = String::with_capacity(pairs.len() * 8 + 4);
        text.push_str("x,w\n");
        for (x, w) in pairs {
            text.push_str(&format!("{x},{w}\n"));
        }
        f.write_all(text.as_bytes())
            .map_err(|e| TradeoffError::Io(format!("temporary vector file: {e}")))?;
        let req = Request {
            stream: StreamSpec::File {
                path: f.path().to_path_buf(),
            },
            cells: self.cells.clone(),
            clock_ns: Some(self.clock_ns),
            wire_cap_ff: self.wire_cap_ff,
            ..Request::new(Circuit::generated(spec))
        };
        run(&req, &mut |_| {}).map_err(|e| TradeoffError::Sim(e.to_string()))
    }

    /// Predicted fJ/op of `spec` fed `pairs` from the fitted models (`None` without models).
    pub fn predict(
        &self,
        spec: ValidMacSpec,
        pairs: &[(i64, i64)],
    ) -> Result<Option<OpEnergy>, TradeoffError> {
        let Some(t) = &self.models else {
            return Ok(None);
        };
        let models_err = |e: crate::fit::FitError| TradeoffError::Models(e.to_string());
        let models = t.select(spec.repr, Some(&self.cells)).map_err(models_err)?;
        let gated_models = t
            .select_gated(spec.repr, Some(&self.cells))
            .map_err(models_err)?;
        let stats = StreamStats::from_pairs(&spec, pairs);
        let f = Features::of(&spec, &circuits::build(&spec), self.clock_ns, stats);
        let eval = |ms: &[&crate::fit::predict::TableModel]| -> BTreeMap<String, f64> {
            ms.iter()
                .map(|m| (m.component.report_key().to_string(), m.predict(&f)))
                .collect()
        };
        Ok(Some(OpEnergy::from_components(
            eval(&models),
            eval(&gated_models),
        )))
    }

    /// Both: simulation and (when models are given) prediction.
    pub fn measure(
        &self,
        spec: ValidMacSpec,
        pairs: &[(i64, i64)],
    ) -> Result<Measured, TradeoffError> {
        Ok(Measured {
            sim: self.simulate(spec, pairs)?,
            model: self.predict(spec, pairs)?,
            pairs: pairs.len(),
        })
    }
}

/// One operand stream's energy per operation, simulated and predicted.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Measured {
    /// Gate-level simulation.
    pub sim: OpEnergy,
    /// Fitted power models.
    pub model: Option<OpEnergy>,
    /// Operand pairs simulated.
    pub pairs: usize,
}

impl Measured {
    /// Relative error of the model against the simulation under `a` (`None` without models).
    pub fn model_rel_err(&self, a: Accounting) -> Option<f64> {
        let m = self.model.as_ref()?.get(a);
        let s = self.sim.get(a);
        Some((m - s) / s)
    }
    /// Interpolation `self·k + other·(1−k)`.
    pub fn lerp(&self, other: &Measured, k: f64) -> Measured {
        Measured {
            sim: self.sim.lerp(&other.sim, k),
            model: match (&self.model, &other.model) {
                (Some(a), Some(b)) => Some(a.lerp(b, k)),
                _ => None,
            },
            pairs: self.pairs.min(other.pairs),
        }
    }
}

/// Fit the power models on the fly with the `quick` design of `pann fit --quick` (two's
/// complement and unsigned MACs, `b_x, b_w ∈ 2..=8`, B = 32, three data conditions) under
/// `cells` at `clock_ns` and `wire_cap_ff`; a few seconds.
pub fn quick_models(
    cells: &str,
    clock_ns: f64,
    wire_cap_ff: f64,
    seed: u64,
) -> Result<CoefficientTable, TradeoffError> {
    use crate::fit::output::{write_coefficients_csv, FittedRowSource};
    use crate::fit::sweep::{measure, Convergence, SweepDesign};
    use crate::fit::{fit_all, run_sweep, Dataset};
    let models = |e: crate::fit::FitError| TradeoffError::Models(e.to_string());
    let mut fitted = Vec::new();
    for repr in [Repr::Twos, Repr::Unsigned] {
        let d = SweepDesign {
            library: cells.to_string(),
            clock_ns,
            wire_cap_ff,
            seed,
            name: "quick".into(),
            reprs: vec![repr],
            ..SweepDesign::default()
        };
        let conv = Convergence::quick(0.01);
        let rows = run_sweep(&d.quick_grid(), |p| measure(p, &conv), &|_, _| {}).map_err(models)?;
        let data = Dataset {
            obs: rows
                .iter()
                .map(|r| r.measurement.observation.clone())
                .collect(),
        };
        let prov = rows[0].measurement.provenance.clone();
        for (_, m) in fit_all(&data, repr) {
            fitted.push((m.map_err(models)?, repr, prov.clone()));
        }
    }
    let sources: Vec<FittedRowSource> = fitted
        .iter()
        .map(|(m, r, p)| FittedRowSource::Component(m, *r, p))
        .collect();
    let mut bytes = Vec::new();
    write_coefficients_csv(&sources, &mut bytes).map_err(models)?;
    let text = String::from_utf8_lossy(&bytes);
    CoefficientTable::parse(std::path::Path::new("(quick fit)"), &text).map_err(models)
}
