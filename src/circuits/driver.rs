//! [`MacDriver`]: feeds a batch of operand pairs to a generated MAC (or multiplier) in the
//! bit-parallel simulator, predicting every register from the arithmetic model so that the
//! simulator's check (flip-flop value = its D input one cycle earlier) verifies the whole
//! datapath against integer arithmetic in every lane.

use super::{MacState, Unit, ValidMacSpec};
use crate::netlist::{GateKind, NetId, Netlist};
use crate::sim::bits::byte_planes_swar;
use crate::sim::isa::{kernel_path, KernelPath};
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
    /// Per accumulator register: `(flip-flop index, bit)`.
    acc_regs: [Vec<(usize, usize)>; 4],
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
        let mut acc_regs: [Vec<(usize, usize)>; 4] = Default::default();
        for (r, s) in srcs.iter().enumerate() {
            if let Src::Acc(a, i) = *s {
                acc_regs[a].push((r, i));
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
        d.refill(init, pairs);
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

/// Bit-planes of byte-planar values: `out[8j + b]` for lanes `start .. start + 64`, with the
/// byte transpose `planes` (one of [`crate::sim::bits::byte_planes_on`]'s paths).
#[inline(always)]
fn planes_with(
    bytes: &[Vec<u8>],
    start: usize,
    bits: usize,
    out: &mut [u64],
    planes: impl Fn(&[u8; 64]) -> [u64; 8],
) {
    for (j, v) in bytes.iter().enumerate() {
        let chunk: &[u8; 64] = v[start..start + 64]
            .try_into()
            .expect("padded to whole blocks");
        let p = planes(chunk);
        // Element-wise (a short variable-length copy would be a libc call per chunk).
        for (o, &plane) in out[8 * j..].iter_mut().zip(&p).take(bits - 8 * j) {
            *o = plane;
        }
    }
}

impl MacDriver<'_> {
    /// [`Driver::fill_inputs`] with the byte transpose `planes` (inlined into each path's copy).
    #[inline(always)]
    fn fill_with(&self, start: u64, inputs: &mut [Word], planes: impl Fn(&[u8; 64]) -> [u64; 8]) {
        let start = start as usize;
        let (bx, bw) = (self.spec.bx as usize, self.spec.bw as usize);
        let mut p = [0u64; 128];
        for k in 0..K {
            planes_with(&self.x_bytes, start + 64 * k, bx, &mut p[..bx], &planes);
            planes_with(
                &self.w_bytes,
                start + 64 * k,
                bw,
                &mut p[bx..bx + bw],
                &planes,
            );
            for (j, w) in inputs.iter_mut().enumerate() {
                w[k] = p[j];
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn fill_avx512(&self, start: u64, inputs: &mut [Word]) {
        // SAFETY: this function only runs where the CPU has AVX-512F/BW.
        self.fill_with(start, inputs, |b| unsafe {
            crate::sim::bits::byte_planes_avx512(b)
        })
    }

    /// [`Driver::predict_state`] with the byte transpose `planes` (inlined into each path's
    /// copy).
    #[inline(always)]
    fn predict_with(
        &self,
        start: u64,
        inputs: &[Word],
        regs: &mut [Word],
        planes_fn: impl Fn(&[u8; 64]) -> [u64; 8],
    ) -> bool {
        let start = start as usize;
        // Operand registers: the inputs one lane late; lane 0 from the held state.
        let held = self.state(start.min(self.len.saturating_sub(1)));
        let prev = held.xr | (held.wr << self.spec.bx);
        let nb = self.spec.acc as usize;
        if self.spec.operand_isolation {
            let bits = (self.spec.bx + self.spec.bw + 1) as usize;
            let mut planes = [0u64; 64];
            for k in 0..K {
                planes_with(
                    &self.held_bytes,
                    start + 64 * k,
                    bits,
                    &mut planes[..bits],
                    &planes_fn,
                );
                for (r, src) in regs.iter_mut().zip(&self.map.srcs) {
                    match *src {
                        Src::Operand(j) => r[k] = planes[j],
                        Src::Live => r[k] = planes[bits - 1],
                        Src::Acc(..) => {}
                    }
                }
            }
        }
        for (r, src) in regs.iter_mut().zip(&self.map.srcs) {
            if self.spec.operand_isolation {
                break;
            }
            if let Src::Operand(j) = *src {
                let w = &inputs[j];
                let mut carry = (prev >> j) & 1;
                for k in 0..K {
                    r[k] = (w[k] << 1) | carry;
                    carry = w[k] >> 63;
                }
            }
        }
        let mut planes = [0u64; 64];
        for &a in &self.map.accs_used {
            for k in 0..K {
                planes_with(
                    &self.acc_bytes[a],
                    start + 64 * k,
                    nb,
                    &mut planes[..nb],
                    &planes_fn,
                );
                for &(r, i) in &self.map.acc_regs[a] {
                    #[allow(clippy::needless_range_loop)]
                    let word = &mut regs[r];
                    word[k] = planes[i];
                }
            }
        }
        true
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn predict_avx512(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        // SAFETY: this function only runs where the CPU has AVX-512F/BW.
        self.predict_with(start, inputs, regs, |b| unsafe {
            crate::sim::bits::byte_planes_avx512(b)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn predict_avx2(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        // SAFETY: this function only runs where the CPU has AVX2.
        self.predict_with(start, inputs, regs, |b| unsafe {
            crate::sim::bits::byte_planes_avx2(b)
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_avx2(&self, start: u64, inputs: &mut [Word]) {
        // SAFETY: this function only runs where the CPU has AVX2.
        self.fill_with(start, inputs, |b| unsafe {
            crate::sim::bits::byte_planes_avx2(b)
        })
    }
}

impl Driver for MacDriver<'_> {
    fn len(&self) -> u64 {
        self.len as u64
    }

    fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
        let path = kernel_path();
        match path {
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx512 => {
                assert!(path.available());
                // SAFETY: the CPU has the features (checked just above).
                unsafe { self.fill_avx512(start, inputs) }
            }
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx2 => {
                assert!(path.available());
                // SAFETY: the CPU has the features (checked just above).
                unsafe { self.fill_avx2(start, inputs) }
            }
            _ => self.fill_with(start, inputs, byte_planes_swar),
        }
    }

    fn predict_state(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
        let path = kernel_path();
        match path {
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx512 => {
                assert!(path.available());
                // SAFETY: the CPU has the features (checked just above).
                unsafe { self.predict_avx512(start, inputs, regs) }
            }
            #[cfg(target_arch = "x86_64")]
            KernelPath::Avx2 => {
                assert!(path.available());
                // SAFETY: the CPU has the features (checked just above).
                unsafe { self.predict_avx2(start, inputs, regs) }
            }
            _ => self.predict_with(start, inputs, regs, byte_planes_swar),
        }
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
