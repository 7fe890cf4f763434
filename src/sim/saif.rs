//! SAIF writer (IEEE 1801 backward SAIF, version 2.0) as an [`ActivitySink`]: per net `n<id>`
//! the time spent at 0 (`T0`) and 1 (`T1`), `TX 0`, the toggle count `TC` and `IG 0`, over
//! the counted window (cycle 1 to the end; cycle 0 is the baseline), times in picoseconds.
//!
//! [`SaifWriter::write_pins`] writes the same records under the pin names of a cell-mapped
//! netlist ([`PinNames`]): port bits (and `clk`) as `NET` entries of the top instance, each
//! cell instance an `INSTANCE` whose `NET` entries are its pins, which is what OpenSTA's
//! `read_saif -scope pann` resolves (it reads `NET` entries as pins of their instance).
//! Inverted internal nodes of compositions get the swapped T0/T1 of their net; other internal
//! nodes (a full adder's open sum, ASAP7's NAND-NAND mux) take their records from a
//! [`DerivedActivity`](super::pins::DerivedActivity) of the run, or are left out without one.

use super::pins::{PinNames, Source};
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

impl SaifWriter {
    /// The record of the signal `s` (`None` for internal nodes that are neither inverters nor
    /// in `derived`).
    fn record(
        &self,
        names: &PinNames,
        derived: Option<&[(u64, u64)]>,
        s: Source,
    ) -> Option<SaifNet> {
        match s {
            Source::Net(n) => Some(self.nets[n.idx()]),
            Source::Derived(j) => match (names.derived[j].inverted_net(), derived) {
                (Some(n), _) => {
                    let r = self.nets[n.idx()];
                    Some(SaifNet {
                        t0: r.t1,
                        t1: r.t0,
                        tc: r.tc,
                    })
                }
                (None, Some(d)) => Some(SaifNet {
                    t0: self.duration - d[j].0.min(self.duration),
                    t1: d[j].0,
                    tc: d[j].1,
                }),
                (None, None) => None,
            },
            Source::Clock => {
                let cycles = self.duration / self.period.max(1);
                let t1 = cycles * (self.period / 2);
                Some(SaifNet {
                    t0: self.duration - t1,
                    t1,
                    tc: 2 * cycles,
                })
            }
        }
    }

    fn entry(w: &mut dyn Write, indent: &str, name: &str, r: SaifNet, ps: u64) -> io::Result<()> {
        writeln!(
            w,
            "{indent}({name} (T0 {}) (T1 {}) (TX 0) (TC {}) (IG 0))",
            r.t0 * ps,
            r.t1 * ps,
            r.tc
        )
    }

    /// Write the SAIF file with pin names (see the module documentation); `derived`: the
    /// (ticks at 1, toggles) of every internal node, from a
    /// [`DerivedActivity`](super::pins::DerivedActivity) of the same run.
    pub fn write_pins(
        &self,
        names: &PinNames,
        derived: Option<&[(u64, u64)]>,
        w: &mut dyn Write,
    ) -> io::Result<()> {
        let ps = self.tick_ps;
        let top = &names.top;
        writeln!(
            w,
            "(SAIFILE\n(SAIFVERSION \"2.0\")\n(DIRECTION \"backward\")"
        )?;
        writeln!(
            w,
            "(DESIGN \"{top}\")\n(VENDOR \"pann\")\n(PROGRAM_NAME \"pann\")"
        )?;
        writeln!(
            w,
            "(VERSION \"{}\")\n(DIVIDER / )\n(TIMESCALE 1 ps)",
            env!("CARGO_PKG_VERSION")
        )?;
        writeln!(
            w,
            "(DURATION {})\n(INSTANCE {top}\n  (NET",
            self.duration * ps
        )?;
        for (p, s) in &names.ports {
            if let Some(r) = self.record(names, derived, *s) {
                Self::entry(w, "    ", &saif_escape(p), r, ps)?;
            }
        }
        writeln!(w, "  )")?;
        for (inst, pins) in &names.instances {
            writeln!(w, "  (INSTANCE {inst}\n    (NET")?;
            for (p, s) in pins {
                if let Some(r) = self.record(names, derived, *s) {
                    Self::entry(w, "      ", &saif_escape(p), r, ps)?;
                }
            }
            writeln!(w, "    )\n  )")?;
        }
        writeln!(w, ")\n)")
    }
}

/// A SAIF identifier: `[`, `]`, `/` and `.` escaped with a backslash (`x\[3\]`).
fn saif_escape(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if matches!(c, '[' | ']' | '/' | '.') {
            s.push('\\');
        }
        s.push(c);
    }
    s
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
