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
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// Mean toggles per transition of the multiplier array's partial-product bits
    /// `x_i·w_j` (i < m_x, j < m_w over the bits the array multiplies): a partial product
    /// moves only when its activation bit moves while its weight bit is 1, or the other way
    /// round, so a held weight (weight-stationary) silences every row whose bit is 0, and a
    /// zero operand silences all of them. Inverted partial products (Baugh–Wooley sign rows)
    /// toggle alike.
    pub pp_toggles_per_cycle: f64,
    /// [`Self::pp_toggles_per_cycle`] with each partial product weighted by the height of its
    /// column (the number of partial products summed there): a toggle in a tall column
    /// ripples through more reduction adders.
    pub pp_height_toggles_per_cycle: f64,
    /// Mean toggles per transition of the array's product word (`m_x + m_w` bits: the
    /// magnitude product, or the two's complement product).
    pub array_product_toggles_per_cycle: f64,
    /// Mean over transitions of `Σ_c |n_c(t) − n_c(t−1)|`, `n_c` = the number of partial
    /// products that are 1 in column c: toggles that arrive together in a column cancel in
    /// its adders (a full adder's sum is the parity of its inputs), so correlated streams
    /// (a held weight moves whole rows at once) excite the tree less than their
    /// partial-product toggles say.
    pub pp_column_change_per_cycle: f64,
    /// Mean toggles per transition of the row-prefix sums `Σ_{k ≤ j} row_k·2^k` of the
    /// partial products (j < m_w; every intermediate word an array multiplier forms while
    /// adding its rows one by one): the carries inside the reduction, arithmetically.
    pub pp_prefix_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator adders' internal carry words (carry
    /// into each bit of `acc + addend + cin`, computed arithmetically from the stream, every
    /// accumulator of the MAC).
    pub adder_carry_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator adders' half-sum words
    /// (`acc XOR addend`, the first XOR of each full adder).
    pub adder_halfsum_toggles_per_cycle: f64,
    /// Accumulator banks enabled per operation by `--clock-gating acc` (an accumulator loads
    /// only a non-zero product; the unsigned split enables the bank of the weight's sign):
    /// the fraction of pairs with a non-zero product ([`gating_enables`]).
    #[serde(default)]
    pub acc_enable_per_cycle: f64,
    /// Toggles per transition of the accumulator banks' clock enables, summed over banks.
    #[serde(default)]
    pub acc_enable_toggles_per_cycle: f64,
    /// Toggles per transition of the clock-enable logic's internal nets: the OR chains that
    /// detect a non-zero magnitude of each operand (every prefix OR, [`gating_enables`]), the
    /// AND of the two, and for the unsigned split the weight's sign bit that picks the bank.
    #[serde(default)]
    pub enable_logic_toggles_per_cycle: f64,
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
        let arr = array_toggles(spec, pairs);
        let gate = gating_toggles(spec, pairs);
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
            acc_reg_toggles_per_cycle: acc_t.0 as f64 / tr,
            pp_toggles_per_cycle: arr.0 as f64 / tr,
            pp_height_toggles_per_cycle: arr.1 as f64 / tr,
            array_product_toggles_per_cycle: arr.2 as f64 / tr,
            pp_column_change_per_cycle: arr.3 as f64 / tr,
            pp_prefix_toggles_per_cycle: arr.4 as f64 / tr,
            adder_carry_toggles_per_cycle: acc_t.1 as f64 / tr,
            adder_halfsum_toggles_per_cycle: acc_t.2 as f64 / tr,
            acc_enable_per_cycle: gate.0 as f64 / n,
            acc_enable_toggles_per_cycle: gate.1 as f64 / tr,
            enable_logic_toggles_per_cycle: gate.2 as f64 / tr,
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
            pp_toggles_per_cycle: avg(|s| s.pp_toggles_per_cycle),
            pp_height_toggles_per_cycle: avg(|s| s.pp_height_toggles_per_cycle),
            array_product_toggles_per_cycle: avg(|s| s.array_product_toggles_per_cycle),
            pp_column_change_per_cycle: avg(|s| s.pp_column_change_per_cycle),
            pp_prefix_toggles_per_cycle: avg(|s| s.pp_prefix_toggles_per_cycle),
            adder_carry_toggles_per_cycle: avg(|s| s.adder_carry_toggles_per_cycle),
            adder_halfsum_toggles_per_cycle: avg(|s| s.adder_halfsum_toggles_per_cycle),
            acc_enable_per_cycle: avg(|s| s.acc_enable_per_cycle),
            acc_enable_toggles_per_cycle: avg(|s| s.acc_enable_toggles_per_cycle),
            enable_logic_toggles_per_cycle: avg(|s| s.enable_logic_toggles_per_cycle),
        }
    }

    /// Mean toggle probability per operand bit, over both operands.
    pub fn operand_bit_activity(&self) -> f64 {
        let bits = (self.x_bit_toggle_rate.len() + self.w_bit_toggle_rate.len()).max(1);
        (self.x_toggles_per_cycle + self.w_toggles_per_cycle) / bits as f64
    }
}

/// The bits the multiplier array multiplies, `(m_x, m_w)` (see
/// [`crate::fit::Features::mult_bx`]): magnitudes for sign-magnitude, the weight's magnitude
/// for the unsigned split, every bit for two's complement.
pub fn array_bits(spec: &ValidMacSpec) -> (u32, u32) {
    (
        spec.bx - (spec.repr == Repr::Signmag) as u32,
        spec.bw - (spec.repr != Repr::Twos) as u32,
    )
}

fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        !0
    } else {
        (1u64 << bits) - 1
    }
}

/// The array's product word of one encoded pair (`m_x + m_w` bits).
fn array_product(spec: &ValidMacSpec, x: i64, w: i64) -> u64 {
    let (mx, mw) = array_bits(spec);
    let m = low_mask(mx + mw);
    match spec.repr {
        Repr::Twos => ((x * w) as u64) & m,
        _ => (x.unsigned_abs() * w.unsigned_abs()) & m,
    }
}

/// Partial-product toggles, height-weighted partial-product toggles and array-product
/// toggles over the transitions of `pairs` ([`StreamStats::pp_toggles_per_cycle`] and
/// after). Reference: a bit-by-bit double loop over the partial products.
fn array_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> (u64, u64, u64, u64, u64) {
    let (mx, mw) = array_bits(spec);
    let (xm, wm) = (low_mask(mx), low_mask(mw));
    // Column c = i + j holds min(c, mx-1, mw-1, mx+mw-2-c) + 1 partial products.
    let height = |c: u32| -> u64 {
        let top = (mx + mw).saturating_sub(2);
        (c.min(mx.saturating_sub(1))
            .min(mw.saturating_sub(1))
            .min(top.saturating_sub(c))
            + 1) as u64
    };
    let (mut pp, mut pph, mut prod, mut colc, mut pre) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let cols = (mx + mw) as usize;
    let (mut n0, mut n1) = (vec![0i64; cols], vec![0i64; cols]);
    for win in pairs.windows(2) {
        n0.iter_mut().for_each(|v| *v = 0);
        n1.iter_mut().for_each(|v| *v = 0);
        let (mut s0, mut s1) = (0u64, 0u64);
        let ((x0, w0), (x1, w1)) = (win[0], win[1]);
        let (a0, a1) = (spec.encode_x(x0) & xm, spec.encode_x(x1) & xm);
        let (b0, b1) = (spec.encode_w(w0) & wm, spec.encode_w(w1) & wm);
        for j in 0..mw {
            let r0 = if (b0 >> j) & 1 == 1 { a0 } else { 0 };
            let r1 = if (b1 >> j) & 1 == 1 { a1 } else { 0 };
            for (r, n) in [(r0, &mut n0), (r1, &mut n1)] {
                let mut r = r;
                while r != 0 {
                    n[(r.trailing_zeros() + j) as usize] += 1;
                    r &= r - 1;
                }
            }
            s0 += r0 << j;
            s1 += r1 << j;
            if j > 0 {
                pre += (s0 ^ s1).count_ones() as u64;
            }
            let mut d = r0 ^ r1;
            pp += d.count_ones() as u64;
            while d != 0 {
                let i = d.trailing_zeros();
                pph += height(i + j);
                d &= d - 1;
            }
        }
        prod += (array_product(spec, x0, w0) ^ array_product(spec, x1, w1)).count_ones() as u64;
        colc += n0
            .iter()
            .zip(&n1)
            .map(|(a, b)| (a - b).unsigned_abs())
            .sum::<u64>();
    }
    (pp, pph, prod, colc, pre)
}

/// The accumulator adders' addends and carry-ins for the operands held in `s` (mirrors
/// the circuit model's carry-propagate accumulator).
fn addends(spec: &ValidMacSpec, s: &crate::circuits::MacState) -> [(u64, u64); 2] {
    let m = low_mask(spec.acc);
    if spec.operand_isolation && !s.x_nz {
        return [(0, 0); 2];
    }
    let x = spec.decode(s.xr, spec.bx, false);
    let w = spec.decode(s.wr, spec.bw, true);
    match spec.repr {
        Repr::Twos => [(((x * w) as u64) & m, 0), (0, 0)],
        Repr::Signmag => {
            let p = x.unsigned_abs() * w.unsigned_abs();
            if (x < 0) ^ (w < 0) {
                [(!p & m, 1), (0, 0)]
            } else {
                [(p, 0), (0, 0)]
            }
        }
        Repr::Unsigned => {
            let p = x.unsigned_abs() * w.unsigned_abs();
            if w < 0 {
                [(0, 0), (p, 0)]
            } else {
                [(p, 0), (0, 0)]
            }
        }
    }
}

/// Accumulator-register bit toggles, adder carry-word toggles and adder half-sum toggles
/// over the transitions of `pairs` (the registers load the product of the pair registered
/// one cycle earlier; the first transition is skipped, as the other statistics skip the
/// first pair). Carry and half-sum words are those of a carry-propagate accumulator.
fn acc_register_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> (u64, u64, u64) {
    if spec.unit != crate::circuits::Unit::Mac {
        return (0, 0, 0);
    }
    let m = low_mask(spec.acc);
    let cpa = spec.acc_style == crate::circuits::AccStyle::Cpa;
    let mut s = crate::circuits::MacState::default();
    let (mut toggles, mut carry_t, mut half_t) = (0u64, 0u64, 0u64);
    let mut prev: Option<[(u64, u64); 2]> = None;
    for (i, &(x, w)) in pairs.iter().enumerate() {
        let next = spec.step(&s, spec.encode_x(x), spec.encode_w(w));
        let mut words = [(0u64, 0u64); 2];
        if cpa {
            for (k, (a, cin)) in addends(spec, &s).iter().enumerate() {
                let sum = s.acc[k].wrapping_add(*a).wrapping_add(*cin) & m;
                words[k] = ((sum ^ s.acc[k] ^ a) & m, (s.acc[k] ^ a) & m);
            }
        }
        if i > 0 {
            toggles += (0..4)
                .map(|k| (next.acc[k] ^ s.acc[k]).count_ones() as u64)
                .sum::<u64>();
            if let Some(p) = prev {
                for k in 0..2 {
                    carry_t += (p[k].0 ^ words[k].0).count_ones() as u64;
                    half_t += (p[k].1 ^ words[k].1).count_ones() as u64;
                }
            }
        }
        prev = Some(words);
        s = next;
    }
    (toggles, carry_t, half_t)
}

/// The accumulator clock enables of one pair under `--clock-gating acc` (mirrors
/// `circuits::mac`'s `clock_gates`): `[acc0, acc1]` (the second for the unsigned split only,
/// the bank of a negative weight), and the enable logic's internal nets as one word: bit
/// `k < m_x − 1` = OR of the activation magnitude's bits `0..=k+1` (the OR chain), then the
/// weight magnitude's chain, then the AND of the two chains' outputs (product ≠ 0), then for
/// the unsigned split the weight's sign bit. Zero detection is on the bits the array
/// multiplies ([`array_bits`]).
pub fn gating_enables(spec: &ValidMacSpec, x: i64, w: i64) -> ([bool; 2], u64) {
    let (mx, mw) = array_bits(spec);
    let a = spec.encode_x(x) & low_mask(mx);
    let b = spec.encode_w(w) & low_mask(mw);
    let mut nets = 0u64;
    let mut bit = 0;
    for (v, m) in [(a, mx), (b, mw)] {
        for k in 1..m {
            nets |= ((v & low_mask(k + 1) != 0) as u64) << bit;
            bit += 1;
        }
    }
    let nz = a != 0 && b != 0;
    nets |= (nz as u64) << bit;
    bit += 1;
    if spec.repr == Repr::Unsigned {
        let neg = w < 0;
        nets |= (neg as u64) << bit;
        ([nz && !neg, nz && neg], nets)
    } else {
        ([nz, false], nets)
    }
}

/// Bank-enables summed over pairs, enable toggles and enable-logic net toggles over the
/// transitions of `pairs` ([`StreamStats::acc_enable_per_cycle`] and after).
fn gating_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> (u64, u64, u64) {
    let (mut on, mut en_t, mut net_t) = (0u64, 0u64, 0u64);
    let mut prev: Option<([bool; 2], u64)> = None;
    for &(x, w) in pairs {
        let (e, nets) = gating_enables(spec, x, w);
        on += e.iter().filter(|&&b| b).count() as u64;
        if let Some((pe, pn)) = prev {
            en_t += (0..2).filter(|&k| pe[k] != e[k]).count() as u64;
            net_t += (pn ^ nets).count_ones() as u64;
        }
        prev = Some((e, nets));
    }
    (on, en_t, net_t)
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
    fn partial_product_toggles_count_the_array_bits_that_move() {
        let s = spec(Repr::Unsigned, 3, 16);
        // Unsigned split: x = 3 bits, the array sees w's 2 magnitude bits. x 011 -> 001
        // under w magnitude 01: only x1·w0 moves (1 toggle); the product 3 -> 1 moves 1 bit.
        let st = StreamStats::from_pairs(&s, &[(3, 1), (1, 1)]);
        assert_eq!(st.pp_toggles_per_cycle, 1.0);
        assert_eq!(st.array_product_toggles_per_cycle, 1.0);
        // A held weight 0 silences every partial product whatever x does.
        let st = StreamStats::from_pairs(&s, &[(7, 0), (0, 0), (5, 0)]);
        assert_eq!(st.pp_toggles_per_cycle, 0.0);
        // x 111 -> 000 under w magnitude 11: all six move; columns 0..3 hold
        // 1, 2, 2, 1 partial products (heights 1, 2, 2, 1 weight 1+2+2+2+2+1 = 10).
        let st = StreamStats::from_pairs(&s, &[(7, 3), (0, 3)]);
        assert_eq!(st.pp_toggles_per_cycle, 6.0);
        assert_eq!(st.pp_height_toggles_per_cycle, 10.0);
        assert_eq!(st.pp_column_change_per_cycle, 6.0);
    }

    #[test]
    fn adder_carry_and_half_sum_words_follow_the_running_sum() {
        let s = spec(Repr::Twos, 4, 16);
        // Accumulator 0 + 1, 1 + 1, 2 + 1: carry words 0, 0b10, 0; half-sums 1, 0, 3
        // (after an all-zero first word): carry toggles 0 + 1 + 1, half-sum 1 + 1 + 2.
        let st = StreamStats::from_pairs(&s, &[(1, 1), (1, 1), (1, 1), (0, 0)]);
        assert_eq!(st.adder_carry_toggles_per_cycle, 2.0 / 3.0);
        assert_eq!(st.adder_halfsum_toggles_per_cycle, 4.0 / 3.0);
    }

    #[test]
    fn clock_enables_follow_the_non_zero_products_and_the_weight_sign() {
        // Two's complement 3x3: products 0, 2, -3, 0 → enables 0 1 1 0 (2 of 4 pairs on,
        // 2 enable toggles over 3 transitions).
        let s = spec(Repr::Twos, 3, 16);
        let st = StreamStats::from_pairs(&s, &[(0, 1), (1, 2), (3, -1), (2, 0)]);
        assert_eq!(st.acc_enable_per_cycle, 0.5);
        assert_eq!(st.acc_enable_toggles_per_cycle, 2.0 / 3.0);
        // Unsigned split: w = 2 then −2 switches bank (two enables toggle), 0 disables.
        let s = spec(Repr::Unsigned, 3, 16);
        let st = StreamStats::from_pairs(&s, &[(1, 2), (1, -2), (1, 0)]);
        assert_eq!(st.acc_enable_per_cycle, 2.0 / 3.0);
        assert_eq!(st.acc_enable_toggles_per_cycle, 3.0 / 2.0);
        // Enable-logic nets of the unsigned 3x3 split (x: 3 bits, w: 2 magnitude bits):
        // x chain (x0|x1, x0|x1|x2), w chain (w0|w1), nz, sign.
        let (_, a) = gating_enables(&s, 4, 1);
        assert_eq!(a, 0b01110); // sign 0, nz 1, w chain 1, x chain 1 0
        let (_, b) = gating_enables(&s, 1, -2);
        assert_eq!(b, 0b11111);
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
