//! The circuit of an experiment: generated from a validated spec, or imported from a Yosys
//! `write_json` netlist with the ports the operand stream drives.

use super::ExperimentError;
use crate::circuits::{self, MacSpec, MultArch, Repr, Unit, ValidMacSpec};
use crate::netlist::yosys::{import_json, ImportOptions};
use crate::netlist::Netlist;
use crate::simulate::ImportedPorts;
use std::path::Path;

/// A circuit ready to simulate.
#[derive(Clone, Debug)]
pub enum Circuit {
    /// Generated from its spec.
    Generated {
        /// The spec.
        spec: ValidMacSpec,
        /// Its netlist ([`circuits::build`]).
        netlist: Netlist,
    },
    /// Imported from Yosys.
    Imported(ImportedCircuit),
}

/// The ports of a netlist to import: module, operand ports, result port, ties.
#[derive(Clone, Debug, Default)]
pub struct PortNames {
    /// Module (default: the one marked top, or the only one).
    pub top: Option<String>,
    /// Activation port.
    pub x: String,
    /// Weight port.
    pub w: String,
    /// Result port.
    pub out: String,
    /// Other input ports held at a constant.
    pub ties: Vec<(String, u128)>,
}

/// A Yosys netlist with the ports the stream drives.
#[derive(Clone, Debug)]
pub struct ImportedCircuit {
    /// The netlist.
    pub netlist: Netlist,
    /// Operand widths (from the port widths) and representation of the `x` and `w` ports.
    pub spec: ValidMacSpec,
    /// Source file, ports and checksum.
    pub ports: ImportedPorts,
}

impl Circuit {
    /// Build the circuit of `spec`.
    pub fn generated(spec: ValidMacSpec) -> Circuit {
        let netlist = circuits::build(&spec);
        Circuit::Generated { spec, netlist }
    }

    /// Import `path` (Yosys `write_json`): `x` and `w` are the ports the stream drives (their
    /// widths give the operand widths, `repr` their encoding), `out` the result port, `top`
    /// the module (default: the one marked top, or the only one); every other input port
    /// must be tied (`ties`, e.g. `("en", 1)`). Problems beyond the first few are counted, not
    /// listed, unless `verbose`.
    pub fn import(
        path: &Path,
        ports: &PortNames,
        repr: Repr,
        verbose: bool,
    ) -> Result<Circuit, ExperimentError> {
        let PortNames {
            top,
            x,
            w,
            out,
            ties,
        } = ports;
        let (x, w, out) = (x.as_str(), w.as_str(), out.as_str());
        let err = |why: String| ExperimentError::Import {
            path: path.display().to_string(),
            why,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        let opts = ImportOptions {
            top: top.clone(),
            inputs: vec![x.to_string(), w.to_string()],
            outputs: vec![out.to_string()],
        };
        let netlist = import_json(&text, &opts)
            .map_err(|e| err(if verbose { e.verbose() } else { e.to_string() }))?;
        let width = |name: &str| netlist.input(name).map_or(0, |q| q.bits.len() as u32);
        let spec = MacSpec {
            unit: Unit::Mult,
            bx: width(x),
            bw: width(w),
            repr,
            mult: MultArch::Dadda,
            ..MacSpec::default()
        }
        .validate()
        .map_err(|e| err(format!("ports {x} and {w}: {e}")))?;
        let ports = ImportedPorts {
            path: path.display().to_string(),
            x: x.to_string(),
            w: w.to_string(),
            out: out.to_string(),
            sha256: crate::report::sha256_hex(&bytes),
            ties: ties.clone(),
        };
        ports.plan(&netlist).map_err(|e| err(e.to_string()))?;
        Ok(Circuit::Imported(ImportedCircuit {
            netlist,
            spec,
            ports,
        }))
    }

    /// The netlist.
    pub fn netlist(&self) -> &Netlist {
        match self {
            Circuit::Generated { netlist, .. } => netlist,
            Circuit::Imported(i) => &i.netlist,
        }
    }

    /// The spec (for an imported netlist: its operand widths and representation).
    pub fn spec(&self) -> &ValidMacSpec {
        match self {
            Circuit::Generated { spec, .. } => spec,
            Circuit::Imported(i) => &i.spec,
        }
    }

    /// The imported ports, if imported.
    pub fn ports(&self) -> Option<&ImportedPorts> {
        match self {
            Circuit::Generated { .. } => None,
            Circuit::Imported(i) => Some(&i.ports),
        }
    }

    /// One-line description.
    pub fn describe(&self) -> String {
        match self {
            Circuit::Generated { spec, .. } => spec.describe(),
            Circuit::Imported(i) => format!(
                "yosys netlist {} (x={}, w={}, out={}; operands {}x{} {})",
                i.ports.path, i.ports.x, i.ports.w, i.ports.out, i.spec.bx, i.spec.bw, i.spec.repr
            ),
        }
    }
}
