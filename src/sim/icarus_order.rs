//! Icarus-order timed simulator: the netlist exactly as `vvp` runs it when exported with
//! plain expressions, `assign #d n = a & ~b;` ([`crate::netlist::GateStyle::Expression`]),
//! functor by functor and event by event. The default export writes `andnot`, `ornot` and
//! `maj3` as function calls, which `vvp` evaluates once per time step; that export matches
//! [`super::event`] and [`super::timed`] exactly, and this module documents (and tests) why
//! the plain form does not.
//!
//! [`super::event`] (and so [`super::timed`]) evaluates each gate once per tick, after all of
//! the tick's events. Icarus does not: it compiles each `assign` into a small tree of boolean
//! functors feeding one delay functor, and runs them from one FIFO event queue, so a gate can
//! send its delay functor zero-width intermediate values within a tick. The rules, from the
//! `vvp` sources (`logic.cc`, `delay.cc`, `vvp_net.cc`, `compile.cc`) and checked per net
//! against Icarus 11 on every circuit of `tests/oracles/icarus_circuits.rs`:
//!
//! - **Functor trees.** `inv` = NOT, `buf` = BUFZ, `and2`/`or2`/`xor2` = one functor,
//!   `nand2`/`nor2`/`xnor2` = AND/OR/XOR → NOT, `andnot` `a & ~b` = NOT(b) → AND(a, ·),
//!   `ornot` likewise with OR, `mux2` = one MUXZ, `maj3` `(a&b)|(a&c)|(b&c)` =
//!   OR(OR(AND(a,b), AND(a,c)), AND(b,c)). Only `andnot`, `ornot` and `maj3` have paths of
//!   unequal depth, and only they can produce intermediate values.
//! - **Functors.** A functor whose input really changes schedules itself once (if not already
//!   scheduled) at the end of the current time's queue; when it runs it computes its output
//!   from its current inputs and sends it (changed or not) to its consumer.
//! - **Delay functor** (per gate, delay `d`), on receiving `v` at time `t`: if an event is
//!   pending and the *oldest* pending value equals `v`, ignore `v`; otherwise cancel every
//!   pending event later than `t` and schedule `v` at `t + d` (even if `v` equals the output).
//!   When an event fires, a real change of the output net is sent at once to the net's
//!   fan-out functors.
//! - **Order.** Events due at the same time run in the order they were scheduled. A net's
//!   fan-out is visited in reverse order of the functors' appearance in the netlist (gate
//!   order, then functor order above, then port order), except for input-port bits, whose
//!   fan-out is visited in forward order (forward references, resolved after parsing). At the
//!   start of a cycle the input ports are assigned in port order, each port's bits are
//!   scheduled from the most significant down, and flip-flop outputs change (in net order)
//!   before any of those bits is propagated.
//!
//! The functor trees, the delay rule and the input-bit order are what makes the multipliers
//! exact (scheduling the bits least significant first leaves differences); reversing the
//! fan-out direction of gate outputs or of input bits, or the flip-flop order, changed no
//! result on the tested circuits, so those three are not pinned down.

use super::event::{baseline_values, TimedRun};
use super::reference::{output_values, PortValues};
use super::{Activity, ActivitySink};
use crate::netlist::{GateKind, NetId, Netlist};
use std::collections::VecDeque;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Not,
    Buf,
    And,
    Or,
    Xor,
    Mux,
}

#[derive(Clone, Copy)]
enum Dst {
    Fun(u32, u8),
    Delay(u32),
}

struct Fun {
    op: Op,
    ins: [bool; 3],
    scheduled: bool,
    dst: Dst,
}

#[derive(Clone, Copy)]
enum Ev {
    /// The delay functor of this gate may fire.
    Delay(u32),
    /// A boolean functor runs.
    Fun(u32),
    /// An input-port bit takes its new value.
    Bit(u32),
}

fn eval(op: Op, i: [bool; 3]) -> bool {
    match op {
        Op::Not => !i[0],
        Op::Buf => i[0],
        Op::And => i[0] & i[1],
        Op::Or => i[0] | i[1],
        Op::Xor => i[0] ^ i[1],
        Op::Mux => {
            if i[2] {
                i[1]
            } else {
                i[0]
            }
        }
    }
}

enum Src {
    Net(usize),
    Fun(usize),
}

/// Functors of one gate in the order Icarus emits them; the last one feeds the delay.
fn functors(kind: GateKind, ins: [usize; 3]) -> Vec<(Op, Vec<Src>)> {
    use GateKind::*;
    use Src::{Fun as F, Net as N};
    let [a, b, c] = ins;
    match kind {
        Inv => vec![(Op::Not, vec![N(a)])],
        Buf => vec![(Op::Buf, vec![N(a)])],
        And2 => vec![(Op::And, vec![N(a), N(b)])],
        Or2 => vec![(Op::Or, vec![N(a), N(b)])],
        Xor2 => vec![(Op::Xor, vec![N(a), N(b)])],
        Nand2 => vec![(Op::And, vec![N(a), N(b)]), (Op::Not, vec![F(0)])],
        Nor2 => vec![(Op::Or, vec![N(a), N(b)]), (Op::Not, vec![F(0)])],
        Xnor2 => vec![(Op::Xor, vec![N(a), N(b)]), (Op::Not, vec![F(0)])],
        AndNot => vec![(Op::Not, vec![N(b)]), (Op::And, vec![N(a), F(0)])],
        OrNot => vec![(Op::Not, vec![N(b)]), (Op::Or, vec![N(a), F(0)])],
        Mux2 => vec![(Op::Mux, vec![N(a), N(b), N(c)])],
        Maj3 => vec![
            (Op::And, vec![N(a), N(b)]),
            (Op::And, vec![N(a), N(c)]),
            (Op::Or, vec![F(0), F(1)]),
            (Op::And, vec![N(b), N(c)]),
            (Op::Or, vec![F(2), F(3)]),
        ],
        Const0 | Const1 | Input | Dff => vec![],
    }
}

/// Run `vectors` through `n` with per-net delays `delays` (ticks, ≥ 1 for every
/// combinational gate) in Icarus's functor and event order, reporting every change to `sink`.
/// Same interface and cycle conventions as [`super::event::simulate`].
pub fn simulate(
    n: &Netlist,
    delays: &[u32],
    vectors: &[PortValues],
    sink: &mut dyn ActivitySink,
) -> (TimedRun, Vec<PortValues>) {
    assert_eq!(delays.len(), n.len(), "one delay per net");
    let len = n.len();
    let mut run = TimedRun {
        activity: Activity::new(len),
        settle: Vec::with_capacity(vectors.len()),
    };
    let mut outs = Vec::with_capacity(vectors.len());
    let Some(first) = vectors.first() else {
        sink.totals(n, &run.activity);
        return (run, outs);
    };
    // Functor graph and fan-out lists.
    let mut funs: Vec<Fun> = Vec::new();
    let mut fanout: Vec<Vec<(u32, u8)>> = vec![Vec::new(); len];
    for (gi, g) in n.gates().iter().enumerate() {
        if !g.kind.is_combinational() {
            continue;
        }
        let base = funs.len();
        let ins = g.ins.map(|x| if x == NetId::NONE { 0 } else { x.idx() });
        for (j, (op, srcs)) in functors(g.kind, ins).into_iter().enumerate() {
            let fid = base + j;
            funs.push(Fun {
                op,
                ins: [false; 3],
                scheduled: false,
                dst: Dst::Delay(gi as u32),
            });
            for (p, s) in srcs.into_iter().enumerate() {
                match s {
                    Src::Fun(k) => funs[base + k].dst = Dst::Fun(fid as u32, p as u8),
                    Src::Net(net) => fanout[net].push((fid as u32, p as u8)),
                }
            }
        }
    }
    for (net, f) in fanout.iter_mut().enumerate() {
        if n.gates()[net].kind != GateKind::Input {
            f.reverse();
        }
    }
    let mut y = baseline_values(n, first);
    for (net, f) in fanout.iter().enumerate() {
        for &(fid, p) in f {
            funs[fid as usize].ins[p as usize] = y[net];
        }
    }
    for fid in 0..funs.len() {
        if let Dst::Fun(parent, p) = funs[fid].dst {
            let o = eval(funs[fid].op, funs[fid].ins);
            funs[parent as usize].ins[p as usize] = o;
        }
    }
    outs.push(output_values(n, &y));
    run.settle.push(0);
    let dffs = n.dffs();
    let mut pending: Vec<VecDeque<(u32, bool)>> = vec![VecDeque::new(); len];
    let mut wheel: Vec<VecDeque<Ev>> = Vec::new();
    let mut new_bit = vec![false; len];
    for (c, vec) in vectors.iter().enumerate().skip(1) {
        let c64 = c as u64;
        let mut settle = 0u32;
        let mut q0: VecDeque<Ev> = VecDeque::new();
        for (port, &val) in n.inputs().iter().zip(vec) {
            for (i, b) in port.bits.iter().enumerate().rev() {
                let v = (val >> i) & 1 == 1;
                if v != y[b.idx()] {
                    new_bit[b.idx()] = v;
                    q0.push_back(Ev::Bit(b.0));
                }
            }
        }
        let captured: Vec<bool> = dffs.iter().map(|q| y[n.gate(*q).ins[0].idx()]).collect();
        let mut sends: Vec<(Dst, bool)> = Vec::new();
        for (q, v) in dffs.iter().zip(captured) {
            let b = q.idx();
            if v != y[b] {
                change(&mut y, &mut run.activity, sink, c64, 0, b, v);
                for &(fid, p) in &fanout[b] {
                    recv(&mut funs, &mut q0, fid, p, v);
                }
            }
        }
        wheel.clear();
        wheel.push(q0);
        let mut t = 0u32;
        while (t as usize) < wheel.len() {
            while let Some(ev) = wheel[t as usize].pop_front() {
                sends.clear();
                match ev {
                    Ev::Bit(b) | Ev::Delay(b) => {
                        let b = b as usize;
                        let v = match ev {
                            Ev::Bit(_) => new_bit[b],
                            _ => match pending[b].front() {
                                Some(&(at, v)) if at <= t => {
                                    pending[b].pop_front();
                                    v
                                }
                                _ => continue,
                            },
                        };
                        if v == y[b] {
                            continue;
                        }
                        change(&mut y, &mut run.activity, sink, c64, t, b, v);
                        settle = t;
                        for &(fid, p) in &fanout[b] {
                            sends.push((Dst::Fun(fid, p), v));
                        }
                    }
                    Ev::Fun(f) => {
                        let f = &mut funs[f as usize];
                        f.scheduled = false;
                        sends.push((f.dst, eval(f.op, f.ins)));
                    }
                }
                for &(dst, v) in &sends {
                    match dst {
                        Dst::Fun(fid, p) => recv(&mut funs, &mut wheel[t as usize], fid, p, v),
                        Dst::Delay(g) => {
                            let g = g as usize;
                            let pend = &mut pending[g];
                            if let Some(&(_, first)) = pend.front() {
                                if first == v {
                                    continue;
                                }
                                while matches!(pend.front(), Some(&(at, _)) if at > t) {
                                    pend.pop_front();
                                }
                            }
                            let at = t + delays[g].max(1);
                            pend.push_back((at, v));
                            if wheel.len() <= at as usize {
                                wheel.resize(at as usize + 1, VecDeque::new());
                            }
                            wheel[at as usize].push_back(Ev::Delay(g as u32));
                        }
                    }
                }
            }
            t += 1;
        }
        debug_assert!(pending.iter().all(|p| p.is_empty()));
        run.settle.push(settle);
        outs.push(output_values(n, &y));
    }
    run.activity.cycles = vectors.len() as u64;
    sink.totals(n, &run.activity);
    (run, outs)
}

fn recv(funs: &mut [Fun], queue: &mut VecDeque<Ev>, fid: u32, port: u8, v: bool) {
    let f = &mut funs[fid as usize];
    if f.ins[port as usize] == v {
        return;
    }
    f.ins[port as usize] = v;
    if !f.scheduled {
        f.scheduled = true;
        queue.push_back(Ev::Fun(fid));
    }
}

fn change(
    y: &mut [bool],
    a: &mut Activity,
    sink: &mut dyn ActivitySink,
    cycle: u64,
    tick: u32,
    net: usize,
    v: bool,
) {
    y[net] = v;
    a.toggles[net] += 1;
    a.rises[net] += v as u64;
    sink.change(cycle, tick, NetId(net as u32), v);
}
