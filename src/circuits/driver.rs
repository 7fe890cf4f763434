//! [`MacDriver`]: feeds a batch of operand pairs to a generated MAC (or multiplier) in the
//! bit-parallel simulator, predicting every register from the arithmetic model so that the
//! simulator's check (flip-flop value = its D input one cycle earlier) verifies the whole
//! datapath against integer arithmetic in every lane.

use super::{MacState, Unit, ValidMacSpec};
use crate::netlist::{GateKind, NetId, Netlist};
use crate::sim::bits::transpose64;
use crate::sim::program::{Word, K};
use crate::sim::Driver;
use std::collections::HashMap;

/// Where a flip-flop's value comes from.
#[derive(Clone, Copy, Debug)]
enum Src {
    /// Operand register: input bit `j` (x bits then w bits), one cycle late.
    Operand(usize),
    /// Accumulator register `k`, bit `i`.
    Acc(usize, usize),
}

/// Register map of a generated unit: the source of each flip-flop in net-id order.
#[derive(Clone, Debug)]
pub struct RegisterMap {
    srcs: Vec<Src>,
    accs_used: Vec<usize>,
}

impl RegisterMap {
    /// Map the flip-flops of `n` (built by [`super::build`] from `spec`) to model fields.
    pub fn new(spec: &ValidMacSpec, n: &Netlist) -> RegisterMap {
        let mut at: HashMap<NetId, Src> = HashMap::new();
        let bx = spec.bx as usize;
        for (name, off) in [("x_reg", 0), ("w_reg", bx)] {
            if let Some(l) = n.label(name) {
                for (i, &q) in l.bits.iter().enumerate() {
                    at.insert(q, Src::Operand(off + i));
                }
            }
        }
        for k in 0..4 {
            if let Some(l) = n.label(&format!("acc{k}")) {
                for (i, &q) in l.bits.iter().enumerate() {
                    at.insert(q, Src::Acc(k, i));
                }
            }
        }
        let srcs: Vec<Src> = n
            .dffs()
            .into_iter()
            .map(|q| {
                *at.get(&q)
                    .expect("every MAC flip-flop is a labelled register bit")
            })
            .collect();
        let mut accs_used: Vec<usize> = srcs
            .iter()
            .filter_map(|s| match s {
                Src::Acc(k, _) => Some(*k),
                _ => None,
            })
            .collect();
        accs_used.sort_unstable();
        accs_used.dedup();
        debug_assert!(n
            .gates()
            .iter()
            .all(|g| g.kind != GateKind::Dff || spec.unit == Unit::Mac));
        RegisterMap { srcs, accs_used }
    }
}

/// Drives one batch of encoded operand pairs through a generated unit.
pub struct MacDriver<'a> {
    spec: ValidMacSpec,
    map: &'a RegisterMap,
    /// Per lane: `x | w << bx` (port encodings).
    packed: Vec<u64>,
    /// Per lane: the registers held during that lane.
    states: Vec<MacState>,
}

impl<'a> MacDriver<'a> {
    /// A batch of encoded pairs `(xe, we)`; registers hold `init` during the first lane.
    pub fn new(
        spec: &ValidMacSpec,
        map: &'a RegisterMap,
        init: MacState,
        pairs: &[(u64, u64)],
    ) -> MacDriver<'a> {
        let bx = spec.bx;
        let mut states = Vec::with_capacity(pairs.len());
        let mut s = init;
        let mac = spec.unit == Unit::Mac;
        for &(xe, we) in pairs {
            states.push(s);
            if mac {
                s = spec.step(&s, xe, we);
            }
        }
        MacDriver {
            spec: *spec,
            map,
            packed: pairs.iter().map(|&(x, w)| x | (w << bx)).collect(),
            states,
        }
    }

    /// Registers held during lane `t` of the batch.
    pub fn state(&self, t: usize) -> MacState {
        self.states[t]
    }

    /// Registers after the batch's last clock edge.
    pub fn next_state(&self) -> MacState {
        match self.states.last() {
            Some(s) if self.spec.unit == Unit::Mac => {
                let p = self.packed[self.packed.len() - 1];
                let bx = self.spec.bx;
                self.spec.step(s, p & ((1 << bx) - 1), p >> bx)
            }
            Some(s) => *s,
            None => MacState::default(),
        }
    }

    fn operand_bits(&self, t: usize) -> u64 {
        let s = &self.states[t];
        s.xr | (s.wr << self.spec.bx)
    }
}

/// Transpose the 64-lane chunk `k` of a block starting at `start`: `f(t)` gives lane values.
fn planes(start: usize, k: usize, len: usize, f: impl Fn(usize) -> u64) -> [u64; 64] {
    let mut m = [0u64; 64];
    let base = start + k * 64;
    let end = (base + 64).min(len);
    if base < end {
        for (l, t) in (base..end).enumerate() {
            m[l] = f(t);
        }
    }
    transpose64(&mut m);
    m
}

impl Driver for MacDriver<'_> {
    fn len(&self) -> u64 {
        self.packed.len() as u64
    }

    fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
        let start = start as usize;
        let len = self.packed.len();
        for k in 0..K {
            let m = planes(start, k, len, |t| self.packed[t]);
            for (j, w) in inputs.iter_mut().enumerate() {
                w[k] = m[j];
            }
        }
    }

    fn predict_state(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        let start = start as usize;
        let len = self.packed.len();
        // Operand registers: the inputs one lane late; lane 0 from the held state.
        let prev = if start < len {
            self.operand_bits(start)
        } else {
            0
        };
        let mut acc_planes: [Vec<[u64; 64]>; 4] = Default::default();
        for &a in &self.map.accs_used {
            acc_planes[a] = (0..K)
                .map(|k| planes(start, k, len, |t| self.states[t].acc[a]))
                .collect();
        }
        for (r, src) in regs.iter_mut().zip(&self.map.srcs) {
            match *src {
                Src::Operand(j) => {
                    let w = &inputs[j];
                    let mut carry = (prev >> j) & 1;
                    for k in 0..K {
                        r[k] = (w[k] << 1) | carry;
                        carry = w[k] >> 63;
                    }
                }
                Src::Acc(a, i) => {
                    for k in 0..K {
                        r[k] = acc_planes[a][k][i];
                    }
                }
            }
        }
        true
    }

    fn state_at(&self, t: u64) -> Option<Vec<bool>> {
        let t = t as usize;
        let s = self.states.get(t)?;
        let ops = self.operand_bits(t);
        Some(
            self.map
                .srcs
                .iter()
                .map(|src| match *src {
                    Src::Operand(j) => (ops >> j) & 1 == 1,
                    Src::Acc(a, i) => (s.acc[a] >> i) & 1 == 1,
                })
                .collect(),
        )
    }
}
