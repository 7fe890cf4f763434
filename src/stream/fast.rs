//! Fast twin of [`super::Synthetic`]'s block generator for the streams whose samples each
//! consume a fixed number of random words: uniform and Laplace.
//!
//! The slow generator draws one `u64` at a time through `rand`'s samplers. Here a block's
//! ChaCha8 output is drawn in bulk into a buffer (the same words in the same order: the
//! generator's `fill_bytes` is its `next_u64` sequence in little-endian order), and the
//! samplers are replayed on it in a flat loop:
//!
//! - uniform over `lo..=hi` (`rand`'s `UniformInt<i64>`): `lo + high64(word × range)`,
//!   rejected when `low64(word × range) > zone`. A rejection (probability below 2⁻⁵⁶ for the
//!   ranges of 16-bit operands) would shift the words of every later sample, so a block that
//!   meets one is handed back to the slow generator;
//! - Laplace: `rand`'s `gen_range(-0.5..0.5)` for `f64` is `((word >> 12) as mantissa of
//!   [1, 2)) − 1.5`, never rejected, followed by the same `ln` as the slow generator — or
//!   rather a table ([`LaplaceTable`]) of what it gives: the sample is a monotone function of
//!   the 52-bit mantissa on each side of zero, so every 2⁻¹² slice of mantissas whose two ends
//!   give one value gives that value throughout; only the few slices holding a step compute
//!   the `ln`.
//!
//! So the pairs are bit-for-bit those of the slow generator (the test
//! `fast_blocks_equal_the_slow_generator` compares them).

use super::{laplace_of_unit, Dataflow, Dist, Synthetic};
use crate::sim::bits::transpose64;
use crate::sim::isa::{kernel_path, KernelPath};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `rand`'s `UniformInt<i64>` replayed on raw words.
#[derive(Clone, Copy, Debug)]
pub(super) struct UniformWords {
    lo: i64,
    /// `hi − lo + 1` as `u64`; 0 = the whole 64-bit range.
    range: u64,
    zone: u64,
}

impl UniformWords {
    /// Uniform over `lo..=hi`, as `Uniform::new_inclusive(lo, hi)`.
    pub(super) fn new(lo: i64, hi: i64) -> UniformWords {
        let range = hi.wrapping_sub(lo).wrapping_add(1) as u64;
        let reject = if range > 0 {
            (u64::MAX - range + 1) % range
        } else {
            0
        };
        UniformWords {
            lo,
            range,
            zone: u64::MAX - reject,
        }
    }

    /// The sample word `v` gives, or `None` if `rand` would reject it and draw again.
    #[inline(always)]
    fn sample(&self, v: u64) -> Option<i64> {
        if self.range == 0 {
            return Some(v as i64);
        }
        let m = v as u128 * self.range as u128;
        let (hi, lo) = ((m >> 64) as u64, m as u64);
        (lo <= self.zone).then_some(self.lo.wrapping_add(hi as i64))
    }
}

/// `rng.gen_range(-0.5..0.5)` for `f64`, from the one word it consumes.
#[inline(always)]
fn centred_unit(v: u64) -> f64 {
    f64::from_bits((1023u64 << 52) | (v >> 12)) - 1.0 - 0.5
}

/// Mantissa bits that index a [`LaplaceTable`].
const TABLE_BITS: u32 = 12;

/// Exact table form of the Laplace sample of one word (see the module doc).
#[derive(Clone, Debug)]
pub(super) struct LaplaceTable {
    lo: i64,
    hi: i64,
    /// Per slice of mantissas: mantissas below `step` give `below`, the others `from`;
    /// `step` = [`NO_STEP`] marks a slice with more than one step, computed with `ln`.
    slices: Vec<Slice>,
}

/// One 2⁻¹² slice of mantissas of a [`LaplaceTable`].
#[derive(Clone, Copy, Debug)]
struct Slice {
    step: u64,
    below: i64,
    from: i64,
}

/// [`Slice::step`] of a slice holding more than one step.
const NO_STEP: u64 = u64::MAX;

impl LaplaceTable {
    /// The table of Laplace samples over `lo..=hi`.
    pub(super) fn new(lo: i64, hi: i64) -> LaplaceTable {
        let shift = 52 - TABLE_BITS;
        let slices = (0..1u64 << TABLE_BITS)
            .map(|j| {
                // Slice 2^(TABLE_BITS-1) starts at u = 0: no slice straddles the sign change.
                let (a, b) = (j << shift, ((j + 1) << shift) - 1);
                let (va, vb) = (Self::exact(a, lo, hi), Self::exact(b, lo, hi));
                if va == vb {
                    return Slice {
                        step: b + 1,
                        below: va,
                        from: va,
                    };
                }
                // The first mantissa that leaves `va` (the sample is monotone on each side
                // of zero); one step if it already gives `vb`, since `vb` then holds to the
                // slice's end.
                let (mut l, mut h) = (a, b);
                while l + 1 < h {
                    let mid = l + (h - l) / 2;
                    if Self::exact(mid, lo, hi) == va {
                        l = mid;
                    } else {
                        h = mid;
                    }
                }
                Slice {
                    step: if Self::exact(h, lo, hi) == vb {
                        h
                    } else {
                        NO_STEP
                    },
                    below: va,
                    from: vb,
                }
            })
            .collect();
        LaplaceTable { lo, hi, slices }
    }

    /// The slow generator's value for mantissa `m` (the word's top 52 bits).
    fn exact(m: u64, lo: i64, hi: i64) -> i64 {
        laplace_of_unit(centred_unit(m << 12), lo, hi)
    }

    /// The sample word `v` gives.
    #[inline(always)]
    pub(super) fn sample(&self, v: u64) -> i64 {
        let m = v >> 12;
        let s = self.slices[(m >> (52 - TABLE_BITS)) as usize];
        if s.step == NO_STEP {
            return Self::exact(m, self.lo, self.hi);
        }
        if m < s.step {
            s.below
        } else {
            s.from
        }
    }
}

/// Whether every sample of `dist` consumes a fixed number of words (one), so a block can be
/// drawn in bulk.
pub(super) fn fixed_cost(dist: Dist) -> bool {
    matches!(dist, Dist::Uniform | Dist::Laplace)
}

/// Fill `out` with block `b` of `s` from bulk-drawn words; `false` (and `out` unspecified)
/// when a uniform sample would have been rejected, so the caller must use the slow twin.
pub(super) fn block(s: &Synthetic, b: u64, out: &mut [(i64, i64)], words: &mut Vec<u64>) -> bool {
    debug_assert!(fixed_cost(s.dist));
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(b);
    let per = match s.dataflow {
        Dataflow::OutputStationary => 2,
        Dataflow::WeightStationary { .. } => 1,
    };
    words.clear();
    words.resize(per * out.len(), 0);
    fill_words(&mut rng, words);
    let (ux, uw) = (
        UniformWords::new(s.ranges.x.0, s.ranges.x.1),
        UniformWords::new(s.ranges.w.0, s.ranges.w.1),
    );
    let mut ok = true;
    match (s.dist, s.dataflow) {
        (Dist::Uniform, Dataflow::OutputStationary) => {
            for (o, v) in out.iter_mut().zip(words.chunks_exact(2)) {
                let (x, w) = (ux.sample(v[0]), uw.sample(v[1]));
                ok &= x.is_some() & w.is_some();
                *o = (x.unwrap_or(0), w.unwrap_or(0));
            }
        }
        (Dist::Laplace, Dataflow::OutputStationary) => {
            let (tx, tw) = s.laplace_tables();
            for (o, v) in out.iter_mut().zip(words.chunks_exact(2)) {
                *o = (tx.sample(v[0]), tw.sample(v[1]));
            }
        }
        (dist, Dataflow::WeightStationary { .. }) => {
            let tx = &s.laplace_tables().0;
            for (o, &v) in out.iter_mut().zip(words.iter()) {
                let x = match dist {
                    Dist::Uniform => ux.sample(v),
                    _ => Some(tx.sample(v)),
                };
                ok &= x.is_some();
                o.0 = x.unwrap_or(0);
            }
            // Held weights: one generator per group, as in the slow twin.
            s.fill_held(b, out);
        }
        _ => unreachable!("only uniform and Laplace have fixed-cost samples"),
    }
    ok
}

/// Block `b` of a bit-plane uniform stream (see [`Synthetic::plane_bits`]): the block's
/// words drawn in bulk, each group of 64 cycles turned from `bx` x-planes and `bw` w-planes
/// into values by one 64×64 bit transpose per operand. Equal to the one-bit-at-a-time
/// `Synthetic::block_planes` (test `plane_blocks_equal_the_bit_loop`).
pub(super) fn planes_block(
    s: &Synthetic,
    b: u64,
    out: &mut [(i64, i64)],
    words: &mut Vec<u64>,
    bx: u32,
    bw: u32,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(b);
    let (bx, bw) = (bx as usize, bw as usize);
    let per = bx + bw;
    words.clear();
    words.resize(per * out.len().div_ceil(64), 0);
    fill_words(&mut rng, words);
    let (lx, lw) = (s.ranges.x.0, s.ranges.w.0);
    planes_to_values(kernel_path(), words, out, (bx, bw), (lx, lw));
    if bw == 0 {
        s.fill_held(b, out);
    }
}

/// Each group of 64 cycles of `out` from its `bx` x-planes then `bw` w-planes in `words`:
/// the value is the range's low end (`lo`) plus the bits. With AVX-512 and operands of at
/// most 16 bits, each byte of 64 lanes is eight masked byte moves; otherwise a 64×64 bit
/// transpose per operand (the twin the test compares).
pub(super) fn planes_to_values(
    path: KernelPath,
    words: &[u64],
    out: &mut [(i64, i64)],
    (bx, bw): (usize, usize),
    lo: (i64, i64),
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 if bx <= 16 && bw <= 16 => {
            assert!(path.available());
            // SAFETY: the CPU has the features (checked just above).
            unsafe { values_avx512(words, out, (bx, bw), lo) }
        }
        _ => values_transpose(words, out, (bx, bw), lo),
    }
}

fn values_transpose(
    words: &[u64],
    out: &mut [(i64, i64)],
    (bx, bw): (usize, usize),
    lo: (i64, i64),
) {
    let per = bx + bw;
    for (chunk, planes) in out.chunks_mut(64).zip(words.chunks_exact(per)) {
        let mut m = [0u64; 64];
        m[..bx].copy_from_slice(&planes[..bx]);
        transpose64(&mut m);
        for (o, &v) in chunk.iter_mut().zip(&m) {
            o.0 = lo.0.wrapping_add(v as i64);
        }
        if bw > 0 {
            let mut m = [0u64; 64];
            m[..bw].copy_from_slice(&planes[bx..]);
            transpose64(&mut m);
            for (o, &v) in chunk.iter_mut().zip(&m) {
                o.1 = lo.1.wrapping_add(v as i64);
            }
        }
    }
}

/// The 64 lanes' values (up to 16 bits) of `planes` (bit-plane `i` = bit `i`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn lane_values_avx512(planes: &[u64]) -> [u16; 64] {
    use std::arch::x86_64::*;
    let byte = |planes: &[u64]| {
        let mut r = _mm512_setzero_si512();
        for (b, &p) in planes.iter().enumerate() {
            r = _mm512_or_si512(r, _mm512_maskz_mov_epi8(p, _mm512_set1_epi8(1 << b)));
        }
        let mut out = [0u8; 64];
        // SAFETY: stores exactly the 64 bytes of `out` (unaligned store).
        unsafe { _mm512_storeu_si512(out.as_mut_ptr() as *mut _, r) };
        out
    };
    let lo = byte(&planes[..planes.len().min(8)]);
    let hi = byte(&planes[planes.len().min(8)..]);
    let mut v = [0u16; 64];
    for ((o, &l), &h) in v.iter_mut().zip(&lo).zip(&hi) {
        *o = l as u16 | (h as u16) << 8;
    }
    v
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn values_avx512(words: &[u64], out: &mut [(i64, i64)], (bx, bw): (usize, usize), lo: (i64, i64)) {
    let per = bx + bw;
    for (chunk, planes) in out.chunks_mut(64).zip(words.chunks_exact(per)) {
        let x = lane_values_avx512(&planes[..bx]);
        if bw > 0 {
            let w = lane_values_avx512(&planes[bx..]);
            for ((o, &x), &w) in chunk.iter_mut().zip(&x).zip(&w) {
                *o = (lo.0.wrapping_add(x as i64), lo.1.wrapping_add(w as i64));
            }
        } else {
            for (o, &x) in chunk.iter_mut().zip(&x) {
                o.0 = lo.0.wrapping_add(x as i64);
            }
        }
    }
}

/// The next `words.len()` words of `rng`, exactly as `words.len()` calls of `next_u64`
/// would return them (from a word-aligned position). On the AVX-512 kernel path, a fresh
/// generator's words come from [`chacha8_words_avx512`] (16 blocks at once), then `rng` is
/// moved past them; the tests check both give `rand_chacha`'s words.
fn fill_words(rng: &mut ChaCha8Rng, words: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if kernel_path() == KernelPath::Avx512 && rng.get_word_pos() == 0 {
        let seed = rng.get_seed();
        let key: [u32; 8] =
            std::array::from_fn(|i| u32::from_le_bytes(seed[4 * i..4 * i + 4].try_into().unwrap()));
        // SAFETY: the AVX-512 kernel path is only chosen where the CPU has AVX-512F.
        unsafe { chacha8_words_avx512(&key, rng.get_stream(), words) };
        rng.set_word_pos(2 * words.len() as u128);
        return;
    }
    fill_words_rand(rng, words)
}

/// [`fill_words`] through `rand_chacha` (the twin).
fn fill_words_rand(rng: &mut ChaCha8Rng, words: &mut [u64]) {
    // Draw into bytes, then decode little-endian words.
    let mut buf = [0u8; 4096];
    for chunk in words.chunks_mut(buf.len() / 8) {
        let bytes = &mut buf[..chunk.len() * 8];
        rng.fill_bytes(bytes);
        for (w, b) in chunk.iter_mut().zip(bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
        }
    }
}

/// The ChaCha8 key stream of `key` and `stream` (the 64-bit nonce) from block 0, as
/// little-endian 64-bit words: `rand_chacha`'s `ChaCha8Rng` words from position 0. Sixteen
/// blocks at once, one block per 32-bit lane of each state register, then an 8×8 transpose of
/// 64-bit words per 8 blocks.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn chacha8_words_avx512(key: &[u32; 8], stream: u64, words: &mut [u64]) {
    use std::arch::x86_64::*;
    const C: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];
    let mut tail = [0u64; 128];
    let mut block = 0u64;
    for out in words.chunks_mut(128) {
        // Plain loops, not `array::map` closures: those were left out of line (no AVX-512)
        // in some builds, at about 4 % of a Laplace run's CPU time.
        let (mut lo, mut hi) = ([0u32; 16], [0u32; 16]);
        for j in 0..16 {
            let c = block + j as u64;
            (lo[j], hi[j]) = (c as u32, (c >> 32) as u32);
        }
        // SAFETY: unaligned loads of 16 u32 from the arrays just built.
        let (lo, hi) = unsafe {
            (
                _mm512_loadu_si512(lo.as_ptr() as *const _),
                _mm512_loadu_si512(hi.as_ptr() as *const _),
            )
        };
        let init: [__m512i; 16] = [
            _mm512_set1_epi32(C[0] as i32),
            _mm512_set1_epi32(C[1] as i32),
            _mm512_set1_epi32(C[2] as i32),
            _mm512_set1_epi32(C[3] as i32),
            _mm512_set1_epi32(key[0] as i32),
            _mm512_set1_epi32(key[1] as i32),
            _mm512_set1_epi32(key[2] as i32),
            _mm512_set1_epi32(key[3] as i32),
            _mm512_set1_epi32(key[4] as i32),
            _mm512_set1_epi32(key[5] as i32),
            _mm512_set1_epi32(key[6] as i32),
            _mm512_set1_epi32(key[7] as i32),
            lo,
            hi,
            _mm512_set1_epi32(stream as u32 as i32),
            _mm512_set1_epi32((stream >> 32) as u32 as i32),
        ];
        let mut x = init;
        macro_rules! qr {
            ($a:expr, $b:expr, $c:expr, $d:expr) => {
                x[$a] = _mm512_add_epi32(x[$a], x[$b]);
                x[$d] = _mm512_rol_epi32::<16>(_mm512_xor_si512(x[$d], x[$a]));
                x[$c] = _mm512_add_epi32(x[$c], x[$d]);
                x[$b] = _mm512_rol_epi32::<12>(_mm512_xor_si512(x[$b], x[$c]));
                x[$a] = _mm512_add_epi32(x[$a], x[$b]);
                x[$d] = _mm512_rol_epi32::<8>(_mm512_xor_si512(x[$d], x[$a]));
                x[$c] = _mm512_add_epi32(x[$c], x[$d]);
                x[$b] = _mm512_rol_epi32::<7>(_mm512_xor_si512(x[$b], x[$c]));
            };
        }
        for _ in 0..4 {
            qr!(0, 4, 8, 12);
            qr!(1, 5, 9, 13);
            qr!(2, 6, 10, 14);
            qr!(3, 7, 11, 15);
            qr!(0, 5, 10, 15);
            qr!(1, 6, 11, 12);
            qr!(2, 7, 8, 13);
            qr!(3, 4, 9, 14);
        }
        for (xi, ii) in x.iter_mut().zip(&init) {
            *xi = _mm512_add_epi32(*xi, *ii);
        }
        // 64-bit word w of each block: (x[2w], x[2w+1]) interleaved. Within each 128-bit
        // lane, unpacklo takes blocks 4l, 4l+1 and unpackhi blocks 4l+2, 4l+3.
        let dst: &mut [u64; 128] = match out.len() {
            128 => out.try_into().expect("128 words"),
            _ => &mut tail,
        };
        for (half, blocks) in [
            [0usize, 1, 4, 5, 8, 9, 12, 13],
            [2, 3, 6, 7, 10, 11, 14, 15],
        ]
        .iter()
        .enumerate()
        {
            let mut r = [_mm512_setzero_si512(); 8];
            for (w, r) in r.iter_mut().enumerate() {
                *r = match half {
                    0 => _mm512_unpacklo_epi32(x[2 * w], x[2 * w + 1]),
                    _ => _mm512_unpackhi_epi32(x[2 * w], x[2 * w + 1]),
                };
            }
            let mut t = [_mm512_setzero_si512(); 8];
            for i in (0..8).step_by(2) {
                t[i] = _mm512_unpacklo_epi64(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_epi64(r[i], r[i + 1]);
            }
            // u[0..4]: rows 0..3 at element pairs (0,4), (2,6), (1,5), (3,7); u[4..8]: rows 4..7.
            let u = [
                _mm512_shuffle_i64x2::<0x88>(t[0], t[2]),
                _mm512_shuffle_i64x2::<0xDD>(t[0], t[2]),
                _mm512_shuffle_i64x2::<0x88>(t[1], t[3]),
                _mm512_shuffle_i64x2::<0xDD>(t[1], t[3]),
                _mm512_shuffle_i64x2::<0x88>(t[4], t[6]),
                _mm512_shuffle_i64x2::<0xDD>(t[4], t[6]),
                _mm512_shuffle_i64x2::<0x88>(t[5], t[7]),
                _mm512_shuffle_i64x2::<0xDD>(t[5], t[7]),
            ];
            // Column p (the 8 words of the block at element p).
            let col = [
                (0, _mm512_shuffle_i64x2::<0x88>(u[0], u[4])),
                (4, _mm512_shuffle_i64x2::<0xDD>(u[0], u[4])),
                (2, _mm512_shuffle_i64x2::<0x88>(u[1], u[5])),
                (6, _mm512_shuffle_i64x2::<0xDD>(u[1], u[5])),
                (1, _mm512_shuffle_i64x2::<0x88>(u[2], u[6])),
                (5, _mm512_shuffle_i64x2::<0xDD>(u[2], u[6])),
                (3, _mm512_shuffle_i64x2::<0x88>(u[3], u[7])),
                (7, _mm512_shuffle_i64x2::<0xDD>(u[3], u[7])),
            ];
            for (p, v) in col {
                let b = blocks[p];
                // SAFETY: an unaligned store of 8 words inside `dst` (b < 16).
                unsafe { _mm512_storeu_si512(dst[8 * b..].as_mut_ptr() as *mut _, v) };
            }
        }
        if out.len() < 128 {
            let n = out.len();
            out.copy_from_slice(&tail[..n]);
        }
        block += 16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::distributions::{Distribution, Uniform};
    use rand::Rng;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx512_key_stream_equals_rand_chacha() {
        if !KernelPath::Avx512.available() {
            return;
        }
        for (seed, stream, n) in [
            (3u64, 7u64, 1000usize),
            (0, 0, 128),
            (9, u64::MAX, 1),
            (1, 1 << 40, 4097),
        ] {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            r.set_stream(stream);
            let mut want = vec![0u64; n];
            fill_words_rand(&mut r.clone(), &mut want);
            let seed = r.get_seed();
            let key: [u32; 8] = std::array::from_fn(|i| {
                u32::from_le_bytes(seed[4 * i..4 * i + 4].try_into().unwrap())
            });
            let mut got = vec![0u64; n];
            // SAFETY: checked available just above.
            unsafe { chacha8_words_avx512(&key, stream, &mut got) };
            assert_eq!(got, want, "seed {seed:?} stream {stream} n {n}");
        }
    }

    #[test]
    fn bulk_words_equal_next_u64_calls() {
        let mut a = ChaCha8Rng::seed_from_u64(3);
        a.set_stream(7);
        let mut b = a.clone();
        let mut w = vec![0u64; 1000];
        fill_words(&mut a, &mut w);
        let want: Vec<u64> = (0..1000).map(|_| b.next_u64()).collect();
        assert_eq!(w, want);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn uniform_words_replay_rands_uniform_int() {
        for (lo, hi) in [
            (0, 255),
            (-127, 127),
            (-128, 127),
            (-(1 << 62), 1 << 62),
            (i64::MIN, i64::MAX),
            (5, 5),
        ] {
            let u = Uniform::new_inclusive(lo, hi);
            let f = UniformWords::new(lo, hi);
            let mut r = ChaCha8Rng::seed_from_u64(lo as u64);
            let mut words = r.clone();
            for _ in 0..2000 {
                let want = u.sample(&mut r);
                let got = loop {
                    if let Some(v) = f.sample(words.next_u64()) {
                        break v;
                    }
                };
                assert_eq!(got, want, "{lo}..={hi}");
            }
        }
    }

    #[test]
    fn laplace_table_equals_the_ln_formula_on_every_step_and_random_words() {
        for (lo, hi) in [(-128, 127), (0, 255), (-32767, 32767), (-3, 9)] {
            let t = LaplaceTable::new(lo, hi);
            let mut r = ChaCha8Rng::seed_from_u64(hi as u64);
            let shift = 52 - TABLE_BITS;
            let edges = (0..1u64 << TABLE_BITS).flat_map(|j| {
                let a = j << shift;
                [a, a + 1, a + (1 << shift) - 1].map(|m| m << 12)
            });
            // Around every step the table found.
            let steps: Vec<u64> = t
                .slices
                .iter()
                .filter(|s| s.step != NO_STEP && s.below != s.from)
                .flat_map(|s| [s.step - 1, s.step, s.step + 1].map(|m| m << 12))
                .collect();
            // 16-bit ranges step several times per slice (every slice takes the `ln`).
            assert!(hi - lo > 255 || !steps.is_empty(), "{lo}..={hi}");
            for v in edges.chain(steps).chain((0..200_000).map(|_| r.next_u64())) {
                let want = laplace_of_unit(centred_unit(v), lo, hi);
                assert_eq!(t.sample(v), want, "{lo}..={hi} word {v:#x}");
            }
        }
    }

    #[test]
    fn plane_values_equal_the_transpose_on_every_path() {
        let mut r = ChaCha8Rng::seed_from_u64(11);
        for (bx, bw) in [(8, 8), (1, 16), (16, 0), (3, 11), (17, 2), (64, 0)] {
            let n = 64 * 5 - 7;
            let mut words = vec![0u64; (bx + bw) * 5];
            fill_words(&mut r, &mut words);
            let lo = (-(1i64 << 20), 12345);
            let mut want = vec![(0i64, -1i64); n];
            values_transpose(&words, &mut want, (bx, bw), lo);
            for path in KernelPath::available_paths() {
                let mut got = vec![(0i64, -1i64); n];
                planes_to_values(path, &words, &mut got, (bx, bw), lo);
                assert_eq!(got, want, "{path} {bx}+{bw} bits");
            }
        }
    }

    #[test]
    fn centred_unit_replays_gen_range() {
        let mut r = ChaCha8Rng::seed_from_u64(4);
        let mut words = r.clone();
        for _ in 0..2000 {
            let want: f64 = r.gen_range(-0.5..0.5);
            assert_eq!(centred_unit(words.next_u64()).to_bits(), want.to_bits());
        }
    }
}
