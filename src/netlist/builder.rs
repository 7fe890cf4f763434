//! [`Builder`]: append-only construction of a [`Netlist`] with constant folding and a final
//! dead-logic sweep, so generated circuits contain no gate with a constant input and no gate
//! whose output is never used (as a synthesis tool would leave them).

use super::{verify, ClockGate, Component, Gate, GateKind, NetId, Netlist, Port, VerifyError};

/// A bus of nets, least significant bit first.
pub type Bus = Vec<NetId>;

/// Builds a netlist gate by gate. Gates are appended in creation order, which is a topological
/// order because a gate can only reference nets that already exist (flip-flop D inputs are
/// connected later with [`Builder::connect_dff`]).
#[derive(Clone, Debug)]
pub struct Builder {
    gates: Vec<Gate>,
    comps: Vec<Component>,
    inputs: Vec<Port>,
    outputs: Vec<Port>,
    labels: Vec<Port>,
    clock_gates: Vec<ClockGate>,
    comp: Component,
    zero: NetId,
    one: NetId,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// An empty builder holding the two constant nets; current component [`Component::Logic`].
    pub fn new() -> Builder {
        let mut b = Builder {
            gates: Vec::new(),
            comps: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            labels: Vec::new(),
            clock_gates: Vec::new(),
            comp: Component::Logic,
            zero: NetId(0),
            one: NetId(1),
        };
        b.zero = b.push(GateKind::Const0, []);
        b.one = b.push(GateKind::Const1, []);
        b
    }

    /// Gates created from now on belong to `c`.
    pub fn set_component(&mut self, c: Component) {
        self.comp = c;
    }

    /// Constant 0 net.
    pub fn zero(&self) -> NetId {
        self.zero
    }
    /// Constant 1 net.
    pub fn one(&self) -> NetId {
        self.one
    }
    /// The constant net for `v`.
    pub fn constant(&self, v: bool) -> NetId {
        if v {
            self.one
        } else {
            self.zero
        }
    }
    /// `Some(value)` if `n` is a constant net.
    pub fn const_value(&self, n: NetId) -> Option<bool> {
        match self.gates[n.idx()].kind {
            GateKind::Const0 => Some(false),
            GateKind::Const1 => Some(true),
            _ => None,
        }
    }

    /// Declare an input port of `width` bits.
    pub fn input(&mut self, name: &str, width: usize) -> Bus {
        let bits: Bus = (0..width).map(|_| self.push(GateKind::Input, [])).collect();
        self.inputs.push(Port {
            name: name.to_string(),
            bits: bits.clone(),
        });
        bits
    }

    /// Declare an output port driven by `bits`.
    pub fn output(&mut self, name: &str, bits: &[NetId]) {
        self.outputs.push(Port {
            name: name.to_string(),
            bits: bits.to_vec(),
        });
    }

    /// Name an internal bus (kept through [`Builder::finish`] without keeping it alive).
    pub fn label(&mut self, name: &str, bits: &[NetId]) {
        self.labels.push(Port {
            name: name.to_string(),
            bits: bits.to_vec(),
        });
    }

    /// Append a gate without folding (the caller guarantees the topological invariant).
    pub fn push<const N: usize>(&mut self, kind: GateKind, ins: [NetId; N]) -> NetId {
        debug_assert_eq!(N, kind.arity());
        let id = NetId(self.gates.len() as u32);
        let mut slots = [NetId::NONE; 3];
        for (s, x) in slots.iter_mut().zip(ins) {
            debug_assert!(
                kind == GateKind::Dff || x < id,
                "gate input must precede gate"
            );
            *s = x;
        }
        self.gates.push(Gate { kind, ins: slots });
        self.comps.push(self.comp);
        id
    }

    /// Append a gate of any kind from three candidate inputs (only the first `arity` are
    /// used), without folding.
    pub fn push_slots(&mut self, kind: GateKind, ins: [NetId; 3]) -> NetId {
        match kind.arity() {
            0 => self.push(kind, []),
            1 => self.push(kind, [ins[0]]),
            2 => self.push(kind, [ins[0], ins[1]]),
            _ => self.push(kind, ins),
        }
    }

    /// `!a`
    pub fn inv(&mut self, a: NetId) -> NetId {
        match self.const_value(a) {
            Some(v) => self.constant(!v),
            None => self.push(GateKind::Inv, [a]),
        }
    }
    /// `a & b`
    pub fn and2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(false), _) | (_, Some(false)) => self.zero,
            (Some(true), _) => b,
            (_, Some(true)) => a,
            _ => self.push(GateKind::And2, [a, b]),
        }
    }
    /// `!(a & b)`
    pub fn nand2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(false), _) | (_, Some(false)) => self.one,
            (Some(true), _) => self.inv(b),
            (_, Some(true)) => self.inv(a),
            _ => self.push(GateKind::Nand2, [a, b]),
        }
    }
    /// `a & !b`
    pub fn and_not(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(false), _) | (_, Some(true)) => self.zero,
            (Some(true), _) => self.inv(b),
            (_, Some(false)) => a,
            _ => self.push(GateKind::AndNot, [a, b]),
        }
    }
    /// `a | b`
    pub fn or2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(true), _) | (_, Some(true)) => self.one,
            (Some(false), _) => b,
            (_, Some(false)) => a,
            _ => self.push(GateKind::Or2, [a, b]),
        }
    }
    /// `!(a | b)`
    pub fn nor2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(true), _) | (_, Some(true)) => self.zero,
            (Some(false), _) => self.inv(b),
            (_, Some(false)) => self.inv(a),
            _ => self.push(GateKind::Nor2, [a, b]),
        }
    }
    /// `a ^ b`
    pub fn xor2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(x), Some(y)) => self.constant(x ^ y),
            (Some(false), _) => b,
            (_, Some(false)) => a,
            (Some(true), _) => self.inv(b),
            (_, Some(true)) => self.inv(a),
            _ => self.push(GateKind::Xor2, [a, b]),
        }
    }
    /// `!(a ^ b)`
    pub fn xnor2(&mut self, a: NetId, b: NetId) -> NetId {
        match (self.const_value(a), self.const_value(b)) {
            (Some(x), Some(y)) => self.constant(!(x ^ y)),
            (Some(true), _) => b,
            (_, Some(true)) => a,
            (Some(false), _) => self.inv(b),
            (_, Some(false)) => self.inv(a),
            _ => self.push(GateKind::Xnor2, [a, b]),
        }
    }
    /// `s ? b : a`
    pub fn mux2(&mut self, a: NetId, b: NetId, s: NetId) -> NetId {
        match self.const_value(s) {
            Some(false) => return a,
            Some(true) => return b,
            None => {}
        }
        match (self.const_value(a), self.const_value(b)) {
            (Some(x), Some(y)) if x == y => self.constant(x),
            (Some(false), Some(true)) => s,
            (Some(true), Some(false)) => self.inv(s),
            (Some(false), _) => self.and2(b, s),
            (_, Some(false)) => self.push(GateKind::AndNot, [a, s]),
            (Some(true), _) => self.push(GateKind::OrNot, [b, s]),
            (_, Some(true)) => self.or2(a, s),
            _ => self.push(GateKind::Mux2, [a, b, s]),
        }
    }
    /// Majority of three.
    pub fn maj3(&mut self, a: NetId, b: NetId, c: NetId) -> NetId {
        let v = [a, b, c].map(|x| self.const_value(x));
        match v {
            [Some(false), _, _] => self.and2(b, c),
            [_, Some(false), _] => self.and2(a, c),
            [_, _, Some(false)] => self.and2(a, b),
            [Some(true), _, _] => self.or2(b, c),
            [_, Some(true), _] => self.or2(a, c),
            [_, _, Some(true)] => self.or2(a, b),
            _ => self.push(GateKind::Maj3, [a, b, c]),
        }
    }
    /// Half adder: `(sum, carry)`.
    pub fn half_adder(&mut self, a: NetId, b: NetId) -> (NetId, NetId) {
        (self.xor2(a, b), self.and2(a, b))
    }
    /// Full adder (two XOR2 and a MAJ3): `(sum, carry)`.
    pub fn full_adder(&mut self, a: NetId, b: NetId, c: NetId) -> (NetId, NetId) {
        let t = self.xor2(a, b);
        (self.xor2(t, c), self.maj3(a, b, c))
    }

    /// A flip-flop whose D input is connected later with [`Builder::connect_dff`].
    pub fn dff(&mut self) -> NetId {
        self.push(GateKind::Dff, [NetId::NONE])
    }
    /// Connect flip-flop `q`'s D input to `d`.
    pub fn connect_dff(&mut self, q: NetId, d: NetId) {
        debug_assert_eq!(self.gates[q.idx()].kind, GateKind::Dff);
        self.gates[q.idx()].ins[0] = d;
    }
    /// A register: one flip-flop per bit of `d` (D connected now).
    pub fn register(&mut self, d: &[NetId]) -> Bus {
        d.iter()
            .map(|&x| {
                let q = self.dff();
                self.connect_dff(q, x);
                q
            })
            .collect()
    }

    /// Clock the flip-flops `regs` through an integrated clock-gating cell enabled by
    /// `enable` (see [`ClockGate`] for the invariant the caller guarantees). The enable logic
    /// is kept alive by the gate.
    pub fn clock_gate(&mut self, name: &str, enable: NetId, regs: &[NetId]) {
        debug_assert!(regs
            .iter()
            .all(|q| self.gates[q.idx()].kind == GateKind::Dff));
        self.clock_gates.push(ClockGate {
            name: name.to_string(),
            enable,
            regs: regs.to_vec(),
        });
    }

    /// Remove logic that reaches no output port and no used flip-flop, renumber densely
    /// (keeping order, so the topological invariant holds) and verify.
    pub fn finish(self) -> Result<Netlist, VerifyError> {
        let n = self.gates.len();
        let mut live = vec![false; n];
        let mut stack: Vec<NetId> = self.outputs.iter().flat_map(|p| p.bits.clone()).collect();
        stack.extend(self.inputs.iter().flat_map(|p| p.bits.clone()));
        // A clock gate keeps its enable logic alive only while it clocks a live flip-flop.
        let mut gates_live = vec![false; self.clock_gates.len()];
        loop {
            while let Some(x) = stack.pop() {
                if x == NetId::NONE || x.idx() >= n || live[x.idx()] {
                    continue;
                }
                live[x.idx()] = true;
                stack.extend_from_slice(self.gates[x.idx()].inputs());
            }
            for (k, cg) in self.clock_gates.iter().enumerate() {
                if !gates_live[k] && cg.regs.iter().any(|q| live[q.idx()]) {
                    gates_live[k] = true;
                    stack.push(cg.enable);
                }
            }
            if stack.is_empty() {
                break;
            }
        }
        while let Some(x) = stack.pop() {
            if x == NetId::NONE || x.idx() >= n || live[x.idx()] {
                continue;
            }
            live[x.idx()] = true;
            stack.extend_from_slice(self.gates[x.idx()].inputs());
        }
        let mut map = vec![NetId::NONE; n];
        let mut gates = Vec::new();
        let mut comps = Vec::new();
        for i in 0..n {
            if live[i] {
                map[i] = NetId(gates.len() as u32);
                gates.push(self.gates[i]);
                comps.push(self.comps[i]);
            }
        }
        let remap = |x: NetId| {
            if x.idx() < n {
                map[x.idx()]
            } else {
                NetId::NONE
            }
        };
        for g in &mut gates {
            let k = g.kind.arity();
            for s in &mut g.ins[..k] {
                *s = remap(*s);
            }
        }
        let ports = |ps: Vec<Port>| -> Vec<Port> {
            ps.into_iter()
                .map(|p| Port {
                    bits: p.bits.into_iter().map(remap).collect(),
                    name: p.name,
                })
                .collect()
        };
        let netlist = Netlist {
            gates,
            comps,
            inputs: ports(self.inputs),
            outputs: ports(self.outputs),
            labels: ports(self.labels),
            clock_gates: self
                .clock_gates
                .into_iter()
                .zip(gates_live)
                .filter(|(_, l)| *l)
                .map(|(cg, _)| ClockGate {
                    name: cg.name,
                    enable: remap(cg.enable),
                    regs: cg
                        .regs
                        .into_iter()
                        .map(remap)
                        .filter(|q| *q != NetId::NONE)
                        .collect(),
                })
                .collect(),
        };
        verify(&netlist)?;
        Ok(netlist)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_inputs_fold_away() {
        let mut b = Builder::new();
        let x = b.input("x", 1)[0];
        let one = b.one();
        let zero = b.zero();
        assert_eq!(b.and2(x, one), x);
        assert_eq!(b.and2(x, zero), zero);
        assert_eq!(b.or2(x, zero), x);
        assert_eq!(b.xor2(x, zero), x);
        assert_eq!(b.maj3(x, one, zero), x);
    }

    #[test]
    fn dead_logic_is_swept_and_ids_stay_topological() {
        let mut b = Builder::new();
        let x = b.input("x", 2);
        let _dead = b.xor2(x[0], x[1]);
        let y = b.and2(x[0], x[1]);
        b.output("y", &[y]);
        let n = b.finish().unwrap();
        assert_eq!(n.cell_count(), 1);
        assert_eq!(n.output("y").unwrap().bits[0].0 as usize, n.len() - 1);
    }
}
