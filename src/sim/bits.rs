//! Bit-matrix helpers for moving between per-cycle values and bit-sliced lane words.

use super::isa::{on_path, KernelPath};

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
