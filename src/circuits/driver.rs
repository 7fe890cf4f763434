//! [`MacDriver`]: feeds a batch of operand pairs to a generated MAC (or multiplier) in the
//! bit-parallel simulator, predicting every register from the arithmetic model so that the
//! simulator's check (flip-flop value = its D input one cycle earlier) verifies the whole
//! datapath against integer arithmetic in every lane.

use super::{AccStyle, MacState, Repr, Unit, ValidMacSpec};
use crate::netlist::{GateKind, NetId, Netlist};
use crate::sim::bits::{byte_planes_block_with, byte_planes_swar};
use crate::sim::isa::{kernel_path, on_path, KernelPath};
use crate::sim::program::{Word, K, LANES};
use crate::sim::Driver;
use rayon::prelude::*;
use std::collections::HashMap;

/// Where a flip-flop's value comes from.
#[derive(Clone, Copy, Debug)]
enum Src {
    /// Operand register: input bit `j` (x bits then w bits), one cycle late.
    Operand(usize),
    /// Accumulator register `k`, bit `i`.
    Acc(usize, usize),
    /// The operand-isolation register `x_nz`.
    Live,
}

/// Register map of a generated unit: the source of each flip-flop in net-id order.
#[derive(Clone, Debug)]
pub struct RegisterMap {
    srcs: Vec<Src>,
    accs_used: Vec<usize>,
    /// Per accumulator register and byte `j` of it: `(flip-flop index, bit within the
    /// byte)` of its bits `8 j .. 8 j + 8`.
    acc_regs: [Vec<Vec<(usize, usize)>>; 4],
    /// The same per byte of the operand-isolation registers' packed word
    /// (`xr | wr << b_x | x_nz << (b_x + b_w)`, see [`MacDriver`]); empty without them.
    held_regs: Vec<Vec<(usize, usize)>>,
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
        if let Some(l) = n.label("x_nz") {
            at.insert(l.bits[0], Src::Live);
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
        let mut acc_regs: [Vec<Vec<(usize, usize)>>; 4] = Default::default();
        for (r, s) in srcs.iter().enumerate() {
            if let Src::Acc(a, i) = *s {
                if acc_regs[a].len() <= i / 8 {
                    acc_regs[a].resize(i / 8 + 1, Vec::new());
                }
                acc_regs[a][i / 8].push((r, i % 8));
            }
        }
        let mut held_regs: Vec<Vec<(usize, usize)>> = Vec::new();
        if spec.operand_isolation {
            held_regs.resize(bytes_for(spec.bx + spec.bw + 1), Vec::new());
            for (r, s) in srcs.iter().enumerate() {
                let i = match *s {
                    Src::Operand(j) => j,
                    Src::Live => (spec.bx + spec.bw) as usize,
                    Src::Acc(..) => continue,
                };
                held_regs[i / 8].push((r, i % 8));
            }
        }
        debug_assert!(n
            .gates()
            .iter()
            .all(|g| g.kind != GateKind::Dff || spec.unit == Unit::Mac));
        RegisterMap {
            srcs,
            accs_used,
            acc_regs,
            held_regs,
        }
    }
}

/// Drives one batch of encoded operand pairs through a generated unit.
///
/// Storage is byte-planar (`planes[j][t]` = byte `j` of a value in lane `t`), so turning 64
/// lanes into bit-planes is one vector instruction per bit
/// ([`crate::sim::bits::byte_planes`]).
pub struct MacDriver<'a> {
    spec: ValidMacSpec,
    map: &'a RegisterMap,
    len: usize,
    /// Registers held during lane 0.
    init: MacState,
    /// Byte planes of the x then w port encodings, padded to whole blocks.
    x_bytes: Vec<Vec<u8>>,
    w_bytes: Vec<Vec<u8>>,
    /// Byte planes of each used accumulator register (`acc_bytes[a][j]`), held per lane.
    acc_bytes: [Vec<Vec<u8>>; 4],
    /// Registers after the last lane's clock edge.
    next: MacState,
    /// Scratch: accumulator registers per lane.
    acc_seq: Vec<[u64; 4]>,
    /// Operand isolation only: byte planes of the operand registers held per lane, packed
    /// as `xr | wr << b_x | x_nz << (b_x + b_w)` (they do not simply follow the inputs).
    held_bytes: Vec<Vec<u8>>,
}

/// Lanes of one chunk of the fused refill (see [`MacDriver::refill_values`]).
const CHUNK: usize = 1 << 14;
/// Lanes whose values sit in L1 at once.
const SUB: usize = 1 << 9;

/// One chunk's slices of the byte planes.
#[derive(Default)]
struct Planes<'a> {
    x: Vec<&'a mut [u8]>,
    w: Vec<&'a mut [u8]>,
    a0: Vec<&'a mut [u8]>,
    a1: Vec<&'a mut [u8]>,
}

impl<'a> Planes<'a> {
    /// `(planes, source, mask)`: source 0 = x, 1 = w, 2 = accumulator 0, 3 = accumulator 1.
    fn as_slices(&mut self, m: u64) -> Vec<(&mut [u8], usize, u64)> {
        let mut v = Vec::new();
        for (src, planes) in [&mut self.x, &mut self.w, &mut self.a0, &mut self.a1]
            .into_iter()
            .enumerate()
        {
            for p in planes.iter_mut() {
                v.push((&mut **p, src, if src >= 2 { m } else { !0 }));
            }
        }
        v
    }
}

/// What the fused refill needs to know of a batch.
struct Fused<'p> {
    pairs: &'p [(i64, i64)],
    prev: Option<(u64, u64)>,
    /// Operand registers held during lane 0.
    init: (u64, u64),
    mx: u64,
    mw: u64,
    bx: u32,
    bw: u32,
    signmag_w: bool,
    accs: bool,
}

impl Fused<'_> {
    /// Lanes `lanes` (one chunk): each lane's encoded pair and the accumulators it holds
    /// (`run` during the chunk's first lane), byte `j` of each written to its planes in
    /// `out` (`(plane, source, mask)`, the `j`-th plane of a source being its byte `j`).
    /// Returns the accumulators after the chunk's last clock edge. Compiled for `path`.
    fn chunk(
        &self,
        path: KernelPath,
        lanes: std::ops::Range<usize>,
        run: [u64; 2],
        out: &mut [(&mut [u8], usize, u64)],
    ) -> [u64; 2] {
        on_path!(
            path,
            avx512: self.chunk_avx512(lanes, run, out),
            avx2: self.chunk_avx2(lanes, run, out),
            portable: self.chunk_body(lanes, run, out, prefix_sums),
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn chunk_avx512(
        &self,
        lanes: std::ops::Range<usize>,
        run: [u64; 2],
        out: &mut [(&mut [u8], usize, u64)],
    ) -> [u64; 2] {
        // SAFETY: this copy runs on the avx512 path only (AVX-512F).
        self.chunk_body(lanes, run, out, |r, d, o| unsafe {
            prefix_sums_avx512(r, d, o)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn chunk_avx2(
        &self,
        lanes: std::ops::Range<usize>,
        run: [u64; 2],
        out: &mut [(&mut [u8], usize, u64)],
    ) -> [u64; 2] {
        self.chunk_body(lanes, run, out, prefix_sums)
    }

    /// The sums of the addends of the clock edges after lanes `lanes` (per accumulator),
    /// from the values directly: in range, a two's complement product is `x·w` and an
    /// unsigned split's is `x·|w|`, to the negative bank when `w < 0`. Compiled for `path`.
    fn sums(&self, path: KernelPath, lanes: std::ops::Range<usize>) -> [u64; 2] {
        on_path!(
            path,
            avx512: self.sums_avx512(lanes),
            portable: self.sums_body(lanes),
        )
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn sums_avx512(&self, lanes: std::ops::Range<usize>) -> [u64; 2] {
        self.sums_body(lanes)
    }

    #[inline(always)]
    fn sums_body(&self, lanes: std::ops::Range<usize>) -> [u64; 2] {
        let off = self.prev.is_some() as usize;
        let mut s = [0u64; 2];
        // Lanes whose held operands are not values of `pairs`: lane 0 holds the initial
        // registers, lane 1 the baseline pair when lane 0 is one.
        let mut t = lanes.start;
        while t < lanes.end && t < 1 + off {
            let (xr, wr) = if t == 0 { self.init } else { self.at(t - 1) };
            let (k, a) = self.addend(xr, wr);
            s[k] = s[k].wrapping_add(a);
            t += 1;
        }
        if t >= lanes.end {
            return s;
        }
        let src = &self.pairs[t - 1 - off..lanes.end - 1 - off];
        if self.signmag_w {
            let (mut pos, mut neg) = (0u64, 0u64);
            for &(x, w) in src {
                let p = (x as u64).wrapping_mul(w.unsigned_abs());
                let n = (w < 0) as u64;
                neg = neg.wrapping_add(p * n);
                pos = pos.wrapping_add(p * (1 - n));
            }
            s[0] = s[0].wrapping_add(pos);
            s[1] = s[1].wrapping_add(neg);
        } else {
            let sum = src
                .iter()
                .fold(0u64, |a, &(x, w)| a.wrapping_add(x.wrapping_mul(w) as u64));
            s[0] = s[0].wrapping_add(sum);
        }
        s
    }

    /// The addend of the clock edge after a lane whose operand registers hold `(xr, wr)`, as
    /// (accumulator index, value).
    #[inline(always)]
    fn addend(&self, xr: u64, wr: u64) -> (usize, u64) {
        if self.signmag_w {
            let sign = 1u64 << (self.bw - 1);
            ((wr & sign != 0) as usize, xr * (wr & (sign - 1)))
        } else {
            let (sx, sw) = (64 - self.bx, 64 - self.bw);
            (
                0,
                ((((xr << sx) as i64) >> sx) * (((wr << sw) as i64) >> sw)) as u64,
            )
        }
    }

    /// Encoded pair of lane `t`.
    fn at(&self, t: usize) -> (u64, u64) {
        match (t, self.prev) {
            (0, Some(p)) => p,
            _ => {
                let (x, w) = self.pairs[t - self.prev.is_some() as usize];
                (self.enc_x(x), self.enc_w(w))
            }
        }
    }

    #[inline(always)]
    fn enc_x(&self, x: i64) -> u64 {
        x as u64 & self.mx
    }

    #[inline(always)]
    fn enc_w(&self, w: i64) -> u64 {
        if self.signmag_w {
            w.unsigned_abs() | (((w < 0) as u64) << (self.bw - 1))
        } else {
            w as u64 & self.mw
        }
    }

    #[inline(always)]
    fn chunk_body(
        &self,
        lanes: std::ops::Range<usize>,
        mut run: [u64; 2],
        out: &mut [(&mut [u8], usize, u64)],
        scan: impl Fn(u64, &[u64], &mut [u64]) -> u64,
    ) -> [u64; 2] {
        let off = self.prev.is_some() as usize;
        let base = lanes.start;
        // vals[0..2]: x, w of each lane; vals[2..4]: the accumulators held; q[0..2]: the
        // addends of each lane's clock edge.
        let mut vals = [[0u64; SUB]; 4];
        let mut q = [[0u64; SUB]; 2];
        // Operand registers held during the sub-chunk's first lane.
        let mut held = match base {
            0 => self.init,
            t => self.at(t - 1),
        };
        let (sx, sw) = (64 - self.bx, 64 - self.bw);
        let sign = 1u64 << (self.bw - 1);
        for lo in lanes.clone().step_by(SUB) {
            let hi = (lo + SUB).min(lanes.end);
            let n = hi - lo;
            // Encoded pairs: the baseline lane from `prev`, the others from the values.
            // (Only the batch's lane 0 can be the baseline.)
            let first = off.saturating_sub(lo);
            if first > 0 {
                (vals[0][0], vals[1][0]) = self.at(lo);
            }
            let src = &self.pairs[lo + first - off..hi - off];
            let (vx, rest) = vals.split_at_mut(1);
            for ((ox, ow), &(x, w)) in vx[0][first..n]
                .iter_mut()
                .zip(&mut rest[0][first..n])
                .zip(src)
            {
                *ox = self.enc_x(x);
                *ow = self.enc_w(w);
            }
            if self.accs {
                // Addend of lane i's edge: the product of the operands it holds (lane i − 1's).
                let (xs, ws) = (&vals[0], &vals[1]);
                let (q0, q1) = q.split_at_mut(1);
                for i in 0..n {
                    let (xr, wr) = if i == 0 { held } else { (xs[i - 1], ws[i - 1]) };
                    if self.signmag_w {
                        let p = xr * (wr & (sign - 1));
                        let neg = (wr & sign != 0) as u64;
                        q1[0][i] = p * neg;
                        q0[0][i] = p * (1 - neg);
                    } else {
                        q0[0][i] =
                            ((((xr << sx) as i64) >> sx) * (((wr << sw) as i64) >> sw)) as u64;
                    }
                }
                held = (xs[n - 1], ws[n - 1]);
                let (va, vb) = vals.split_at_mut(3);
                run[0] = scan(run[0], &q[0][..n], &mut va[2][..n]);
                if self.signmag_w {
                    run[1] = scan(run[1], &q[1][..n], &mut vb[0][..n]);
                }
            }
            // Byte planes: byte j of a source goes to its j-th plane.
            let mut nth = [0usize; 4];
            for (plane, src, m) in out.iter_mut() {
                let j = nth[*src];
                nth[*src] += 1;
                for (o, &v) in plane[lo - base..hi - base].iter_mut().zip(&vals[*src][..n]) {
                    *o = ((v & *m) >> (8 * j)) as u8;
                }
            }
        }
        run
    }
}

/// Exclusive prefix sums: `out[i] = run + d[0] + … + d[i − 1]` (wrapping); returns
/// `run + Σ d`. The plain twin of [`prefix_sums_avx512`].
fn prefix_sums(mut run: u64, d: &[u64], out: &mut [u64]) -> u64 {
    for (o, &x) in out.iter_mut().zip(d) {
        *o = run;
        run = run.wrapping_add(x);
    }
    run
}

/// [`prefix_sums`] eight lanes at a time: an in-register scan (three shifted adds by
/// `valignq`) plus the running sum broadcast, instead of one dependent scalar add per lane.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn prefix_sums_avx512(run: u64, d: &[u64], out: &mut [u64]) -> u64 {
    use std::arch::x86_64::*;
    let n = d.len().min(out.len());
    let zero = _mm512_setzero_si512();
    let mut acc = _mm512_set1_epi64(run as i64);
    let mut i = 0;
    // SAFETY: each load and store covers lanes i .. i + 8 <= n of `d` and `out`.
    unsafe {
        while i + 8 <= n {
            let x = _mm512_loadu_si512(d.as_ptr().add(i) as *const _);
            let x = _mm512_add_epi64(x, _mm512_alignr_epi64::<7>(x, zero));
            let x = _mm512_add_epi64(x, _mm512_alignr_epi64::<6>(x, zero));
            let inclusive = _mm512_add_epi64(x, _mm512_alignr_epi64::<4>(x, zero));
            let exclusive = _mm512_alignr_epi64::<7>(inclusive, zero);
            _mm512_storeu_si512(
                out.as_mut_ptr().add(i) as *mut _,
                _mm512_add_epi64(acc, exclusive),
            );
            acc = _mm512_add_epi64(
                acc,
                _mm512_permutexvar_epi64(_mm512_set1_epi64(7), inclusive),
            );
            i += 8;
        }
    }
    let run = _mm_cvtsi128_si64(_mm512_castsi512_si128(acc)) as u64;
    prefix_sums(run, &d[i..n], &mut out[i..n])
}

fn bytes_for(bits: u32) -> usize {
    (bits as usize).div_ceil(8)
}

impl<'a> MacDriver<'a> {
    /// A batch of encoded pairs `(xe, we)`; registers hold `init` during the first lane.
    pub fn new(
        spec: &ValidMacSpec,
        map: &'a RegisterMap,
        init: MacState,
        pairs: &[(u64, u64)],
    ) -> MacDriver<'a> {
        let mut d = MacDriver::empty(spec, map, init);
        d.refill(init, pairs);
        d
    }

    /// A driver with no lanes yet (fill it with [`MacDriver::refill`] or
    /// [`MacDriver::refill_values`]).
    pub fn empty(spec: &ValidMacSpec, map: &'a RegisterMap, init: MacState) -> MacDriver<'a> {
        let mut d = MacDriver {
            spec: *spec,
            map,
            len: 0,
            init,
            x_bytes: vec![Vec::new(); bytes_for(spec.bx)],
            w_bytes: vec![Vec::new(); bytes_for(spec.bw)],
            acc_bytes: Default::default(),
            next: init,
            acc_seq: Vec::new(),
            held_bytes: Vec::new(),
        };
        if spec.operand_isolation {
            d.held_bytes = vec![Vec::new(); bytes_for(spec.bx + spec.bw + 1)];
        }
        for &a in &map.accs_used {
            d.acc_bytes[a] = vec![Vec::new(); bytes_for(spec.acc)];
        }
        d
    }

    /// Reuse this driver's buffers for another batch.
    pub fn refill(&mut self, init: MacState, pairs: &[(u64, u64)]) {
        let padded = pairs.len().div_ceil(LANES) * LANES + LANES;
        self.len = pairs.len();
        self.init = init;
        let (xb, wb) = (&mut self.x_bytes, &mut self.w_bytes);
        let mut planes = || {
            fill_planes(xb, padded, pairs, |p| p.0);
            fill_planes(wb, padded, pairs, |p| p.1);
        };
        if self.spec.unit != Unit::Mac {
            planes();
            self.next = init;
            return;
        }
        // The accumulator sequence is inherently serial (one cheap step per lane): it runs
        // next to the operand planes.
        let mut seq = std::mem::take(&mut self.acc_seq);
        let spec = self.spec;
        let ((), s) = rayon::join(planes, || {
            seq.clear();
            spec.acc_sequence(init, pairs, &mut seq)
        });
        self.next = s;
        if self.spec.operand_isolation {
            let mut held = Vec::with_capacity(pairs.len());
            let mut st = init;
            for &(xe, we) in pairs {
                held.push(self.pack_held(&st));
                st = self.spec.step(&st, xe, we);
            }
            fill_planes(&mut self.held_bytes, padded, &held, |v| *v);
        }
        for &a in &self.map.accs_used {
            fill_planes(&mut self.acc_bytes[a], padded, &seq, |s| s[a]);
        }
        self.acc_seq = seq;
    }

    /// [`MacDriver::refill`] from range-checked values: lane 0 holds `prev` (an encoded pair,
    /// the previous batch's last cycle) when given, then `pairs`, encoded here. For the common
    /// circuits (multipliers; MACs with a carry-propagate accumulator, two's complement or
    /// unsigned, no operand isolation) encoding, byte planes and the accumulator's prefix sums
    /// are one parallel pass over the values (two, counting the per-chunk product sums);
    /// other circuits encode into `scratch` and take [`MacDriver::refill`], the twin this
    /// path is tested against. Returns the last lane's encoded pair.
    pub fn refill_values(
        &mut self,
        init: MacState,
        prev: Option<(u64, u64)>,
        pairs: &[(i64, i64)],
        scratch: &mut Vec<(u64, u64)>,
    ) -> Option<(u64, u64)> {
        let spec = self.spec;
        let fused = match spec.unit {
            Unit::Mult => true,
            Unit::Mac => !spec.operand_isolation && spec.acc_style == AccStyle::Cpa,
            Unit::Adder => false,
        } && matches!(spec.repr, Repr::Twos | Repr::Unsigned);
        let last = pairs
            .last()
            .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w)))
            .or(prev);
        if !fused {
            scratch.clear();
            scratch.extend(prev);
            scratch.extend(
                pairs
                    .iter()
                    .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w))),
            );
            self.refill(init, scratch);
            return last;
        }
        let off = prev.is_some() as usize;
        let len = off + pairs.len();
        let padded = len.div_ceil(LANES) * LANES + LANES;
        self.len = len;
        self.init = init;
        let accs: Vec<usize> = match spec.unit {
            Unit::Mac => self.map.accs_used.clone(),
            _ => Vec::new(),
        };
        let job = Fused {
            pairs,
            prev,
            init: (init.xr, init.wr),
            mx: (1u64 << spec.bx) - 1,
            mw: (1u64 << spec.bw) - 1,
            bx: spec.bx,
            bw: spec.bw,
            // A MAC's unsigned split takes its weight in sign-magnitude.
            signmag_w: spec.unit == Unit::Mac && spec.repr == Repr::Unsigned,
            accs: !accs.is_empty(),
        };
        let m = if spec.acc >= 64 {
            !0
        } else {
            (1u64 << spec.acc) - 1
        };
        let path = kernel_path();
        let chunks = len.div_ceil(CHUNK);
        // Pass 1: each chunk's sum of addends, per accumulator.
        let sums: Vec<[u64; 2]> = if accs.is_empty() {
            Vec::new()
        } else {
            (0..chunks)
                .into_par_iter()
                .map(|c| job.sums(path, c * CHUNK..((c + 1) * CHUNK).min(len)))
                .collect()
        };
        let mut start = [init.acc[0], init.acc[1]];
        let mut starts = Vec::with_capacity(chunks);
        for s in &sums {
            starts.push(start);
            start[0] = start[0].wrapping_add(s[0]);
            start[1] = start[1].wrapping_add(s[1]);
        }
        self.next = init;
        if spec.unit == Unit::Mac {
            if let Some((xr, wr)) = last {
                (self.next.xr, self.next.wr) = (xr, wr);
            }
            self.next.acc[0] = start[0] & m;
            if job.signmag_w {
                self.next.acc[1] = start[1] & m;
            }
        }
        // Pass 2: every byte plane, chunk by chunk. Each chunk gets its own slice of every
        // plane: x bytes, w bytes, then each used accumulator's bytes.
        let mut per_chunk: Vec<Planes<'_>> = (0..chunks).map(|_| Planes::default()).collect();
        let mut put = |v: &'_ mut Vec<u8>| {
            v.resize(padded, 0);
            v[len..].fill(0);
        };
        self.x_bytes.iter_mut().for_each(&mut put);
        self.w_bytes.iter_mut().for_each(&mut put);
        for &a in &accs {
            self.acc_bytes[a].iter_mut().for_each(&mut put);
        }
        for v in &mut self.x_bytes {
            for (c, s) in v[..len].chunks_mut(CHUNK).enumerate() {
                per_chunk[c].x.push(s);
            }
        }
        for v in &mut self.w_bytes {
            for (c, s) in v[..len].chunks_mut(CHUNK).enumerate() {
                per_chunk[c].w.push(s);
            }
        }
        for (a, bytes) in self.acc_bytes.iter_mut().enumerate() {
            if !accs.contains(&a) {
                continue;
            }
            for v in bytes {
                for (c, s) in v[..len].chunks_mut(CHUNK).enumerate() {
                    match a {
                        0 => per_chunk[c].a0.push(s),
                        _ => per_chunk[c].a1.push(s),
                    }
                }
            }
        }
        per_chunk
            .into_par_iter()
            .enumerate()
            .for_each(|(c, mut out)| {
                let hi = ((c + 1) * CHUNK).min(len);
                let run = starts.get(c).copied().unwrap_or([0; 2]);
                job.chunk(path, c * CHUNK..hi, run, &mut out.as_slices(m));
            });
        last
    }

    fn gather(planes: &[Vec<u8>], t: usize) -> u64 {
        planes
            .iter()
            .enumerate()
            .map(|(j, v)| (v[t] as u64) << (8 * j))
            .sum()
    }

    fn pack_held(&self, s: &MacState) -> u64 {
        let (bx, bw) = (self.spec.bx, self.spec.bw);
        s.xr | (s.wr << bx) | ((s.x_nz as u64) << (bx + bw))
    }

    /// Registers held during lane `t` of the batch.
    pub fn state(&self, t: usize) -> MacState {
        let mut s = self.init;
        if self.spec.operand_isolation {
            let (bx, bw) = (self.spec.bx, self.spec.bw);
            let v = Self::gather(&self.held_bytes, t);
            s.xr = v & ((1 << bx) - 1);
            s.wr = (v >> bx) & ((1 << bw) - 1);
            s.x_nz = (v >> (bx + bw)) & 1 == 1;
        } else if t > 0 {
            s.xr = Self::gather(&self.x_bytes, t - 1);
            s.wr = Self::gather(&self.w_bytes, t - 1);
        }
        for &a in &self.map.accs_used {
            s.acc[a] = Self::gather(&self.acc_bytes[a], t);
        }
        s
    }

    /// Registers after the batch's last clock edge.
    pub fn next_state(&self) -> MacState {
        self.next
    }
}

/// Write byte `j` of `value(items[t])` to `planes[j][t]`, zero-padded to `padded` lanes.
fn fill_planes<T: Sync>(
    planes: &mut [Vec<u8>],
    padded: usize,
    items: &[T],
    value: impl Fn(&T) -> u64 + Sync,
) {
    for (j, v) in planes.iter_mut().enumerate() {
        v.resize(padded, 0);
        v[items.len()..].fill(0);
        v[..items.len()]
            .par_chunks_mut(1 << 15)
            .zip(items.par_chunks(1 << 15))
            .for_each(|(out, src)| {
                for (b, x) in out.iter_mut().zip(src) {
                    *b = (value(x) >> (8 * j)) as u8;
                }
            });
    }
}

impl MacDriver<'_> {
    /// [`Driver::fill_inputs`] with the block transpose `block` (inlined into each path's
    /// copy): byte plane by byte plane, the bit-planes of the block stored straight into
    /// their words.
    #[inline(always)]
    fn fill_with(
        &self,
        start: u64,
        inputs: &mut [Word],
        block: impl Fn(&[u8; LANES], &mut [Word]),
    ) {
        let start = start as usize;
        let (bx, bw) = (self.spec.bx as usize, self.spec.bw as usize);
        for (bytes, base, bits) in [(&self.x_bytes, 0, bx), (&self.w_bytes, bx, bw)] {
            for (j, v) in bytes.iter().enumerate() {
                let nb = (bits - 8 * j).min(8);
                let v = v[start..start + LANES]
                    .try_into()
                    .expect("padded to whole blocks");
                block(v, &mut inputs[base + 8 * j..base + 8 * j + nb]);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni")]
    fn fill_avx512(&self, start: u64, inputs: &mut [Word]) {
        // SAFETY: this function only runs on the avx512 path, whose CPUs have AVX-512F/BW/VBMI
        // and GFNI.
        self.fill_with(start, inputs, |b, out| unsafe {
            crate::sim::bits::byte_planes_block_avx512(b, out)
        })
    }

    /// [`Driver::predict_state`] with the block transpose `block` (inlined into each path's
    /// copy).
    #[inline(always)]
    fn predict_with(
        &self,
        start: u64,
        inputs: &[Word],
        regs: &mut [Word],
        block: impl Fn(&[u8; LANES], &mut [Word]),
    ) -> bool {
        let start = start as usize;
        // The registers held during the block's first lane (read first: its loads also start
        // the walk of every byte plane's page for this block).
        let held = self.state(start.min(self.len.saturating_sub(1)));
        if !self.spec.operand_isolation {
            // Operand registers: the inputs one lane late; lane 0 from the held state.
            let prev = held.xr | (held.wr << self.spec.bx);
            for (r, src) in regs.iter_mut().zip(&self.map.srcs) {
                if let Src::Operand(j) = *src {
                    *r = crate::sim::program::shift_lanes(&inputs[j], (prev >> j) & 1);
                }
            }
        }
        // Byte plane `v` of a register's value for this block into the flip-flops `to` lists
        // (`(flip-flop, bit)`): straight into their words where the byte's bits are
        // consecutive flip-flops (as built), else through a scratch block.
        let mut store = |v: &[u8], to: &[(usize, usize)]| {
            let v = v[start..start + LANES]
                .try_into()
                .expect("padded to whole blocks");
            let r0 = to.first().map_or(0, |t| t.0);
            if to
                .iter()
                .enumerate()
                .all(|(i, &(r, b))| r == r0 + i && b == i)
            {
                block(v, &mut regs[r0..r0 + to.len()]);
            } else {
                let mut scratch = [[0u64; K]; 8];
                block(v, &mut scratch);
                for &(r, b) in to {
                    regs[r] = scratch[b];
                }
            }
        };
        if self.spec.operand_isolation {
            // Operand registers that hold the last live pair: from their own byte planes.
            for (v, to) in self.held_bytes.iter().zip(&self.map.held_regs) {
                store(v, to);
            }
        }
        for &a in &self.map.accs_used {
            for (v, to) in self.acc_bytes[a].iter().zip(&self.map.acc_regs[a]) {
                store(v, to);
            }
        }
        true
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni")]
    fn predict_avx512(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        // SAFETY: this function only runs on the avx512 path, whose CPUs have AVX-512F/BW/VBMI
        // and GFNI.
        self.predict_with(start, inputs, regs, |b, out| unsafe {
            crate::sim::bits::byte_planes_block_avx512(b, out)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn predict_avx2(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        self.predict_with(start, inputs, regs, |b, out| {
            // SAFETY: this function only runs where the CPU has AVX2.
            byte_planes_block_with(b, out, |c| unsafe { crate::sim::bits::byte_planes_avx2(c) })
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_avx2(&self, start: u64, inputs: &mut [Word]) {
        self.fill_with(start, inputs, |b, out| {
            // SAFETY: this function only runs where the CPU has AVX2.
            byte_planes_block_with(b, out, |c| unsafe { crate::sim::bits::byte_planes_avx2(c) })
        })
    }
}

impl Driver for MacDriver<'_> {
    fn len(&self) -> u64 {
        self.len as u64
    }

    fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
        let path = kernel_path();
        on_path!(
            path,
            avx512: self.fill_avx512(start, inputs),
            avx2: self.fill_avx2(start, inputs),
            portable: self.fill_with(start, inputs, |b, out| {
                byte_planes_block_with(b, out, byte_planes_swar)
            }),
        )
    }

    fn predict_state(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        let path = kernel_path();
        on_path!(
            path,
            avx512: self.predict_avx512(start, inputs, regs),
            avx2: self.predict_avx2(start, inputs, regs),
            portable: self.predict_with(start, inputs, regs, |b, out| {
                byte_planes_block_with(b, out, byte_planes_swar)
            }),
        )
    }

    fn state_at(&self, t: u64) -> Option<Vec<bool>> {
        let t = t as usize;
        if t >= self.len {
            return None;
        }
        let s = self.state(t);
        let ops = s.xr | (s.wr << self.spec.bx);
        Some(
            self.map
                .srcs
                .iter()
                .map(|src| match *src {
                    Src::Operand(j) => (ops >> j) & 1 == 1,
                    Src::Acc(a, i) => (s.acc[a] >> i) & 1 == 1,
                    Src::Live => s.x_nz,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::{build, ClockGating, MacSpec};
    use rand::{Rng, SeedableRng};

    /// Every byte plane, the length and the next state of `d`.
    fn snapshot(d: &MacDriver<'_>) -> (usize, MacState, Vec<Vec<u8>>) {
        let mut planes: Vec<Vec<u8>> = d.x_bytes.clone();
        planes.extend(d.w_bytes.iter().cloned());
        for a in &d.acc_bytes {
            planes.extend(a.iter().cloned());
        }
        planes.extend(d.held_bytes.iter().cloned());
        (d.len, d.next, planes)
    }

    /// Circuits of every kind the driver predicts: each representation, carry-save, operand
    /// isolation, clock gating, odd widths, a bare multiplier.
    fn specs() -> Vec<MacSpec> {
        vec![
            MacSpec::default(),
            MacSpec {
                repr: Repr::Unsigned,
                bx: 5,
                bw: 11,
                acc: 40,
                ..MacSpec::default()
            },
            MacSpec {
                repr: Repr::Signmag,
                ..MacSpec::default()
            },
            MacSpec {
                acc_style: AccStyle::CarrySave,
                bx: 4,
                bw: 4,
                acc: 16,
                ..MacSpec::default()
            },
            MacSpec {
                operand_isolation: true,
                ..MacSpec::default()
            },
            MacSpec {
                clock_gating: ClockGating::Acc,
                bx: 12,
                bw: 3,
                acc: 20,
                ..MacSpec::default()
            },
            MacSpec {
                unit: Unit::Mult,
                bx: 16,
                bw: 9,
                ..MacSpec::default()
            },
        ]
    }

    /// Fill and prediction on `path`'s copy.
    fn fill_predict(
        d: &MacDriver<'_>,
        path: KernelPath,
        start: u64,
        inw: &mut [Word],
        regs: &mut [Word],
    ) {
        match path {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: only paths this CPU runs are asked for.
            KernelPath::Avx512 => unsafe {
                d.fill_avx512(start, inw);
                d.predict_avx512(start, inw, regs);
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            KernelPath::Avx2 => unsafe {
                d.fill_avx2(start, inw);
                d.predict_avx2(start, inw, regs);
            },
            _ => {
                d.fill_with(start, inw, |b, out| {
                    byte_planes_block_with(b, out, byte_planes_swar)
                });
                d.predict_with(start, inw, regs, |b, out| {
                    byte_planes_block_with(b, out, byte_planes_swar)
                });
            }
        }
    }

    #[test]
    fn fill_and_prediction_equal_the_per_lane_pairs_and_state_on_every_path() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        for spec in specs() {
            let spec = spec.validate().expect("valid spec");
            let n = build(&spec);
            let map = RegisterMap::new(&spec, &n);
            let (xr, wr) = (spec.x_range(), spec.w_range());
            let pairs: Vec<(u64, u64)> = (0..2 * LANES + 700)
                .map(|_| {
                    let (x, w) = (rng.gen_range(xr.0..=xr.1), rng.gen_range(wr.0..=wr.1));
                    (spec.encode_x(x), spec.encode_w(w))
                })
                .collect();
            let d = MacDriver::new(&spec, &map, MacState::default(), &pairs);
            let (bx, nd) = (spec.bx as usize, map.srcs.len());
            for path in KernelPath::available_paths() {
                for start in [0, 1, LANES as u64 + 37, 2 * LANES as u64] {
                    let mut inw = vec![[0u64; K]; (spec.bx + spec.bw) as usize];
                    let mut regs = vec![[0u64; K]; nd];
                    fill_predict(&d, path, start, &mut inw, &mut regs);
                    let lanes = (pairs.len() - start as usize).min(LANES);
                    for l in 0..lanes {
                        let t = start as usize + l;
                        let bit = |w: &Word| (w[l / 64] >> (l % 64)) & 1;
                        let (xe, we) = pairs[t];
                        let got: u64 = inw.iter().enumerate().map(|(j, w)| bit(w) << j).sum();
                        assert_eq!(got, xe | (we << bx), "{} {path} lane {t}", spec.describe());
                        let want = d.state_at(t as u64).expect("lane in the batch");
                        for (r, (w, &b)) in regs.iter().zip(&want).enumerate() {
                            assert_eq!(
                                bit(w) == 1,
                                b,
                                "{} {path} lane {t} ff {r}",
                                spec.describe()
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn vector_prefix_sums_equal_the_plain_ones() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        for n in [0usize, 1, 7, 8, 9, 16, 63, 512, 515] {
            let d: Vec<u64> = (0..n).map(|_| rng.gen()).collect();
            let run: u64 = rng.gen();
            let mut want = vec![0u64; n];
            let end = prefix_sums(run, &d, &mut want);
            #[cfg(target_arch = "x86_64")]
            if KernelPath::Avx512.available() {
                let mut got = vec![!0u64; n];
                // SAFETY: the avx512 path's CPUs have AVX-512F.
                let got_end = unsafe { prefix_sums_avx512(run, &d, &mut got) };
                assert_eq!((got, got_end), (want.clone(), end), "{n} lanes");
            }
            let naive: Vec<u64> = (0..n)
                .map(|i| d[..i].iter().fold(run, |a, &x| a.wrapping_add(x)))
                .collect();
            assert_eq!(want, naive);
        }
    }

    #[test]
    fn refill_from_values_equals_refill_from_encoded_pairs() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let specs = specs();
        for spec in specs {
            let spec = spec.validate().expect("valid spec");
            let n = build(&spec);
            let map = RegisterMap::new(&spec, &n);
            let (xr, wr) = (spec.x_range(), spec.w_range());
            let mut fast = MacDriver::empty(&spec, &map, MacState::default());
            let mut slow = MacDriver::empty(&spec, &map, MacState::default());
            let mut scratch = Vec::new();
            let mut prev = None;
            let mut state = MacState::default();
            // Several batches (crossing the 16,384-lane chunks and 1,024-lane sub-chunks),
            // the first without and the others with the previous batch's last pair.
            for len in [40_000usize, 1, 17_000, 3] {
                let pairs: Vec<(i64, i64)> = (0..len)
                    .map(|_| (rng.gen_range(xr.0..=xr.1), rng.gen_range(wr.0..=wr.1)))
                    .collect();
                let mut enc: Vec<(u64, u64)> = prev.into_iter().collect();
                enc.extend(
                    pairs
                        .iter()
                        .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w))),
                );
                slow.refill(state, &enc);
                let last = fast.refill_values(state, prev, &pairs, &mut scratch);
                assert_eq!(last, enc.last().copied(), "{}", spec.describe());
                assert!(
                    snapshot(&fast) == snapshot(&slow),
                    "{} batch of {len}",
                    spec.describe()
                );
                for t in [0, enc.len() / 2, enc.len() - 1] {
                    assert_eq!(fast.state(t), slow.state(t), "{}", spec.describe());
                }
                state = slow.state(enc.len() - 1);
                prev = last;
            }
        }
    }
}
