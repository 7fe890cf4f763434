//! Fast timed simulator: lanes as time, inertial gate delays, exactly equal per net to the
//! event-driven reference [`super::event`], and so to Icarus Verilog on the exported
//! `assign #d` netlist (see [`crate::netlist::GateStyle`] for how the multi-level cells are
//! written so that Icarus evaluates each cell once per time step).
//!
//! Each block of [`LANES`](super::program::LANES) consecutive cycles is first settled by the zero-delay engine
//! ([`ZeroDelaySim`], including its register fixed point). Cycle `c`'s timed run starts from
//! cycle `c − 1`'s settled state — the settled block shifted by one lane — with inputs and
//! flip-flop outputs taking their new values at tick 0. Then ticks `t = 1, 2, …` are stepped
//! for all lanes at once. Unit delay visits a gate only at the ticks its arrival window
//! `[earliest, latest]` can change it, in descending net order so every gate reads its inputs'
//! values of tick `t − 1` in place, and evaluates it when one of its inputs changed at
//! `t − 1` in some lane. Delays `d > 1` are stepped event-driven: a gate is evaluated only at
//! the ticks after one of its inputs changed (in some lane), keeps the previous value of its
//! function, and a change of the function schedules the output `d − 1` ticks later (one lane
//! mask on a timing wheel) and cancels the lane's change in flight, if any (semantics in
//! [`super::delay`]). Toggles are `popcount(old ^ new)`; settle times
//! are the last tick with any change, per lane. Streams are cut into one segment per thread
//! (each starting from the driver's known state), so runs use every core and give the same
//! result at any thread count.

// Lane loops index several words by the same `k`: clearer than zipped iterators.
#![allow(clippy::needless_range_loop)]

use super::delay::{windows, DelayModel};
use super::isa::{on_path, KernelPath};
use super::open::{OpenOutputs, TickChanges};
use super::program::{eval_word, lane_mask, shift_lanes, Word, Words, K};
use super::zero_delay::{plan_segments, Driver, ZeroDelaySim};
use super::Activity;
use crate::netlist::{Component, GateKind, Netlist};
use rayon::prelude::*;

/// Activity of a timed run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimedActivity {
    /// Per-net toggles including every intermediate transition (glitches).
    pub activity: Activity,
    /// `settle_hist[t]` = number of counted cycles (all but the baseline) whose last change
    /// happened at tick `t`.
    pub settle_hist: Vec<u64>,
    /// Settle time (ticks) of every counted cycle in stream order, when asked for with
    /// [`TimedSim::with_per_cycle_settle`]; empty otherwise.
    pub settle: Vec<u32>,
    /// Per net, what the time spent at 1 is made of (for SAIF), when asked for with
    /// [`TimedSim::with_levels`]; empty otherwise.
    pub levels: Vec<NetLevels>,
}

/// The time a net spends at 1 over the counted cycles, for any clock period `P` (ticks):
/// `T1 = P · (high_at_start + net_rises) − weighted_rises`. A cycle contributes `P` if the net
/// starts it at 1, and each change at tick `t` adds `P − t` (rise) or subtracts it (fall).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetLevels {
    /// Counted cycles that start (tick 0, before any change) with the net at 1.
    pub high_at_start: u64,
    /// Rises minus falls.
    pub net_rises: i64,
    /// Σ over changes of ±tick (+ for rises, − for falls).
    pub weighted_rises: i64,
}

impl NetLevels {
    /// Ticks at 1 under a clock period of `period` ticks.
    pub fn high_ticks(&self, period: u64) -> u64 {
        let t = period as i128 * (self.high_at_start as i128 + self.net_rises as i128)
            - self.weighted_rises as i128;
        t.max(0) as u64
    }
    /// Add another stretch of cycles.
    pub fn add(&mut self, o: &NetLevels) {
        self.high_at_start += o.high_at_start;
        self.net_rises += o.net_rises;
        self.weighted_rises += o.weighted_rises;
    }
    #[inline]
    fn record(&mut self, tick: u32, ups: u32, changes: u32) {
        let d = 2 * ups as i64 - changes as i64;
        self.net_rises += d;
        self.weighted_rises += d * tick as i64;
    }
}

impl TimedActivity {
    /// Largest settle time in ticks.
    pub fn max_settle(&self) -> u32 {
        self.settle_hist.iter().rposition(|&c| c > 0).unwrap_or(0) as u32
    }
    /// Histogram of per-cycle settle times (from the reference's per-cycle list, skipping the
    /// baseline cycle 0).
    pub fn hist_of(settle: &[u32]) -> Vec<u64> {
        let mut h = vec![0u64; settle.iter().skip(1).copied().max().unwrap_or(0) as usize + 1];
        for &s in settle.iter().skip(1) {
            h[s as usize] += 1;
        }
        h
    }
    /// Add a run of later cycles (activity, histogram, per-cycle list and level terms).
    pub fn merge(&mut self, o: &TimedActivity) {
        self.activity.merge(&o.activity);
        self.settle.extend_from_slice(&o.settle);
        if self.levels.len() < o.levels.len() {
            self.levels.resize(o.levels.len(), NetLevels::default());
        }
        for (a, b) in self.levels.iter_mut().zip(&o.levels) {
            a.add(b);
        }
        if self.settle_hist.len() < o.settle_hist.len() {
            self.settle_hist.resize(o.settle_hist.len(), 0);
        }
        for (a, b) in self.settle_hist.iter_mut().zip(&o.settle_hist) {
            *a += b;
        }
    }
    fn trim(&mut self) {
        let keep = self.max_settle() as usize + 1;
        self.settle_hist.truncate(keep.max(1));
    }
}

/// One combinational gate, compiled for timed stepping.
#[derive(Clone, Copy, Debug)]
struct TOp {
    kind: GateKind,
    out: u32,
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

/// The compiled timed simulator for one netlist and delay model.
#[derive(Clone, Debug)]
pub struct TimedSim {
    zd: ZeroDelaySim,
    model: DelayModel,
    nets: usize,
    ops: Vec<TOp>,
    /// `sched[sched_at[t] .. sched_at[t + 1]]` = ops visited at tick `t`, descending nets.
    sched: Vec<u32>,
    sched_at: Vec<usize>,
    /// Nets that change at tick 0 (inputs and flip-flop outputs).
    sources: Vec<u32>,
    /// Some delay exceeds 1 (the inertial stepper is needed).
    inertial: bool,
    /// `fanout[fanout_at[i] .. fanout_at[i + 1]]` = the ops reading net `i` (each once).
    fanout_at: Vec<u32>,
    fanout: Vec<u32>,
    visits: u64,
    min_segment: u64,
    per_cycle: bool,
    levels: bool,
    /// Cells' open outputs to follow.
    open: Option<OpenOutputs>,
}

/// Mutable per-run state.
struct Scratch {
    y: Words,
    rprev: Words,
    /// Pending output changes: `ev_mask[e]` = the lanes of op `ev_op[e]` whose output changes
    /// at the tick of the wheel entry listing `e` (all zero once every lane was cancelled).
    ev_mask: Words,
    ev_op: Vec<u32>,
    /// The op's next pending change (later tick), or [`NONE`].
    ev_next: Vec<u32>,
    /// Unused entries of the event pool.
    ev_free: Vec<u32>,
    /// Per op, its pending changes, oldest (earliest tick) first: `head` … `tail`.
    head: Vec<u32>,
    tail: Vec<u32>,
    tick_change: Words,
    /// Ticks whose `tick_change` is set in this block, ascending.
    touched: Vec<u32>,
    /// Inertial stepper: ops to evaluate at the current / the next tick (an input changed at
    /// the tick before), and the tick + 1 each op was last queued for (0 = not this block).
    evals: Vec<u32>,
    next_evals: Vec<u32>,
    queued: Vec<u32>,
    /// Inertial stepper: `wheel[t]` = the pending changes due at tick `t`.
    wheel: Vec<Vec<u32>>,
    /// Tick stamp + 1 of each net's last change in any lane (0 = not in this block).
    changed_at: Vec<u32>,
    carry: Vec<u64>,
    first: Vec<u64>,
    toggles: Vec<u64>,
    hist: Vec<u64>,
    settle: Vec<u32>,
    levels: Vec<NetLevels>,
    /// Changes per tick of the nets open outputs read (when followed).
    open: Option<TickChanges>,
}

impl TimedSim {
    /// Compile `n` for `model`.
    pub fn new(n: &Netlist, model: &DelayModel) -> TimedSim {
        let d = model.per_net(n);
        let win = windows(n, &d);
        let mut ops = Vec::new();
        let mut sources = Vec::new();
        for (i, g) in n.gates().iter().enumerate() {
            if g.kind.is_combinational() && win[i].0 != u32::MAX {
                let ins = g.inputs();
                let at = |k: usize| ins.get(k).map_or(0, |x| x.0);
                ops.push(TOp {
                    kind: g.kind,
                    out: i as u32,
                    a: at(0),
                    b: at(1),
                    c: at(2),
                    d: d[i],
                });
            } else if matches!(g.kind, GateKind::Input | GateKind::Dff) {
                sources.push(i as u32);
            }
        }
        let max_tick = ops.iter().map(|o| win[o.out as usize].1).max().unwrap_or(0) as usize;
        let mut per_tick: Vec<Vec<u32>> = vec![Vec::new(); max_tick + 1];
        let mut visits = 0u64;
        for (k, o) in ops.iter().enumerate().rev() {
            let (lo, hi) = win[o.out as usize];
            let from = (lo + 1).saturating_sub(o.d).max(1);
            for t in from..=hi {
                per_tick[t as usize].push(k as u32);
                visits += 1;
            }
        }
        let mut sched = Vec::new();
        let mut sched_at = vec![0];
        for t in per_tick {
            sched.extend(t);
            sched_at.push(sched.len());
        }
        let inertial = ops.iter().any(|o| o.d > 1);
        let mut fanout_at = vec![0u32];
        let mut fanout = Vec::new();
        let mut readers: Vec<Vec<u32>> = vec![Vec::new(); n.len()];
        for (k, o) in ops.iter().enumerate() {
            for x in n.gates()[o.out as usize].inputs() {
                let r = &mut readers[x.idx()];
                if r.last() != Some(&(k as u32)) {
                    r.push(k as u32);
                }
            }
        }
        for r in readers {
            fanout.extend(r);
            fanout_at.push(fanout.len() as u32);
        }
        TimedSim {
            zd: ZeroDelaySim::new(n),
            model: model.clone(),
            nets: n.len(),
            ops,
            sched,
            sched_at,
            sources,
            inertial,
            fanout_at,
            fanout,
            visits,
            min_segment: 1 << 14,
            per_cycle: false,
            levels: false,
            open: None,
        }
    }

    /// Also count the toggles of cells' open outputs, every transition included
    /// ([`Activity::open`]; none when `open` is empty).
    pub fn with_open_outputs(mut self, open: OpenOutputs) -> TimedSim {
        if self.model == DelayModel::Zero {
            // Zero delay runs on the zero-delay engine.
            self.zd = self.zd.with_open_outputs(open.clone());
        }
        self.open = (!open.is_empty()).then_some(open);
        self
    }

    /// Smallest segment worth a thread (default 16,384 cycles; combinational netlists only).
    pub fn with_min_segment(mut self, lanes: u64) -> TimedSim {
        self.min_segment = lanes.max(1);
        self
    }

    /// Use the kernels compiled for `path` (see [`ZeroDelaySim::with_path`]).
    pub fn with_path(mut self, path: KernelPath) -> TimedSim {
        self.zd = self.zd.with_path(path);
        self
    }

    /// Also list every counted cycle's settle time ([`TimedActivity::settle`]).
    pub fn with_per_cycle_settle(mut self, on: bool) -> TimedSim {
        self.per_cycle = on;
        self
    }

    /// Also keep what each net's time at 1 is made of ([`TimedActivity::levels`], for SAIF).
    pub fn with_levels(mut self, on: bool) -> TimedSim {
        self.levels = on;
        self
    }

    /// The delay model.
    pub fn model(&self) -> &DelayModel {
        &self.model
    }

    /// Gate visits per block of [`LANES`](super::program::LANES) cycles (each visit evaluates one gate for all
    /// lanes at one tick); gate-evaluations per cycle = `visits_per_block()`.
    pub fn visits_per_block(&self) -> u64 {
        self.visits
    }

    /// Longest possible settle time in ticks (the latest arrival of any net).
    pub fn max_ticks(&self) -> u32 {
        self.sched_at.len().saturating_sub(2) as u32
    }

    fn scratch(&self) -> Scratch {
        let nops = self.ops.len();
        Scratch {
            y: Words::zeroed(self.nets),
            rprev: Words::zeroed(if self.inertial { nops } else { 0 }),
            ev_mask: Words::zeroed(0),
            ev_op: Vec::new(),
            ev_next: Vec::new(),
            ev_free: Vec::new(),
            head: vec![NONE; if self.inertial { nops } else { 0 }],
            tail: vec![NONE; if self.inertial { nops } else { 0 }],
            tick_change: Words::zeroed(self.sched_at.len()),
            touched: Vec::new(),
            evals: Vec::new(),
            next_evals: Vec::new(),
            queued: vec![0; if self.inertial { nops } else { 0 }],
            wheel: vec![
                Vec::new();
                if self.inertial {
                    self.sched_at.len()
                } else {
                    0
                }
            ],
            changed_at: vec![0; self.nets],
            carry: vec![0; self.nets],
            first: vec![0; self.nets],
            toggles: vec![0; self.nets],
            hist: vec![0; self.sched_at.len()],
            settle: Vec::new(),
            levels: vec![NetLevels::default(); if self.levels { self.nets } else { 0 }],
            open: self.open.as_ref().map(TickChanges::new),
        }
    }

    /// Simulate the whole stream of `d`, flip-flops holding `init` (net-id order) in cycle 0.
    /// The stream is split into one segment per thread (each long enough to be worth it)
    /// when the netlist has no flip-flops or the driver knows the flip-flop state at every
    /// cycle ([`Driver::state_at`]); a segment re-simulates the cycle before it as its
    /// baseline, so the result does not depend on the thread count.
    pub fn run_from(&self, d: &dyn Driver, init: Vec<bool>) -> TimedActivity {
        if self.model == DelayModel::Zero {
            let (activity, _) = self.zd.run_from(d, init);
            let counted = activity.transitions();
            return TimedActivity {
                activity,
                settle_hist: vec![counted],
                settle: if self.per_cycle {
                    vec![0; counted as usize]
                } else {
                    Vec::new()
                },
                levels: Vec::new(),
            };
        }
        let len = d.len();
        let plan = plan_segments(d, self.zd.program().dffs(), self.min_segment, init);
        let parts: Vec<TimedActivity> = plan
            .into_par_iter()
            .map(|p| {
                let sub = Window {
                    inner: d,
                    start: p.start,
                    len: p.end - p.start,
                };
                self.segment(&sub, p.init)
            })
            .collect();
        let mut out = TimedActivity {
            activity: Activity::new(self.nets),
            settle_hist: Vec::new(),
            settle: Vec::new(),
            levels: Vec::new(),
        };
        for p in &parts {
            out.merge(p);
        }
        out.activity.cycles = len;
        out.trim();
        out
    }

    /// Simulate the whole stream of `d` from the reset state.
    pub fn run(&self, d: &dyn Driver) -> TimedActivity {
        self.run_from(d, vec![false; self.zd.program().dffs()])
    }

    /// Lanes `0 .. d.len()` of `d`, lane 0 being the baseline, flip-flops holding `init`.
    fn segment(&self, d: &dyn Driver, init: Vec<bool>) -> TimedActivity {
        let mut s = self.scratch();
        let mut first_block = true;
        let (_, _) = self.zd.run_observed_from(d, init, &mut |bs, valid, v| {
            if first_block {
                for (i, w) in v.iter().enumerate() {
                    s.first[i] = w[0] & 1;
                    s.carry[i] = w[0] & 1;
                }
                first_block = false;
            }
            // The stream's first lane is the uncounted baseline.
            self.block(v, (bs == 0) as usize, valid, &mut s);
        });
        let n = self.nets;
        let mut act = Activity::new(n);
        act.cycles = d.len();
        act.toggles = s.toggles;
        if let (Some(o), Some(t)) = (&self.open, &s.open) {
            act.open = o.per_net(&t.counts);
        }
        for i in 0..n {
            act.rises[i] = (act.toggles[i] + s.carry[i] - s.first[i]) / 2;
        }
        let mut out = TimedActivity {
            activity: act,
            settle_hist: s.hist,
            settle: s.settle,
            levels: s.levels,
        };
        out.trim();
        out
    }

    /// One block: settled values `v` of `valid` lanes, of which `first ..` are counted.
    fn block(&self, v: &[Word], first: usize, valid: usize, s: &mut Scratch) {
        let mask = &lane_mask(first, valid);
        for ((y, w), c) in s.y.iter_mut().zip(v).zip(&s.carry) {
            *y = shift_lanes(w, *c);
        }
        s.changed_at.iter_mut().for_each(|c| *c = 0);
        if let Some(t) = s.open.as_mut() {
            t.new_block();
        }
        for &t in &s.touched {
            s.tick_change[t as usize] = [0; K];
        }
        s.touched.clear();
        if self.levels {
            for (l, y) in s.levels.iter_mut().zip(s.y.iter()) {
                l.high_at_start += (0..K)
                    .map(|k| (y[k] & mask[k]).count_ones() as u64)
                    .sum::<u64>();
            }
        }
        for &i in &self.sources {
            let i = i as usize;
            let mut any = 0;
            let mut cnt = 0u32;
            let mut ups = 0u32;
            for k in 0..K {
                let ch = v[i][k] ^ s.y[i][k];
                any |= ch;
                cnt += (ch & mask[k]).count_ones();
                ups += (ch & v[i][k] & mask[k]).count_ones();
            }
            if self.levels {
                s.levels[i].record(0, ups, cnt);
            }
            s.toggles[i] += cnt as u64;
            if any != 0 {
                s.changed_at[i] = 1;
                if let (Some(o), Some(t)) = (&self.open, s.open.as_mut()) {
                    let ch: Word = std::array::from_fn(|k| v[i][k] ^ s.y[i][k]);
                    t.changed(o, i as u32, 0, &ch);
                }
            }
            s.y[i] = v[i];
        }
        self.flush_open(0, mask, s);
        match (self.inertial, self.levels) {
            (false, false) => self.ticks_on::<false, false>(mask, s),
            (false, true) => self.ticks_on::<false, true>(mask, s),
            (true, false) => self.ticks_on::<true, false>(mask, s),
            (true, true) => self.ticks_on::<true, true>(mask, s),
        }
        // Settle histogram: the last tick with a change, per counted lane.
        let base = s.settle.len();
        if self.per_cycle {
            s.settle.resize(base + valid.saturating_sub(first), 0);
        }
        let mut left = *mask;
        for &t in s.touched.iter().rev() {
            let t = t as usize;
            let mut hits = 0u32;
            for k in 0..K {
                let mut h = s.tick_change[t][k] & left[k];
                hits += h.count_ones();
                left[k] &= !h;
                if self.per_cycle {
                    while h != 0 {
                        let lane = k * 64 + h.trailing_zeros() as usize;
                        s.settle[base + lane - first] = t as u32;
                        h &= h - 1;
                    }
                }
            }
            s.hist[t] += hits as u64;
        }
        s.hist[0] += left.iter().map(|x| x.count_ones() as u64).sum::<u64>();
        let (lk, lb) = ((valid - 1) / 64, (valid - 1) % 64);
        for (c, w) in s.carry.iter_mut().zip(v) {
            *c = (w[lk] >> lb) & 1;
        }
    }

    /// The tick loop of one block with the kernels compiled for the zero-delay engine's path
    /// (chosen once per block, outside the loops).
    fn ticks_on<const INERTIAL: bool, const LEVELS: bool>(&self, mask: &Word, s: &mut Scratch) {
        let path = self.zd.path();
        on_path!(
            path,
            avx512: self.ticks_avx512::<INERTIAL, LEVELS>(mask, s),
            avx2: self.ticks_avx2::<INERTIAL, LEVELS>(mask, s),
            portable: self.ticks_portable::<INERTIAL, LEVELS>(mask, s),
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,popcnt")]
    #[inline(never)]
    fn ticks_avx512<const INERTIAL: bool, const LEVELS: bool>(&self, mask: &Word, s: &mut Scratch) {
        match INERTIAL {
            true => self.ticks_inertial::<LEVELS>(mask, s),
            false => self.ticks_unit::<LEVELS>(mask, s),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    #[inline(never)]
    fn ticks_avx2<const INERTIAL: bool, const LEVELS: bool>(&self, mask: &Word, s: &mut Scratch) {
        match INERTIAL {
            true => self.ticks_inertial::<LEVELS>(mask, s),
            false => self.ticks_unit::<LEVELS>(mask, s),
        }
    }

    #[inline(never)]
    fn ticks_portable<const INERTIAL: bool, const LEVELS: bool>(
        &self,
        mask: &Word,
        s: &mut Scratch,
    ) {
        match INERTIAL {
            true => self.ticks_inertial::<LEVELS>(mask, s),
            false => self.ticks_unit::<LEVELS>(mask, s),
        }
    }

    /// Unit delay: `y(t) = r(t − 1)`, in place.
    #[inline(always)]
    fn ticks_unit<const LEVELS: bool>(&self, mask: &Word, s: &mut Scratch) {
        let y = &mut s.y;
        for t in 1..self.sched_at.len() - 1 {
            let stamp = t as u32; // inputs changed at tick t - 1 have stamp t
            let mut tc = [0u64; K];
            for &k in &self.sched[self.sched_at[t]..self.sched_at[t + 1]] {
                let o = self.ops[k as usize];
                let ca = &s.changed_at;
                if ca[o.a as usize] != stamp
                    && ca[o.b as usize] != stamp
                    && ca[o.c as usize] != stamp
                {
                    continue;
                }
                let r = eval_word(o.kind, &y[o.a as usize], &y[o.b as usize], &y[o.c as usize]);
                let old = &mut y[o.out as usize];
                let mut any = 0;
                let mut cnt = 0u32;
                let mut ups = 0u32;
                for k in 0..K {
                    let ch = r[k] ^ old[k];
                    any |= ch;
                    tc[k] |= ch;
                    cnt += (ch & mask[k]).count_ones();
                    if LEVELS {
                        ups += (ch & r[k] & mask[k]).count_ones();
                    }
                }
                if any != 0 {
                    if let (Some(op), Some(tc)) = (&self.open, s.open.as_mut()) {
                        let ch: Word = std::array::from_fn(|k| r[k] ^ old[k]);
                        tc.changed(op, o.out, t as u32, &ch);
                    }
                }
                *old = r;
                if any != 0 {
                    if LEVELS {
                        s.levels[o.out as usize].record(t as u32, ups, cnt);
                    }
                    s.toggles[o.out as usize] += cnt as u64;
                    s.changed_at[o.out as usize] = stamp + 1;
                }
            }
            if tc.iter().any(|&w| w != 0) {
                s.tick_change[t] = tc;
                s.touched.push(t as u32);
            }
            if let (Some(o), Some(tc)) = (&self.open, s.open.as_mut()) {
                tc.flush(o, t as u32, y, mask);
            }
        }
    }

    /// Count the open outputs tick `t` changed (when followed).
    #[inline]
    fn flush_open(&self, t: u32, mask: &Word, s: &mut Scratch) {
        if let (Some(o), Some(tc)) = (&self.open, s.open.as_mut()) {
            tc.flush(o, t, &s.y, mask);
        }
    }

    /// Inertial delays `d ≥ 1`: `y(t) = r(t − d)` when `r` was stable for the last `d` ticks.
    ///
    /// Event-driven over ticks, bit-parallel over lanes: each tick first evaluates the gates
    /// an input of which changed at the tick before (in some lane), all reading the values of
    /// the tick before, then fires the output changes due at this tick; gates with nothing to
    /// do are never visited. At an evaluation the gate computes `r`; lanes where `r` changed
    /// cancel whatever output change they had pending and, if `r` now differs from the
    /// output, schedule the output to follow `d − 1` ticks later: a pending change is one
    /// lane mask in a pool, listed on the timing wheel at its tick and in its gate's list of
    /// pending changes (oldest first, so a firing change is always its gate's first). A lane
    /// has at most one change pending, so a fired lane's output simply flips. Evaluating every gate before any fires is the same as the descending-net-order
    /// sweep of [`Self::ticks_unit`]: an evaluation at tick `t` reads only values of `t − 1`.
    #[inline(always)]
    fn ticks_inertial<const LEVELS: bool>(&self, mask: &Word, s: &mut Scratch) {
        for (k, o) in self.ops.iter().enumerate() {
            s.rprev[k] = s.y[o.out as usize];
        }
        debug_assert!(
            s.head.iter().all(|&e| e == NONE),
            "every change fired last block"
        );
        s.queued.iter_mut().for_each(|q| *q = 0);
        s.evals.clear();
        s.next_evals.clear();
        for &i in &self.sources {
            if s.changed_at[i as usize] == 1 {
                self.queue_readers(i, 1, &mut s.queued, &mut s.evals);
            }
        }
        let last = self.sched_at.len() - 2;
        let mut pending = 0usize; // changes not yet due
        for t in 1..=last {
            if s.evals.is_empty() && pending == 0 {
                break;
            }
            // Evaluate: every read is of tick t − 1.
            for &k in &s.evals {
                let ki = k as usize;
                let o = self.ops[ki];
                let y = &s.y;
                let r = eval_word(o.kind, &y[o.a as usize], &y[o.b as usize], &y[o.c as usize]);
                let rp = &mut s.rprev[ki];
                let mut rch = [0u64; K];
                let mut anych = 0;
                for w in 0..K {
                    rch[w] = r[w] ^ rp[w];
                    anych |= rch[w];
                }
                if anych == 0 {
                    continue;
                }
                *rp = r;
                // A lane whose r moved back to the output had a change in flight (r is
                // binary): cancel it. Other changed lanes had none.
                let out = &s.y[o.out as usize];
                let mut cancel = [0u64; K];
                let mut sched = [0u64; K];
                let (mut anyc, mut anys) = (0, 0);
                for w in 0..K {
                    let differs = r[w] ^ out[w];
                    cancel[w] = rch[w] & !differs;
                    sched[w] = rch[w] & differs;
                    anyc |= cancel[w];
                    anys |= sched[w];
                }
                // A cancelled lane is taken out of the one pending change that lists it, so
                // a change fires exactly the lanes it still lists.
                if anyc != 0 {
                    let mut e = s.head[ki];
                    while e != NONE {
                        let m = &mut s.ev_mask[e as usize];
                        let mut left = 0;
                        for w in 0..K {
                            let hit = m[w] & cancel[w];
                            m[w] &= !hit;
                            cancel[w] &= !hit;
                            left |= cancel[w];
                        }
                        if left == 0 {
                            break;
                        }
                        e = s.ev_next[e as usize];
                    }
                    debug_assert!(e != NONE, "a cancelled lane had a change pending");
                }
                if anys != 0 {
                    let when = t + o.d as usize - 1;
                    debug_assert!(when <= last, "a change past the latest arrival");
                    let e = match s.ev_free.pop() {
                        Some(e) => {
                            s.ev_mask[e as usize] = sched;
                            s.ev_op[e as usize] = k;
                            s.ev_next[e as usize] = NONE;
                            e
                        }
                        None => {
                            s.ev_mask.push(sched);
                            s.ev_op.push(k);
                            s.ev_next.push(NONE);
                            (s.ev_mask.len() - 1) as u32
                        }
                    };
                    match s.tail[ki] {
                        NONE => s.head[ki] = e,
                        prev => s.ev_next[prev as usize] = e,
                    }
                    s.tail[ki] = e;
                    s.wheel[when].push(e);
                    pending += 1;
                }
            }
            s.evals.clear();
            // Fire the changes due now (each the oldest of its op); their readers evaluate
            // at t + 1.
            let mut due_now = std::mem::take(&mut s.wheel[t]);
            pending -= due_now.len();
            let mut fired = false;
            for &e in &due_now {
                let ki = s.ev_op[e as usize] as usize;
                debug_assert_eq!(s.head[ki], e, "changes of one op fire in order");
                s.head[ki] = s.ev_next[e as usize];
                if s.head[ki] == NONE {
                    s.tail[ki] = NONE;
                }
                s.ev_free.push(e);
                let fire = &s.ev_mask[e as usize];
                let out_net = self.ops[ki].out;
                let out = &mut s.y[out_net as usize];
                let mut anyf = 0;
                let mut cnt = 0u32;
                let mut ups = 0u32;
                for w in 0..K {
                    out[w] ^= fire[w];
                    anyf |= fire[w];
                    cnt += (fire[w] & mask[w]).count_ones();
                    if LEVELS {
                        ups += (fire[w] & out[w] & mask[w]).count_ones();
                    }
                }
                if anyf == 0 {
                    continue; // every lane cancelled
                }
                fired = true;
                if LEVELS {
                    s.levels[out_net as usize].record(t as u32, ups, cnt);
                }
                if let (Some(o), Some(tc)) = (&self.open, s.open.as_mut()) {
                    tc.changed(o, out_net, t as u32, fire);
                }
                s.toggles[out_net as usize] += cnt as u64;
                self.queue_readers(out_net, t as u32 + 1, &mut s.queued, &mut s.next_evals);
            }
            if fired {
                // The lanes that changed at this tick, in a pass of their own: kept out of
                // the firing loop, the union stays in registers (loads, no stores per change).
                let mut tc = [0u64; K];
                for &e in &due_now {
                    let fire = &s.ev_mask[e as usize];
                    for w in 0..K {
                        tc[w] |= fire[w];
                    }
                }
                s.tick_change[t] = tc;
                s.touched.push(t as u32);
            }
            due_now.clear();
            s.wheel[t] = due_now;
            std::mem::swap(&mut s.evals, &mut s.next_evals);
            self.flush_open(t as u32, mask, s);
        }
        debug_assert!(s.evals.is_empty() && pending == 0, "the block settled");
    }

    /// Queue the ops reading net `net` for evaluation at tick `t` (once each).
    #[inline(always)]
    fn queue_readers(&self, net: u32, t: u32, queued: &mut [u32], list: &mut Vec<u32>) {
        let (a, b) = (
            self.fanout_at[net as usize] as usize,
            self.fanout_at[net as usize + 1] as usize,
        );
        for &k in &self.fanout[a..b] {
            if queued[k as usize] != t {
                queued[k as usize] = t;
                list.push(k);
            }
        }
    }
}

/// No event (end of an op's list of pending changes).
const NONE: u32 = u32::MAX;

/// Lanes `start .. start + len` of another driver.
struct Window<'a> {
    inner: &'a dyn Driver,
    start: u64,
    len: u64,
}

impl Driver for Window<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
        self.inner.fill_inputs(self.start + start, inputs)
    }
    fn predict_state(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        self.inner.predict_state(self.start + start, inputs, regs)
    }
    fn state_at(&self, t: u64) -> Option<Vec<bool>> {
        self.inner.state_at(self.start + t)
    }
}

/// Per-component glitch summary: functional (zero-delay) and timed toggles of cells.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GlitchRow {
    /// Component.
    pub component: Component,
    /// Zero-delay toggles.
    pub zero_delay: u64,
    /// Timed toggles (functional + glitches).
    pub timed: u64,
}

impl GlitchRow {
    /// Glitch factor `timed / zero_delay` (NaN when there is no functional activity).
    pub fn ratio(&self) -> f64 {
        self.timed as f64 / self.zero_delay as f64
    }
}

/// Glitch report: one row per component that has cells (cells only, no total row).
pub fn glitch_report(n: &Netlist, zero: &Activity, timed: &Activity) -> Vec<GlitchRow> {
    let z = zero.by_component(n);
    let t = timed.by_component(n);
    z.iter()
        .map(|(c, &zv)| GlitchRow {
            component: *c,
            zero_delay: zv,
            timed: t.get(c).copied().unwrap_or(0),
        })
        .collect()
}
