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
