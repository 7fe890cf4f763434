//! Scalar reference simulator: one cycle at a time, one gate at a time, one bool per net.
//! Obvious by construction; every fast simulator is tested against it.

use super::{Activity, ActivitySink, NoSink};
use crate::netlist::{GateKind, NetId, Netlist};

/// Port values of one cycle: one `u128` per port (bit `i` = port bit `i`).
pub type PortValues = Vec<u128>;

/// Evaluate one gate from scalar input values.
pub fn eval_gate(kind: GateKind, a: bool, b: bool, c: bool) -> bool {
    let m = |x: bool| if x { !0u64 } else { 0 };
    kind.eval(m(a), m(b), m(c)) & 1 == 1
}

/// Set the input-port nets of `v` (one bool per net) from one cycle's port values.
pub fn set_inputs(n: &Netlist, vec: &PortValues, v: &mut [bool]) {
    for (port, &val) in n.inputs().iter().zip(vec) {
        for (i, b) in port.bits.iter().enumerate() {
            v[b.idx()] = (val >> i) & 1 == 1;
        }
    }
}

/// Output-port values read from per-net bools.
pub fn output_values(n: &Netlist, v: &[bool]) -> PortValues {
    output_values_by(n, |b| v[b.idx()])
}

/// Output-port values, each net's value given by `value`.
pub fn output_values_by(n: &Netlist, value: impl Fn(NetId) -> bool) -> PortValues {
    n.outputs()
        .iter()
        .map(|p| {
            p.bits
                .iter()
                .enumerate()
                .map(|(i, &b)| (value(b) as u128) << i)
                .sum()
        })
        .collect()
}

/// Run `vectors` (one [`PortValues`] per cycle, in the netlist's input-port order) through `n`
/// from the reset state. Returns the activity and, per cycle, the settled output-port values.
pub fn simulate(n: &Netlist, vectors: &[PortValues]) -> (Activity, Vec<PortValues>) {
    simulate_with(n, vectors, &mut NoSink)
}

/// [`simulate`], reporting every toggle to `sink` (tick 0) and the totals at the end.
pub fn simulate_with(
    n: &Netlist,
    vectors: &[PortValues],
    sink: &mut dyn ActivitySink,
) -> (Activity, Vec<PortValues>) {
    let len = n.len();
    let mut act = Activity::new(len);
    act.clock_enables = vec![0; n.clock_gates().len()];
    let mut state = vec![false; len]; // flip-flop contents, indexed by net
    let mut prev: Option<Vec<bool>> = None;
    let mut outs = Vec::with_capacity(vectors.len());
    for (t, vec) in vectors.iter().enumerate() {
        let mut v = vec![false; len];
        set_inputs(n, vec, &mut v);
        for (i, g) in n.gates().iter().enumerate() {
            let x = |k: usize| g.ins[k] != NetId::NONE && v[g.ins[k].idx()];
            v[i] = match g.kind {
                GateKind::Input => v[i],
                GateKind::Dff => state[i],
                k => eval_gate(k, x(0), x(1), x(2)),
            };
        }
        if let Some(p) = &prev {
            for i in 0..len {
                if p[i] != v[i] {
                    act.toggles[i] += 1;
                    act.rises[i] += v[i] as u64;
                    sink.change(t as u64, 0, NetId(i as u32), v[i]);
                }
            }
        }
        outs.push(output_values(n, &v));
        // The edge after the last cycle precedes no counted transition.
        if t + 1 < vectors.len() {
            for (c, cg) in act.clock_enables.iter_mut().zip(n.clock_gates()) {
                *c += v[cg.enable.idx()] as u64;
            }
        }
        for (i, g) in n.gates().iter().enumerate() {
            if g.kind == GateKind::Dff {
                state[i] = v[g.ins[0].idx()];
            }
        }
        prev = Some(v);
    }
    act.cycles = vectors.len() as u64;
    sink.totals(n, &act);
    (act, outs)
}
