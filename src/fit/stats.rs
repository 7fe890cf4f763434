//! Operand-stream statistics: the inputs of the closed-form power models.
//!
//! In the spirit of Landman & Rabaey's dual-bit-type model, a power model does not see the
//! stream itself, only a handful of activity statistics of its encoded operands: per-bit
//! toggle rates of `x` and `w`, zero fractions, how often the product changes sign and how
//! many sign-extension bits flip at the accumulator input. A fitted model then applies to a
//! new stream (another distribution, a real layer) from these statistics alone.
//!
//! All rates are per cycle transition (toggles between consecutive operand pairs), so a
//! stream of `n` pairs has `n − 1` transitions.

use crate::circuits::{Repr, ValidMacSpec};

/// Activity statistics of one operand stream as a MAC's ports see it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StreamStats {
    /// Operand pairs the statistics were computed from.
    pub pairs: u64,
    /// Toggle probability of each encoded activation bit per transition, LSB first
    /// (length `b_x`).
    pub x_bit_toggle_rate: Vec<f64>,
    /// Toggle probability of each encoded weight bit per transition, LSB first (length `b_w`).
    pub w_bit_toggle_rate: Vec<f64>,
    /// Mean encoded activation bit toggles per transition (sum of `x_bit_toggle_rate`).
    pub x_toggles_per_cycle: f64,
    /// Mean encoded weight bit toggles per transition (sum of `w_bit_toggle_rate`).
    pub w_toggles_per_cycle: f64,
    /// Fraction of pairs with `x == 0`.
    pub x_zero_frac: f64,
    /// Fraction of pairs with `w == 0`.
    pub w_zero_frac: f64,
    /// Fraction of transitions where the product's sign (negative vs not) changes; for the
    /// unsigned split this is how often the product switches accumulator.
    pub product_sign_change_rate: f64,
    /// Mean toggles per transition of the accumulator-input bits below the product width
    /// (the product's own bits, summed over the accumulator inputs).
    pub product_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator-input bits at and above the product
    /// width: the sign extension (≈ (B − P) × sign-change rate for two's complement).
    pub sext_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator register word(s) (all B-bit
    /// accumulator registers, as [`ValidMacSpec::step`] predicts them from a cleared start).
    /// The running sum is never reset in a stream, so its upper bits flip whenever the sum
    /// changes sign: this depends on the accumulation length (the stream length), not only
    /// on the per-pair statistics above.
    pub acc_reg_toggles_per_cycle: f64,
}

/// The words the accumulator adder(s) receive for one pair: `[acc, acc_neg]` (the second is
/// used by the unsigned split only). Mirrors `circuits::model` without its register timing.
pub fn acc_inputs(spec: &ValidMacSpec, x: i64, w: i64) -> [u64; 2] {
    let m = if spec.acc >= 64 {
        !0
    } else {
        (1u64 << spec.acc) - 1
    };
    let p = x * w;
    match spec.repr {
        Repr::Twos => [(p as u64) & m, 0],
        Repr::Signmag => {
            let mag = p.unsigned_abs();
            if (x < 0) ^ (w < 0) {
                [!mag & m, 0]
            } else {
                [mag, 0]
            }
        }
        Repr::Unsigned => {
            let mag = p.unsigned_abs();
            if w < 0 {
                [0, mag]
            } else {
                [mag, 0]
            }
        }
    }
}

fn product_negative(spec: &ValidMacSpec, x: i64, w: i64) -> bool {
    match spec.repr {
        Repr::Unsigned => w < 0,
        Repr::Signmag => (x < 0) ^ (w < 0),
        Repr::Twos => x * w < 0,
    }
}

impl StreamStats {
    /// Statistics of `pairs` (operand values, as a stream yields them) on `spec`'s ports.
    pub fn from_pairs(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> StreamStats {
        let (bx, bw) = (spec.bx as usize, spec.bw as usize);
        let pbits = spec.product_bits();
        let low = if pbits >= 64 { !0 } else { (1u64 << pbits) - 1 };
        let mut xt = vec![0u64; bx];
        let mut wt = vec![0u64; bw];
        let (mut sign_changes, mut prod_t, mut sext_t) = (0u64, 0u64, 0u64);
        let acc_t = acc_register_toggles(spec, pairs);
        for win in pairs.windows(2) {
            let ((x0, w0), (x1, w1)) = (win[0], win[1]);
            let dx = spec.encode_x(x0) ^ spec.encode_x(x1);
            let dw = spec.encode_w(w0) ^ spec.encode_w(w1);
            count_bits(dx, &mut xt);
            count_bits(dw, &mut wt);
            sign_changes +=
                (product_negative(spec, x0, w0) != product_negative(spec, x1, w1)) as u64;
            let (a0, a1) = (acc_inputs(spec, x0, w0), acc_inputs(spec, x1, w1));
            for k in 0..2 {
                let d = a0[k] ^ a1[k];
                prod_t += (d & low).count_ones() as u64;
                sext_t += (d & !low).count_ones() as u64;
            }
        }
        let tr = pairs.len().saturating_sub(1).max(1) as f64;
        let n = pairs.len().max(1) as f64;
        let rate = |v: Vec<u64>| v.into_iter().map(|c| c as f64 / tr).collect::<Vec<_>>();
        let (xr, wr) = (rate(xt), rate(wt));
        StreamStats {
            pairs: pairs.len() as u64,
            x_toggles_per_cycle: xr.iter().sum(),
            w_toggles_per_cycle: wr.iter().sum(),
            x_bit_toggle_rate: xr,
            w_bit_toggle_rate: wr,
            x_zero_frac: pairs.iter().filter(|p| p.0 == 0).count() as f64 / n,
            w_zero_frac: pairs.iter().filter(|p| p.1 == 0).count() as f64 / n,
            product_sign_change_rate: sign_changes as f64 / tr,
            product_toggles_per_cycle: prod_t as f64 / tr,
            sext_toggles_per_cycle: sext_t as f64 / tr,
            acc_reg_toggles_per_cycle: acc_t as f64 / tr,
        }
    }

    /// Element-wise mean of equally long chunks' statistics (`pairs` is their sum).
    pub fn mean(all: &[StreamStats]) -> StreamStats {
        let n = all.len().max(1) as f64;
        let avg = |f: fn(&StreamStats) -> f64| all.iter().map(f).sum::<f64>() / n;
        let avg_vec = |f: fn(&StreamStats) -> &Vec<f64>| -> Vec<f64> {
            let len = all.first().map_or(0, |s| f(s).len());
            (0..len)
                .map(|i| all.iter().map(|s| f(s)[i]).sum::<f64>() / n)
                .collect()
        };
        StreamStats {
            pairs: all.iter().map(|s| s.pairs).sum(),
            x_bit_toggle_rate: avg_vec(|s| &s.x_bit_toggle_rate),
            w_bit_toggle_rate: avg_vec(|s| &s.w_bit_toggle_rate),
            x_toggles_per_cycle: avg(|s| s.x_toggles_per_cycle),
            w_toggles_per_cycle: avg(|s| s.w_toggles_per_cycle),
            x_zero_frac: avg(|s| s.x_zero_frac),
            w_zero_frac: avg(|s| s.w_zero_frac),
            product_sign_change_rate: avg(|s| s.product_sign_change_rate),
            product_toggles_per_cycle: avg(|s| s.product_toggles_per_cycle),
            sext_toggles_per_cycle: avg(|s| s.sext_toggles_per_cycle),
            acc_reg_toggles_per_cycle: avg(|s| s.acc_reg_toggles_per_cycle),
        }
    }

    /// Mean toggle probability per operand bit, over both operands.
    pub fn operand_bit_activity(&self) -> f64 {
        let bits = (self.x_bit_toggle_rate.len() + self.w_bit_toggle_rate.len()).max(1);
        (self.x_toggles_per_cycle + self.w_toggles_per_cycle) / bits as f64
    }
}

/// Accumulator-register bit toggles over the transitions of `pairs` (the registers load
/// the product of the pair registered one cycle earlier; the first transition is skipped, as
/// the other statistics skip the first pair).
fn acc_register_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> u64 {
    if spec.unit != crate::circuits::Unit::Mac {
        return 0;
    }
    let mut s = crate::circuits::MacState::default();
    let mut toggles = 0u64;
    for (i, &(x, w)) in pairs.iter().enumerate() {
        let next = spec.step(&s, spec.encode_x(x), spec.encode_w(w));
        if i > 0 {
            toggles += (0..4)
                .map(|k| (next.acc[k] ^ s.acc[k]).count_ones() as u64)
                .sum::<u64>();
        }
        s = next;
    }
    toggles
}

fn count_bits(mut d: u64, counts: &mut [u64]) {
    while d != 0 {
        let i = d.trailing_zeros() as usize;
        if i < counts.len() {
            counts[i] += 1;
        }
        d &= d - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::MacSpec;

    fn spec(repr: Repr, b: u32, acc: u32) -> ValidMacSpec {
        MacSpec {
            bx: b,
            bw: b,
            acc,
            repr,
            ..MacSpec::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn twos_sign_flip_toggles_every_sign_extension_bit() {
        let s = spec(Repr::Twos, 4, 32);
        // products 1, -1, 1: two sign changes, each flips all 32 − 8 extension bits.
        let st = StreamStats::from_pairs(&s, &[(1, 1), (1, -1), (1, 1)]);
        assert_eq!(st.product_sign_change_rate, 1.0);
        assert_eq!(st.sext_toggles_per_cycle, 24.0);
        assert_eq!(st.product_toggles_per_cycle, 7.0);
        // w toggles 0001 <-> 1111: three bits per transition.
        assert_eq!(st.w_toggles_per_cycle, 3.0);
        assert_eq!(st.x_toggles_per_cycle, 0.0);
    }

    #[test]
    fn accumulator_toggles_follow_the_running_sum() {
        let s = spec(Repr::Twos, 4, 16);
        // Accumulator after each edge: 0 (operands loading), 1, 0, 1: bit 0 flips on each
        // of the three transitions.
        let st = StreamStats::from_pairs(&s, &[(1, 1), (1, -1), (1, 1), (0, 0)]);
        assert_eq!(st.acc_reg_toggles_per_cycle, 1.0);
        // 1 then -1 then 1 again: 0 -> 1 (1 bit), 1 -> 0 (1), 0 -> -1 (16 bits).
        let st = StreamStats::from_pairs(&s, &[(1, 1), (1, -1), (1, -1), (0, 0)]);
        assert_eq!(st.acc_reg_toggles_per_cycle, 18.0 / 3.0);
    }

    #[test]
    fn unsigned_split_has_no_sign_extension_toggles() {
        let s = spec(Repr::Unsigned, 4, 32);
        let st = StreamStats::from_pairs(&s, &[(3, 5), (7, -5), (0, 2), (15, -7)]);
        assert_eq!(st.sext_toggles_per_cycle, 0.0);
        assert_eq!(st.product_sign_change_rate, 1.0);
        assert_eq!(st.x_zero_frac, 0.25);
    }
}
