//! VCD waveform writer as an [`ActivitySink`]: every net is a 1-bit wire `n<id>` in scope
//! `pann`, every change at tick resolution (glitches included), one clock period `period`
//! ticks per cycle. Times are written in picoseconds (`tick_ps` per tick). Viewable in GTKWave.
//!
//! Scope `pann.ports` repeats the bits of every input and output port and of every labelled
//! bus (`x_reg`, `acc0`, …) under their own names (`x[3]`, same identifier code as the net),
//! so a viewer can show them as buses. [`VcdWriter::with_window`] keeps only cycles
//! `first ..= last` of a longer run, starting with a full dump of the values at `first`.
//!
//! [`VcdWriter::with_pins`] writes the same changes under the names of a cell-mapped netlist
//! ([`PinNames`]) instead: the clock and every port bit at the top (`clk`, `x[3]`), one scope
//! per cell instance with a variable per pin (`multiplier_n57` / `A`, sharing the net's
//! identifier code), inverted internal nodes of compositions as their own variables, and the
//! clock toggling on the clock period. That is what OpenSTA's `read_vcd -scope pann` and
//! PrimeTime look up: pins, not nets. The nets stay visible in a scope `nets` (no tool
//! resolves it as pins).

use super::pins::{Derived, PinNames, Source};
use super::{Activity, ActivitySink};
use crate::netlist::{NetId, Netlist};
use std::io::{self, Write};

/// Writes a VCD while a tracing simulator runs (see [`super::event::simulate`]).
pub struct VcdWriter<W: Write> {
    out: W,
    codes: Vec<String>,
    period: u64,
    tick_ps: u64,
    now: Option<u64>,
    err: Option<io::Error>,
    values: Vec<bool>,
    first: u64,
    last: u64,
    started: bool,
    pins: Option<PinState>,
}

/// Internal nodes and the clock of a pin-level VCD.
struct PinState {
    derived: Vec<Derived>,
    by_net: Vec<Vec<usize>>,
    values: Vec<bool>,
    codes: Vec<String>,
    clock: Option<String>,
    /// Time (ticks) of the next clock edge; even edges rise.
    next_edge: u64,
    edges: u64,
    /// Nodes whose inputs changed at the file's current time, written once that time is over
    /// (a node changes at most once per instant: two inputs of a full adder's sum changing
    /// together leave it as it was, no zero-width pulse).
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
}

/// The VCD identifier of net number `i` (printable ASCII `!`..`~`, base 94).
pub fn id_code(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'!' + (i % 94) as u8) as char);
        i /= 94;
        if i == 0 {
            return s;
        }
        i -= 1;
    }
}

impl<W: Write> VcdWriter<W> {
    /// Write the header and the values of cycle 0 (`initial`, one per net, e.g.
    /// [`super::event::baseline_values`]) at time 0. `period` = ticks per cycle.
    pub fn new(
        out: W,
        n: &Netlist,
        initial: &[bool],
        period: u32,
        tick_ps: u64,
    ) -> io::Result<Self> {
        Self::with_window(out, n, initial, period, tick_ps, 0, u64::MAX)
    }

    /// Like [`VcdWriter::new`], but keep only cycles `first ..= last`: the file starts at
    /// the beginning of cycle `first` with every net's value there.
    pub fn with_window(
        mut out: W,
        n: &Netlist,
        initial: &[bool],
        period: u32,
        tick_ps: u64,
        first: u64,
        last: u64,
    ) -> io::Result<Self> {
        let codes: Vec<String> = (0..n.len()).map(id_code).collect();
        writeln!(out, "$version pann {} $end", env!("CARGO_PKG_VERSION"))?;
        writeln!(out, "$timescale 1ps $end")?;
        writeln!(out, "$scope module pann $end")?;
        for (i, c) in codes.iter().enumerate() {
            writeln!(out, "$var wire 1 {c} n{i} $end")?;
        }
        writeln!(out, "$scope module ports $end")?;
        for p in n.inputs().iter().chain(n.outputs()).chain(n.labels()) {
            for (k, b) in p.bits.iter().enumerate() {
                writeln!(out, "$var wire 1 {} {}[{k}] $end", codes[b.idx()], p.name)?;
            }
        }
        writeln!(out, "$upscope $end\n$upscope $end\n$enddefinitions $end")?;
        Self::finish_new(out, codes, initial, period, tick_ps, first, last, None)
    }

    /// Like [`VcdWriter::with_window`], with the variables named as the pins of a cell-mapped
    /// netlist (see the module documentation) and the clock written out.
    #[allow(clippy::too_many_arguments)]
    pub fn with_pins(
        mut out: W,
        n: &Netlist,
        names: &PinNames,
        initial: &[bool],
        period: u32,
        tick_ps: u64,
        first: u64,
        last: u64,
    ) -> io::Result<Self> {
        let codes: Vec<String> = (0..n.len()).map(id_code).collect();
        let dcodes: Vec<String> = (0..names.derived.len())
            .map(|j| id_code(n.len() + j))
            .collect();
        let clock = names
            .has_clock()
            .then(|| id_code(n.len() + names.derived.len()));
        let code = |s: Source| match s {
            Source::Net(x) => &codes[x.idx()],
            Source::Derived(j) => &dcodes[j],
            Source::Clock => clock.as_ref().expect("a clock pin means a clock code"),
        };
        writeln!(out, "$version pann {} $end", env!("CARGO_PKG_VERSION"))?;
        writeln!(out, "$timescale 1ps $end")?;
        writeln!(out, "$scope module {} $end", names.top)?;
        for (p, s) in &names.ports {
            writeln!(out, "$var wire 1 {} {p} $end", code(*s))?;
        }
        for (inst, pins) in &names.instances {
            writeln!(out, "$scope module {inst} $end")?;
            for (p, s) in pins {
                writeln!(out, "$var wire 1 {} {p} $end", code(*s))?;
            }
            writeln!(out, "$upscope $end")?;
        }
        writeln!(out, "$scope module nets $end")?;
        for (i, c) in codes.iter().enumerate() {
            writeln!(out, "$var wire 1 {c} n{i} $end")?;
        }
        writeln!(out, "$upscope $end\n$upscope $end\n$enddefinitions $end")?;
        let state = PinState {
            values: names.derived.iter().map(|d| d.value(initial)).collect(),
            by_net: names.derived_by_net(n.len()),
            derived: names.derived.clone(),
            codes: dcodes,
            clock,
            next_edge: first * period as u64,
            edges: 0,
            dirty: Vec::new(),
            is_dirty: vec![false; names.derived.len()],
        };
        Self::finish_new(
            out,
            codes,
            initial,
            period,
            tick_ps,
            first,
            last,
            Some(state),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_new(
        out: W,
        codes: Vec<String>,
        initial: &[bool],
        period: u32,
        tick_ps: u64,
        first: u64,
        last: u64,
        pins: Option<PinState>,
    ) -> io::Result<Self> {
        let mut w = VcdWriter {
            out,
            codes,
            period: period as u64,
            tick_ps: tick_ps.max(1),
            now: None,
            err: None,
            values: initial.to_vec(),
            first,
            last,
            started: false,
            pins,
        };
        if first == 0 {
            w.start()?;
        }
        Ok(w)
    }

    /// Flush and return the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// The full dump of every net at the start of the window.
    fn start(&mut self) -> io::Result<()> {
        self.started = true;
        let t = self.first * self.period * self.tick_ps;
        writeln!(self.out, "#{t}\n$dumpvars")?;
        for (c, &v) in self.codes.iter().zip(&self.values) {
            writeln!(self.out, "{}{c}", v as u8)?;
        }
        if let Some(p) = &mut self.pins {
            for (j, d) in p.derived.iter().enumerate() {
                p.values[j] = d.value(&self.values);
                writeln!(self.out, "{}{}", p.values[j] as u8, p.codes[j])?;
            }
            if let Some(c) = &p.clock {
                writeln!(self.out, "0{c}")?;
            }
        }
        writeln!(self.out, "$end")?;
        self.now = Some(t);
        Ok(())
    }

    fn write_change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) -> io::Result<()> {
        if cycle >= self.first && !self.started {
            self.start()?;
        }
        let ticks = cycle * self.period + tick as u64;
        if self.now != Some(ticks * self.tick_ps) {
            self.flush_derived()?;
        }
        self.values[net.idx()] = value;
        if cycle < self.first || cycle > self.last {
            return Ok(());
        }
        self.clock_through(ticks)?;
        self.at(ticks)?;
        writeln!(self.out, "{}{}", value as u8, self.codes[net.idx()])?;
        if let Some(p) = &mut self.pins {
            for &j in &p.by_net[net.idx()] {
                if !p.is_dirty[j] {
                    p.is_dirty[j] = true;
                    p.dirty.push(j);
                }
            }
        }
        Ok(())
    }

    /// Write the internal nodes whose inputs changed at the current time, at that time.
    fn flush_derived(&mut self) -> io::Result<()> {
        let Some(p) = &mut self.pins else {
            return Ok(());
        };
        for j in p.dirty.drain(..) {
            p.is_dirty[j] = false;
            let v = p.derived[j].value(&self.values);
            if v != p.values[j] {
                p.values[j] = v;
                writeln!(self.out, "{}{}", v as u8, p.codes[j])?;
            }
        }
        Ok(())
    }

    /// Move the file's time to `ticks`.
    fn at(&mut self, ticks: u64) -> io::Result<()> {
        let t = ticks * self.tick_ps;
        if self.now != Some(t) {
            writeln!(self.out, "#{t}")?;
            self.now = Some(t);
        }
        Ok(())
    }

    /// Write the clock edges up to and including time `ticks`: a rise at the start of every
    /// cycle, a fall at half the period.
    fn clock_through(&mut self, ticks: u64) -> io::Result<()> {
        let (period, half) = (self.period, self.period / 2);
        loop {
            let Some(p) = &mut self.pins else {
                return Ok(());
            };
            let Some(code) = p.clock.clone() else {
                return Ok(());
            };
            if p.next_edge > ticks {
                return Ok(());
            }
            let (t, rise) = (p.next_edge, p.edges % 2 == 0);
            p.edges += 1;
            p.next_edge = if rise { t + half } else { t - half + period };
            self.at(t)?;
            writeln!(self.out, "{}{code}", rise as u8)?;
        }
    }
}

impl<W: Write> ActivitySink for VcdWriter<W> {
    fn change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) {
        if self.err.is_none() {
            if let Err(e) = self.write_change(cycle, tick, net, value) {
                self.err = Some(e);
            }
        }
    }
    fn totals(&mut self, _n: &Netlist, a: &Activity) {
        if self.err.is_none() {
            let res = (|| {
                self.flush_derived()?;
                if !self.started {
                    self.start()?;
                }
                let end_cycle = a.cycles.min(self.last.saturating_add(1));
                let end = end_cycle.max(self.first) * self.period;
                if end > 0 {
                    self.clock_through(end - 1)?;
                }
                let end = end * self.tick_ps;
                writeln!(self.out, "#{end}")
            })();
            if let Err(e) = res {
                self.err = Some(e);
            }
        }
    }
}
