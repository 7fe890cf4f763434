//! Delay models for timed simulation: how many ticks each gate takes to respond.
//!
//! Semantics (shared by [`super::event`] and [`super::timed`], and by Icarus Verilog on the
//! exported `assign #d` netlist, see [`crate::netlist::GateStyle`]): every combinational gate is
//! an *inertial* delay of `d ≥ 1` ticks.
//! Write `r(t)` for the gate's function of its inputs' values at the end of tick `t` and
//! `y(t)` for its output. Then
//!
//! ```text
//! y(t) = r(t-d)   if r(t-d) = r(t-d+1) = … = r(t-1)   (the input was stable for d ticks)
//! y(t) = y(t-1)   otherwise                           (a shorter pulse is swallowed)
//! ```
//!
//! With `d = 1` this is the synchronous model "every gate steps together until stable".
//! Input ports and flip-flop outputs change at tick 0 of a cycle, with zero delay.

use crate::netlist::{GateKind, Netlist};

/// Which delay each gate has.
#[derive(Clone, Debug, PartialEq)]
pub enum DelayModel {
    /// No delays: only settled values (functional toggles, [`super::ZeroDelaySim`]).
    Zero,
    /// Every combinational gate has delay 1 tick.
    Unit,
    /// A delay in ticks per gate kind.
    Cells(DelayTable),
}

/// Integer delay in ticks per [`GateKind`], plus the length of a tick.
#[derive(Clone, Debug, PartialEq)]
pub struct DelayTable {
    ticks: [u32; GateKind::ALL.len()],
    /// Length of one tick in nanoseconds.
    pub tick_ns: f64,
}

/// Nominal length of a unit-delay tick in ns (one typical 2-input gate delay).
pub const UNIT_TICK_NS: f64 = 0.05;

impl DelayTable {
    /// Every combinational kind has `d` ticks.
    pub fn uniform(d: u32, tick_ns: f64) -> DelayTable {
        DelayTable {
            ticks: GateKind::ALL.map(|k| if k.is_combinational() { d.max(1) } else { 0 }),
            tick_ns,
        }
    }

    /// The documented default cell table, used until a cell library supplies delays: ticks
    /// of 10 ps, roughly a SKY130 high-density cell at the typical corner driving fan-out 2:
    /// inv 2, buf 3, nand2 3, nor2 4, and2/or2/andnot/ornot 5, mux2 6, maj3 6, xor2/xnor2 7.
    pub fn default_cells() -> DelayTable {
        DelayTable {
            ticks: GateKind::ALL.map(default_cell_delay),
            tick_ns: 0.01,
        }
    }

    /// Set the delay of one kind (at least 1 tick for combinational kinds).
    pub fn with(mut self, kind: GateKind, ticks: u32) -> DelayTable {
        if kind.is_combinational() {
            self.ticks[kind as usize] = ticks.max(1);
        }
        self
    }

    /// Delay of `kind` in ticks (0 for inputs, constants and flip-flops).
    pub fn ticks(&self, kind: GateKind) -> u32 {
        self.ticks[kind as usize]
    }
}

/// Default cell delays in ticks of 10 ps (see [`DelayTable::default_cells`]).
pub fn default_cell_delay(kind: GateKind) -> u32 {
    use GateKind::*;
    match kind {
        Const0 | Const1 | Input | Dff => 0,
        Inv => 2,
        Buf | Nand2 => 3,
        Nor2 => 4,
        And2 | Or2 | AndNot | OrNot => 5,
        Mux2 | Maj3 => 6,
        Xor2 | Xnor2 => 7,
    }
}

/// Unit delay for every combinational kind.
pub fn unit_delay(kind: GateKind) -> u32 {
    kind.is_combinational() as u32
}

impl DelayModel {
    /// Per-net delays in ticks (0 for inputs, constants, flip-flops; 0 everywhere for
    /// [`DelayModel::Zero`]).
    pub fn per_net(&self, n: &Netlist) -> Vec<u32> {
        n.gates()
            .iter()
            .map(|g| match self {
                DelayModel::Zero => 0,
                DelayModel::Unit => unit_delay(g.kind),
                DelayModel::Cells(t) => t.ticks(g.kind),
            })
            .collect()
    }
    /// Length of one tick in ns.
    pub fn tick_ns(&self) -> f64 {
        match self {
            DelayModel::Zero | DelayModel::Unit => UNIT_TICK_NS,
            DelayModel::Cells(t) => t.tick_ns,
        }
    }
    /// Length of one tick in whole picoseconds (at least 1; the unit of VCD and SAIF files).
    pub fn tick_ps(&self) -> u64 {
        (self.tick_ns() * 1000.0).round().max(1.0) as u64
    }
    /// Short name: `zero`, `unit` or `cells`.
    pub fn name(&self) -> &'static str {
        match self {
            DelayModel::Zero => "zero",
            DelayModel::Unit => "unit",
            DelayModel::Cells(_) => "cells",
        }
    }
}

/// Per-net arrival windows `[earliest, latest]` tick at which a net can change within a
/// cycle, for per-net delays `d` (inputs and flip-flops change at tick 0 only; constants
/// never, reported as the empty window `[u32::MAX, 0]`).
pub fn windows(n: &Netlist, d: &[u32]) -> Vec<(u32, u32)> {
    let mut w = vec![(u32::MAX, 0u32); n.len()];
    for (i, g) in n.gates().iter().enumerate() {
        w[i] = match g.kind {
            GateKind::Input | GateKind::Dff => (0, 0),
            GateKind::Const0 | GateKind::Const1 => (u32::MAX, 0),
            _ => {
                let lo = g
                    .inputs()
                    .iter()
                    .map(|x| w[x.idx()].0)
                    .min()
                    .unwrap_or(u32::MAX);
                let hi = g.inputs().iter().map(|x| w[x.idx()].1).max().unwrap_or(0);
                if lo == u32::MAX {
                    (u32::MAX, 0)
                } else {
                    (lo + d[i], hi + d[i])
                }
            }
        };
    }
    w
}
