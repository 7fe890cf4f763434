//! Shared kernels: im2col patch extraction, dot products, max-pool. Plain loops written so that
//! the compiler vectorises them; results are independent of thread count.

use super::model::Conv2d;

/// Geometry of a convolution applied to a `[c, h, w]` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeom {
    /// Input channels.
    pub in_c: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Kernel size.
    pub k: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding.
    pub pad: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
}

impl ConvGeom {
    /// Geometry of `conv` on an input of `h × w`.
    pub fn new(conv: &Conv2d, h: usize, w: usize) -> Self {
        let o = |d: usize| (d + 2 * conv.pad - conv.k) / conv.stride + 1;
        ConvGeom {
            in_c: conv.in_c,
            in_h: h,
            in_w: w,
            k: conv.k,
            stride: conv.stride,
            pad: conv.pad,
            out_h: o(h),
            out_w: o(w),
        }
    }
    /// Length of one dot product: `in_c · k · k`.
    pub fn k_len(&self) -> usize {
        self.in_c * self.k * self.k
    }
    /// Number of output positions: `out_h · out_w`.
    pub fn positions(&self) -> usize {
        self.out_h * self.out_w
    }
    /// Input index feeding tap `t` (order `c, kh, kw`) of output position `p`, or `None` when
    /// the tap falls in the zero padding.
    #[inline]
    pub fn tap(&self, p: usize, t: usize) -> Option<usize> {
        let (oh, ow) = (p / self.out_w, p % self.out_w);
        let (c, r) = (t / (self.k * self.k), t % (self.k * self.k));
        let (kh, kw) = (r / self.k, r % self.k);
        let ih = (oh * self.stride + kh).checked_sub(self.pad)?;
        let iw = (ow * self.stride + kw).checked_sub(self.pad)?;
        (ih < self.in_h && iw < self.in_w).then_some((c * self.in_h + ih) * self.in_w + iw)
    }
    /// Patch matrix `[positions, k_len]` (row-major); padding taps are `T::default()`.
    /// Same result as filling each entry from [`ConvGeom::tap`], without per-entry divisions.
    pub fn im2col<T: Copy + Default>(&self, x: &[T]) -> Vec<T> {
        let kl = self.k_len();
        let mut out = vec![T::default(); self.positions() * kl];
        let mut rows = out.chunks_exact_mut(kl);
        for oh in 0..self.out_h {
            for ow in 0..self.out_w {
                let row = rows.next().expect("one row per position");
                let mut t = 0;
                for c in 0..self.in_c {
                    for kh in 0..self.k {
                        let ih = (oh * self.stride + kh).wrapping_sub(self.pad);
                        for kw in 0..self.k {
                            let iw = (ow * self.stride + kw).wrapping_sub(self.pad);
                            if ih < self.in_h && iw < self.in_w {
                                row[t] = x[(c * self.in_h + ih) * self.in_w + iw];
                            }
                            t += 1;
                        }
                    }
                }
            }
        }
        out
    }
}

#[inline(always)]
fn dot_i16_body(a: &[i16], b: &[i16]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as i32).wrapping_mul(y as i32))
        .fold(0i32, |s, v| s.wrapping_add(v))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i16_avx2(a: &[i16], b: &[i16]) -> i32 {
    dot_i16_body(a, b)
}

/// Exact integer dot product (each product and the sum fit `i32` for operands up to 8 bits
/// and lengths below 2^15). Integer addition is associative, so the AVX2 and the portable
/// versions give the same result bit for bit.
#[inline]
pub fn dot_i16(a: &[i16], b: &[i16]) -> i32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked at run time just above).
            return unsafe { dot_i16_avx2(a, b) };
        }
    }
    dot_i16_body(a, b)
}

#[inline(always)]
fn gemm_i16_body(patches: &[i16], weights: &[i16], k: usize, out: &mut [i32]) {
    let p = patches.len() / k;
    if k < 32 {
        // Short dot products (e.g. a 3×3 kernel on one channel): vectorise over positions.
        let mut cols = vec![0i32; k * p];
        for (pos, row) in patches.chunks_exact(k).enumerate() {
            for (t, &x) in row.iter().enumerate() {
                cols[t * p + pos] = x as i32;
            }
        }
        for (o, w) in weights.chunks_exact(k).enumerate() {
            let acc = &mut out[o * p..(o + 1) * p];
            for (t, &wt) in w.iter().enumerate() {
                let wt = wt as i32;
                for (a, &x) in acc.iter_mut().zip(&cols[t * p..(t + 1) * p]) {
                    *a = a.wrapping_add(x.wrapping_mul(wt));
                }
            }
        }
        return;
    }
    for (o, w) in weights.chunks_exact(k).enumerate() {
        for (pos, x) in patches.chunks_exact(k).enumerate() {
            out[o * p + pos] = dot_i16_body(x, w);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,avx512vnni")]
unsafe fn gemm_i16_avx512(patches: &[i16], weights: &[i16], k: usize, out: &mut [i32]) {
    gemm_i16_body(patches, weights, k, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gemm_i16_avx2(patches: &[i16], weights: &[i16], k: usize, out: &mut [i32]) {
    gemm_i16_body(patches, weights, k, out)
}

/// Exact dot products of every weight row with every patch row:
/// `out[o·P + p] = Σ_t patches[p·K + t] · weights[o·K + t]` (same bounds as [`dot_i16`]).
/// Uses AVX-512/AVX2 when the CPU has them; integer sums, so every path gives the same bits.
pub fn gemm_i16(patches: &[i16], weights: &[i16], k: usize) -> Vec<i32> {
    let mut out = vec![0i32; (patches.len() / k) * (weights.len() / k)];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
        {
            // SAFETY: CPU features checked at run time just above.
            unsafe { gemm_i16_avx512(patches, weights, k, &mut out) };
            return out;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: CPU feature checked at run time just above.
            unsafe { gemm_i16_avx2(patches, weights, k, &mut out) };
            return out;
        }
    }
    gemm_i16_body(patches, weights, k, &mut out);
    out
}

/// Float dot product with 8 interleaved partial sums (fixed order: deterministic).
#[inline]
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Max pooling of a `[c, h, w]` tensor with window `k` and `stride`.
pub fn max_pool(x: &[f32], s: [usize; 3], k: usize, stride: usize) -> Vec<f32> {
    let (oh, ow) = ((s[1] - k) / stride + 1, (s[2] - k) / stride + 1);
    let mut out = Vec::with_capacity(s[0] * oh * ow);
    for c in 0..s[0] {
        for i in 0..oh {
            for j in 0..ow {
                let mut m = f32::NEG_INFINITY;
                for a in 0..k {
                    for b in 0..k {
                        let v = x[(c * s[1] + i * stride + a) * s[2] + j * stride + b];
                        if v > m {
                            m = v;
                        }
                    }
                }
                out.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_i16_equals_naive_sum() {
        let a: Vec<i16> = (0..53).map(|i| (i * 37 % 256) as i16).collect();
        let b: Vec<i16> = (0..53).map(|i| (i * 11 % 255) as i16 - 127).collect();
        let naive: i32 = a.iter().zip(&b).map(|(&x, &y)| x as i32 * y as i32).sum();
        assert_eq!(dot_i16(&a, &b), naive);
    }

    #[test]
    fn gemm_i16_equals_row_by_row_dots() {
        for k in [9, 37] {
            gemm_case(k);
        }
    }

    fn gemm_case(k: usize) {
        let x: Vec<i16> = (0..5 * k).map(|i| (i * 7 % 256) as i16).collect();
        let w: Vec<i16> = (0..6 * k).map(|i| (i * 13 % 255) as i16 - 127).collect();
        let g = gemm_i16(&x, &w, k);
        for o in 0..6 {
            for p in 0..5 {
                assert_eq!(
                    g[o * 5 + p],
                    dot_i16(&x[p * k..(p + 1) * k], &w[o * k..(o + 1) * k])
                );
            }
        }
    }

    #[test]
    fn padding_taps_are_none() {
        let g = ConvGeom {
            in_c: 1,
            in_h: 3,
            in_w: 3,
            k: 3,
            stride: 1,
            pad: 1,
            out_h: 3,
            out_w: 3,
        };
        assert_eq!(g.tap(0, 0), None);
        assert_eq!(g.tap(0, 4), Some(0));
        assert_eq!(g.tap(4, 8), Some(8));
    }

    #[test]
    fn im2col_agrees_with_tap() {
        let g = ConvGeom {
            in_c: 2,
            in_h: 5,
            in_w: 4,
            k: 3,
            stride: 2,
            pad: 1,
            out_h: 3,
            out_w: 2,
        };
        let x: Vec<i32> = (1..=40).collect();
        let cols = g.im2col(&x);
        for p in 0..g.positions() {
            for t in 0..g.k_len() {
                assert_eq!(cols[p * g.k_len() + t], g.tap(p, t).map_or(0, |i| x[i]));
            }
        }
    }
}
