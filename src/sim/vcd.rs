//! VCD waveform writer as an [`ActivitySink`]: every net is a 1-bit wire `n<id>` in scope
//! `pann`, every change at tick resolution (glitches included), one clock period `period`
//! ticks per cycle. Times are written in picoseconds (`tick_ps` per tick). Viewable in GTKWave.

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
        mut out: W,
        n: &Netlist,
        initial: &[bool],
        period: u32,
        tick_ps: u64,
    ) -> io::Result<Self> {
        let codes: Vec<String> = (0..n.len()).map(id_code).collect();
        writeln!(out, "$version pann {} $end", env!("CARGO_PKG_VERSION"))?;
        writeln!(out, "$timescale 1ps $end")?;
        writeln!(out, "$scope module pann $end")?;
        for (i, c) in codes.iter().enumerate() {
            writeln!(out, "$var wire 1 {c} n{i} $end")?;
        }
        writeln!(out, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars")?;
        for (c, &v) in codes.iter().zip(initial) {
            writeln!(out, "{}{c}", v as u8)?;
        }
        writeln!(out, "$end")?;
        Ok(VcdWriter {
            out,
            codes,
            period: period as u64,
            tick_ps: tick_ps.max(1),
            now: Some(0),
            err: None,
        })
    }

    /// Flush and return the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn write_change(&mut self, t: u64, net: NetId, value: bool) -> io::Result<()> {
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
            let t = (cycle * self.period + tick as u64) * self.tick_ps;
            if let Err(e) = self.write_change(t, net, value) {
                self.err = Some(e);
            }
        }
    }
    fn totals(&mut self, _n: &Netlist, a: &Activity) {
        if self.err.is_none() {
            let end = a.cycles * self.period * self.tick_ps;
            if let Err(e) = writeln!(self.out, "#{end}") {
                self.err = Some(e);
            }
        }
    }
}
