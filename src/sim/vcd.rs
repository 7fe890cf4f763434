//! VCD waveform writer as an [`ActivitySink`]: every net is a 1-bit wire `n<id>` in scope
//! `pann`, every change at tick resolution (glitches included), one clock period `period`
//! ticks per cycle. Times are written in picoseconds (`tick_ps` per tick). Viewable in GTKWave.
//!
//! Scope `pann.ports` repeats the bits of every input and output port and of every labelled
//! bus (`x_reg`, `acc0`, …) under their own names (`x[3]`, same identifier code as the net),
//! so a viewer can show them as buses. [`VcdWriter::with_window`] keeps only cycles
//! `first ..= last` of a longer run, starting with a full dump of the values at `first`.

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
        writeln!(self.out, "$end")?;
        self.now = Some(t);
        Ok(())
    }

    fn write_change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) -> io::Result<()> {
        if cycle >= self.first && !self.started {
            self.start()?;
        }
        self.values[net.idx()] = value;
        if cycle < self.first || cycle > self.last {
            return Ok(());
        }
        let t = (cycle * self.period + tick as u64) * self.tick_ps;
        if self.now != Some(t) {
            writeln!(self.out, "#{t}")?;
            self.now = Some(t);
        }
        writeln!(self.out, "{}{}", value as u8, self.codes[net.idx()])
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
                if !self.started {
                    self.start()?;
                }
                let end_cycle = a.cycles.min(self.last.saturating_add(1));
                let end = end_cycle.max(self.first) * self.period * self.tick_ps;
                writeln!(self.out, "#{end}")
            })();
            if let Err(e) = res {
                self.err = Some(e);
            }
        }
    }
}
