//! Simulation: drive a [`Netlist`] with a stream of input vectors,
//! cycle by cycle, and count every net's toggles.
//!
//! - [`mod@reference`]: scalar, one cycle at a time, obviously correct (the twin of every fast path).
//! - [`drive`]: per-cycle input vectors from operand ports plus tied or streamed ports.
//! - [`zero_delay`]: compiled, bit-parallel over time lanes (4,096 cycles per gate visit),
//!   multi-threaded over stream segments; exactly equal to the reference.
//!
//! Cycle semantics: in cycle `t` the input ports carry vector `t`, flip-flops hold the state
//! captured at the end of cycle `t-1` (0 before the first cycle), the combinational logic
//! settles, and at the clock edge every flip-flop captures its D input. A toggle is a change of
//! a net's settled value between consecutive cycles; the first cycle is the baseline, so a run
//! of `n` cycles has `n-1` transitions.

pub mod bits;
pub mod delay;
pub mod drive;
pub mod event;
pub mod icarus_order;
pub mod isa;
pub mod open;
pub mod pins;
pub mod program;
pub mod reference;
pub mod saif;
pub mod timed;
pub mod vcd;
pub mod zero_delay;

use crate::netlist::{Component, Netlist};

pub use program::Program;
pub use zero_delay::{Driver, PortVectors, ZeroDelaySim};

/// Per-net activity of one run. Vectors are indexed by net id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// Number of simulated cycles (vectors), including the baseline cycle.
    pub cycles: u64,
    /// Toggles (value changes, either direction) per net.
    pub toggles: Vec<u64>,
    /// Rising toggles (0 → 1) per net; falling = toggles − rises.
    pub rises: Vec<u64>,
    /// Per clock gate of the netlist ([`Netlist::clock_gates`]): clock edges at which its
    /// enable was 1, counted over the edges between counted cycles (`transitions()` edges in
    /// all). Empty when the netlist gates no clock.
    pub clock_enables: Vec<u64>,
    /// Per net: toggles of the open output of the cell driving it (a GF180 full adder's sum),
    /// when the simulator follows them ([`open`]); empty otherwise.
    pub open: Vec<u64>,
}

impl Activity {
    /// Empty activity for `nets` nets.
    pub fn new(nets: usize) -> Activity {
        Activity {
            cycles: 0,
            toggles: vec![0; nets],
            rises: vec![0; nets],
            clock_enables: Vec::new(),
            open: Vec::new(),
        }
    }
    /// Number of transitions between consecutive cycles (`cycles − 1`, at least 0).
    pub fn transitions(&self) -> u64 {
        self.cycles.saturating_sub(1)
    }
    /// Total toggles over all nets.
    pub fn total(&self) -> u64 {
        self.toggles.iter().sum()
    }
    /// Total toggles per component (cells only: inputs and constants are excluded).
    pub fn by_component(&self, n: &Netlist) -> std::collections::BTreeMap<Component, u64> {
        let mut m = std::collections::BTreeMap::new();
        for (i, g) in n.gates().iter().enumerate() {
            if g.kind.arity() > 0 {
                *m.entry(n.components()[i]).or_insert(0) += self.toggles[i];
            }
        }
        m
    }
    /// Add another run's counts (segments of one stream).
    pub fn merge(&mut self, other: &Activity) {
        self.cycles += other.cycles;
        for (a, b) in self.toggles.iter_mut().zip(&other.toggles) {
            *a += b;
        }
        for (a, b) in self.rises.iter_mut().zip(&other.rises) {
            *a += b;
        }
        if self.clock_enables.len() < other.clock_enables.len() {
            self.clock_enables.resize(other.clock_enables.len(), 0);
        }
        for (a, b) in self.clock_enables.iter_mut().zip(&other.clock_enables) {
            *a += b;
        }
        if self.open.len() < other.open.len() {
            self.open.resize(other.open.len(), 0);
        }
        for (a, b) in self.open.iter_mut().zip(&other.open) {
            *a += b;
        }
    }
}

/// A sink that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSink;
impl ActivitySink for NoSink {}

/// Receives activity from a simulator. All methods default to no-ops, so a sink implements
/// only what it needs (energy meters use [`ActivitySink::totals`], waveform writers use
/// [`ActivitySink::change`]).
pub trait ActivitySink {
    /// A net changed value: `cycle` index, `tick` within the cycle (0 for zero delay).
    /// Only tracing simulators call this.
    fn change(&mut self, _cycle: u64, _tick: u32, _net: crate::netlist::NetId, _value: bool) {}
    /// The run is over; `activity` holds the totals.
    fn totals(&mut self, _netlist: &Netlist, _activity: &Activity) {}
}
