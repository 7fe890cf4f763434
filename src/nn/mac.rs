//! The reference MAC: what one hardware multiply-accumulate unit computes, step by step.
//!
//! A MAC with a `B`-bit accumulator computes `acc_{t+1} = (acc_t + x_t·w_t) mod 2^B` and its
//! register holds the result as a two's-complement `B`-bit word. Because addition mod 2^B is
//! associative, the final word equals the exact sum mod 2^B whatever the intermediate wraps;
//! the wraps themselves (overflow events) depend on the order and are counted here in stream
//! order.
//!
//! Representations ([`Repr`]):
//! - `Twos`: signed weights, one two's-complement accumulator.
//! - `Unsigned`: `w = w⁺ − w⁻` (both ≥ 0); `x·w⁺` goes into accumulator S⁺, `x·w⁻` into S⁻,
//!   each an unsigned `B`-bit register wrapping mod 2^B; the output is `(S⁺ − S⁻) mod 2^B`
//!   read as two's complement. This equals the `Twos` result for every input (modular
//!   arithmetic), so accuracy is identical by construction; overflow *events* differ (S± wrap
//!   at 2^B instead of ±2^(B−1)).
//! - `Signmag`: sign-magnitude operands and product, accumulated in a two's-complement
//!   register: numerically identical to `Twos`; only the operand bit patterns (and so the
//!   toggles) differ.

pub use crate::arith::Repr;

/// `v mod 2^bits` read as a two's-complement `bits`-bit number (`1 ≤ bits ≤ 63`).
#[inline]
pub fn wrap_signed(v: i64, bits: u32) -> i64 {
    debug_assert!((1..=63).contains(&bits));
    let sh = 64 - bits;
    (v << sh) >> sh
}

/// `v mod 2^bits` as an unsigned value in `[0, 2^bits)` (`1 ≤ bits ≤ 63`).
#[inline]
pub fn wrap_unsigned(v: i64, bits: u32) -> i64 {
    debug_assert!((1..=63).contains(&bits));
    v & ((1i64 << bits) - 1)
}

/// One MAC step: `(acc + x·w) mod 2^B`, two's complement. The gate-level MAC must match this.
#[inline]
pub fn mac_step(acc: i64, x: i64, w: i64, acc_bits: u32) -> i64 {
    wrap_signed(acc.wrapping_add(x.wrapping_mul(w)), acc_bits)
}

/// Result of accumulating one operand stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccOutcome {
    /// Final accumulator word, read as two's complement `B` bits.
    pub value: i64,
    /// Exact (unbounded) sum `Σ x·w`.
    pub exact: i64,
    /// Steps whose addition wrapped (left the register's range).
    pub wrap_events: u64,
}

/// Two's-complement accumulation of a stream, starting from 0.
pub fn accumulate(pairs: impl IntoIterator<Item = (i64, i64)>, acc_bits: u32) -> AccOutcome {
    let (mut acc, mut exact, mut wraps) = (0i64, 0i64, 0u64);
    for (x, w) in pairs {
        let p = x * w;
        exact += p;
        let next = mac_step(acc, x, w, acc_bits);
        wraps += u64::from(next != acc + p);
        acc = next;
    }
    AccOutcome {
        value: acc,
        exact,
        wrap_events: wraps,
    }
}

/// Result of the unsigned split accumulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitOutcome {
    /// S⁺ register, unsigned in `[0, 2^B)`.
    pub pos: i64,
    /// S⁻ register, unsigned in `[0, 2^B)`.
    pub neg: i64,
    /// `(S⁺ − S⁻) mod 2^B` read as two's complement: equals [`AccOutcome::value`].
    pub value: i64,
    /// Exact sum `Σ x·w`.
    pub exact: i64,
    /// Steps where S⁺ or S⁻ wrapped past 2^B.
    pub wrap_events: u64,
}

/// Unsigned split accumulation: `x ≥ 0` required (post-ReLU or raw-pixel activations).
pub fn accumulate_unsigned(
    pairs: impl IntoIterator<Item = (i64, i64)>,
    acc_bits: u32,
) -> SplitOutcome {
    let (mut pos, mut neg, mut exact, mut wraps) = (0i64, 0i64, 0i64, 0u64);
    for (x, w) in pairs {
        debug_assert!(x >= 0, "unsigned MAC needs x ≥ 0, got {x}");
        exact += x * w;
        let reg = if w >= 0 { &mut pos } else { &mut neg };
        let sum = *reg + x * w.abs();
        *reg = wrap_unsigned(sum, acc_bits);
        wraps += u64::from(*reg != sum);
    }
    SplitOutcome {
        pos,
        neg,
        value: wrap_signed(pos - neg, acc_bits),
        exact,
        wrap_events: wraps,
    }
}

/// Accumulator register after every step (two's complement), for cycle-by-cycle comparison
/// with a simulated MAC: item `t` is `acc_{t+1}`.
pub fn mac_trace(
    pairs: impl IntoIterator<Item = (i64, i64)>,
    acc_bits: u32,
) -> impl Iterator<Item = i64> {
    pairs.into_iter().scan(0i64, move |acc, (x, w)| {
        *acc = mac_step(*acc, x, w, acc_bits);
        Some(*acc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wrap_is_mod_2_to_the_b() {
        assert_eq!(wrap_signed(127, 8), 127);
        assert_eq!(wrap_signed(128, 8), -128);
        assert_eq!(wrap_signed(-129, 8), 127);
        assert_eq!(wrap_unsigned(-1, 8), 255);
        assert_eq!(mac_step(100, 5, 10, 8), wrap_signed(150, 8));
    }

    #[test]
    fn wrap_events_are_counted_in_stream_order() {
        // 100 + 100 wraps in 8 bits, then −100 wraps back: two events, final value exact.
        let o = accumulate([(10, 10), (10, 10), (10, -10)], 8);
        assert_eq!((o.value, o.exact, o.wrap_events), (100, 100, 2));
    }

    proptest! {
        #[test]
        fn unsigned_split_equals_twos_mod_2_to_the_b(
            xs in proptest::collection::vec((0i64..256, -127i64..128), 0..300),
            b in 8u32..33,
        ) {
            let t = accumulate(xs.iter().copied(), b);
            let u = accumulate_unsigned(xs.iter().copied(), b);
            prop_assert_eq!(t.value, u.value);
            prop_assert_eq!(t.value, wrap_signed(t.exact, b));
            prop_assert_eq!(mac_trace(xs.iter().copied(), b).last().unwrap_or(0), t.value);
        }
    }
}
