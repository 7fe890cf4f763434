//! Number representations and operand orders, defined once for the circuits, the operand
//! streams and the networks: [`Repr`] (two's complement, the unsigned split, sign-magnitude)
//! and [`Dataflow`] (output-stationary, weight-stationary).

use std::fmt;
use std::str::FromStr;

/// Cycles a weight is held under `weight-stationary` without `:N` (synthetic streams).
pub const DEFAULT_HOLD: u64 = 64;

/// A name or value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --{what} '{value}': {why}")]
pub struct ParseError {
    /// What was being parsed (the flag's name).
    pub what: &'static str,
    /// The given text.
    pub value: String,
    /// What is wrong, with the valid choices.
    pub why: String,
}

/// Number representation of the operands and the accumulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Repr {
    /// Two's complement operands, signed multiplier, sign-extended product into a
    /// two's complement accumulator.
    Twos,
    /// Unsigned activations; weights as sign + magnitude, the magnitude product routed to a
    /// positive or a negative unsigned accumulator (W = W⁺ − W⁻). For `--unit mult`: an
    /// unsigned × unsigned multiplier.
    Unsigned,
    /// Sign-magnitude operands, unsigned magnitude multiplier, conditional negation into a
    /// two's complement accumulator.
    Signmag,
}

impl Repr {
    /// All representations.
    pub const ALL: &'static [Repr] = &[Repr::Twos, Repr::Unsigned, Repr::Signmag];
    /// The command-line name: `twos`, `unsigned`, `signmag`.
    pub fn name(self) -> &'static str {
        match self {
            Repr::Twos => "twos",
            Repr::Unsigned => "unsigned",
            Repr::Signmag => "signmag",
        }
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Repr {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Repr::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s)
            .ok_or_else(|| ParseError {
                what: "repr",
                value: s.to_string(),
                why: "expected one of: twos, unsigned, signmag".into(),
            })
    }
}

impl clap::ValueEnum for Repr {
    fn value_variants<'a>() -> &'a [Self] {
        Self::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// The order in which a MAC sees its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Dataflow {
    /// Both operands change every cycle (one dot product after another).
    OutputStationary,
    /// The weight is held for `n` cycles while activations stream (a real network layer holds
    /// each weight for all its positions and images: `n` is then [`DEFAULT_HOLD`] and unused).
    WeightStationary {
        /// Cycles per weight.
        n: u64,
    },
}

impl std::fmt::Display for Dataflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dataflow::OutputStationary => f.write_str("output-stationary"),
            Dataflow::WeightStationary { n } => write!(f, "weight-stationary:{n}"),
        }
    }
}

impl std::str::FromStr for Dataflow {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let bad = |why: &str| ParseError {
            what: "dataflow",
            value: s.to_string(),
            why: why.to_string(),
        };
        match s.split_once(':') {
            None if s == "output-stationary" || s == "os" => Ok(Dataflow::OutputStationary),
            None if s == "weight-stationary" || s == "ws" => {
                Ok(Dataflow::WeightStationary { n: DEFAULT_HOLD })
            }
            Some(("weight-stationary", n)) => match n.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(Dataflow::WeightStationary { n }),
                _ => Err(bad("the hold length must be an integer >= 1")),
            },
            _ => Err(bad("expected output-stationary or weight-stationary[:N]")),
        }
    }
}
