//! Arithmetic model of the generated units: what the hardware computes, written as integer
//! arithmetic (not gates). Used to predict register contents and to check every circuit.

use super::{AccStyle, Repr, Unit, ValidMacSpec};

/// Register contents of a MAC (port encodings, LSB first): operand registers and up to four
/// accumulator registers — `acc[0]` = the accumulator (two's complement / sign-magnitude) or
/// the positive accumulator (unsigned); `acc[1]` = the negative one. With the carry-save
/// style each accumulator is a (sum, carry) pair: `acc[0..2]` and `acc[2..4]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MacState {
    /// Activation register (port encoding).
    pub xr: u64,
    /// Weight register (port encoding).
    pub wr: u64,
    /// Accumulator registers.
    pub acc: [u64; 4],
    /// Operand isolation only: whether the held operands' activation was non-zero (the
    /// `x_nz` register; always false without isolation).
    pub x_nz: bool,
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        !0
    } else {
        (1u64 << bits) - 1
    }
}

fn sext(v: u64, bits: u32) -> i64 {
    let s = 64 - bits;
    ((v << s) as i64) >> s
}

fn split_sm(v: u64, bits: u32) -> (u64, bool) {
    (v & mask(bits - 1), (v >> (bits - 1)) & 1 == 1)
}

impl ValidMacSpec {
    /// Value of a two's complement / sign-magnitude / unsigned port encoding.
    pub fn decode(&self, v: u64, bits: u32, is_weight: bool) -> i64 {
        let repr = match (self.unit, self.repr, is_weight) {
            (Unit::Mac, Repr::Unsigned, true) => Repr::Signmag,
            (_, r, _) => r,
        };
        match repr {
            Repr::Twos => sext(v, bits),
            Repr::Unsigned => v as i64,
            Repr::Signmag => {
                let (m, s) = split_sm(v, bits);
                if s {
                    -(m as i64)
                } else {
                    m as i64
                }
            }
        }
    }

    /// Output port `p` of a multiplier unit for encoded inputs.
    pub fn mult_output(&self, xe: u64, we: u64) -> u128 {
        let (bx, bw) = (self.bx, self.bw);
        match self.repr {
            Repr::Twos => {
                let p = sext(xe, bx) as i128 * sext(we, bw) as i128;
                (p as u128) & ((1u128 << (bx + bw)) - 1)
            }
            Repr::Unsigned => xe as u128 * we as u128,
            Repr::Signmag => {
                let (mx, sx) = split_sm(xe, bx);
                let (mw, sw) = split_sm(we, bw);
                let m = mx as u128 * mw as u128;
                m | (((sx ^ sw) as u128) << (bx + bw - 2))
            }
        }
    }

    /// Output port `s` of an adder unit (`acc + 1` bits including the carry out).
    pub fn adder_output(&self, a: u64, b: u64) -> u128 {
        a as u128 + b as u128
    }

    /// The accumulator adder's addend(s) and carry-in for the operands held in `s`:
    /// `[(addend, cin); 2]` for the (positive, negative) or (single, unused) accumulators.
    fn addends(&self, s: &MacState) -> [(u64, u64); 2] {
        let m = mask(self.acc);
        if self.operand_isolation && !s.x_nz {
            return [(0, 0), (0, 0)];
        }
        match self.repr {
            Repr::Twos => {
                let p = sext(s.xr, self.bx) as i128 * sext(s.wr, self.bw) as i128;
                [((p as u64) & m, 0), (0, 0)]
            }
            Repr::Signmag => {
                let (mx, sx) = split_sm(s.xr, self.bx);
                let (mw, sw) = split_sm(s.wr, self.bw);
                let neg = sx ^ sw;
                let p = mx * mw;
                let a = if neg { !p & m } else { p };
                [(a, neg as u64), (0, 0)]
            }
            Repr::Unsigned => {
                let (mw, sw) = split_sm(s.wr, self.bw);
                let p = s.xr * mw;
                if sw {
                    [(0, 0), (p, 0)]
                } else {
                    [(p, 0), (0, 0)]
                }
            }
        }
    }

    /// Registers after the clock edge of a cycle whose inputs are the encoded `(xe, we)`.
    pub fn step(&self, s: &MacState, xe: u64, we: u64) -> MacState {
        let m = mask(self.acc);
        let ad = self.addends(s);
        let mut acc = s.acc;
        match self.acc_style {
            AccStyle::Cpa => {
                for (k, (a, cin)) in ad.iter().enumerate() {
                    acc[k] = s.acc[k].wrapping_add(*a).wrapping_add(*cin) & m;
                }
            }
            AccStyle::CarrySave => {
                for (k, (a, cin)) in ad.iter().enumerate() {
                    let (sum, car) = (s.acc[2 * k], s.acc[2 * k + 1]);
                    acc[2 * k] = sum ^ car ^ a;
                    acc[2 * k + 1] = (((sum & car) | (sum & a) | (car & a)) << 1 | cin) & m;
                }
            }
        }
        if self.operand_isolation && xe == 0 {
            return MacState {
                acc,
                x_nz: false,
                ..*s
            };
        }
        MacState {
            xr: xe,
            wr: we,
            acc,
            x_nz: self.operand_isolation,
        }
    }

    /// Push the accumulator registers held during each lane of `pairs` (registers hold
    /// `init` during the first) onto `out`; returns the registers after the last clock edge.
    /// Same result as repeated [`ValidMacSpec::step`], with the common cases specialised.
    pub fn acc_sequence(
        &self,
        init: MacState,
        pairs: &[(u64, u64)],
        out: &mut Vec<[u64; 4]>,
    ) -> MacState {
        let m = mask(self.acc);
        let (bx, bw) = (self.bx, self.bw);
        let mut s = init;
        let fast = if self.operand_isolation {
            None
        } else {
            Some((self.repr, self.acc_style))
        };
        match fast {
            Some((Repr::Twos, AccStyle::Cpa)) => {
                let mut acc = s.acc[0];
                let mut p = (sext(s.xr, bx) * sext(s.wr, bw)) as u64;
                for &(xe, we) in pairs {
                    out.push([acc, 0, 0, 0]);
                    acc = acc.wrapping_add(p) & m;
                    p = (sext(xe, bx) * sext(we, bw)) as u64;
                }
                s.acc[0] = acc;
            }
            Some((Repr::Unsigned, AccStyle::Cpa)) => {
                let (mut pos, mut neg) = (s.acc[0], s.acc[1]);
                let sign = 1u64 << (bw - 1);
                let mut p = s.xr * (s.wr & (sign - 1));
                let mut negative = s.wr & sign != 0;
                for &(xe, we) in pairs {
                    out.push([pos, neg, 0, 0]);
                    if negative {
                        neg = neg.wrapping_add(p) & m;
                    } else {
                        pos = pos.wrapping_add(p) & m;
                    }
                    p = xe * (we & (sign - 1));
                    negative = we & sign != 0;
                }
                s.acc[0] = pos;
                s.acc[1] = neg;
            }
            _ => {
                for &(xe, we) in pairs {
                    out.push(s.acc);
                    s = self.step(&s, xe, we);
                }
                return s;
            }
        }
        if let Some(&(xe, we)) = pairs.last() {
            s.xr = xe;
            s.wr = we;
        }
        s
    }

    /// Number of accumulator registers (entries of [`MacState::acc`] in use).
    pub fn acc_registers(&self) -> usize {
        let per = if self.acc_style == AccStyle::CarrySave {
            2
        } else {
            1
        };
        let n = if self.repr == Repr::Unsigned { 2 } else { 1 };
        per * n
    }

    /// The accumulated value (mod 2^B, two's complement interpretation for signed
    /// representations; W⁺ − W⁻ for the unsigned split) that a state's registers hold.
    pub fn acc_value(&self, s: &MacState) -> i128 {
        let m = mask(self.acc);
        let resolve = |k: usize| -> u64 {
            match self.acc_style {
                AccStyle::Cpa => s.acc[k],
                AccStyle::CarrySave => s.acc[2 * k].wrapping_add(s.acc[2 * k + 1]) & m,
            }
        };
        match self.repr {
            Repr::Unsigned => resolve(0) as i128 - resolve(1) as i128,
            _ => sext(resolve(0), self.acc) as i128,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::MacSpec;
    use super::*;

    #[test]
    fn model_accumulates_products_mod_2_pow_b_in_every_representation() {
        for repr in [Repr::Twos, Repr::Signmag, Repr::Unsigned] {
            for acc_style in [AccStyle::Cpa, AccStyle::CarrySave] {
                let s = MacSpec {
                    repr,
                    acc_style,
                    mult: super::super::MultArch::Dadda,
                    acc: 20,
                    ..MacSpec::default()
                }
                .validate()
                .unwrap();
                let (lo, hi) = s.x_range();
                let (wlo, whi) = s.w_range();
                let mut st = MacState::default();
                let mut sum: i128 = 0;
                let mut prev: Option<(i64, i64)> = None;
                for t in 0..500i64 {
                    let x = lo + (t * 37) % (hi - lo + 1);
                    let w = wlo + (t * 11) % (whi - wlo + 1);
                    st = s.step(&st, s.encode_x(x), s.encode_w(w));
                    if let Some((px, pw)) = prev {
                        sum += px as i128 * pw as i128;
                    }
                    prev = Some((x, w));
                    let got = s.acc_value(&st);
                    match repr {
                        Repr::Unsigned => assert_eq!((got - sum).rem_euclid(1 << 20), 0),
                        _ => assert_eq!(got, ((sum << 108) >> 108), "{repr} t={t}"),
                    }
                }
            }
        }
    }
}
