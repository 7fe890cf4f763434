//! Cells' open outputs followed by the fast simulators: a node pann does not simulate as a
//! net (a GF180 full adder's sum `S`, left open where `maj3` is its carry) but whose toggles
//! the energy meter charges, counted in the same pass as the nets' toggles.
//!
//! A node is a function of up to three nets ([`Derived`]) that changes at the same instant
//! as they do, at most once per instant, exactly as the pin-level VCD and SAIF write it and
//! as [`DerivedActivity`](super::pins::DerivedActivity) follows it in a reference run:
//! - zero delay: it toggles between consecutive cycles when its value on the settled nets
//!   differs ([`ZeroDelaySim::with_open_outputs`](super::ZeroDelaySim::with_open_outputs));
//! - timed: it toggles at a tick when its value after every change of that tick differs
//!   from its value before ([`TimedSim::with_open_outputs`](super::timed::TimedSim::with_open_outputs)).
//!
//! [`Activity::open`](super::Activity::open) holds the counts per net of the gate whose cell
//! has the output, for [`crate::energy::EnergyMeter::measure_with_open`].

use super::event::{self, baseline_values};
use super::pins::{Derived, DerivedActivity, PinNames};
use super::program::{block_toggles, Word, K};
use super::reference::{self, PortValues};
use crate::netlist::{NetId, Netlist};

/// One followed node: the gate it is charged to, its truth table and inputs.
#[derive(Clone, Copy, Debug)]
struct Node {
    gate: u32,
    table: u8,
    ins: [u32; 3],
    arity: u8,
}

/// The open outputs the fast simulators follow, compiled for a netlist of `nets` nets.
#[derive(Clone, Debug)]
pub struct OpenOutputs {
    nodes: Vec<Node>,
    nets: usize,
    /// `readers[readers_at[i] .. readers_at[i + 1]]` = the nodes computed from net `i`.
    readers_at: Vec<u32>,
    readers: Vec<u32>,
}

/// The value word of truth table `table` on inputs `x` (missing inputs 0).
fn table_word(table: u8, x: [&Word; 3]) -> Word {
    let mut out = [0u64; K];
    for m in 0..8u8 {
        if table >> m & 1 == 0 {
            continue;
        }
        for k in 0..K {
            let lit = |s: usize| {
                if m >> s & 1 == 1 {
                    x[s][k]
                } else {
                    !x[s][k]
                }
            };
            out[k] |= lit(0) & lit(1) & lit(2);
        }
    }
    out
}

impl OpenOutputs {
    /// Follow `outputs` (the gate charged, the node) in a netlist of `nets` nets.
    pub fn new(nets: usize, outputs: &[(NetId, Derived)]) -> OpenOutputs {
        let nodes: Vec<Node> = outputs
            .iter()
            .map(|(g, d)| {
                assert!(d.ins.len() <= 3, "a node has at most three inputs");
                let mut ins = [0u32; 3];
                for (s, x) in d.ins.iter().enumerate() {
                    ins[s] = x.0;
                }
                Node {
                    gate: g.0,
                    table: d.table,
                    ins,
                    arity: d.ins.len() as u8,
                }
            })
            .collect();
        let mut by_net: Vec<Vec<u32>> = vec![Vec::new(); nets];
        for (j, d) in nodes.iter().enumerate() {
            for &x in &d.ins[..d.arity as usize] {
                let r = &mut by_net[x as usize];
                if r.last() != Some(&(j as u32)) {
                    r.push(j as u32);
                }
            }
        }
        let mut readers_at = vec![0u32];
        let mut readers = Vec::new();
        for r in by_net {
            readers.extend(r);
            readers_at.push(readers.len() as u32);
        }
        OpenOutputs {
            nodes,
            nets,
            readers_at,
            readers,
        }
    }

    /// Number of nodes followed.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node is followed.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The value word of node `j`, its inputs read through `net`.
    #[inline]
    fn value(&self, j: usize, net: impl Fn(u32) -> Word) -> Word {
        let d = &self.nodes[j];
        let zero = [0u64; K];
        let x: [Word; 3] = std::array::from_fn(|s| {
            if s < d.arity as usize {
                net(d.ins[s])
            } else {
                zero
            }
        });
        table_word(d.table, [&x[0], &x[1], &x[2]])
    }

    /// Zero delay: add each node's toggles over the `mask` lanes of one settled block `v`
    /// (`carry[j]`: its value in the lane before, updated to lane `last`).
    pub(crate) fn count_block(
        &self,
        v: &[Word],
        mask: &Word,
        last: (usize, usize),
        carry: &mut [u64],
        counts: &mut [u64],
    ) {
        for j in 0..self.nodes.len() {
            let w = self.value(j, |x| v[x as usize]);
            counts[j] += block_toggles(&w, carry[j], mask);
            carry[j] = (w[last.0] >> last.1) & 1;
        }
    }

    /// Per-node counts summed per net of the gate charged.
    pub fn per_net(&self, counts: &[u64]) -> Vec<u64> {
        let mut out = vec![0u64; self.nets];
        for (d, c) in self.nodes.iter().zip(counts) {
            out[d.gate as usize] += c;
        }
        out
    }
}

/// Timed runs: the nets' changes at the current tick, and the nodes they touch.
#[derive(Clone, Debug)]
pub(crate) struct TickChanges {
    /// Per net: the lanes that changed at tick `at[i] − 1` (0: not in this block).
    change: Vec<Word>,
    at: Vec<u32>,
    /// Nodes an input of which changed at the current tick, each once.
    dirty: Vec<u32>,
    dirty_at: Vec<u32>,
    /// Toggles per node.
    pub counts: Vec<u64>,
}

impl TickChanges {
    /// Nothing changed yet.
    pub fn new(open: &OpenOutputs) -> TickChanges {
        TickChanges {
            change: vec![[0; K]; open.nets],
            at: vec![0; open.nets],
            dirty: Vec::new(),
            dirty_at: vec![0; open.nodes.len()],
            counts: vec![0; open.nodes.len()],
        }
    }

    /// Start a block (ticks count from 0 again).
    pub fn new_block(&mut self) {
        self.at.iter_mut().for_each(|a| *a = 0);
        self.dirty_at.iter_mut().for_each(|a| *a = 0);
        self.dirty.clear();
    }

    /// Net `net` changed in lanes `ch` at tick `tick`.
    #[inline]
    pub fn changed(&mut self, open: &OpenOutputs, net: u32, tick: u32, ch: &Word) {
        let (a, b) = (
            open.readers_at[net as usize] as usize,
            open.readers_at[net as usize + 1] as usize,
        );
        if a == b {
            return;
        }
        let i = net as usize;
        if self.at[i] == tick + 1 {
            for (c, x) in self.change[i].iter_mut().zip(ch) {
                *c ^= x;
            }
        } else {
            self.change[i] = *ch;
            self.at[i] = tick + 1;
        }
        for &j in &open.readers[a..b] {
            if self.dirty_at[j as usize] != tick + 1 {
                self.dirty_at[j as usize] = tick + 1;
                self.dirty.push(j);
            }
        }
    }

    /// Tick `tick` is over (`y`: every net's value after it): count the nodes it changed in
    /// the `mask` lanes.
    pub fn flush(&mut self, open: &OpenOutputs, tick: u32, y: &[Word], mask: &Word) {
        for &j in &self.dirty {
            let now = open.value(j as usize, |x| y[x as usize]);
            let before = open.value(j as usize, |x| {
                let mut w = y[x as usize];
                if self.at[x as usize] == tick + 1 {
                    for (v, c) in w.iter_mut().zip(&self.change[x as usize]) {
                        *v ^= c;
                    }
                }
                w
            });
            let c: u32 = (0..K)
                .map(|k| ((now[k] ^ before[k]) & mask[k]).count_ones())
                .sum();
            self.counts[j as usize] += c as u64;
        }
        self.dirty.clear();
    }
}

/// The reference twin of the fast counts: per net of the gate charged, the toggles of
/// `nodes` when `vectors` run through `n` from reset in the scalar reference (`delays` =
/// `None`) or the event-driven reference with per-net `delays` (ticks), each node followed as
/// the pin-level VCD and SAIF write it ([`DerivedActivity`](super::pins::DerivedActivity)).
pub fn reference_toggles(
    n: &Netlist,
    nodes: &[(NetId, Derived)],
    vectors: &[PortValues],
    delays: Option<&[u32]>,
) -> Vec<u64> {
    let mut t = vec![0u64; n.len()];
    let Some(first) = vectors.first() else {
        return t;
    };
    let names = PinNames {
        derived: nodes.iter().map(|(_, d)| d.clone()).collect(),
        ..PinNames::default()
    };
    // Only toggles are used: any period longer than a cycle's settle time will do.
    let mut d = DerivedActivity::new(&names, &baseline_values(n, first), u32::MAX / 4);
    match delays {
        None => {
            reference::simulate_with(n, vectors, &mut d);
        }
        Some(delays) => {
            event::simulate(n, delays, vectors, &mut d);
        }
    }
    for ((g, _), r) in nodes.iter().zip(&d.records) {
        t[g.idx()] += r.1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlist::GateKind;
    use crate::sim::reference::eval_gate;

    #[test]
    fn table_words_equal_the_truth_table_lane_by_lane() {
        let x: [Word; 3] = std::array::from_fn(|s| {
            std::array::from_fn(|k| (0x9e37_79b9_7f4a_7c15u64).rotate_left((s * 17 + k * 5) as u32))
        });
        for kind in [GateKind::Xor2, GateKind::Maj3, GateKind::Nand2] {
            let d = Derived::of(kind, vec![NetId(0), NetId(1), NetId(2)]);
            let w = table_word(d.table, [&x[0], &x[1], &x[2]]);
            for k in 0..K {
                for b in 0..64 {
                    let v = |s: usize| x[s][k] >> b & 1 == 1;
                    assert_eq!(w[k] >> b & 1 == 1, eval_gate(kind, v(0), v(1), v(2)));
                }
            }
        }
        let p = table_word(0x96, [&x[0], &x[1], &x[2]]);
        assert_eq!(p, std::array::from_fn(|k| x[0][k] ^ x[1][k] ^ x[2][k]));
    }
}
