//! A netlist compiled once to a flat program of combinational operations over bit-sliced
//! words, in topological order, with dense `u32` net indices.

use super::isa::{on_path, KernelPath};
use crate::netlist::{GateKind, Netlist};

/// 64-bit words per net per block: one block is `64 * K` consecutive cycles (time lanes).
/// 64 (4,096 lanes): the timed stepper's per-event overhead is shared by 4× more lanes than
/// at 16 (measured when K was chosen: 1.9e6 against 1.3e6 SKY130 vectors/s on the 8×8 MAC;
/// `data/results/bench.csv` has the current figures), and a MAC's 368 words of 512 B
/// (188 KB) stay in L2, which keeps up with the zero-delay kernel's two passes (evaluation,
/// then the toggle count): a cache-blocked single pass measured slower (see the bench section
/// of `data/results/README.md`).
pub const K: usize = 64;
/// Lanes (cycles) per block.
pub const LANES: usize = 64 * K;
/// One net's values over one block of lanes.
pub type Word = [u64; K];

/// A word on a cache-line boundary (the same size as [`Word`]).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct AlignedWord(Word);

const _: () = assert!(std::mem::size_of::<AlignedWord>() == std::mem::size_of::<Word>());

/// A vector of words each on a cache-line boundary (a plain `Vec<Word>` is only 8-byte
/// aligned, so every 64-byte load of it may straddle two lines); reads as a `[Word]`.
#[derive(Clone, Default)]
pub(crate) struct Words(Vec<AlignedWord>);

impl Words {
    pub(crate) fn zeroed(n: usize) -> Words {
        Words(vec![AlignedWord([0; K]); n])
    }
    pub(crate) fn push(&mut self, w: Word) {
        self.0.push(AlignedWord(w));
    }
}

impl std::ops::Deref for Words {
    type Target = [Word];
    fn deref(&self) -> &[Word] {
        // SAFETY: `AlignedWord` is a `Word` with a stricter alignment and the same size, so
        // `len` of them are `len` valid, contiguous `Word`s.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr() as *const Word, self.0.len()) }
    }
}

impl std::ops::DerefMut for Words {
    fn deref_mut(&mut self) -> &mut [Word] {
        // SAFETY: as in `deref`, and the borrow is unique.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr() as *mut Word, self.0.len()) }
    }
}

impl<'a> IntoIterator for &'a Words {
    type Item = &'a Word;
    type IntoIter = std::slice::Iter<'a, Word>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Whether the words start on a cache line (then all do: a word is 8 lines).
pub(crate) fn on_cache_lines(w: &[Word]) -> bool {
    (w.as_ptr() as usize).is_multiple_of(64)
}

/// One combinational gate: kind, output net and input nets (unused inputs point at net 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op {
    pub kind: GateKind,
    pub out: u32,
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

/// The compiled form of a [`Netlist`] used by the bit-parallel simulators.
#[derive(Clone, Debug)]
pub struct Program {
    /// Combinational gates sorted by (logic level, kind): a valid evaluation order, in which
    /// gates of one kind sit together.
    pub(crate) ops: Vec<Op>,
    /// `(kind, start, end)`: maximal runs of `ops` sharing a kind, so the evaluator branches
    /// once per run instead of once per gate.
    pub(crate) runs: Vec<(GateKind, u32, u32)>,
    pub(crate) nets: usize,
    /// Input-port bits, flattened in port order, LSB first.
    pub(crate) input_nets: Vec<u32>,
    /// Flip-flop outputs and their D inputs, in net-id order.
    pub(crate) dff_q: Vec<u32>,
    pub(crate) dff_d: Vec<u32>,
    pub(crate) consts: Vec<(u32, bool)>,
}

impl Program {
    /// Compile `n`.
    pub fn compile(n: &Netlist) -> Program {
        let mut p = Program {
            ops: Vec::new(),
            runs: Vec::new(),
            nets: n.len(),
            input_nets: n
                .inputs()
                .iter()
                .flat_map(|port| port.bits.iter().map(|b| b.0))
                .collect(),
            dff_q: Vec::new(),
            dff_d: Vec::new(),
            consts: Vec::new(),
        };
        for (i, g) in n.gates().iter().enumerate() {
            let i = i as u32;
            match g.kind {
                GateKind::Input => {}
                GateKind::Const0 => p.consts.push((i, false)),
                GateKind::Const1 => p.consts.push((i, true)),
                GateKind::Dff => {
                    p.dff_q.push(i);
                    p.dff_d.push(g.ins[0].0);
                }
                kind => {
                    let ins = g.inputs();
                    let at = |k: usize| ins.get(k).map_or(0, |x| x.0);
                    p.ops.push(Op {
                        kind,
                        out: i,
                        a: at(0),
                        b: at(1),
                        c: at(2),
                    });
                }
            }
        }
        // Gates of one level depend only on lower levels, so any order within a level is valid.
        let level = n.levels();
        p.ops
            .sort_by_key(|o| (level[o.out as usize], o.kind, o.out));
        let mut start = 0;
        for i in 1..=p.ops.len() {
            if i == p.ops.len() || p.ops[i].kind != p.ops[start].kind {
                p.runs.push((p.ops[start].kind, start as u32, i as u32));
                start = i;
            }
        }
        p
    }

    /// Number of nets.
    pub fn nets(&self) -> usize {
        self.nets
    }
    /// Number of combinational operations.
    pub fn ops(&self) -> usize {
        self.ops.len()
    }
    /// Number of flip-flops.
    pub fn dffs(&self) -> usize {
        self.dff_q.len()
    }
    /// Number of input bits.
    pub fn input_bits(&self) -> usize {
        self.input_nets.len()
    }

    /// Set constant nets in `v` (once per value buffer).
    pub(crate) fn init_consts(&self, v: &mut [Word]) {
        for &(n, c) in &self.consts {
            v[n as usize] = [if c { !0 } else { 0 }; K];
        }
    }

    /// Evaluate every combinational gate over one block, in order, with the kernels compiled
    /// for `path` (which this CPU must run: see
    /// [`KernelPath::available`]). Inputs, constants and flip-flop outputs must already be set
    /// in `v`. The path is chosen here, once per block; the loop over
    /// gates has no dispatch inside.
    pub(crate) fn eval_on(&self, path: KernelPath, v: &mut [Word]) {
        assert!(v.len() >= self.nets);
        on_path!(
            path,
            avx512: eval_avx512(self, v),
            avx2: eval_avx2(self, v),
            portable: eval_portable(self, v),
        )
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,popcnt")]
#[inline(never)]
fn eval_avx512(p: &Program, v: &mut [Word]) {
    eval_body(p, v)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
#[inline(never)]
fn eval_avx2(p: &Program, v: &mut [Word]) {
    eval_body(p, v)
}

#[inline(never)]
fn eval_portable(p: &Program, v: &mut [Word]) {
    eval_body(p, v)
}

/// The gate loop, inlined into each compiled copy.
#[inline(always)]
fn eval_body(p: &Program, v: &mut [Word]) {
    for &(kind, start, end) in &p.runs {
        let ops = &p.ops[start as usize..end as usize];
        use GateKind::*;
        match kind {
            Inv => run(v, ops, |a, _, _| !a),
            Buf => run(v, ops, |a, _, _| a),
            And2 => run(v, ops, |a, b, _| a & b),
            Nand2 => run(v, ops, |a, b, _| !(a & b)),
            Or2 => run(v, ops, |a, b, _| a | b),
            Nor2 => run(v, ops, |a, b, _| !(a | b)),
            Xor2 => run(v, ops, |a, b, _| a ^ b),
            Xnor2 => run(v, ops, |a, b, _| !(a ^ b)),
            AndNot => run(v, ops, |a, b, _| a & !b),
            OrNot => run(v, ops, |a, b, _| a | !b),
            Mux2 => run(v, ops, |a, b, c| (a & !c) | (b & c)),
            Maj3 => run(v, ops, |a, b, c| (a & b) | (a & c) | (b & c)),
            Const0 | Const1 | Input | Dff => unreachable!("not a combinational op"),
        }
    }
}

/// Evaluate a run of same-kind gates: one monomorphised loop, no branch per gate.
#[inline(always)]
fn run(v: &mut [Word], ops: &[Op], f: impl Fn(u64, u64, u64) -> u64) {
    let n = v.len();
    for op in ops {
        debug_assert!((op.a.max(op.b).max(op.c).max(op.out) as usize) < n);
        // Inputs precede the gate (topological invariant), so splitting at the output gives
        // disjoint borrows: no copies of input words, no aliasing between inputs and output.
        let (lo, hi) = v.split_at_mut(op.out as usize);
        // SAFETY: every index was taken from the verified netlist: inputs < out < nets <=
        // v.len() (asserted by the caller).
        let (a, b, c, r) = unsafe {
            (
                lo.get_unchecked(op.a as usize),
                lo.get_unchecked(op.b as usize),
                lo.get_unchecked(op.c as usize),
                hi.get_unchecked_mut(0),
            )
        };
        for k in 0..K {
            r[k] = f(a[k], b[k], c[k]);
        }
    }
}

/// Value of lane `lane` of a block.
#[inline]
pub(crate) fn bit(w: &Word, lane: usize) -> bool {
    (w[lane / 64] >> (lane % 64)) & 1 == 1
}

/// `w` delayed by one lane, lane 0 taking `first` (0 or 1).
#[inline(always)]
pub(crate) fn shift_lanes(w: &Word, first: u64) -> Word {
    // Each word from its own and its predecessor's (not a carried chain: this vectorises).
    let mut r = [0u64; K];
    r[0] = (w[0] << 1) | first;
    for k in 1..K {
        r[k] = (w[k] << 1) | (w[k - 1] >> 63);
    }
    r
}

/// Mask of lanes `lo .. hi` of a block.
pub(crate) fn lane_mask(lo: usize, hi: usize) -> Word {
    let mut m = [0u64; K];
    for (k, mk) in m.iter_mut().enumerate() {
        let (a, b) = (lo.clamp(k * 64, k * 64 + 64), hi.clamp(k * 64, k * 64 + 64));
        if b > a {
            let n = b - a;
            let ones = if n == 64 { !0 } else { (1u64 << n) - 1 };
            *mk = ones << (a - k * 64);
        }
    }
    m
}

/// Toggles of one net within a block: `popcount(w ^ (w delayed one lane))` over the lanes in
/// `mask`, `prev` being the net's value in the lane before the block.
#[inline(always)]
pub(crate) fn block_toggles(w: &Word, prev: u64, mask: &Word) -> u64 {
    let mut sum = 0u64;
    for k in 0..K {
        let before = if k == 0 { prev } else { w[k - 1] >> 63 };
        sum += ((w[k] ^ ((w[k] << 1) | before)) & mask[k]).count_ones() as u64;
    }
    sum
}

/// Counting state of one block.
pub(crate) struct Counting<'a> {
    /// Lanes whose toggles count.
    pub mask: &'a Word,
    /// Per net: value in the previous lane (in) / in the last valid lane (out).
    pub carry: &'a mut [u64],
    /// Per net toggle totals.
    pub toggles: &'a mut [u64],
    /// Word and bit of the last valid lane.
    pub last: (usize, usize),
}

/// Evaluate one gate kind over a block (the match is outside the lane loop).
#[inline(always)]
pub(crate) fn eval_word(kind: GateKind, a: &Word, b: &Word, c: &Word) -> Word {
    use GateKind::*;
    let mut r = [0u64; K];
    macro_rules! lanes {
        ($f:expr) => {
            for k in 0..K {
                r[k] = $f(a[k], b[k], c[k]);
            }
        };
    }
    match kind {
        Inv => lanes!(|a: u64, _, _| !a),
        Buf | Input | Dff => lanes!(|a: u64, _, _| a),
        And2 => lanes!(|a: u64, b: u64, _| a & b),
        Nand2 => lanes!(|a: u64, b: u64, _| !(a & b)),
        Or2 => lanes!(|a: u64, b: u64, _| a | b),
        Nor2 => lanes!(|a: u64, b: u64, _| !(a | b)),
        Xor2 => lanes!(|a: u64, b: u64, _| a ^ b),
        Xnor2 => lanes!(|a: u64, b: u64, _| !(a ^ b)),
        AndNot => lanes!(|a: u64, b: u64, _| a & !b),
        OrNot => lanes!(|a: u64, b: u64, _| a | !b),
        Mux2 => lanes!(|a: u64, b: u64, c: u64| (a & !c) | (b & c)),
        Maj3 => lanes!(|a: u64, b: u64, c: u64| (a & b) | (a & c) | (b & c)),
        Const0 => {}
        Const1 => r = [!0; K],
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_words_sit_on_cache_lines_and_read_back_as_words() {
        let mut w = Words::zeroed(3);
        for i in 0..40u64 {
            w.push(std::array::from_fn(|k| i * 100 + k as u64));
        }
        w[1][5] = 7;
        assert_eq!(w.len(), 43);
        assert!(w.iter().all(|x| (x.as_ptr() as usize).is_multiple_of(64)));
        assert!(on_cache_lines(&w) && on_cache_lines(&Words::zeroed(368)));
        assert_eq!(w[0], [0; K]);
        assert_eq!(w[1][5], 7);
        for i in 0..40u64 {
            assert_eq!(w[3 + i as usize][63], i * 100 + 63);
        }
    }
}
