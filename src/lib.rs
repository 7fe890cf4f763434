//! `pann`: a hardware-accurate, gate-level power simulator for the integer arithmetic of
//! neural networks, and the PANN (power-aware neural network) evaluator built on it.
//!
//! Pipeline: [`circuits`] build gate-level netlists ([`netlist::Netlist`]) of multipliers,
//! adders and MACs; [`sim`] drives them with operand streams ([`stream`]) and counts every
//! net's toggles; the energy stage turns toggles into femtojoules; fitting and the PANN
//! evaluator build on top.
#![warn(missing_docs)]

pub mod arith;
pub mod bench;
pub mod circuits;
pub mod energy;
pub mod experiment;
pub mod fit;
pub mod glitch;
pub mod netlist;
pub mod nn;
pub mod oracle;
pub mod plot;
pub mod report;
pub mod sim;
pub mod simulate;
pub mod stream;
pub mod tradeoff;
