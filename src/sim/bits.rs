//! Bit-matrix helpers for moving between per-cycle values and bit-sliced lane words.

use super::isa::{on_path, KernelPath};
use super::program::{Word, K, LANES};

/// Transpose a 64×64 bit matrix in place: on return, bit `l` of `a[i]` is what bit `i` of
/// `a[l]` was. Turns 64 per-lane values into 64 bit-planes (and back).
pub fn transpose64(a: &mut [u64; 64]) {
    let mut j = 32usize;
    let mut m: u64 = 0x0000_0000_FFFF_FFFF;
    while j != 0 {
        let mut k = 0usize;
        while k < 64 {
            let t = ((a[k] >> j) ^ a[k + j]) & m;
            a[k] ^= t << j;
            a[k + j] ^= t;
            k = (k + j + 1) & !j;
        }
        j >>= 1;
        m ^= m << j;
    }
}

/// Naive twin of [`transpose64`].
pub fn transpose64_reference(a: &[u64; 64]) -> [u64; 64] {
    let mut out = [0u64; 64];
    for (l, &v) in a.iter().enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            *o |= ((v >> i) & 1) << l;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn transpose64_equals_naive_bit_loop() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            let mut a = [0u64; 64];
            a.iter_mut().for_each(|x| *x = rng.gen());
            let want = transpose64_reference(&a);
            transpose64(&mut a);
            assert_eq!(a, want);
        }
    }
}

/// Bit-planes of 64 bytes (lane `l` = `bytes[l]`): `out[b]` has bit `l` = bit `b` of
/// `bytes[l]`, with the process-wide kernel path ([`super::isa::kernel_path`]).
#[inline]
pub fn byte_planes(bytes: &[u8; 64]) -> [u64; 8] {
    byte_planes_on(super::isa::kernel_path(), bytes)
}

/// [`byte_planes`] compiled for `path` (which this CPU must run): AVX-512BW `vpmovb2m`, AVX2
/// `vpmovmskb`, or the portable SWAR multiply ([`byte_planes_swar`]).
#[inline]
pub fn byte_planes_on(path: KernelPath, bytes: &[u8; 64]) -> [u64; 8] {
    on_path!(
        path,
        avx512: byte_planes_avx512(bytes),
        avx2: byte_planes_avx2(bytes),
        portable: byte_planes_swar(bytes),
    )
}

/// [`byte_planes`] with AVX-512BW: the sign bit of every byte is one mask instruction; adding
/// the vector to itself shifts every byte left by one.
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
pub unsafe fn byte_planes_avx512(bytes: &[u8; 64]) -> [u64; 8] {
    use std::arch::x86_64::*;
    // SAFETY: reads exactly the 64 bytes of `bytes` (unaligned load).
    let mut v = unsafe { _mm512_loadu_si512(bytes.as_ptr() as *const _) };
    let mut out = [0u64; 8];
    for b in (0..8).rev() {
        out[b] = _mm512_movepi8_mask(v);
        v = _mm512_add_epi8(v, v);
    }
    out
}

/// [`byte_planes`] with AVX2: two 32-byte halves, `vpmovmskb` per bit.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub unsafe fn byte_planes_avx2(bytes: &[u8; 64]) -> [u64; 8] {
    use std::arch::x86_64::*;
    // SAFETY: reads bytes 0..32 and 32..64 of `bytes` (unaligned loads).
    let (mut lo, mut hi) = unsafe {
        (
            _mm256_loadu_si256(bytes.as_ptr() as *const __m256i),
            _mm256_loadu_si256(bytes.as_ptr().add(32) as *const __m256i),
        )
    };
    let mut out = [0u64; 8];
    for b in (0..8).rev() {
        out[b] = (_mm256_movemask_epi8(lo) as u32 as u64)
            | ((_mm256_movemask_epi8(hi) as u32 as u64) << 32);
        lo = _mm256_add_epi8(lo, lo);
        hi = _mm256_add_epi8(hi, hi);
    }
    out
}

/// Bit-planes of a block of [`LANES`] byte-planar lanes (lane `l` = `bytes[l]`): `out[b][k]`
/// has bit `i` = bit `b` of `bytes[64 k + i]`, for the first `out.len()` (at most 8) bits.
/// [`byte_planes_on`] chunk by chunk on the `avx2` and `portable` paths (the twins); AVX-512
/// transposes eight 64-lane chunks at once ([`byte_planes_block_avx512`]).
pub fn byte_planes_block_on(path: KernelPath, bytes: &[u8; LANES], out: &mut [Word]) {
    assert!(out.len() <= 8, "a byte has 8 bit-planes");
    on_path!(
        path,
        avx512: byte_planes_block_avx512(bytes, out),
        portable: byte_planes_block_with(bytes, out, |b| byte_planes_on(path, b)),
    )
}

/// [`byte_planes_block_on`] with a per-chunk transpose `planes`.
#[inline(always)]
pub fn byte_planes_block_with(
    bytes: &[u8; LANES],
    out: &mut [Word],
    planes: impl Fn(&[u8; 64]) -> [u64; 8],
) {
    for (k, chunk) in bytes.chunks_exact(64).enumerate() {
        let p = planes(chunk.try_into().expect("64 lanes"));
        for (o, &x) in out.iter_mut().zip(&p) {
            o[k] = x;
        }
    }
}

/// `idx[8q + m] = 8q + 7 − m`: the bytes of every 64-bit word in reverse order.
#[cfg(target_arch = "x86_64")]
const REVERSE_BYTES: [u8; 64] = {
    let mut a = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        a[i] = ((i & !7) | (7 - (i & 7))) as u8;
        i += 1;
    }
    a
};

/// `idx[8b + q] = 8q + b`: byte `b` of every 64-bit word `q` to word `b`, byte `q`.
#[cfg(target_arch = "x86_64")]
const GATHER_BYTES: [u8; 64] = {
    let mut a = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        a[i] = ((i % 8) * 8 + i / 8) as u8;
        i += 1;
    }
    a
};

/// `vpermt2q` indices that swap the off-diagonal `s`×`s` blocks of two rows `i`, `i + s` of
/// an 8×8 matrix of 64-bit words (`[0]` makes row `i`, `[1]` row `i + s`).
#[cfg(target_arch = "x86_64")]
const fn swap_blocks(s: usize) -> [[u64; 8]; 2] {
    let mut a = [[0u64; 8]; 2];
    let mut j = 0;
    while j < 8 {
        let (lo, hi) = if j & s == 0 {
            (j, j + s)
        } else {
            (8 + j - s, 8 + j)
        };
        a[0][j] = lo as u64;
        a[1][j] = hi as u64;
        j += 1;
    }
    a
}

/// [`byte_planes_block_on`] with AVX-512: per 64-lane chunk, the bytes of each 64-bit word
/// reversed (`vpermb`), every word's 8×8 bit matrix transposed (`vgf2p8affineqb`, the data
/// as the matrix), each bit's byte gathered into one word (`vpermb`); then an 8×8 transpose
/// of 64-bit words over eight chunks (`vpermt2q`) leaves each bit-plane's eight words in one
/// register, stored whole. About 8 instructions per chunk against 33 for [`byte_planes`].
///
/// # Safety
/// The CPU must have AVX-512F/BW/VBMI and GFNI.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni")]
pub unsafe fn byte_planes_block_avx512(bytes: &[u8; LANES], out: &mut [Word]) {
    use std::arch::x86_64::*;
    assert!(out.len() <= 8, "a byte has 8 bit-planes");
    // SAFETY: every load reads 64 bytes inside `bytes` or a 64-byte constant; every store
    // writes 8 words of `out[b]` (`8 g + 8 <= K`).
    unsafe {
        let reverse = _mm512_loadu_si512(REVERSE_BYTES.as_ptr() as *const _);
        let gather = _mm512_loadu_si512(GATHER_BYTES.as_ptr() as *const _);
        // Byte `j` of every word = 1 << j: row `j` of the result takes bit `j` of each byte.
        let unit = _mm512_set1_epi64(0x8040_2010_0804_0201u64 as i64);
        let swaps = [swap_blocks(4), swap_blocks(2), swap_blocks(1)];
        for g in 0..K / 8 {
            let mut z = [_mm512_setzero_si512(); 8];
            for (c, zc) in z.iter_mut().enumerate() {
                let d = _mm512_loadu_si512(bytes.as_ptr().add(64 * (8 * g + c)) as *const _);
                let d = _mm512_permutexvar_epi8(reverse, d);
                let t = _mm512_gf2p8affine_epi64_epi8::<0>(unit, d);
                *zc = _mm512_permutexvar_epi8(gather, t);
            }
            // z[c] word b → z[b] word c.
            for (sw, s) in swaps.iter().zip([4, 2, 1]) {
                let lo = _mm512_loadu_si512(sw[0].as_ptr() as *const _);
                let hi = _mm512_loadu_si512(sw[1].as_ptr() as *const _);
                for i in (0..8).filter(|i| i & s == 0) {
                    let (a, b) = (z[i], z[i + s]);
                    z[i] = _mm512_permutex2var_epi64(a, lo, b);
                    z[i + s] = _mm512_permutex2var_epi64(a, hi, b);
                }
            }
            for (o, zb) in out.iter_mut().zip(&z) {
                _mm512_storeu_si512(o.as_mut_ptr().add(8 * g) as *mut _, *zb);
            }
        }
    }
}

/// Portable twin of [`byte_planes`]: gathers bit `b` of 8 bytes at once with a multiply.
pub fn byte_planes_swar(bytes: &[u8; 64]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for (c, chunk) in bytes.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        for (b, o) in out.iter_mut().enumerate() {
            let bits = (x >> b) & 0x0101_0101_0101_0101;
            let packed = bits.wrapping_mul(0x0102_0408_1020_4080) >> 56;
            *o |= packed << (8 * c);
        }
    }
    out
}

#[cfg(test)]
mod plane_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn block_byte_planes_equal_the_chunk_transpose_on_every_path() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for bits in [8, 1, 3, 5, 7] {
            let mut bytes = Box::new([0u8; LANES]);
            bytes.iter_mut().for_each(|x| *x = rng.gen());
            let mut want = vec![[0u64; K]; bits];
            byte_planes_block_with(&bytes, &mut want, byte_planes_swar);
            for (k, chunk) in bytes.chunks_exact(64).enumerate() {
                for (l, &v) in chunk.iter().enumerate() {
                    for (b, w) in want.iter().enumerate() {
                        assert_eq!((w[k] >> l) & 1, ((v >> b) & 1) as u64);
                    }
                }
            }
            for path in KernelPath::available_paths() {
                let mut got = vec![[!0u64; K]; bits];
                byte_planes_block_on(path, &bytes, &mut got);
                assert_eq!(got, want, "{path}, {bits} bits");
            }
        }
    }

    #[test]
    fn byte_planes_equal_the_naive_bit_gather() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for _ in 0..100 {
            let mut b = [0u8; 64];
            b.iter_mut().for_each(|x| *x = rng.gen());
            let mut want = [0u64; 8];
            for (l, &v) in b.iter().enumerate() {
                for (i, w) in want.iter_mut().enumerate() {
                    *w |= (((v >> i) & 1) as u64) << l;
                }
            }
            assert_eq!(byte_planes(&b), want);
            assert_eq!(byte_planes_swar(&b), want);
            for path in KernelPath::available_paths() {
                assert_eq!(byte_planes_on(path, &b), want, "{path}");
            }
        }
    }
}
