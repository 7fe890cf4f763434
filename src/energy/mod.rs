//! Energy: real standard-cell libraries turn toggles into femtojoules.
//!
//! - [`liberty`]: Liberty import (units, split model, `.gz`, per-cell files, NLDM tables).
//! - [`mapping`]: the one table mapping netlist primitives to library cells per family.
//! - [`by_function`]: mapping by Liberty `function`/`ff` truth tables for any library
//!   ([`boolexpr`] parses the expressions); [`user_map`]: a user's `--map` file.
//! - [`library`]: [`CellLibrary`], one corner's per-primitive data, shipped as CSV in
//!   `data/cells/` and embedded in the binary; [`GateModel`] evaluates a primitive at its load.
//! - [`meter`]: [`EnergyMeter`], an [`ActivitySink`](crate::sim::ActivitySink) that turns an
//!   [`Activity`](crate::sim::Activity) into fJ per operation by component.
//!
//! Energy model per toggle of a net driven by cell g:
//! `E = E_internal(g, direction, arc) + ½·C_load·V²`, `C_load` = Σ fan-out pin capacitances +
//! `wire_cap_ff` per fan-out; plus the input-pin internal energy of every receiving cell;
//! flip-flop clock energy every cycle; leakage × clock period.

//! ```
//! use pann::circuits::{build, MacSpec, Unit};
//! use pann::energy::{CellLibrary, EnergyMeter, EnergyOptions};
//! use pann::sim::{PortVectors, ZeroDelaySim};
//!
//! let spec = MacSpec { unit: Unit::Mult, bx: 4, bw: 4, ..MacSpec::default() }.validate().unwrap();
//! let n = build(&spec);
//! let vecs: Vec<Vec<u128>> = (0..100u128).map(|i| vec![i % 16, (i * 7) % 16]).collect();
//! let (activity, _) = ZeroDelaySim::new(&n).run(&PortVectors::new(&n, vecs));
//!
//! let lib = CellLibrary::load("sky130_tt_025C_1v80").unwrap(); // embedded; works offline
//! let opts = EnergyOptions { clock_ns: 5.0, wire_cap_ff: 0.3, ..EnergyOptions::default() };
//! let r = EnergyMeter::new(&n, &lib, opts).measure(&activity);
//! assert!(r.fj_per_op_by_component["multiplier"] > 0.0);
//! assert_eq!(r.ops, activity.transitions());
//! // Per-cell delays for `--delay cells`, in ticks of `lib.tick_ns` ns.
//! let ticks = lib.delay_ticks(pann::netlist::GateKind::Nand2);
//! assert!(ticks >= 1);
//! ```

pub mod boolexpr;
pub mod by_function;
pub mod compare;
pub mod icg;
pub mod liberty;
pub mod library;
pub mod mapped;
pub mod mapping;
pub mod meter;
mod parse;
pub mod physical;
pub mod user_map;

pub use crate::report::sha256_hex;
pub use liberty::{LibCell, Liberty, Table};
pub use library::{CellLibrary, GateModel, ImportOptions, Prim, CELLS_DIR_ENV, DEFAULT_LIBRARY};
pub use mapping::{Family, Recipe};
pub use meter::{EnergyMeter, EnergyOptions, EnergyReport, NetEnergy, ENERGY_MODEL_VERSION};
pub use user_map::UserMap;

/// Errors of the energy stage. Every message names the file, and where relevant the cell and
/// attribute, so a person can act on it.
#[derive(Debug, thiserror::Error)]
pub enum EnergyError {
    /// The Liberty file cannot be read or parsed.
    #[error("{file}: {msg}")]
    Liberty {
        /// File name.
        file: String,
        /// What went wrong (with line number where known).
        msg: String,
    },
    /// A required attribute is missing or invalid.
    #[error("{file}: cell {cell}: attribute {attr}: {msg}")]
    Attribute {
        /// File name.
        file: String,
        /// Cell name (or `(library)` for header attributes).
        cell: String,
        /// Attribute name.
        attr: String,
        /// What is wrong.
        msg: String,
    },
    /// A cell-library CSV cannot be read or written.
    #[error("cell library {file}: {msg}")]
    Csv {
        /// File or library id.
        file: String,
        /// What went wrong.
        msg: String,
    },
    /// A user mapping file (`--map`) has a bad line.
    #[error("{file}:{line}: field {field} = {value:?}: {msg}")]
    Map {
        /// File name.
        file: String,
        /// 1-based line (0: the file as a whole).
        line: usize,
        /// Field name (`kind`, `cell`, `pins`, `out`).
        field: String,
        /// The offending value.
        value: String,
        /// What is wrong.
        msg: String,
    },
    /// No library of that name.
    #[error("unknown cell library {name:?} (known: {known})")]
    UnknownLibrary {
        /// Requested name.
        name: String,
        /// Known ids.
        known: String,
    },
}
