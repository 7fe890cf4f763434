//! Fast zero-delay simulator: lanes as time.
//!
//! Consecutive cycles of the stream sit in adjacent bit lanes; one pass over the compiled
//! [`Program`] evaluates [`LANES`] cycles per gate visit, and a net's toggles in a word are
//! `popcount(v ^ (v << 1 | last_lane_of_previous_word))`.
//!
//! Flip-flops: their outputs are pseudo-inputs. A [`Driver`] may predict them (a MAC's
//! registers are known arithmetically: delayed operands, prefix sums); the simulator then checks
//! that every flip-flop's predicted value equals its D input one lane earlier. Without a
//! prediction, or when the check fails, it iterates that substitution to the fixed point, which
//! is exact (lane `i` is right after `i + 1` rounds) — a failed prediction is counted in
//! [`RunStats::mispredictions`] and reported, never silently trusted.
//!
//! Long streams are split into segments run on all cores; each segment starts one lane early
//! (the previous segment's last cycle is its baseline) with the flip-flop state the driver
//! predicts, so the totals equal one serial run exactly, at any thread count.

use super::bits::transpose64;
use super::isa::{kernel_path, on_path, KernelPath};
use super::open::OpenOutputs;
use super::program::{
    bit, block_toggles, lane_mask, on_cache_lines, shift_lanes, Counting, Program, Word, Words, K,
    LANES,
};
use super::reference::PortValues;
use super::Activity;
use crate::netlist::Netlist;
use rayon::prelude::*;

/// Supplies one stream's input values (and optionally register predictions) by lane index.
pub trait Driver: Sync {
    /// Number of cycles in the stream.
    fn len(&self) -> u64;
    /// True if the stream is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fill `inputs[j]` (input bit `j` in [`Program`] order: ports in order, LSB first) for
    /// lanes `start .. start + LANES`. Lanes at or past [`Driver::len`] may hold anything.
    fn fill_inputs(&self, start: u64, inputs: &mut [Word]);
    /// Predict flip-flop outputs (in net-id order) for the same lanes, given the input words
    /// just filled; `false` = no prediction.
    fn predict_state(&self, _start: u64, _inputs: &[Word], _regs: &mut [Word]) -> bool {
        false
    }
    /// Flip-flop state (net-id order) held during cycle `t`, if known without simulating.
    fn state_at(&self, _t: u64) -> Option<Vec<bool>> {
        None
    }
}

/// How a run went (beyond the activity itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Blocks of [`LANES`] lanes evaluated (per segment).
    pub blocks: u64,
    /// Extra evaluation rounds spent converging flip-flop values.
    pub register_rounds: u64,
    /// Blocks or segment starts where the driver's register prediction was wrong.
    pub mispredictions: u64,
    /// Segments run in parallel.
    pub segments: u64,
}

impl RunStats {
    fn add(&mut self, o: &RunStats) {
        self.blocks += o.blocks;
        self.register_rounds += o.register_rounds;
        self.mispredictions += o.mispredictions;
        self.segments += o.segments;
    }
}

/// Output of one segment: activity plus the boundary values needed to stitch segments.
struct Segment {
    act: Activity,
    /// Flip-flop state held during the segment's last lane.
    state_last: Vec<bool>,
    stats: RunStats,
}

/// Observer of settled values: `(block_start_lane, valid_lanes, values per net)`.
pub type Observer<'a> = &'a mut dyn FnMut(u64, usize, &[Word]);

/// The bit-parallel zero-delay simulator for one compiled netlist.
#[derive(Clone, Debug)]
pub struct ZeroDelaySim {
    prog: Program,
    min_segment: u64,
    /// Enable net of each clock gate.
    enables: Vec<u32>,
    /// Cells' open outputs to follow.
    open: Option<OpenOutputs>,
    /// Compiled copy of the kernels in use.
    path: KernelPath,
}

impl ZeroDelaySim {
    /// Compile `n` for simulation.
    pub fn new(n: &Netlist) -> ZeroDelaySim {
        ZeroDelaySim {
            prog: Program::compile(n),
            min_segment: 1 << 16,
            enables: n.clock_gates().iter().map(|g| g.enable.0).collect(),
            open: None,
            path: kernel_path(),
        }
    }
    /// Also count the toggles of cells' open outputs ([`Activity::open`]; none when
    /// `open` is empty).
    pub fn with_open_outputs(mut self, open: OpenOutputs) -> ZeroDelaySim {
        self.open = (!open.is_empty()).then_some(open);
        self
    }
    /// Use the kernels compiled for `path` instead of the process-wide choice (tests compare
    /// every path the CPU runs). Panics if this CPU cannot run `path`.
    pub fn with_path(mut self, path: KernelPath) -> ZeroDelaySim {
        assert!(path.available(), "kernel path {path} is not available here");
        self.path = path;
        self
    }
    /// The kernel path in use.
    pub fn path(&self) -> KernelPath {
        self.path
    }
    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.prog
    }
    /// Smallest segment worth a thread of its own (default 65,536 cycles); tests lower it to
    /// exercise the stitching.
    pub fn with_min_segment(mut self, lanes: u64) -> ZeroDelaySim {
        self.min_segment = lanes.max(1);
        self
    }

    /// Simulate the whole stream of `d` from the reset state (all flip-flops 0).
    pub fn run(&self, d: &dyn Driver) -> (Activity, RunStats) {
        let reset = vec![false; self.prog.dffs()];
        self.run_from(d, reset)
    }

    /// Simulate the whole stream of `d`, flip-flops holding `init` in cycle 0.
    pub fn run_from(&self, d: &dyn Driver, init: Vec<bool>) -> (Activity, RunStats) {
        let (a, s, _) = self.run_from_state(d, init);
        (a, s)
    }

    /// [`ZeroDelaySim::run_from`], also returning the flip-flop state held during the last
    /// cycle (the initial state of a following batch that re-simulates that cycle as its
    /// baseline).
    pub fn run_from_state(
        &self,
        d: &dyn Driver,
        init: Vec<bool>,
    ) -> (Activity, RunStats, Vec<bool>) {
        let len = d.len();
        let plan = plan_segments(d, self.prog.dffs(), self.min_segment, init.clone());
        let parts: Vec<Segment> = plan
            .par_iter()
            .map(|p| self.segment(d, p.start, p.end, p.init.clone(), None))
            .collect();
        let stitched = parts
            .windows(2)
            .zip(&plan[1..])
            .all(|(w, p)| w[0].state_last == p.init);
        let mut stats = RunStats::default();
        let mut act = Activity::new(self.prog.nets());
        let last;
        if stitched {
            for p in &parts {
                act.merge(&p.act);
                stats.add(&p.stats);
            }
            // Segments overlap by one baseline lane each.
            act.cycles = len;
            last = parts
                .last()
                .map(|p| p.state_last.clone())
                .unwrap_or_default();
        } else {
            // A predicted segment start was wrong: count it, and redo the run serially.
            let serial = self.segment(d, 0, len, init, None);
            act = serial.act;
            stats = serial.stats;
            stats.mispredictions += 1;
            last = serial.state_last;
        }
        (act, stats, last)
    }

    /// [`ZeroDelaySim::run_observed`] with flip-flops holding `init` in cycle 0.
    pub fn run_observed_from(
        &self,
        d: &dyn Driver,
        init: Vec<bool>,
        observe: Observer<'_>,
    ) -> (Activity, RunStats) {
        let s = self.segment(d, 0, d.len(), init, Some(observe));
        (s.act, s.stats)
    }

    /// Simulate serially and hand every block's settled values to `observe`.
    pub fn run_observed(&self, d: &dyn Driver, observe: Observer<'_>) -> (Activity, RunStats) {
        let reset = vec![false; self.prog.dffs()];
        let s = self.segment(d, 0, d.len(), reset, Some(observe));
        (s.act, s.stats)
    }

    /// Lanes `start .. end`, `start` being the baseline (its toggles are not counted),
    /// flip-flops holding `state` during lane `start`; the whole block loop compiled for the
    /// kernel path (chosen here, once per segment).
    fn segment(
        &self,
        d: &dyn Driver,
        start: u64,
        end: u64,
        state: Vec<bool>,
        observe: Option<Observer<'_>>,
    ) -> Segment {
        let path = self.path;
        on_path!(
            path,
            avx512: self.segment_avx512(d, start, end, state, observe),
            avx2: self.segment_avx2(d, start, end, state, observe),
            portable: self.segment_body(d, start, end, state, observe, shifted_differs),
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,avx512vbmi2,popcnt")]
    fn segment_avx512(
        &self,
        d: &dyn Driver,
        start: u64,
        end: u64,
        state: Vec<bool>,
        observe: Option<Observer<'_>>,
    ) -> Segment {
        // SAFETY: this copy runs on the avx512 path only, whose CPUs have AVX-512VBMI2.
        self.segment_body(d, start, end, state, observe, |w, f, r, m| unsafe {
            shifted_differs_avx512(w, f, r, m)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn segment_avx2(
        &self,
        d: &dyn Driver,
        start: u64,
        end: u64,
        state: Vec<bool>,
        observe: Option<Observer<'_>>,
    ) -> Segment {
        self.segment_body(d, start, end, state, observe, shifted_differs)
    }

    #[inline(always)]
    fn segment_body(
        &self,
        d: &dyn Driver,
        start: u64,
        end: u64,
        mut state: Vec<bool>,
        mut observe: Option<Observer<'_>>,
        differs: impl Fn(&Word, u64, &Word, &Word) -> bool,
    ) -> Segment {
        let p = &self.prog;
        let n = p.nets();
        let nd = p.dffs();
        let ni = p.input_bits();
        // Input bits and flip-flop outputs filled and predicted in place when each is a run of
        // consecutive nets (as the generators build them); else in words of their own, copied.
        let direct = match (consecutive(&p.input_nets), consecutive(&p.dff_q)) {
            (Some(i0), Some(q0)) => Some((i0, q0)),
            _ => None,
        };
        let (own_in, own_ff) = if direct.is_some() { (0, 0) } else { (ni, nd) };
        // Net values, input and register words on cache lines (see [`Words`]).
        let mut v = Words::zeroed(n);
        let mut inw = Words::zeroed(own_in);
        let mut regs = Words::zeroed(own_ff);
        debug_assert!(on_cache_lines(&v) && on_cache_lines(&inw) && on_cache_lines(&regs));
        p.init_consts(&mut v);
        let mut act = Activity::new(n);
        act.clock_enables = vec![0; self.enables.len()];
        let mut first = vec![false; n];
        let mut carry = vec![0u64; n];
        let nopen = self.open.as_ref().map_or(0, |o| o.len());
        let (mut open_carry, mut open_counts) = (vec![0u64; nopen], vec![0u64; nopen]);
        let mut stats = RunStats {
            segments: 1,
            ..Default::default()
        };
        let mut bs = start;
        while bs < end {
            let valid = (end - bs).min(LANES as u64) as usize;
            let vmask = lane_mask(0, valid);
            let mask = lane_mask(if bs == start { 1 } else { 0 }, valid);
            let predicted = match direct {
                Some((i0, q0)) => {
                    let (ins, ffs) = two_spans(&mut v, (i0, ni), (q0, nd));
                    d.fill_inputs(bs, ins);
                    fill_or_hold(d, bs, ins, ffs, &state)
                }
                None => {
                    d.fill_inputs(bs, &mut inw);
                    for (&net, w) in p.input_nets.iter().zip(&inw) {
                        v[net as usize] = *w;
                    }
                    fill_or_hold(d, bs, &inw, &mut regs, &state)
                }
            };
            let last = ((valid - 1) / 64, (valid - 1) % 64);
            let mut round = 0u64;
            loop {
                for (&q, r) in p.dff_q.iter().zip(&regs) {
                    v[q as usize] = *r;
                }
                p.eval_on(self.path, &mut v);
                let mut settled = true;
                for (i, (&dn, &s)) in p.dff_d.iter().zip(&state).enumerate() {
                    let (dn, s) = (dn as usize, s as u64);
                    // The flip-flop's word: in place, or its own (copied in above). In place, a
                    // flip-flop whose D is another's Q may see that Q already corrected this
                    // round; either way lane `l` is exact after `l + 1` rounds, and a round
                    // that changes nothing leaves the words consistent.
                    let r = match direct {
                        Some((_, q0)) => &v[q0 + i],
                        None => &regs[i],
                    };
                    if differs(&v[dn], s, r, &vmask) {
                        settled = false;
                        let new = shift_lanes(&v[dn], s);
                        match direct {
                            Some((_, q0)) => v[q0 + i] = new,
                            None => regs[i] = new,
                        }
                    }
                }
                if settled {
                    break;
                }
                if round == 0 && predicted {
                    stats.mispredictions += 1;
                }
                round += 1;
                debug_assert!(
                    round <= LANES as u64 + 1,
                    "register fixed point must converge"
                );
            }
            stats.register_rounds += round;
            stats.blocks += 1;
            for (s, &dn) in state.iter_mut().zip(&p.dff_d) {
                *s = bit(&v[dn as usize], valid - 1);
            }
            if bs == start {
                for (f, w) in first.iter_mut().zip(&v) {
                    *f = bit(w, 0);
                }
            }
            let mut c = Counting {
                mask: &mask,
                carry: &mut carry,
                toggles: &mut act.toggles,
                last,
            };
            count_toggles(self.path, &v, &mut c);
            if let Some(o) = &self.open {
                o.count_block(&v, &mask, last, &mut open_carry, &mut open_counts);
            }
            if !self.enables.is_empty() {
                // Clock edges after lanes start .. end − 1 (the last lane's edge precedes no
                // counted transition; segments overlap by that lane).
                let edges = lane_mask(0, valid.min((end - 1 - bs) as usize));
                for (c, &e) in act.clock_enables.iter_mut().zip(&self.enables) {
                    let w = &v[e as usize];
                    *c += (0..K)
                        .map(|k| (w[k] & edges[k]).count_ones() as u64)
                        .sum::<u64>();
                }
            }
            if let Some(o) = observe.as_mut() {
                o(bs, valid, &v);
            }
            bs += LANES as u64;
        }
        act.cycles = end - start;
        if let Some(o) = &self.open {
            act.open = o.per_net(&open_counts);
        }
        for i in 0..n {
            let last = carry[i];
            act.rises[i] = (act.toggles[i] + last - first[i] as u64) / 2;
        }
        let state_last = p.dff_q.iter().map(|&q| carry[q as usize] == 1).collect();
        Segment {
            act,
            state_last,
            stats,
        }
    }
}

/// The first of `nets` if they are consecutive (`nets[i] = nets[0] + i`); `Some(0)` if empty.
fn consecutive(nets: &[u32]) -> Option<usize> {
    let first = nets.first().map_or(0, |&f| f as usize);
    let run = nets
        .iter()
        .enumerate()
        .all(|(i, &x)| x as usize == first + i);
    run.then_some(first)
}

/// The words `a.0 .. a.0 + a.1` and `b.0 .. b.0 + b.1` of `v`, which must not overlap.
fn two_spans(v: &mut [Word], a: (usize, usize), b: (usize, usize)) -> (&mut [Word], &mut [Word]) {
    fn span(v: &mut [Word], (at, len): (usize, usize)) -> &mut [Word] {
        &mut v[at..at + len]
    }
    if a.1 == 0 || b.1 == 0 {
        let none: &mut [Word] = &mut [];
        return match a.1 == 0 {
            true => (none, span(v, b)),
            false => (span(v, a), none),
        };
    }
    if a.0 < b.0 {
        assert!(a.0 + a.1 <= b.0, "spans overlap");
        let (lo, hi) = v.split_at_mut(b.0);
        (span(lo, a), span(hi, (0, b.1)))
    } else {
        assert!(b.0 + b.1 <= a.0, "spans overlap");
        let (lo, hi) = v.split_at_mut(a.0);
        (span(hi, (0, a.1)), span(lo, b))
    }
}

/// The driver's register prediction into `regs`, or (none given) the held `state` in every
/// lane; whether it predicted.
fn fill_or_hold(
    d: &dyn Driver,
    bs: u64,
    inputs: &[Word],
    regs: &mut [Word],
    state: &[bool],
) -> bool {
    let predicted = !regs.is_empty() && d.predict_state(bs, inputs, regs);
    if !predicted {
        for (r, &s) in regs.iter_mut().zip(state) {
            *r = [if s { !0 } else { 0 }; K];
        }
    }
    predicted
}

/// Whether `w` delayed by one lane (lane 0 taking `first`) differs from `r` in a lane of
/// `vmask`: one pass with no early exit and no temporary word, so it vectorises like the
/// toggle counter (the early-exit form ran scalar, a branch per word).
#[inline(always)]
fn shifted_differs(w: &Word, first: u64, r: &Word, vmask: &Word) -> bool {
    let mut diff = (((w[0] << 1) | first) ^ r[0]) & vmask[0];
    for k in 1..K {
        diff |= (((w[k] << 1) | (w[k - 1] >> 63)) ^ r[k]) & vmask[k];
    }
    diff != 0
}

/// Each lane's value one lane earlier, for the 512 lanes (eight words) of `z`: word `k − 1`
/// under word `k` by `valignq` (the last word of `prev`, the previous piece, under the first),
/// then `(z << 1) | (under >> 63)` by `vpshldq`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vbmi2")]
#[inline]
fn delayed(
    z: std::arch::x86_64::__m512i,
    prev: std::arch::x86_64::__m512i,
) -> std::arch::x86_64::__m512i {
    use std::arch::x86_64::*;
    _mm512_shldi_epi64::<1>(z, _mm512_alignr_epi64::<7>(z, prev))
}

/// [`shifted_differs`] with AVX-512: per 512 lanes the delayed word by `valignq` and
/// `vpshldq`, the difference from `r` in `vmask` ORed up by `vpternlogq`.
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512VBMI2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vbmi2")]
#[inline]
unsafe fn shifted_differs_avx512(w: &Word, first: u64, r: &Word, vmask: &Word) -> bool {
    use std::arch::x86_64::*;
    // SAFETY: every load reads 64 bytes of one of the three words.
    unsafe {
        let mut prev = _mm512_set1_epi64((first << 63) as i64);
        let mut diff = _mm512_setzero_si512();
        for p in 0..K / 8 {
            let z = _mm512_loadu_si512(w.as_ptr().add(8 * p) as *const _);
            let late = delayed(z, prev);
            let x = _mm512_xor_si512(late, _mm512_loadu_si512(r.as_ptr().add(8 * p) as *const _));
            let m = _mm512_loadu_si512(vmask.as_ptr().add(8 * p) as *const _);
            // diff | (x & m)
            diff = _mm512_ternarylogic_epi64::<0xF8>(diff, x, m);
            prev = z;
        }
        _mm512_test_epi64_mask(diff, diff) != 0
    }
}

/// Add each net's toggles in one block, with the toggle counter compiled for `path`.
fn count_toggles(path: KernelPath, v: &[Word], c: &mut Counting<'_>) {
    on_path!(
        path,
        avx512: count_avx512(v, c),
        avx2: count_avx2(v, c),
        portable: count_portable(v, c),
    )
}

/// [`count_body`] written out for AVX-512 (the compiler's version of the generic loop splits
/// the 64 words into 256- and 512-bit pieces and a scalar tail, loads each word's predecessor
/// across two cache lines, and reduces every net's sum on its own): per 512-bit piece of a
/// net's word one aligned load, the previous words by `valignq`, the lane shift by `vpshldq`,
/// toggle-and-mask by one `vpternlogq`, `vpopcntq` and an add (6 instructions for 512 lanes);
/// the sums of eight nets reduced together and added to their counts at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,avx512vbmi2,popcnt")]
#[inline(never)]
fn count_avx512(v: &[Word], c: &mut Counting<'_>) {
    use std::arch::x86_64::*;
    let n = v.len().min(c.carry.len()).min(c.toggles.len());
    let (lk, lb) = c.last;
    // SAFETY: every load reads 64 bytes of one `Word` (`v[i]`, `c.mask`) or 8 counts of
    // `c.toggles[i0 .. i0 + 8]` with `i0 + 8 <= n`; `Word`s are read unaligned.
    unsafe {
        let mask: [__m512i; 8] =
            std::array::from_fn(|p| _mm512_loadu_si512(c.mask.as_ptr().add(8 * p) as *const _));
        let net = |i: usize, carry: u64| -> __m512i {
            let w = v[i].as_ptr();
            let mut prev = _mm512_set1_epi64((carry << 63) as i64);
            let mut sum = _mm512_setzero_si512();
            for (p, m) in mask.iter().enumerate() {
                let z = _mm512_loadu_si512(w.add(8 * p) as *const _);
                let late = delayed(z, prev);
                // (z ^ late) & mask
                let t = _mm512_ternarylogic_epi64::<0x28>(z, late, *m);
                sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(t));
                prev = z;
            }
            sum
        };
        let mut i0 = 0;
        while i0 + 8 <= n {
            let s: [__m512i; 8] = std::array::from_fn(|j| net(i0 + j, c.carry[i0 + j]));
            // Eight nets' partial sums to one vector of their totals.
            let pair =
                |a, b| _mm512_add_epi64(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
            let (u01, u23, u45, u67) = (
                pair(s[0], s[1]),
                pair(s[2], s[3]),
                pair(s[4], s[5]),
                pair(s[6], s[7]),
            );
            let quad = |a, b| {
                _mm512_add_epi64(
                    _mm512_shuffle_i64x2::<0b10_00_10_00>(a, b),
                    _mm512_shuffle_i64x2::<0b11_01_11_01>(a, b),
                )
            };
            let total = quad(quad(u01, u23), quad(u45, u67));
            let t = c.toggles.as_mut_ptr().add(i0) as *mut __m512i;
            _mm512_storeu_si512(t, _mm512_add_epi64(_mm512_loadu_si512(t), total));
            for (cy, w) in c.carry[i0..i0 + 8].iter_mut().zip(&v[i0..i0 + 8]) {
                *cy = (w[lk] >> lb) & 1;
            }
            i0 += 8;
        }
        for (j, w) in v.iter().enumerate().take(n).skip(i0) {
            c.toggles[j] += _mm512_reduce_add_epi64(net(j, c.carry[j])) as u64;
            c.carry[j] = (w[lk] >> lb) & 1;
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
#[inline(never)]
fn count_avx2(v: &[Word], c: &mut Counting<'_>) {
    count_body(v, c)
}

#[inline(never)]
fn count_portable(v: &[Word], c: &mut Counting<'_>) {
    count_body(v, c)
}

#[inline(always)]
fn count_body(v: &[Word], c: &mut Counting<'_>) {
    let (lk, lb) = c.last;
    for ((w, cy), t) in v.iter().zip(c.carry.iter_mut()).zip(c.toggles.iter_mut()) {
        *t += block_toggles(w, *cy, c.mask);
        *cy = (w[lk] >> lb) & 1;
    }
}

/// A [`Driver`] over explicit per-cycle port values (any netlist; no register prediction).
#[derive(Clone, Debug)]
pub struct PortVectors {
    widths: Vec<usize>,
    vectors: Vec<PortValues>,
}

impl PortVectors {
    /// `vectors[t][p]` = value of input port `p` in cycle `t` (ports in `n.inputs()` order).
    pub fn new(n: &Netlist, vectors: Vec<PortValues>) -> PortVectors {
        PortVectors {
            widths: n.inputs().iter().map(|p| p.bits.len()).collect(),
            vectors,
        }
    }
}

impl Driver for PortVectors {
    fn len(&self) -> u64 {
        self.vectors.len() as u64
    }
    fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
        let mut base = 0;
        for (p, &w) in self.widths.iter().enumerate() {
            for half in 0..w.div_ceil(64) {
                for k in 0..K {
                    let mut m = [0u64; 64];
                    for (l, x) in m.iter_mut().enumerate() {
                        let t = start as usize + k * 64 + l;
                        if let Some(vec) = self.vectors.get(t) {
                            *x = (vec[p] >> (64 * half)) as u64;
                        }
                    }
                    transpose64(&mut m);
                    let bits = (w - 64 * half).min(64);
                    for (inp, &plane) in inputs[base + 64 * half..][..bits].iter_mut().zip(&m) {
                        inp[k] = plane;
                    }
                }
            }
            base += w;
        }
    }
}

/// One thread's share of a stream: cycles `start .. end`, flip-flops holding `init` in cycle
/// `start`. Every segment after the first starts one cycle early and re-simulates it as its
/// uncounted baseline.
pub(crate) struct SegmentPlan {
    pub start: u64,
    pub end: u64,
    pub init: Vec<bool>,
}

/// Cut the stream of `d` into one segment per thread, each at least `min_segment` cycles,
/// when the netlist has no flip-flops (`dffs == 0`) or the driver knows the state at every
/// cycle ([`Driver::state_at`]); otherwise one segment. The first holds `init`.
pub(crate) fn plan_segments(
    d: &dyn Driver,
    dffs: usize,
    min_segment: u64,
    init: Vec<bool>,
) -> Vec<SegmentPlan> {
    let len = d.len();
    let threads = rayon::current_num_threads() as u64;
    let mut segs = (len / min_segment).clamp(1, threads.max(1));
    if dffs > 0 && segs > 1 && d.state_at(0).is_none() {
        segs = 1;
    }
    let bounds: Vec<u64> = (0..=segs).map(|i| len * i / segs).collect();
    let mut init = Some(init);
    (0..segs as usize)
        .map(|i| SegmentPlan {
            start: bounds[i].saturating_sub((i > 0) as u64),
            end: bounds[i + 1],
            init: match i {
                0 => init.take().unwrap_or_default(),
                _ if dffs == 0 => Vec::new(),
                _ => d.state_at(bounds[i] - 1).expect("driver knows the state"),
            },
        })
        .collect()
}

/// Extract per-lane output-port values from one observed block (tests and checks).
pub fn output_values(n: &Netlist, valid: usize, v: &[Word]) -> Vec<PortValues> {
    (0..valid)
        .map(|l| super::reference::output_values_by(n, |b| bit(&v[b.idx()], l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlist::random::{random_netlist, random_vectors};

    #[test]
    fn toggle_counts_equal_the_generic_loop_on_every_path() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [0, 1, 7, 8, 9, 23, 64] {
            let v: Vec<Word> = (0..n).map(|_| std::array::from_fn(|_| rng.gen())).collect();
            for (lo, hi) in [(0, LANES), (1, LANES), (0, 1), (1, 100), (0, 4000), (3, 64)] {
                let mask = lane_mask(lo, hi);
                let last = ((hi - 1) / 64, (hi - 1) % 64);
                let carry0: Vec<u64> = (0..n).map(|_| rng.gen_range(0..2)).collect();
                let start: Vec<u64> = (0..n).map(|_| rng.gen_range(0..1000)).collect();
                let (mut want_c, mut want_t) = (carry0.clone(), start.clone());
                count_body(
                    &v,
                    &mut Counting {
                        mask: &mask,
                        carry: &mut want_c,
                        toggles: &mut want_t,
                        last,
                    },
                );
                for path in KernelPath::available_paths() {
                    let (mut cy, mut t) = (carry0.clone(), start.clone());
                    let mut c = Counting {
                        mask: &mask,
                        carry: &mut cy,
                        toggles: &mut t,
                        last,
                    };
                    count_toggles(path, &v, &mut c);
                    assert_eq!(
                        (&t, &cy),
                        (&want_t, &want_c),
                        "{path}, {n} nets, lanes {lo}..{hi}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_flip_flop_check_equals_the_generic_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        for _ in 0..300 {
            let w: Word = std::array::from_fn(|_| rng.gen());
            let first = rng.gen_range(0..2);
            let mut r = shift_lanes(&w, first);
            // Equal, or different in one lane inside or outside the mask.
            let (lo, hi) = (rng.gen_range(0..2), rng.gen_range(1..=LANES));
            let vmask = lane_mask(lo, hi);
            if rng.gen_bool(0.7) {
                let l = rng.gen_range(0..LANES);
                r[l / 64] ^= 1 << (l % 64);
            }
            let want = shifted_differs(&w, first, &r, &vmask);
            #[cfg(target_arch = "x86_64")]
            if KernelPath::Avx512.available() {
                // SAFETY: the avx512 path's CPUs have AVX-512F/VBMI2.
                let got = unsafe { shifted_differs_avx512(&w, first, &r, &vmask) };
                assert_eq!(got, want);
            }
            let _ = want;
        }
    }

    #[test]
    fn two_spans_are_the_asked_words_in_either_order() {
        let mut v: Vec<Word> = (0..10u64).map(|i| [i; K]).collect();
        for (a, b) in [
            ((0, 3), (3, 4)),
            ((6, 2), (1, 5)),
            ((2, 0), (0, 10)),
            ((0, 10), (4, 0)),
        ] {
            let (x, y) = two_spans(&mut v, a, b);
            let ids = |s: &[Word]| s.iter().map(|w| w[0] as usize).collect::<Vec<_>>();
            assert_eq!(ids(x), (a.0..a.0 + a.1).collect::<Vec<_>>());
            assert_eq!(ids(y), (b.0..b.0 + b.1).collect::<Vec<_>>());
        }
        assert_eq!(consecutive(&[4, 5, 6]), Some(4));
        assert_eq!(consecutive(&[]), Some(0));
        assert_eq!(consecutive(&[4, 6]), None);
    }

    #[test]
    fn the_block_words_sit_on_cache_lines() {
        let n = random_netlist(3, 8, 120, 4);
        let drv = PortVectors::new(&n, random_vectors(3, &n, 9000));
        let mut blocks = 0;
        ZeroDelaySim::new(&n).run_observed(&drv, &mut |_, _, v| {
            assert!(on_cache_lines(v));
            blocks += 1;
        });
        assert_eq!(blocks, 3);
    }
}
