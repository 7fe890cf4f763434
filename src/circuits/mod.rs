//! Circuit generators: adders, multipliers and MACs as gate-level [`Netlist`](crate::netlist::Netlist)s.
//!
//! A [`MacSpec`] names the unit, architectures, widths and number representation; it is
//! validated once into a [`ValidMacSpec`] and then trusted. [`build`] turns it into a netlist;
//! [`model`] holds the arithmetic (not gate-level) model of the same hardware used to predict
//! registers and to check results.
//!
//! Ports: multiplier `x`, `w` → `p`; adder `a`, `b` → `s` (with carry out as its top bit);
//! MAC `clk`, `x`, `w` → the accumulator register(s): `acc` (two's complement and
//! sign-magnitude), `acc_pos`/`acc_neg` (unsigned split), and `_s`/`_c` halves for the
//! carry-save variant.

pub mod adders;
pub mod driver;
pub mod mac;
pub mod model;
pub mod multipliers;

pub use crate::arith::Repr;
pub use driver::MacDriver;
pub use mac::build;
pub use model::MacState;

use std::fmt;
use std::str::FromStr;

/// Which unit to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Operand registers → multiplier → accumulator adder → accumulator register.
    Mac,
    /// Combinational multiplier alone.
    Mult,
    /// Combinational adder alone (`--acc` bits).
    Adder,
}

/// Multiplier architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MultArch {
    /// Unsigned carry-save array (Braun).
    Array,
    /// Signed carry-save array with Baugh–Wooley partial products.
    BaughWooley,
    /// Radix-4 modified Booth partial products reduced by a Dadda tree.
    BoothDadda,
    /// AND (or Baugh–Wooley for signed) partial products, Dadda tree.
    Dadda,
    /// AND (or Baugh–Wooley for signed) partial products, Wallace tree.
    Wallace,
}

/// Carry-propagate adder architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdderArch {
    /// Ripple-carry.
    Ripple,
    /// Brent–Kung prefix.
    BrentKung,
    /// Kogge–Stone prefix.
    KoggeStone,
    /// Sklansky (divide-and-conquer) prefix.
    Sklansky,
}

/// Accumulator style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccStyle {
    /// Carry-propagate adder + B-bit register.
    Cpa,
    /// Carry-save: sum and carry registers, a row of full adders, no carry propagation.
    CarrySave,
}

/// Clock gating of the MAC's register banks (integrated clock-gating cells, one per bank).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockGating {
    /// Every flip-flop clocked every cycle.
    #[default]
    None,
    /// The accumulator register(s): clocked only when the product is non-zero (held x ≠ 0
    /// and held |w| ≠ 0, and with operand isolation the held operands live); the unsigned
    /// split clocks only the accumulator (W⁺ or W⁻) the weight's sign selects.
    Acc,
    /// `acc` plus the operand registers: the weight register only when the incoming weight
    /// differs from the held one (an XOR/OR comparator; pays off when weights stay, as in
    /// weight-stationary streams); with operand isolation the operand registers only when
    /// the incoming activation is non-zero (the isolation's own load enable).
    All,
}

macro_rules! names {
    ($t:ty, $what:literal, $($v:ident = $s:literal),+) => {
        impl $t {
            /// All variants.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            /// The command-line name.
            pub fn name(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl clap::ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                Self::ALL
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.name()))
            }
        }
        impl FromStr for $t {
            type Err = SpecError;
            fn from_str(s: &str) -> Result<Self, SpecError> {
                match s {
                    $($s => Ok(<$t>::$v),)+
                    _ => Err(SpecError::Unknown {
                        what: $what,
                        value: s.to_string(),
                        expected: vec![$($s),+].join(", "),
                    }),
                }
            }
        }
    };
}
names!(Unit, "unit", Mac = "mac", Mult = "mult", Adder = "adder");
names!(
    MultArch,
    "multiplier architecture",
    Array = "array",
    BaughWooley = "baugh-wooley",
    BoothDadda = "booth-dadda",
    Dadda = "dadda",
    Wallace = "wallace"
);
names!(
    AdderArch,
    "adder architecture",
    Ripple = "ripple",
    BrentKung = "brent-kung",
    KoggeStone = "kogge-stone",
    Sklansky = "sklansky"
);
names!(
    ClockGating,
    "clock gating",
    None = "none",
    Acc = "acc",
    All = "all"
);
names!(
    AccStyle,
    "accumulator style",
    Cpa = "cpa",
    CarrySave = "carry-save"
);

/// Invalid circuit specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// A name that is not one of the known choices.
    #[error("unknown {what} '{value}' (expected one of: {expected})")]
    Unknown {
        /// What was being parsed.
        what: &'static str,
        /// The offending value.
        value: String,
        /// The valid choices.
        expected: String,
    },
    /// A width outside its allowed range.
    #[error("--{field} {value} is out of range ({min}..={max}{why})")]
    Width {
        /// Flag name.
        field: &'static str,
        /// Given value.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
        /// Extra explanation.
        why: &'static str,
    },
    /// Accumulator narrower than the product.
    #[error("--acc {acc} is smaller than the {product}-bit product of a {bx}x{bw} {repr} MAC")]
    AccTooNarrow {
        /// Accumulator width.
        acc: u32,
        /// Product width.
        product: u32,
        /// Activation width.
        bx: u32,
        /// Weight width.
        bw: u32,
        /// Representation.
        repr: Repr,
    },
    /// An option the unit does not have.
    #[error("--{option} applies to --unit mac only")]
    MacOnly {
        /// Flag name.
        option: &'static str,
    },
    /// Clock gating on a circuit that cannot hold its registers.
    #[error("--clock-gating: {why}")]
    Gating {
        /// Why.
        why: &'static str,
    },
    /// Architecture incompatible with the representation.
    #[error("--mult {arch} cannot be used with --repr {repr}: {why}")]
    ArchRepr {
        /// Multiplier architecture.
        arch: MultArch,
        /// Representation.
        repr: Repr,
        /// Why.
        why: &'static str,
    },
}

/// A circuit specification as given by the user (not yet validated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MacSpec {
    /// Unit to build.
    pub unit: Unit,
    /// Multiplier architecture.
    pub mult: MultArch,
    /// Accumulator adder (and `--unit adder`) architecture.
    pub adder: AdderArch,
    /// Multiplier final carry-propagate adder (default: ripple for the array multipliers,
    /// the accumulator's `adder` otherwise).
    pub final_adder: Option<AdderArch>,
    /// Activation (x) width in bits.
    pub bx: u32,
    /// Weight (w) width in bits.
    pub bw: u32,
    /// Accumulator width B in bits (adder width for `--unit adder`).
    pub acc: u32,
    /// Number representation.
    pub repr: Repr,
    /// Accumulator style.
    pub acc_style: AccStyle,
    /// Operand isolation (MAC only, default off): the operand registers load only when the
    /// incoming activation is non-zero (a 2:1 hold multiplexer in front of each operand
    /// flip-flop, enabled by the OR of the `x` input bits), so the multiplier's inputs stay
    /// still during a run of zero activations; a one-bit register `x_nz` remembers whether
    /// the held operands are live, and the product (and its sign) is ANDed with it before
    /// the accumulator, which therefore adds 0 — exactly x·w — on a zero activation. The
    /// accumulator registers hold the same words as without isolation (sign-magnitude
    /// carry-save: the same value; a plain MAC adds a zero product with a negative sign as
    /// all-ones plus one, which splits differently into sum and carry); the operand
    /// registers hold the last pair whose activation was non-zero. Off, the circuit is the
    /// plain MAC gate for gate.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub operand_isolation: bool,
    /// Clock gating (MAC with a carry-propagate accumulator only, default none): register
    /// banks that do not load in a cycle get no clock edge, through the cell library's
    /// integrated clock-gating cell; the enable logic is ordinary gates (component
    /// `clock_gating`). A gated bank holds exactly what the ungated one would: it is disabled
    /// only in cycles where its D input equals its Q (see [`ClockGating`]), so the
    /// accumulator values are those of the ungated MAC.
    #[serde(skip_serializing_if = "ClockGating::is_none")]
    pub clock_gating: ClockGating,
}

impl ClockGating {
    /// True for [`ClockGating::None`].
    pub fn is_none(&self) -> bool {
        *self == ClockGating::None
    }
}

impl Default for MacSpec {
    /// An 8×8 two's complement MAC, Dadda multiplier, ripple adders, 32-bit accumulator.
    fn default() -> Self {
        MacSpec {
            unit: Unit::Mac,
            mult: MultArch::Dadda,
            adder: AdderArch::Ripple,
            final_adder: None,
            bx: 8,
            bw: 8,
            acc: 32,
            repr: Repr::Twos,
            acc_style: AccStyle::Cpa,
            operand_isolation: false,
            clock_gating: ClockGating::None,
        }
    }
}

/// A validated [`MacSpec`]; downstream code never re-checks widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct ValidMacSpec(MacSpec);

impl std::ops::Deref for ValidMacSpec {
    type Target = MacSpec;
    fn deref(&self) -> &MacSpec {
        &self.0
    }
}

/// Largest operand width.
pub const MAX_OPERAND_BITS: u32 = 16;
/// Largest accumulator / adder width.
pub const MAX_ACC_BITS: u32 = 64;

impl MacSpec {
    /// Check every field; collect nothing silently.
    pub fn validate(self) -> Result<ValidMacSpec, SpecError> {
        let min_op = if self.repr == Repr::Signmag
            || (self.repr == Repr::Unsigned && self.unit == Unit::Mac)
        {
            2
        } else {
            1
        };
        if self.unit != Unit::Adder {
            let why = if min_op == 2 {
                "; sign-magnitude needs a sign and a magnitude bit"
            } else {
                ""
            };
            let wmin = min_op;
            let xmin = if self.repr == Repr::Signmag { 2 } else { 1 };
            for (field, v, min) in [("bx", self.bx, xmin), ("bw", self.bw, wmin)] {
                if !(min..=MAX_OPERAND_BITS).contains(&v) {
                    return Err(SpecError::Width {
                        field,
                        value: v,
                        min,
                        max: MAX_OPERAND_BITS,
                        why,
                    });
                }
            }
            let signed = self.repr == Repr::Twos;
            match (self.mult, signed) {
                (MultArch::Array, true) => {
                    return Err(SpecError::ArchRepr {
                        arch: self.mult,
                        repr: self.repr,
                        why: "the Braun array is unsigned; use baugh-wooley for two's complement",
                    })
                }
                (MultArch::BaughWooley, false) => {
                    return Err(SpecError::ArchRepr {
                        arch: self.mult,
                        repr: self.repr,
                        why: "Baugh-Wooley is a signed array; use array for unsigned magnitudes",
                    })
                }
                _ => {}
            }
        }
        if self.operand_isolation && self.unit != Unit::Mac {
            return Err(SpecError::MacOnly {
                option: "operand-isolation",
            });
        }
        if !self.clock_gating.is_none() {
            if self.unit != Unit::Mac {
                return Err(SpecError::MacOnly {
                    option: "clock-gating",
                });
            }
            if self.acc_style != AccStyle::Cpa {
                return Err(SpecError::Gating {
                    why: "a carry-save accumulator keeps resolving carries on a zero addend, \
                          so it cannot hold; use --acc-style cpa",
                });
            }
        }
        let max_acc = MAX_ACC_BITS;
        match self.unit {
            Unit::Adder => {
                if !(1..=max_acc).contains(&self.acc) {
                    return Err(SpecError::Width {
                        field: "acc",
                        value: self.acc,
                        min: 1,
                        max: max_acc,
                        why: "",
                    });
                }
            }
            Unit::Mac => {
                let product = ValidMacSpec(self).product_bits();
                if self.acc < product {
                    return Err(SpecError::AccTooNarrow {
                        acc: self.acc,
                        product,
                        bx: self.bx,
                        bw: self.bw,
                        repr: self.repr,
                    });
                }
                if self.acc > max_acc {
                    return Err(SpecError::Width {
                        field: "acc",
                        value: self.acc,
                        min: product,
                        max: max_acc,
                        why: "",
                    });
                }
            }
            Unit::Mult => {}
        }
        Ok(ValidMacSpec(self))
    }
}

impl ValidMacSpec {
    /// The user-level spec.
    pub fn spec(&self) -> &MacSpec {
        &self.0
    }
    /// True when the multiplier multiplies two's complement operands.
    pub fn signed_mult(&self) -> bool {
        self.repr == Repr::Twos
    }
    /// The multiplier's final adder.
    pub fn final_adder(&self) -> AdderArch {
        self.final_adder.unwrap_or(match self.mult {
            MultArch::Array | MultArch::BaughWooley => AdderArch::Ripple,
            _ => self.adder,
        })
    }
    /// Width of the product the accumulator must hold (bits).
    pub fn product_bits(&self) -> u32 {
        match self.repr {
            Repr::Twos => self.bx + self.bw,
            // x·|w| with |w| on bw−1 bits; sign-magnitude adds the sign back.
            Repr::Unsigned | Repr::Signmag => self.bx + self.bw - 1,
        }
    }
    /// Inclusive range of activation values (adder: operand `a`) the unit accepts.
    pub fn x_range(&self) -> (i64, i64) {
        match self.unit {
            Unit::Adder => adder_range(self.acc),
            _ => range(self.repr, self.bx, true),
        }
    }
    /// Inclusive range of weight values (adder: operand `b`) the unit accepts.
    pub fn w_range(&self) -> (i64, i64) {
        match (self.unit, self.repr) {
            (Unit::Adder, _) => adder_range(self.acc),
            (Unit::Mac, Repr::Unsigned) => range(Repr::Signmag, self.bw, false),
            _ => range(self.repr, self.bw, false),
        }
    }
    /// Port encoding of an activation value (already range-checked).
    pub fn encode_x(&self, x: i64) -> u64 {
        match self.unit {
            Unit::Adder => x as u64,
            _ => encode(self.repr, self.bx, x),
        }
    }
    /// Port encoding of a weight value (already range-checked).
    pub fn encode_w(&self, w: i64) -> u64 {
        match (self.unit, self.repr) {
            (Unit::Adder, _) => w as u64,
            (Unit::Mac, Repr::Unsigned) => encode(Repr::Signmag, self.bw, w),
            _ => encode(self.repr, self.bw, w),
        }
    }
    /// A one-line description, e.g. `mac 8x8 twos dadda/ripple acc32 cpa`.
    pub fn describe(&self) -> String {
        match self.unit {
            Unit::Adder => format!("adder {} {}-bit", self.adder, self.acc),
            Unit::Mult => format!(
                "mult {}x{} {} {} (final adder {})",
                self.bx,
                self.bw,
                self.repr,
                self.mult,
                self.final_adder()
            ),
            Unit::Mac => format!(
                "mac {}x{} {} {} (final adder {}) acc{} {} {}{}{}",
                self.bx,
                self.bw,
                self.repr,
                self.mult,
                self.final_adder(),
                self.acc,
                self.adder,
                self.acc_style,
                if self.operand_isolation {
                    " operand-isolation"
                } else {
                    ""
                },
                if self.clock_gating.is_none() {
                    String::new()
                } else {
                    format!(" clock-gating-{}", self.clock_gating)
                }
            ),
        }
    }
}

/// Adder operands as signed 64-bit stream values: `0 ..= 2^min(B, 63) − 1`.
fn adder_range(acc: u32) -> (i64, i64) {
    (0, ((1u64 << acc.min(63)) - 1) as i64)
}

fn range(repr: Repr, bits: u32, activation: bool) -> (i64, i64) {
    let b = bits as i64;
    match repr {
        Repr::Twos => (-(1 << (b - 1)), (1 << (b - 1)) - 1),
        Repr::Unsigned if activation => (0, (1 << b) - 1),
        Repr::Unsigned => (0, (1 << b) - 1),
        Repr::Signmag => (-((1 << (b - 1)) - 1), (1 << (b - 1)) - 1),
    }
}

fn encode(repr: Repr, bits: u32, v: i64) -> u64 {
    let mask = (1u64 << bits) - 1;
    match repr {
        Repr::Twos | Repr::Unsigned => (v as u64) & mask,
        Repr::Signmag => v.unsigned_abs() | (((v < 0) as u64) << (bits - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in MultArch::ALL {
            assert_eq!(a.name().parse::<MultArch>().unwrap(), *a);
        }
        assert!("booth".parse::<MultArch>().is_err());
    }

    #[test]
    fn accumulator_narrower_than_product_is_rejected() {
        let s = MacSpec {
            acc: 15,
            ..MacSpec::default()
        };
        assert!(matches!(s.validate(), Err(SpecError::AccTooNarrow { .. })));
        let s = MacSpec {
            bx: 0,
            ..MacSpec::default()
        };
        assert!(matches!(s.validate(), Err(SpecError::Width { .. })));
    }
}
