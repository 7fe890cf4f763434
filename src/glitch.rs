//! One timed experiment: the same circuit and stream as [`crate::simulate`], simulated at zero
//! delay and under a delay model, giving the glitch report per component (zero-delay toggles,
//! timed toggles, ratio), the settle time and the clock-period check.

use crate::netlist::{GateKind, Netlist};
use crate::sim::delay::DelayModel;
use crate::sim::open::OpenOutputs;
use crate::sim::timed::{glitch_report, GlitchRow, TimedActivity, TimedSim};
use crate::sim::{Activity, ZeroDelaySim};
use crate::simulate::{for_each_batch, merge_batch, SimConfig, SimError};

/// A clock period shorter than the circuit's settle time.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "clock period {clock_ns} ns is shorter than the settle time {settle_ns:.3} ns \
     ({ticks} ticks of {tick_ns} ns, delay model {delay}): the registers would capture \
     unsettled values; use --clock-ns {settle_ns:.3} or more"
)]
pub struct ClockTooShort {
    /// Requested period, ns.
    pub clock_ns: f64,
    /// Longest settle time, ns.
    pub settle_ns: f64,
    /// Longest settle time, ticks.
    pub ticks: u32,
    /// Tick length, ns.
    pub tick_ns: f64,
    /// Delay model name.
    pub delay: &'static str,
}

/// Refuse a clock period shorter than the longest settle time of `timed` under `model`.
pub fn check_clock(
    timed: &TimedActivity,
    model: &DelayModel,
    clock_ns: f64,
) -> Result<(), ClockTooShort> {
    let ticks = timed.max_settle();
    let settle_ns = ticks as f64 * model.tick_ns();
    if clock_ns < settle_ns {
        return Err(ClockTooShort {
            clock_ns,
            settle_ns,
            ticks,
            tick_ns: model.tick_ns(),
            delay: model.name(),
        });
    }
    Ok(())
}

/// Zero-delay and timed activity of one run.
#[derive(Clone, Debug)]
pub struct TimedOutcome {
    /// Functional (zero-delay) activity.
    pub zero: Activity,
    /// Timed activity and settle-time histogram.
    pub timed: TimedActivity,
}

/// Glitch summary of a run, with the settle time.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GlitchSummary {
    /// Delay model.
    pub delay: &'static str,
    /// Tick length, ns.
    pub tick_ns: f64,
    /// Longest settle time, ticks and ns.
    pub max_settle_ticks: u32,
    /// Longest settle time in ns.
    pub max_settle_ns: f64,
    /// Mean settle time over counted cycles, ticks.
    pub mean_settle_ticks: f64,
    /// One row per component (totals are `zero_delay_total` and `timed_total`).
    pub rows: Vec<GlitchRow>,
    /// Total zero-delay toggles of cells.
    pub zero_delay_total: u64,
    /// Total timed toggles of cells.
    pub timed_total: u64,
    /// Counted cycles by settle time: entry `t` = cycles whose last change was at tick `t`.
    pub settle_histogram: Vec<u64>,
    /// The same toggles by cell kind (which cells glitch), in [`GateKind::ALL`] order.
    pub by_kind: Vec<KindGlitches>,
}

/// Zero-delay and timed toggles of all cells of one kind.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct KindGlitches {
    /// Cell kind (`maj3`, `xor2`, `dff`, …).
    pub kind: &'static str,
    /// Number of such cells.
    pub cells: usize,
    /// Their zero-delay toggles.
    pub zero_delay: u64,
    /// Their timed toggles.
    pub timed: u64,
}

/// The by-kind rows as a text table, per operation over `ops` operations.
pub fn kind_table(rows: &[KindGlitches], ops: u64) -> String {
    let ops = ops.max(1) as f64;
    let mut s = format!(
        "{:<14} {:>7} {:>12} {:>12} {:>7}\n",
        "cell kind", "cells", "toggles/op", "timed tgl/op", "glitch"
    );
    for k in rows {
        let ratio = match k.zero_delay {
            0 => "-".to_string(),
            z => format!("{:.3}", k.timed as f64 / z as f64),
        };
        s += &format!(
            "{:<14} {:>7} {:>12.3} {:>12.3} {:>7}\n",
            k.kind,
            k.cells,
            k.zero_delay as f64 / ops,
            k.timed as f64 / ops,
            ratio
        );
    }
    s
}

/// Toggles of `zero` and `timed` summed by cell kind (kinds with cells only).
pub fn by_kind(n: &Netlist, zero: &Activity, timed: &Activity) -> Vec<KindGlitches> {
    GateKind::ALL
        .iter()
        .filter(|k| k.arity() > 0)
        .filter_map(|&k| {
            let nets: Vec<usize> = (0..n.len()).filter(|&i| n.gates()[i].kind == k).collect();
            (!nets.is_empty()).then(|| KindGlitches {
                kind: k.name(),
                cells: nets.len(),
                zero_delay: nets.iter().map(|&i| zero.toggles[i]).sum(),
                timed: nets.iter().map(|&i| timed.toggles[i]).sum(),
            })
        })
        .collect()
}

impl GlitchSummary {
    /// Summarise `o` for `n` under `model`.
    pub fn new(n: &Netlist, o: &TimedOutcome, model: &DelayModel) -> GlitchSummary {
        let rows = glitch_report(n, &o.zero, &o.timed.activity);
        let h = &o.timed.settle_hist;
        let cnt: u64 = h.iter().sum();
        let mean = h
            .iter()
            .enumerate()
            .map(|(t, c)| t as f64 * *c as f64)
            .sum::<f64>()
            / cnt.max(1) as f64;
        GlitchSummary {
            delay: model.name(),
            tick_ns: model.tick_ns(),
            max_settle_ticks: o.timed.max_settle(),
            max_settle_ns: o.timed.max_settle() as f64 * model.tick_ns(),
            mean_settle_ticks: mean,
            zero_delay_total: rows.iter().map(|r| r.zero_delay).sum(),
            timed_total: rows.iter().map(|r| r.timed).sum(),
            rows,
            settle_histogram: h.clone(),
            by_kind: by_kind(n, &o.zero, &o.timed.activity),
        }
    }
}

/// Receives the settle times (ticks) of consecutive cycles, a batch at a time.
pub type SettleFn<'a> = &'a mut dyn FnMut(&[u32]);

/// Simulate `cfg` on `n` (built from `cfg.spec`) at zero delay and under `model`, in batches
/// (memory flat in the stream length). `progress` receives the cycles done after each batch;
/// `settle`, if given, receives the settle times (ticks) of cycles 1, 2, … in order, a batch
/// at a time; `levels` keeps each net's time-at-1 terms (for SAIF); `open`, if given, are
/// cells' open outputs whose toggles both runs count ([`Activity::open`]).
pub fn simulate_timed(
    n: &Netlist,
    cfg: &SimConfig,
    model: &DelayModel,
    progress: &mut dyn FnMut(u64),
    mut settle: Option<SettleFn<'_>>,
    levels: bool,
    open: Option<&OpenOutputs>,
) -> Result<TimedOutcome, SimError> {
    let mut zd = ZeroDelaySim::new(n);
    let mut timed = TimedSim::new(n, model)
        .with_per_cycle_settle(settle.is_some())
        .with_levels(levels);
    if let Some(o) = open {
        zd = zd.with_open_outputs(o.clone());
        timed = timed.with_open_outputs(o.clone());
    }
    let mut out = TimedOutcome {
        zero: Activity::new(n.len()),
        timed: TimedActivity {
            activity: Activity::new(n.len()),
            settle_hist: vec![0],
            settle: Vec::new(),
            levels: Vec::new(),
        },
    };
    let mut mispredicted = 0;
    for_each_batch(n, cfg, progress, &mut |drv, init, overlap| {
        let (z, s, last) = zd.run_from_state(drv, init.clone());
        mispredicted += s.mispredictions;
        let mut t = timed.run_from(drv, init);
        // The per-cycle list is handed on, not kept.
        if let Some(f) = settle.as_mut() {
            f(&std::mem::take(&mut t.settle));
        }
        merge_batch(&mut out.zero, &z, overlap);
        out.timed.merge(&t);
        if overlap {
            out.timed.activity.cycles -= 1;
        }
        Some(last)
    })?;
    if mispredicted > 0 {
        return Err(SimError::Mismatch(mispredicted, cfg.spec.describe()));
    }
    // Settled values, and so the enables at the clock edges, are those of zero delay.
    out.timed.activity.clock_enables = out.zero.clock_enables.clone();
    Ok(out)
}
