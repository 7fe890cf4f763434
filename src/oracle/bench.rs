//! Timed-simulation throughput next to Icarus Verilog on the same netlist and vectors (the
//! engine behind `pann bench --delay unit|cells`).

use super::{IcarusSim, OracleError};
use crate::netlist::Netlist;
use crate::sim::delay::DelayModel;
use crate::sim::reference::PortValues;
use crate::sim::timed::TimedSim;
use crate::sim::PortVectors;
use std::time::Instant;

/// One benchmark measurement.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TimedBench {
    /// Delay model name.
    pub delay: &'static str,
    /// Logic cells in the netlist.
    pub cells: usize,
    /// Vectors simulated by `pann`.
    pub vectors: u64,
    /// `pann` wall time, seconds.
    pub pann_s: f64,
    /// `pann` vectors per second.
    pub pann_vectors_per_s: f64,
    /// `pann` gate evaluations per second (cell × cycle × visited tick).
    pub pann_gate_evals_per_s: f64,
    /// Vectors simulated by Icarus (a prefix of the same stream), 0 when not run.
    pub icarus_vectors: u64,
    /// Icarus `vvp` vectors per second (VCD dumping included; compilation excluded).
    pub icarus_vectors_per_s: f64,
    /// `pann` ÷ Icarus vectors per second.
    pub speedup: f64,
    /// Timed toggles per vector (pann).
    pub toggles_per_vector: f64,
}

/// Time [`TimedSim`] over `vectors` (best of `repeats`) and Icarus over the first
/// `icarus_vectors` of them (0 = skip Icarus).
pub fn bench_timed(
    n: &Netlist,
    model: &DelayModel,
    vectors: Vec<PortValues>,
    icarus_vectors: usize,
    repeats: usize,
) -> Result<TimedBench, OracleError> {
    let len = vectors.len() as u64;
    let ic_vecs: Vec<PortValues> = vectors.iter().take(icarus_vectors).cloned().collect();
    let drv = PortVectors::new(n, vectors);
    let sim = TimedSim::new(n, model);
    let mut best = f64::INFINITY;
    let mut toggles = 0;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        let a = sim.run(&drv);
        best = best.min(t0.elapsed().as_secs_f64());
        toggles = a.activity.total();
    }
    let blocks = len.div_ceil(crate::sim::program::LANES as u64);
    let evals = sim.visits_per_block() as f64 * blocks as f64 * crate::sim::program::LANES as f64;
    let mut ic_rate = f64::NAN;
    if !ic_vecs.is_empty() {
        let d = model.per_net(n);
        let delays = (*model != DelayModel::Zero).then_some(d.as_slice());
        let run = IcarusSim::compile(n, delays, ic_vecs.len())?.run(&ic_vecs)?;
        ic_rate = ic_vecs.len() as f64 / run.vvp_time.as_secs_f64();
    }
    let rate = len as f64 / best;
    Ok(TimedBench {
        delay: model.name(),
        cells: n.cell_count(),
        vectors: len,
        pann_s: best,
        pann_vectors_per_s: rate,
        pann_gate_evals_per_s: evals / best,
        icarus_vectors: ic_vecs.len() as u64,
        icarus_vectors_per_s: ic_rate,
        speedup: rate / ic_rate,
        toggles_per_vector: toggles as f64 / len.max(1) as f64,
    })
}
