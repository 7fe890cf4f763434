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
    /// Mean over transitions of `Σ_c popcount(n_c(t) XOR n_c(t−1))`, `n_c` = the number of
    /// partial products that are 1 in column c: the bits of each column's count, what the
    /// column's counters (the tree's full adders, 3:2 counters) hold between them. Toggles
    /// that arrive together in a column mostly cancel in the count's low bits.
    #[serde(default)]
    pub pp_column_count_toggles_per_cycle: f64,
    /// Partial-product toggles weighted by the number of Dadda reduction stages their
    /// column needs ([`dadda_stages`] of its height): how many full adders' sum outputs a
    /// lone toggle passes on its way to the final adder (the tree's depth grows with the
    /// logarithm of the height, not with the height).
    #[serde(default)]
    pub pp_depth_toggles_per_cycle: f64,
    /// Mean toggles per transition of the sum outputs of the multiplier's reduction-tree
    /// adders (full and half adders of a Dadda tree, [`dadda_toggles`]): computed
    /// functionally from the operand bits the array multiplies, so toggles that meet in an
    /// adder cancel as they do in the circuit (a held weight moving whole rows at once, a
    /// zero operand silencing all).
    #[serde(default)]
    pub tree_sum_toggles_per_cycle: f64,
    /// Mean toggles per transition of the carry outputs of the reduction-tree adders.
    #[serde(default)]
    pub tree_carry_toggles_per_cycle: f64,
    /// Mean toggles per transition of the carries of the multiplier's final carry-propagate
    /// adder (the carry into each bit above bit 0 of the two reduced rows' sum).
    #[serde(default)]
    pub final_carry_toggles_per_cycle: f64,
    /// Mean toggles per transition of the reduction-tree full adders' half-sums
    /// (`a XOR b`, the first XOR of each full adder).
    #[serde(default)]
    pub tree_halfsum_toggles_per_cycle: f64,
    /// Mean toggles per transition of the final adder's half-sums (the two reduced rows
    /// XORed bit by bit).
    #[serde(default)]
    pub final_halfsum_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator adders' internal carry words (carry
    /// into each bit of `acc + addend + cin`, computed arithmetically from the stream, every
    /// accumulator of the MAC).
    pub adder_carry_toggles_per_cycle: f64,
    /// Mean toggles per transition of the accumulator adders' half-sum words
    /// (`acc XOR addend`, the first XOR of each full adder).
    pub adder_halfsum_toggles_per_cycle: f64,
    /// The part of [`Self::adder_carry_toggles_per_cycle`] in the bits above the live
    /// addend width ([`folded_acc_from`]): carries produced by the half adders (an AND2)
    /// the netlist builder folds each full adder with a constant-0 addend bit into.
    #[serde(default)]
    pub adder_carry_folded_toggles_per_cycle: f64,
    /// The part of [`Self::adder_halfsum_toggles_per_cycle`] in the bits whose addend bit
    /// is the constant 0 ([`folded_acc_from`]): there the half sum is the register's own
    /// output, a wire, not an XOR.
    #[serde(default)]
    pub adder_halfsum_folded_toggles_per_cycle: f64,
    /// The part of [`Self::adder_halfsum_toggles_per_cycle`] in bit 0, whose carry-in is the
    /// constant 0 when nothing is subtracted (the unsigned split): there the builder makes a
    /// half adder, one XOR2 whose half sum is the bit's sum.
    #[serde(default)]
    pub adder_halfsum_bit0_toggles_per_cycle: f64,
    /// The part of [`Self::adder_carry_toggles_per_cycle`] into bit 1: the bit-0 half
    /// adder's AND2 carry, where every higher live bit's carry is a MAJ3.
    #[serde(default)]
    pub adder_carry_bit1_toggles_per_cycle: f64,
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
        let tree = dadda_toggles(spec, pairs);
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
            pp_column_count_toggles_per_cycle: arr.5 as f64 / tr,
            pp_depth_toggles_per_cycle: arr.6 as f64 / tr,
            tree_sum_toggles_per_cycle: tree[0] as f64 / tr,
            tree_carry_toggles_per_cycle: tree[1] as f64 / tr,
            final_carry_toggles_per_cycle: tree[2] as f64 / tr,
            tree_halfsum_toggles_per_cycle: tree[3] as f64 / tr,
            final_halfsum_toggles_per_cycle: tree[4] as f64 / tr,
            adder_carry_toggles_per_cycle: acc_t.1 as f64 / tr,
            adder_halfsum_toggles_per_cycle: acc_t.2 as f64 / tr,
            adder_carry_folded_toggles_per_cycle: acc_t.3 as f64 / tr,
            adder_halfsum_folded_toggles_per_cycle: acc_t.4 as f64 / tr,
            adder_halfsum_bit0_toggles_per_cycle: acc_t.5 as f64 / tr,
            adder_carry_bit1_toggles_per_cycle: acc_t.6 as f64 / tr,
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
            pp_column_count_toggles_per_cycle: avg(|s| s.pp_column_count_toggles_per_cycle),
            pp_depth_toggles_per_cycle: avg(|s| s.pp_depth_toggles_per_cycle),
            tree_sum_toggles_per_cycle: avg(|s| s.tree_sum_toggles_per_cycle),
            tree_carry_toggles_per_cycle: avg(|s| s.tree_carry_toggles_per_cycle),
            final_carry_toggles_per_cycle: avg(|s| s.final_carry_toggles_per_cycle),
            tree_halfsum_toggles_per_cycle: avg(|s| s.tree_halfsum_toggles_per_cycle),
            final_halfsum_toggles_per_cycle: avg(|s| s.final_halfsum_toggles_per_cycle),
            adder_carry_toggles_per_cycle: avg(|s| s.adder_carry_toggles_per_cycle),
            adder_halfsum_toggles_per_cycle: avg(|s| s.adder_halfsum_toggles_per_cycle),
            adder_carry_folded_toggles_per_cycle: avg(|s| s.adder_carry_folded_toggles_per_cycle),
            adder_halfsum_folded_toggles_per_cycle: avg(|s| {
                s.adder_halfsum_folded_toggles_per_cycle
            }),
            adder_halfsum_bit0_toggles_per_cycle: avg(|s| s.adder_halfsum_bit0_toggles_per_cycle),
            adder_carry_bit1_toggles_per_cycle: avg(|s| s.adder_carry_bit1_toggles_per_cycle),
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

/// Reduction stages a Dadda tree spends on a column of `height` partial products: the
/// number of Dadda heights 2, 3, 4, 6, 9, 13, … (d₁ = 2, d_{j+1} = ⌊1.5·d_j⌋) below it.
pub fn dadda_stages(height: u64) -> u64 {
    let (mut d, mut n) = (2u64, 0u64);
    while d < height {
        n += 1;
        d = d * 3 / 2;
    }
    n
}

/// Partial-product toggles, height-weighted partial-product toggles, array-product
/// toggles, column-count changes, row-prefix toggles, column-count bit toggles and
/// depth-weighted partial-product toggles over the transitions of `pairs`
/// ([`StreamStats::pp_toggles_per_cycle`] and after). Reference: a bit-by-bit double loop
/// over the partial products.
#[allow(clippy::type_complexity)]
fn array_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> (u64, u64, u64, u64, u64, u64, u64) {
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
    let (mut colbits, mut ppd) = (0u64, 0u64);
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
                ppd += dadda_stages(height(i + j));
                d &= d - 1;
            }
        }
        prod += (array_product(spec, x0, w0) ^ array_product(spec, x1, w1)).count_ones() as u64;
        colc += n0
            .iter()
            .zip(&n1)
            .map(|(a, b)| (a - b).unsigned_abs())
            .sum::<u64>();
        colbits += n0
            .iter()
            .zip(&n1)
            .map(|(a, b)| (a ^ b).count_ones() as u64)
            .sum::<u64>();
    }
    (pp, pph, prod, colc, pre, colbits, ppd)
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
/// The lowest accumulator bit whose addend bit is the constant 0 in the built circuit: the
/// unsigned split adds the bare product `x·|w|` (no sign extension), whose word is
/// `m_x + m_w` bits ([`array_bits`]), one fewer when either factor has one bit (a one-row
/// array's top column is empty); every other representation drives all `B` addend bits
/// (sign extension, inversion), so `B`.
pub fn folded_acc_from(spec: &ValidMacSpec) -> u32 {
    if spec.repr != Repr::Unsigned {
        return spec.acc;
    }
    let (mx, mw) = array_bits(spec);
    let live = mx + mw - (mx.min(mw) == 1) as u32;
    live.min(spec.acc)
}

/// Returns `(register toggles, carry, half sum, folded carry, folded half sum, bit-0 half
/// sum, carry into bit 1)`.
type AccToggles = (u64, u64, u64, u64, u64, u64, u64);

fn acc_register_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> AccToggles {
    if spec.unit != crate::circuits::Unit::Mac {
        return (0, 0, 0, 0, 0, 0, 0);
    }
    let m = low_mask(spec.acc);
    // Half sums folded to wires from bit L up; carries out of the half adders into bit L+1 up.
    let live = folded_acc_from(spec);
    let half_hi = m & !low_mask(live);
    let carry_hi = m & !low_mask(live + 1);
    let (mut carry_f, mut half_f) = (0u64, 0u64);
    let (mut half_0, mut carry_1) = (0u64, 0u64);
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
                    let (dc, dh) = (p[k].0 ^ words[k].0, p[k].1 ^ words[k].1);
                    carry_t += dc.count_ones() as u64;
                    half_t += dh.count_ones() as u64;
                    carry_f += (dc & carry_hi).count_ones() as u64;
                    half_f += (dh & half_hi).count_ones() as u64;
                    half_0 += dh & 1;
                    carry_1 += (dc >> 1) & 1;
                }
            }
        }
        prev = Some(words);
        s = next;
    }
    (toggles, carry_t, half_t, carry_f, half_f, half_0, carry_1)
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

    #[test]
    fn folded_accumulator_bits_are_exactly_the_constant_addend_bits() {
        // Every addend bit from `folded_acc_from` up is 0 on every pair the MAC accepts, and
        // the bit below it is 1 on some pair (the live width is not too wide).
        for &repr in Repr::ALL {
            for (bx, bw) in [(2, 2), (3, 2), (5, 2), (4, 3), (2, 5), (4, 4), (8, 8)] {
                let Ok(sp) = MacSpec {
                    bx,
                    bw,
                    acc: 24,
                    repr,
                    ..MacSpec::default()
                }
                .validate() else {
                    continue;
                };
                let from = folded_acc_from(&sp);
                let (mut any, mut top) = (0u64, false);
                let ((x0, x1), (w0, w1)) = (sp.x_range(), sp.w_range());
                for x in x0..=x1 {
                    for w in w0..=w1 {
                        for a in acc_inputs(&sp, x, w) {
                            any |= a;
                            top |= from > 0 && a >> (from - 1) & 1 == 1;
                        }
                    }
                }
                assert_eq!(any & !low_mask(from), 0, "{} {from}", sp.describe());
                assert!(top, "{} {from}", sp.describe());
                // The folded toggles are part of the totals, and none outside the unsigned split.
                let pairs: Vec<(i64, i64)> = (0..200)
                    .map(|k| (x0 + (k * 7) % (x1 - x0 + 1), w0 + (k * 3) % (w1 - w0 + 1)))
                    .collect();
                let (_, c, h, cf, hf, h0, c1) = acc_register_toggles(&sp, &pairs);
                assert!(cf <= c && hf <= h);
                // Bit 0's half sum and the carry into bit 1 are parts of the totals too.
                assert!(h0 <= h && c1 <= c);
                if repr != Repr::Unsigned {
                    assert_eq!((cf, hf), (0, 0));
                }
            }
        }
    }

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
        // Both carry toggles are into bit 1; bit 0's half sum goes 1, 0, 1.
        assert_eq!(st.adder_carry_bit1_toggles_per_cycle, 2.0 / 3.0);
        assert_eq!(st.adder_halfsum_bit0_toggles_per_cycle, 1.0);
    }

    #[test]
    fn a_pann_counter_toggles_bit_zero_and_the_carry_into_bit_one() {
        // Unsigned split 2x2, PANN's additions: x = 1 added again and again into bank 0
        // counts up, so bit 0's half sum (acc XOR 1) and its carry (acc AND 1) flip every
        // operation once the pipeline is full; adding 2 leaves bit 0 at 0 and no carry.
        let s = spec(Repr::Unsigned, 2, 16);
        let st = StreamStats::from_pairs(&s, &vec![(1, 1); 100]);
        assert!(st.adder_halfsum_bit0_toggles_per_cycle > 0.97);
        assert!(st.adder_carry_bit1_toggles_per_cycle > 0.97);
        assert!(st.adder_carry_bit1_toggles_per_cycle <= st.adder_carry_toggles_per_cycle);
        let st = StreamStats::from_pairs(&s, &vec![(2, 1); 100]);
        assert_eq!(st.adder_halfsum_bit0_toggles_per_cycle, 0.0);
        assert_eq!(st.adder_carry_bit1_toggles_per_cycle, 0.0);
        assert!(st.adder_carry_toggles_per_cycle > 0.0);
        // The same counting in bank 1 (a negative weight) counts the same.
        let st = StreamStats::from_pairs(&s, &vec![(1, -1); 100]);
        assert!(st.adder_halfsum_bit0_toggles_per_cycle > 0.97);
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

    fn random_pairs(spec: &ValidMacSpec, n: usize, seed: u64, zero: f64) -> Vec<(i64, i64)> {
        use rand::{Rng, SeedableRng};
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let range = |bits: u32, signed: bool| -> (i64, i64) {
            match (signed, spec.repr) {
                (false, Repr::Twos) => (-(1 << (bits - 1)), (1 << (bits - 1)) - 1),
                (false, Repr::Unsigned) => (0, (1 << bits) - 1),
                _ => (-(1 << (bits - 1)) + 1, (1 << (bits - 1)) - 1),
            }
        };
        let (xl, xh) = range(spec.bx, false);
        let (wl, wh) = range(spec.bw, true);
        let mut w = 0;
        (0..n)
            .map(|i| {
                // Hold the weight for a few pairs now and then (weight-stationary runs).
                if i % 7 != 3 {
                    w = r.gen_range(wl..=wh);
                }
                let x = if r.gen_bool(zero) {
                    0
                } else {
                    r.gen_range(xl..=xh)
                };
                (x, w)
            })
            .collect()
    }

    #[test]
    fn dadda_tree_toggles_match_the_pair_by_pair_reference() {
        for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
            for (bx, bw) in [(1, 1), (2, 2), (3, 5), (8, 8), (8, 3), (12, 12)] {
                let Ok(s) = MacSpec {
                    bx,
                    bw,
                    acc: 32,
                    repr,
                    ..MacSpec::default()
                }
                .validate() else {
                    continue;
                };
                for n in [2, 63, 64, 65, 200] {
                    let pairs = random_pairs(&s, n, bx as u64 * 31 + n as u64, 0.4);
                    assert_eq!(
                        dadda_toggles(&s, &pairs),
                        dadda_toggles_reference(&s, &pairs),
                        "{repr} {bx}x{bw}, {n} pairs"
                    );
                }
            }
        }
    }

    #[test]
    fn dadda_tree_adds_up_to_the_array_product() {
        for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
            let s = spec(repr, 6, 32);
            let (mx, mw) = array_bits(&s);
            for (x, w) in random_pairs(&s, 300, 9, 0.2) {
                let bits =
                    |v: u64, n: u32| (0..n).map(|i| (v >> i) & 1 == 1).collect::<Vec<bool>>();
                let [_, _, _, _, _, sum] = dadda_nets(
                    &bits(s.encode_x(x) & low_mask(mx), mx),
                    &bits(s.encode_w(w) & low_mask(mw), mw),
                    repr == Repr::Twos,
                );
                let v = sum
                    .iter()
                    .enumerate()
                    .fold(0u64, |a, (i, &b)| a | ((b as u64) << i));
                assert_eq!(v, array_product(&s, x, w), "{repr} {x} x {w}");
            }
        }
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

/// Bitwise operations shared by one bit (`bool`, one pair: the reference) and 64 lanes of
/// bits (`u64`, 64 consecutive pairs at once: the fast path) in [`dadda_nets`].
trait Lanes:
    Copy
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitXor<Output = Self>
    + std::ops::Not<Output = Self>
{
    const ZERO: Self;
}
impl Lanes for bool {
    const ZERO: bool = false;
}
impl Lanes for u64 {
    const ZERO: u64 = 0;
}

/// A signal of the functional array model: a constant (folded away, as
/// `netlist::Builder` folds a gate with a constant input) or a net's lanes.
#[derive(Clone, Copy)]
enum Sig<T> {
    C(bool),
    N(T),
}

/// Net categories of [`dadda_nets`].
const TREE_SUM: usize = 0;
const TREE_CARRY: usize = 1;
const FINAL_CARRY: usize = 2;
const TREE_HALF: usize = 3;
const FINAL_HALF: usize = 4;
const FINAL_SUM: usize = 5;

/// The gates of the array model: every gate the builder would emit (not folded into a
/// constant or a wire) adds its output net to a category.
struct ArrayNets<T> {
    cats: [Vec<T>; 6],
}

impl<T: Lanes> ArrayNets<T> {
    fn new_net(&mut self, cat: usize, v: T) -> Sig<T> {
        self.cats[cat].push(v);
        Sig::N(v)
    }
    fn inv(&mut self, cat: usize, a: Sig<T>) -> Sig<T> {
        match a {
            Sig::C(v) => Sig::C(!v),
            Sig::N(x) => self.new_net(cat, !x),
        }
    }
    fn and(&mut self, cat: usize, a: Sig<T>, b: Sig<T>) -> Sig<T> {
        match (a, b) {
            (Sig::C(false), _) | (_, Sig::C(false)) => Sig::C(false),
            (Sig::C(true), x) | (x, Sig::C(true)) => x,
            (Sig::N(x), Sig::N(y)) => self.new_net(cat, x & y),
        }
    }
    fn or(&mut self, cat: usize, a: Sig<T>, b: Sig<T>) -> Sig<T> {
        match (a, b) {
            (Sig::C(true), _) | (_, Sig::C(true)) => Sig::C(true),
            (Sig::C(false), x) | (x, Sig::C(false)) => x,
            (Sig::N(x), Sig::N(y)) => self.new_net(cat, x | y),
        }
    }
    fn xor(&mut self, cat: usize, a: Sig<T>, b: Sig<T>) -> Sig<T> {
        match (a, b) {
            (Sig::C(x), Sig::C(y)) => Sig::C(x ^ y),
            (Sig::C(false), x) | (x, Sig::C(false)) => x,
            (Sig::C(true), x) | (x, Sig::C(true)) => self.inv(cat, x),
            (Sig::N(x), Sig::N(y)) => self.new_net(cat, x ^ y),
        }
    }
    fn maj(&mut self, cat: usize, a: Sig<T>, b: Sig<T>, c: Sig<T>) -> Sig<T> {
        match (a, b, c) {
            (Sig::C(false), x, y) | (x, Sig::C(false), y) | (x, y, Sig::C(false)) => {
                self.and(cat, x, y)
            }
            (Sig::C(true), x, y) | (x, Sig::C(true), y) | (x, y, Sig::C(true)) => {
                self.or(cat, x, y)
            }
            (Sig::N(x), Sig::N(y), Sig::N(z)) => self.new_net(cat, (x & y) | (z & (x ^ y))),
        }
    }
    /// `netlist::Builder::full_adder`: `t = a XOR b`, `sum = t XOR c`, `carry = MAJ`.
    fn full_adder(&mut self, fin: bool, a: Sig<T>, b: Sig<T>, c: Sig<T>) -> (Sig<T>, Sig<T>) {
        let (half, sum, carry) = if fin {
            (FINAL_HALF, FINAL_SUM, FINAL_CARRY)
        } else {
            (TREE_HALF, TREE_SUM, TREE_CARRY)
        };
        let t = self.xor(half, a, b);
        (self.xor(sum, t, c), self.maj(carry, a, b, c))
    }
}

/// The nets of the multiplier array of `spec` (architecture Dadda: partial products,
/// Baugh–Wooley for two's complement, Dadda reduction, ripple-carry final adder) for
/// operand bits `x` (`m_x` lanes words, LSB first) and `w` (`m_w`), by category:
/// `[reduction sums, reduction carries, final-adder carries, reduction half-sums,
/// final-adder half-sums, product word]`, each in a fixed order that depends on the
/// shape only (a full adder is `t = a XOR b`, `sum = t XOR c`, `carry = MAJ(a, b, c)` as
/// `netlist::Builder::full_adder` builds it; `t` is the half-sum). Mirrors
/// `circuits::multipliers::dadda` and its final addition functionally, with the builder's
/// constant folding: a partial product of negative weight is a NAND (the same toggles as
/// the AND), the correction constant's one bits are constant inputs, and a gate with a
/// constant input is folded into a wire, an inverter or a smaller gate, as the builder
/// folds it.
fn dadda_nets<T: Lanes>(x: &[T], w: &[T], signed: bool) -> [Vec<T>; 6] {
    let (n, m) = (x.len(), w.len());
    let width = n + m;
    let mask = if width >= 128 {
        !0u128
    } else {
        (1u128 << width) - 1
    };
    let mut g = ArrayNets {
        cats: Default::default(),
    };
    let mut cols: Vec<Vec<Sig<T>>> = vec![Vec::new(); width];
    let mut constant = 0u128;
    for (j, &wj) in w.iter().enumerate() {
        for (i, &xi) in x.iter().enumerate() {
            if signed && ((i == n - 1) != (j == m - 1)) {
                cols[i + j].push(Sig::N(!(xi & wj)));
                constant = constant.wrapping_sub(1u128 << (i + j)) & mask;
            } else {
                cols[i + j].push(Sig::N(xi & wj));
            }
        }
    }
    for (c, col) in cols.iter_mut().enumerate() {
        if (constant >> c) & 1 == 1 {
            col.push(Sig::C(true));
        }
    }
    let max_h = cols.iter().map(Vec::len).max().unwrap_or(0);
    let mut heights = vec![2usize];
    while *heights.last().unwrap() < max_h {
        let d = *heights.last().unwrap();
        heights.push(d * 3 / 2);
    }
    heights.pop();
    for &d in heights.iter().rev() {
        let mut next: Vec<Vec<Sig<T>>> = vec![Vec::new(); width];
        for c in 0..width {
            let mut bits = std::mem::take(&mut cols[c]);
            bits.reverse();
            let mut height = bits.len() + next[c].len();
            while height > d {
                let (s, cy) = if height == d + 1 {
                    let (a, b) = (bits.pop().unwrap(), bits.pop().unwrap());
                    height -= 1;
                    (g.xor(TREE_SUM, a, b), g.and(TREE_CARRY, a, b))
                } else {
                    let (a, b, e) = (
                        bits.pop().unwrap(),
                        bits.pop().unwrap(),
                        bits.pop().unwrap(),
                    );
                    height -= 2;
                    g.full_adder(false, a, b, e)
                };
                next[c].push(s);
                if c + 1 < width {
                    next[c + 1].push(cy);
                }
            }
            bits.reverse();
            next[c].extend(bits);
        }
        cols = next;
    }
    let mut carry = Sig::C(false);
    let mut product = Vec::with_capacity(width);
    for col in &cols {
        let a = col.first().copied().unwrap_or(Sig::C(false));
        let b = col.get(1).copied().unwrap_or(Sig::C(false));
        let (s, cy) = g.full_adder(true, a, b, carry);
        product.push(match s {
            Sig::C(v) => {
                if v {
                    !T::ZERO
                } else {
                    T::ZERO
                }
            }
            Sig::N(v) => v,
        });
        carry = cy;
    }
    let mut cats = g.cats;
    // The product word (every bit, a wire or a constant included) instead of the sum
    // gates' outputs.
    cats[FINAL_SUM] = product;
    cats
}

/// Toggles over the transitions of `pairs` of the Dadda array's reduction sums, reduction
/// carries, final-adder carries, reduction half-sums and final-adder half-sums
/// ([`StreamStats::tree_sum_toggles_per_cycle`] and after): 64 consecutive pairs per word.
pub fn dadda_toggles(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> [u64; 5] {
    let (mx, mw) = array_bits(spec);
    let signed = spec.repr == Repr::Twos;
    let mut prev: Option<[Vec<u64>; 5]> = None;
    let mut out = [0u64; 5];
    for (k, block) in pairs.chunks(64).enumerate() {
        let mut xs = vec![0u64; mx as usize];
        let mut ws = vec![0u64; mw as usize];
        for (t, &(x, w)) in block.iter().enumerate() {
            let (a, b) = (spec.encode_x(x), spec.encode_w(w));
            for (i, v) in xs.iter_mut().enumerate() {
                *v |= ((a >> i) & 1) << t;
            }
            for (j, v) in ws.iter_mut().enumerate() {
                *v |= ((b >> j) & 1) << t;
            }
        }
        let [s, c, f, h, fh, _] = dadda_nets(&xs, &ws, signed);
        let valid = if block.len() == 64 {
            !0u64
        } else {
            (1u64 << block.len()) - 1
        };
        // The first pair of the stream has no predecessor.
        let counted = if k == 0 { valid & !1 } else { valid };
        let words = [s, c, f, h, fh];
        for (g, nets) in words.iter().enumerate() {
            for (i, &v) in nets.iter().enumerate() {
                let before = prev.as_ref().map_or(0, |p| p[g][i] >> 63);
                out[g] += ((v ^ ((v << 1) | before)) & counted).count_ones() as u64;
            }
        }
        // The last pair's bit moves to bit 63 for the next block.
        let shift = 64 - block.len() as u32;
        prev = Some(words.map(|nets| nets.iter().map(|v| v << shift).collect()));
    }
    out
}

/// [`dadda_toggles`]'s reference: one pair at a time, every net compared with the previous
/// pair's.
pub fn dadda_toggles_reference(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> [u64; 5] {
    let (mx, mw) = array_bits(spec);
    let bits = |v: u64, n: u32| (0..n).map(|i| (v >> i) & 1 == 1).collect::<Vec<bool>>();
    let nets = |&(x, w): &(i64, i64)| {
        let [s, c, f, h, fh, _] = dadda_nets(
            &bits(spec.encode_x(x), mx),
            &bits(spec.encode_w(w), mw),
            spec.repr == Repr::Twos,
        );
        [s, c, f, h, fh]
    };
    let mut out = [0u64; 5];
    for win in pairs.windows(2) {
        let (a, b) = (nets(&win[0]), nets(&win[1]));
        for g in 0..5 {
            out[g] += a[g].iter().zip(&b[g]).filter(|(p, q)| p != q).count() as u64;
        }
    }
    out
}
