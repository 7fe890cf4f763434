//! Per-cycle input vectors for a netlist whose ports are not the generated MAC's (e.g. one
//! imported from Yosys): the two operand ports take the operand stream, every other input
//! port is tied to a constant or driven by its own per-cycle stream. Nothing is held at 0
//! silently: an input port left without a driver is an error naming it, and so is a name
//! that is not an input port. The clock is implicit (never an input port of a [`Netlist`]),
//! so it needs no driver.
//!
//! ```
//! # use pann::netlist::Builder;
//! # use pann::sim::drive::PortDrive;
//! # let mut b = Builder::new();
//! # let x = b.input("x", 8); let w = b.input("w", 8); let en = b.input("en", 1);
//! # let y = b.and2(x[0], w[0]); let y = b.and2(y, en[0]); b.output("y", &[y]);
//! # let n = b.finish().unwrap();
//! let plan = PortDrive::new("x", "w").tie("en", 1).validate(&n)?;
//! let vectors = plan.vectors(0, &[(3, 5), (7, 2)])?; // in `n.inputs()` order
//! assert_eq!(vectors, vec![vec![3, 5, 1], vec![7, 2, 1]]);
//! # Ok::<(), pann::sim::drive::DriveError>(())
//! ```

use super::reference::PortValues;
use super::PortVectors;
use crate::netlist::Netlist;

/// Which input ports carry the operands and what drives the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortDrive {
    /// Activation operand port (bit pattern of the port's width each cycle).
    pub x: String,
    /// Weight operand port.
    pub w: String,
    /// Ports held at a constant value every cycle, e.g. `("en", 1)`.
    pub ties: Vec<(String, u128)>,
    /// Ports with their own value per cycle (cycle `t` reads element `t`), e.g. a random
    /// enable or clear pattern.
    pub streams: Vec<(String, Vec<u128>)>,
}

/// A [`PortDrive`] that does not fit a netlist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    /// A name that is not an input port.
    #[error("no input port `{port}` (inputs: {inputs}; the clock is implicit)")]
    UnknownPort {
        /// The name given.
        port: String,
        /// The netlist's input ports, comma-separated.
        inputs: String,
    },
    /// A port given two drivers.
    #[error("input port `{0}` is driven twice")]
    DrivenTwice(String),
    /// Input ports with no driver.
    #[error("input port(s) {} not driven: tie each to a value (e.g. `{}=0`)", .0.join(", "), .0[0])]
    Undriven(Vec<String>),
    /// A value wider than its port.
    #[error("value {value:#x} does not fit input port `{port}` ({width} bits){}",
        .cycle.map(|c| format!(" in cycle {c}")).unwrap_or_default())]
    TooWide {
        /// The port.
        port: String,
        /// The value.
        value: u128,
        /// The port's width in bits.
        width: usize,
        /// The cycle (`None` for a tie).
        cycle: Option<u64>,
    },
    /// A per-cycle stream that ends before the operands do.
    #[error("input port `{port}` has values for {have} cycles, cycle {need} was asked for")]
    ShortStream {
        /// The port.
        port: String,
        /// Number of values given.
        have: usize,
        /// The first missing cycle.
        need: u64,
    },
    /// A `name=value` tie that does not parse.
    #[error("bad tie `{0}`: expected NAME=VALUE (VALUE decimal, 0x… or 0b…)")]
    BadTie(String),
}

/// Parse a tie `name=value` (`en=1`, `mode=0x3`, `sel=0b10`).
pub fn parse_tie(s: &str) -> Result<(String, u128), DriveError> {
    let bad = || DriveError::BadTie(s.to_string());
    let (name, v) = s.split_once('=').ok_or_else(bad)?;
    let (name, v) = (name.trim(), v.trim());
    let value = if let Some(h) = v.strip_prefix("0x") {
        u128::from_str_radix(h, 16)
    } else if let Some(b) = v.strip_prefix("0b") {
        u128::from_str_radix(b, 2)
    } else {
        v.parse()
    };
    match (name.is_empty(), value) {
        (false, Ok(value)) => Ok((name.to_string(), value)),
        _ => Err(bad()),
    }
}

impl PortDrive {
    /// Operands on ports `x` and `w`, nothing else driven yet.
    pub fn new(x: &str, w: &str) -> PortDrive {
        PortDrive {
            x: x.to_string(),
            w: w.to_string(),
            ..PortDrive::default()
        }
    }
    /// Also hold `port` at `value` every cycle.
    pub fn tie(mut self, port: &str, value: u128) -> PortDrive {
        self.ties.push((port.to_string(), value));
        self
    }
    /// Also drive `port` with `values[t]` in cycle `t`.
    pub fn stream(mut self, port: &str, values: Vec<u128>) -> PortDrive {
        self.streams.push((port.to_string(), values));
        self
    }

    /// Every port name this drive mentions, in the order x, w, ties, streams.
    fn named(&self) -> impl Iterator<Item = &str> {
        [self.x.as_str(), self.w.as_str()]
            .into_iter()
            .chain(self.ties.iter().map(|(p, _)| p.as_str()))
            .chain(self.streams.iter().map(|(p, _)| p.as_str()))
    }

    /// Input ports of `n` (in `n.inputs()` order) that are neither `x`, `w`, tied nor
    /// streamed.
    pub fn undriven(&self, n: &Netlist) -> Vec<String> {
        n.inputs()
            .iter()
            .filter(|p| !self.named().any(|d| d == p.name))
            .map(|p| p.name.clone())
            .collect()
    }

    /// Check the drive against `n` once: every name is an input port, driven once, ties
    /// fit their ports, and no input port is left undriven (in that order of precedence).
    pub fn validate(&self, n: &Netlist) -> Result<PortPlan, DriveError> {
        let mut seen: Vec<&str> = Vec::new();
        for name in self.named() {
            if n.input(name).is_none() {
                let inputs: Vec<&str> = n.inputs().iter().map(|p| p.name.as_str()).collect();
                return Err(DriveError::UnknownPort {
                    port: name.to_string(),
                    inputs: inputs.join(", "),
                });
            }
            if seen.contains(&name) {
                return Err(DriveError::DrivenTwice(name.to_string()));
            }
            seen.push(name);
        }
        let undriven = self.undriven(n);
        if !undriven.is_empty() {
            return Err(DriveError::Undriven(undriven));
        }
        let ports = n
            .inputs()
            .iter()
            .map(|p| {
                let width = p.bits.len();
                let source = if p.name == self.x {
                    Source::X
                } else if p.name == self.w {
                    Source::W
                } else if let Some((_, v)) = self.ties.iter().find(|(t, _)| *t == p.name) {
                    fits(&p.name, *v, width, None)?;
                    Source::Tie(*v)
                } else {
                    let s = self.streams.iter().find(|(t, _)| *t == p.name);
                    Source::Stream(s.expect("validated: every port is driven").1.clone())
                };
                Ok((p.name.clone(), width, source))
            })
            .collect::<Result<_, DriveError>>()?;
        Ok(PortPlan { ports })
    }
}

fn fits(port: &str, value: u128, width: usize, cycle: Option<u64>) -> Result<(), DriveError> {
    if width >= 128 || value >> width == 0 {
        Ok(())
    } else {
        Err(DriveError::TooWide {
            port: port.to_string(),
            value,
            width,
            cycle,
        })
    }
}

#[derive(Clone, Debug)]
enum Source {
    X,
    W,
    Tie(u128),
    Stream(Vec<u128>),
}

/// A [`PortDrive`] validated against one netlist: per input port (in `n.inputs()` order) its
/// name, width and source.
#[derive(Clone, Debug)]
pub struct PortPlan {
    ports: Vec<(String, usize, Source)>,
}

impl PortPlan {
    /// Input vectors for cycles `first_cycle ..`: cycle `first_cycle + t` carries
    /// `operands[t] = (x, w)` (bit patterns of the port widths), the ties, and element
    /// `first_cycle + t` of each stream. Ports in `n.inputs()` order, ready for
    /// [`PortVectors::new`] or [`crate::sim::reference::simulate`].
    pub fn vectors(
        &self,
        first_cycle: u64,
        operands: &[(u128, u128)],
    ) -> Result<Vec<PortValues>, DriveError> {
        operands
            .iter()
            .enumerate()
            .map(|(t, &(x, w))| {
                let cycle = first_cycle + t as u64;
                self.ports
                    .iter()
                    .map(|(name, width, src)| {
                        let v = match src {
                            Source::X => x,
                            Source::W => w,
                            Source::Tie(v) => *v,
                            Source::Stream(s) => {
                                *s.get(cycle as usize).ok_or(DriveError::ShortStream {
                                    port: name.clone(),
                                    have: s.len(),
                                    need: cycle,
                                })?
                            }
                        };
                        fits(name, v, *width, Some(cycle))?;
                        Ok(v)
                    })
                    .collect()
            })
            .collect()
    }

    /// [`PortPlan::vectors`] as a driver for [`crate::sim::ZeroDelaySim`] (and the timed
    /// simulators).
    pub fn driver(
        &self,
        n: &Netlist,
        first_cycle: u64,
        operands: &[(u128, u128)],
    ) -> Result<PortVectors, DriveError> {
        Ok(PortVectors::new(n, self.vectors(first_cycle, operands)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlist::Builder;

    /// Inputs x[4], clear, w[4], en; output y.
    fn netlist() -> Netlist {
        let mut b = Builder::new();
        let x = b.input("x", 4);
        let c = b.input("clear", 1);
        let w = b.input("w", 4);
        let e = b.input("en", 1);
        let y = b.xor2(x[0], w[3]);
        let y = b.and_not(y, c[0]);
        let y = b.and2(y, e[0]);
        b.output("y", &[y]);
        b.finish().unwrap()
    }

    #[test]
    fn vectors_follow_the_netlist_port_order() {
        let n = netlist();
        let plan = PortDrive::new("x", "w")
            .tie("en", 1)
            .stream("clear", vec![0, 1, 0, 1])
            .validate(&n)
            .unwrap();
        let v = plan.vectors(1, &[(3, 9), (15, 0)]).unwrap();
        assert_eq!(v, vec![vec![3, 1, 9, 1], vec![15, 0, 0, 1]]);
    }

    #[test]
    fn an_undriven_port_is_named() {
        let n = netlist();
        let d = PortDrive::new("x", "w").tie("en", 1);
        assert_eq!(d.undriven(&n), vec!["clear".to_string()]);
        let e = d.validate(&n).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input port(s) clear not driven: tie each to a value (e.g. `clear=0`)"
        );
    }

    #[test]
    fn unknown_twice_driven_and_too_wide_ports_are_errors() {
        let n = netlist();
        let e = PortDrive::new("x", "w")
            .tie("enable", 1)
            .validate(&n)
            .unwrap_err();
        assert!(e.to_string().contains("no input port `enable`"), "{e}");
        let e = PortDrive::new("x", "clk").validate(&n).unwrap_err();
        assert!(e.to_string().contains("`clk`"), "{e}");
        let e = PortDrive::new("x", "w")
            .tie("en", 1)
            .tie("clear", 0)
            .tie("en", 0)
            .validate(&n)
            .unwrap_err();
        assert_eq!(e, DriveError::DrivenTwice("en".into()));
        let e = PortDrive::new("x", "w")
            .tie("en", 2)
            .tie("clear", 0)
            .validate(&n)
            .unwrap_err();
        assert!(e
            .to_string()
            .contains("0x2 does not fit input port `en` (1 bits)"));
        let plan = PortDrive::new("x", "w")
            .tie("en", 1)
            .stream("clear", vec![0])
            .validate(&n)
            .unwrap();
        let e = plan.vectors(0, &[(16, 0)]).unwrap_err();
        assert!(
            e.to_string().contains("port `x` (4 bits) in cycle 0"),
            "{e}"
        );
        let e = plan.vectors(0, &[(1, 0), (1, 0)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input port `clear` has values for 1 cycles, cycle 1 was asked for"
        );
    }

    #[test]
    fn ties_parse_from_name_equals_value() {
        assert_eq!(parse_tie("en=1").unwrap(), ("en".into(), 1));
        assert_eq!(parse_tie("m = 0x1f").unwrap(), ("m".into(), 31));
        assert_eq!(parse_tie("s=0b10").unwrap(), ("s".into(), 2));
        for bad in ["en", "=1", "en=", "en=two", "en=-1"] {
            assert!(parse_tie(bad).is_err(), "{bad}");
        }
    }
}
