//! Event-driven timed reference simulator: one cycle at a time, one scalar event at a time,
//! inertial delays exactly as Icarus Verilog runs `assign #d` (see [`super::delay`]).
//! Obvious by construction and slow; [`super::timed::TimedSim`] is tested against it.
//!
//! Each gate holds at most one pending output event. At tick `t`, first every event due at
//! `t` fires (a net whose value really changes counts one toggle), then every gate reading a
//! changed net re-evaluates its function `r`: if `r` equals the pending value nothing happens
//! (the earlier event stands); otherwise the pending event is cancelled and, when `r` differs
//! from the output, `r` is scheduled at `t + d`. Cycle `c` starts from the settled state of
//! cycle `c − 1`; at tick 0 the input ports take vector `c` and the flip-flops the D values
//! settled in cycle `c − 1`. Cycle 0 is the baseline: it settles without counting.
//!
//! Agreement with Icarus (tests `icarus_*`): exact per net, for zero, unit, cell-table and
//! random per-gate delays, on the Verilog that [`crate::netlist::write_verilog`] exports by
//! default, where the multi-level cells `andnot`, `ornot` and `maj3` are function calls that
//! Icarus evaluates once per time step, like this model. Written as plain expressions
//! instead ([`crate::netlist::GateStyle::Expression`]), Icarus runs those three cells as
//! trees of functors in its event-queue order and can feed the delay a zero-width
//! intermediate value that restarts it (on the 8×8 multipliers, with the default table or
//! SKY130's delays: 2 to 68 of 1.2e5–3.1e5 toggles, at most 0.04 %);
//! [`super::icarus_order`] reproduces that exactly.

use super::reference::{eval_gate, output_values, set_inputs, PortValues};
use super::{Activity, ActivitySink};
use crate::netlist::{GateKind, NetId, Netlist};

/// Result of a timed run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimedRun {
    /// Per-net toggles including every intermediate transition.
    pub activity: Activity,
    /// Settle time per cycle in ticks: the last tick at which any net changed (cycle 0, the
    /// baseline, is 0).
    pub settle: Vec<u32>,
}

impl TimedRun {
    /// Largest settle time over all cycles, in ticks.
    pub fn max_settle(&self) -> u32 {
        self.settle.iter().copied().max().unwrap_or(0)
    }
}

/// Several sinks fed by one run (e.g. a VCD and a SAIF writer).
pub struct Tee<'a>(pub Vec<&'a mut dyn ActivitySink>);

impl ActivitySink for Tee<'_> {
    fn change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) {
        for s in self.0.iter_mut() {
            s.change(cycle, tick, net, value);
        }
    }
    fn totals(&mut self, n: &Netlist, a: &Activity) {
        for s in self.0.iter_mut() {
            s.totals(n, a);
        }
    }
}

/// Settled values of every net in cycle 0 (flip-flops at reset), for waveform sinks that need
/// initial values.
pub fn baseline_values(n: &Netlist, first: &PortValues) -> Vec<bool> {
    let mut v = vec![false; n.len()];
    set_inputs(n, first, &mut v);
    settle_zero_delay(n, &mut v);
    v
}

fn eval(n: &Netlist, v: &[bool], i: usize) -> bool {
    let g = n.gates()[i];
    let x = |k: usize| g.ins[k] != NetId::NONE && v[g.ins[k].idx()];
    eval_gate(g.kind, x(0), x(1), x(2))
}

/// Settle combinational logic in place (inputs and flip-flop outputs already set).
fn settle_zero_delay(n: &Netlist, v: &mut [bool]) {
    for (i, g) in n.gates().iter().enumerate() {
        if g.kind.is_combinational() || matches!(g.kind, GateKind::Const0 | GateKind::Const1) {
            v[i] = eval(n, v, i);
        }
    }
}

/// Run `vectors` through `n` with per-net delays `delays` (ticks, ≥ 1 for every
/// combinational gate), reporting every change to `sink`. Returns the run and, per cycle, the
/// settled output-port values.
pub fn simulate(
    n: &Netlist,
    delays: &[u32],
    vectors: &[PortValues],
    sink: &mut dyn ActivitySink,
) -> (TimedRun, Vec<PortValues>) {
    assert_eq!(delays.len(), n.len(), "one delay per net");
    let len = n.len();
    let fanouts = n.fanouts();
    let dffs = n.dffs();
    let mut run = TimedRun {
        activity: Activity::new(len),
        settle: Vec::with_capacity(vectors.len()),
    };
    let mut outs = Vec::with_capacity(vectors.len());
    let Some(first) = vectors.first() else {
        sink.totals(n, &run.activity);
        return (run, outs);
    };
    let mut y = baseline_values(n, first);
    outs.push(output_values(n, &y));
    run.settle.push(0);
    let mut pending: Vec<Option<(u32, bool)>> = vec![None; len];
    // Time wheel: wheel[t] = gates with an event due at tick t (stale entries are skipped).
    let mut wheel: Vec<Vec<u32>> = Vec::new();
    let mut stamp = vec![u32::MAX; len];
    let mut next = vec![false; len];
    for (c, vec) in vectors.iter().enumerate().skip(1) {
        let c64 = c as u64;
        // Tick 0: flip-flops capture, inputs change.
        for &q in &dffs {
            next[q.idx()] = y[n.gate(q).ins[0].idx()];
        }
        set_inputs(n, vec, &mut next);
        let mut changed: Vec<u32> = Vec::new();
        for (i, g) in n.gates().iter().enumerate() {
            if matches!(g.kind, GateKind::Input | GateKind::Dff) && next[i] != y[i] {
                changed.push(i as u32);
            }
        }
        let mut t = 0u32;
        let mut settle = 0u32;
        loop {
            for &i in &changed {
                let i = i as usize;
                y[i] = !y[i];
                run.activity.toggles[i] += 1;
                run.activity.rises[i] += y[i] as u64;
                sink.change(c64, t, NetId(i as u32), y[i]);
            }
            if !changed.is_empty() {
                settle = t;
            }
            for &i in &changed {
                for &g in &fanouts[i as usize] {
                    let gi = g.idx();
                    if stamp[gi] == t || !n.gate(g).kind.is_combinational() {
                        continue;
                    }
                    stamp[gi] = t;
                    let r = eval(n, &y, gi);
                    let d = delays[gi].max(1);
                    match pending[gi] {
                        Some((_, v)) if v == r => {}
                        _ if r == y[gi] => pending[gi] = None,
                        _ => {
                            let at = t + d;
                            pending[gi] = Some((at, r));
                            if wheel.len() <= at as usize {
                                wheel.resize(at as usize + 1, Vec::new());
                            }
                            wheel[at as usize].push(gi as u32);
                        }
                    }
                }
            }
            // Next tick with a due event.
            changed.clear();
            let mut found = false;
            while !found {
                t += 1;
                if t as usize >= wheel.len() {
                    break;
                }
                for g in std::mem::take(&mut wheel[t as usize]) {
                    if let Some((at, v)) = pending[g as usize] {
                        if at == t {
                            pending[g as usize] = None;
                            found = true;
                            if v != y[g as usize] {
                                changed.push(g);
                            }
                        }
                    }
                }
            }
            if !found {
                break;
            }
        }
        wheel.clear();
        stamp.iter_mut().for_each(|s| *s = u32::MAX);
        debug_assert!(pending.iter().all(|p| p.is_none()));
        run.settle.push(settle);
        outs.push(output_values(n, &y));
    }
    run.activity.cycles = vectors.len() as u64;
    sink.totals(n, &run.activity);
    (run, outs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlist::Builder;
    use crate::sim::{reference, NoSink};

    fn xor_of_inverted() -> Netlist {
        // y = a ^ !a through paths of different length: a pulse on every change of a.
        let mut b = Builder::new();
        let a = b.input("a", 1)[0];
        let na = b.inv(a);
        let y = b.push(GateKind::Xor2, [a, na]);
        b.output("y", &[y]);
        b.finish().unwrap()
    }

    #[test]
    fn unit_pulse_through_xor_with_delay_one_is_a_glitch_and_with_delay_two_is_swallowed() {
        let n = xor_of_inverted();
        let vecs: Vec<PortValues> = (0..5).map(|t| vec![(t % 2) as u128]).collect();
        let y = n.output("y").unwrap().bits[0].idx();
        let (run, _) = simulate(&n, &vec![1; n.len()], &vecs, &mut NoSink);
        assert_eq!(run.activity.toggles[y], 8, "two toggles per input change");
        let mut d = vec![1; n.len()];
        d[y] = 2;
        let (run, _) = simulate(&n, &d, &vecs, &mut NoSink);
        assert_eq!(
            run.activity.toggles[y], 0,
            "a 1-tick pulse through a 2-tick gate vanishes"
        );
        assert_eq!(run.max_settle(), 1);
    }

    #[test]
    fn settled_outputs_equal_zero_delay_reference() {
        for seed in 0..10 {
            let n = crate::netlist::random::random_netlist(seed, 6, 80, 4);
            let vecs: Vec<PortValues> = (0..50u128)
                .map(|t| vec![(t * 7 + seed as u128) % 8, (t * 5) % 8])
                .collect();
            let (_, want) = reference::simulate(&n, &vecs);
            let d: Vec<u32> = (0..n.len()).map(|i| 1 + (i as u32 * 7 + 3) % 4).collect();
            let (_, got) = simulate(&n, &d, &vecs, &mut NoSink);
            assert_eq!(got, want, "seed {seed}");
        }
    }
}
