//! SAIF writer (IEEE 1801 backward SAIF, version 2.0) as an [`ActivitySink`]: per net `n<id>`
//! the time spent at 0 (`T0`) and 1 (`T1`), `TX 0`, the toggle count `TC` and `IG 0`, over
//! the counted window (cycle 1 to the end; cycle 0 is the baseline), times in picoseconds.

use super::{Activity, ActivitySink};
use crate::netlist::{NetId, Netlist};
use std::io::{self, Write};

/// Per-net SAIF record, in ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaifNet {
    /// Ticks at 0.
    pub t0: u64,
    /// Ticks at 1.
    pub t1: u64,
    /// Toggles.
    pub tc: u64,
}

/// Accumulates T0/T1/TC from a tracing simulator's changes; write with [`SaifWriter::write`].
pub struct SaifWriter {
    value: Vec<bool>,
    last: Vec<u64>,
    nets: Vec<SaifNet>,
    period: u64,
    tick_ps: u64,
    duration: u64,
}

impl SaifWriter {
    /// Start from the cycle-0 values `initial`; `period` = ticks per cycle.
    pub fn new(initial: &[bool], period: u32, tick_ps: u64) -> SaifWriter {
        let period = period as u64;
        SaifWriter {
            value: initial.to_vec(),
            last: vec![period; initial.len()],
            nets: vec![SaifNet::default(); initial.len()],
            period,
            tick_ps: tick_ps.max(1),
            duration: 0,
        }
    }

    /// The records of a fast timed run ([`super::timed::TimedSim::with_levels`]): per-net
    /// time-at-1 terms and toggle counts over `cycles` cycles (the first is the baseline), at
    /// a clock of `period` ticks of `tick_ps` ps. Equal to what the writer collects as a sink
    /// of the event-driven reference on the same run. The result is only for
    /// [`SaifWriter::write`] and [`SaifWriter::nets`], not to be used as a sink.
    pub fn from_levels(
        levels: &[super::timed::NetLevels],
        toggles: &[u64],
        period: u32,
        tick_ps: u64,
        cycles: u64,
    ) -> SaifWriter {
        let period = period as u64;
        let duration = cycles.saturating_sub(1) * period;
        let nets = levels
            .iter()
            .zip(toggles)
            .map(|(l, &tc)| {
                let t1 = l.high_ticks(period);
                SaifNet {
                    t0: duration - t1.min(duration),
                    t1,
                    tc,
                }
            })
            .collect();
        SaifWriter {
            value: Vec::new(),
            last: Vec::new(),
            nets,
            period,
            tick_ps: tick_ps.max(1),
            duration,
        }
    }

    /// The per-net records (valid after the run's [`ActivitySink::totals`]).
    pub fn nets(&self) -> &[SaifNet] {
        &self.nets
    }

    /// Write the SAIF file for design `design`.
    pub fn write(&self, design: &str, w: &mut dyn Write) -> io::Result<()> {
        let ps = self.tick_ps;
        writeln!(
            w,
            "(SAIFILE\n(SAIFVERSION \"2.0\")\n(DIRECTION \"backward\")"
        )?;
        writeln!(
            w,
            "(DESIGN \"{design}\")\n(VENDOR \"pann\")\n(PROGRAM_NAME \"pann\")"
        )?;
        writeln!(
            w,
            "(VERSION \"{}\")\n(DIVIDER / )\n(TIMESCALE 1 ps)",
            env!("CARGO_PKG_VERSION")
        )?;
        writeln!(
            w,
            "(DURATION {})\n(INSTANCE {design}\n  (NET",
            self.duration * ps
        )?;
        for (i, r) in self.nets.iter().enumerate() {
            writeln!(
                w,
                "    (n{i}\n      (T0 {}) (T1 {}) (TX 0)\n      (TC {}) (IG 0)\n    )",
                r.t0 * ps,
                r.t1 * ps,
                r.tc
            )?;
        }
        writeln!(w, "  )\n)\n)")
    }
}

impl ActivitySink for SaifWriter {
    fn change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) {
        let i = net.idx();
        let t = cycle * self.period + tick as u64;
        if self.value[i] {
            self.nets[i].t1 += t - self.last[i];
        }
        self.last[i] = t;
        self.value[i] = value;
        self.nets[i].tc += 1;
    }
    fn totals(&mut self, _n: &Netlist, a: &Activity) {
        let end = a.cycles.max(1) * self.period;
        self.duration = end - self.period;
        for i in 0..self.nets.len() {
            if self.value[i] {
                self.nets[i].t1 += end - self.last[i];
            }
            self.last[i] = end;
            self.nets[i].t0 = self.duration - self.nets[i].t1;
        }
    }
}
