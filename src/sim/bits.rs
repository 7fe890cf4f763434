//! Bit-matrix helpers for moving between per-cycle values and bit-sliced lane words.

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
/// `bytes[l]`. AVX-512BW `vpmovb2m` where the build target has it, SWAR multiply otherwise.
#[inline]
pub fn byte_planes(bytes: &[u8; 64]) -> [u64; 8] {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512bw"))]
    {
        // SAFETY: the target feature is enabled at compile time; the load is unaligned-safe
        // and reads exactly 64 bytes.
        unsafe {
            use std::arch::x86_64::*;
            let v = _mm512_loadu_si512(bytes.as_ptr() as *const _);
            let mut out = [0u64; 8];
            out[7] = _mm512_movepi8_mask(v);
            out[6] = _mm512_movepi8_mask(_mm512_slli_epi16::<1>(v));
            out[5] = _mm512_movepi8_mask(_mm512_slli_epi16::<2>(v));
            out[4] = _mm512_movepi8_mask(_mm512_slli_epi16::<3>(v));
            out[3] = _mm512_movepi8_mask(_mm512_slli_epi16::<4>(v));
            out[2] = _mm512_movepi8_mask(_mm512_slli_epi16::<5>(v));
            out[1] = _mm512_movepi8_mask(_mm512_slli_epi16::<6>(v));
            out[0] = _mm512_movepi8_mask(_mm512_slli_epi16::<7>(v));
            out
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512bw")))]
    {
        byte_planes_swar(bytes)
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
        }
    }
}
