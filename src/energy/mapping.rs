//! The cell-mapping table: which library cells implement each netlist primitive
//! ([`GateKind`]), per library family. One table, first available recipe wins.
//!
//! These name tables are preferred for the three known families (so the shipped CSVs stay as
//! they are); any other library, and any primitive a table cannot place, is mapped by cell
//! function ([`by_function`](super::by_function)), and a user `--map` file
//! ([`user_map`](super::user_map)) wins over both.
//!
//! | primitive | SKY130 `sky130_fd_sc_hd__` | GF180 `gf180mcu_fd_sc_mcu7t5v0__` | ASAP7 `*_ASAP7_75t_R` |
//! |---|---|---|---|
//! | inv | `inv_1` | `inv_1` | `INVx1` |
//! | buf | `buf_1` | `buf_1` | `BUFx2` |
//! | and2 / nand2 | `and2_1` / `nand2_1` | `and2_1` / `nand2_1` | `AND2x2` / `NAND2xp5` |
//! | or2 / nor2 | `or2_1` / `nor2_1` | `or2_1` / `nor2_1` | `OR2x2` / `NOR2xp33` |
//! | xor2 / xnor2 | `xor2_1` / `xnor2_1` | `xor2_1` / `xnor2_1` | `XOR2xp5` / `XNOR2xp5` |
//! | andnot `a&!b` | `and2b_1` (A_N=b) if present (full files), else `inv_1`(b) → `and2_1` | `inv_1`(b) → `and2_1` | `INVx1`(b) → `AND2x2` |
//! | ornot `a\|!b` | `or2b_1` (B_N=b) if present, else `inv_1`(b) → `or2_1` | `inv_1`(b) → `or2_1` | `INVx1`(b) → `OR2x2` |
//! | mux2 `c?b:a` | `mux2_1` (A0=a, A1=b, S=c) | `mux2_1` (I0=a, I1=b, S=c) | no MUX2 cell: `NAND2xp5`(`NAND2xp5`(a, `INVx1`(c)), `NAND2xp5`(b, c)) — see below |
//! | maj3 | `maj3_1` | no majority cell: `addf_1` carry (CO), S left open | `MAJx2` |
//! | dff | `dfxtp_1` (CLK, D → Q) | `dffq_1` (CLK, D → Q) | `DFFHQNx1` (→ QN) → `INVx1` |
//!
//! Composition rules (how the meter charges them, see [`Recipe`]):
//! - **Input inverter** (`InvIn`): the INV toggles exactly when its primitive input toggles, so
//!   its internal energy, its input-pin energy and the ½·C·V² of the net it drives (the core
//!   pin) are added to that input's per-toggle energy, its capacitance to that input's load.
//! - **Output inverter** (`InvOut`, ASAP7's inverted-output flip-flop): the core output toggles
//!   exactly when the primitive output does (opposite direction): core arc energy + INV input-pin
//!   energy + ½·C_INV·V² are added to each output toggle; slews, delays come from the INV.
//! - **NAND-NAND mux** (`NandMux`, ASAP7 only): internal nodes are not simulated, so the energy
//!   of exactly one first-level NAND2 toggle (the selected path) is charged per output toggle,
//!   plus the c-inverter per c toggle (exact). An approximation (glitches and the unselected
//!   path's toggles are not seen); ASAP7 is outside the OpenSTA 2 % check.
//! - **GF180 maj3 = `addf_1` CO**: the full adder's carry is the majority; its input-pin tables
//!   (which include the sum logic) are charged in full, the open S output's arcs are not.
//! - Constants are tie cells and charge nothing; primary inputs are ideal (no driver cell).

use crate::netlist::GateKind;
use serde::{Deserialize, Serialize};

/// Library family, detected from the library name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// SkyWater SKY130 `sky130_fd_sc_hd`.
    Sky130,
    /// GlobalFoundries `gf180mcu_fd_sc_mcu7t5v0`.
    Gf180,
    /// ASAP7 `asap7sc7p5t` RVT.
    Asap7,
}

impl Family {
    /// Detect from a Liberty library name.
    pub fn detect(library: &str) -> Option<Family> {
        let l = library.to_ascii_lowercase();
        if l.starts_with("sky130") {
            Some(Family::Sky130)
        } else if l.starts_with("gf180") {
            Some(Family::Gf180)
        } else if l.starts_with("asap7") {
            Some(Family::Asap7)
        } else {
            None
        }
    }
    /// Short name used in CSV file names (`sky130`, `gf180`, `asap7`).
    pub fn short(self) -> &'static str {
        match self {
            Family::Sky130 => "sky130",
            Family::Gf180 => "gf180",
            Family::Asap7 => "asap7",
        }
    }
    /// Full library cell name of a short cell name.
    pub fn cell(self, short: &str) -> String {
        match self {
            Family::Sky130 => format!("sky130_fd_sc_hd__{short}"),
            Family::Gf180 => format!("gf180mcu_fd_sc_mcu7t5v0__{short}"),
            Family::Asap7 => format!("{short}_ASAP7_75t_R"),
        }
    }
}

/// One library cell with its pins bound to the primitive's input slots (`a`, `b`, `c`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bound {
    /// Full cell name.
    pub cell: String,
    /// Library pin per primitive input slot.
    pub pins: Vec<String>,
    /// Output pin.
    pub out: String,
}

/// How a primitive is built from library cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "recipe", rename_all = "snake_case")]
pub enum Recipe {
    /// One cell.
    Direct {
        /// The cell.
        core: Bound,
    },
    /// Some inputs pass through an inverter before the core cell.
    InvIn {
        /// The core cell (its pins bound to the slots; inverted slots see the INV output).
        core: Bound,
        /// The inverter (one pin: input).
        inv: Bound,
        /// Inverted slots.
        slots: Vec<usize>,
    },
    /// The core cell's output is inverted by an INV (inverted-output cells).
    InvOut {
        /// The core cell.
        core: Bound,
        /// The inverter.
        inv: Bound,
    },
    /// `c ? b : a` = NAND2(NAND2(a, !c), NAND2(b, c)) with an INV on c.
    NandMux {
        /// The NAND2 cell (pins `[A, B]`).
        nand: Bound,
        /// The inverter.
        inv: Bound,
    },
}

impl Recipe {
    /// All distinct cells used, in order.
    pub fn cells(&self) -> Vec<&str> {
        let mut v: Vec<&str> = match self {
            Recipe::Direct { core } => vec![&core.cell],
            Recipe::InvIn { core, inv, .. } | Recipe::InvOut { core, inv } => {
                vec![&core.cell, &inv.cell]
            }
            Recipe::NandMux { nand, inv } => vec![&nand.cell, &inv.cell],
        };
        v.dedup();
        v
    }
    /// A short human-readable description (`and2_1+inv_1(b)`).
    pub fn describe(&self) -> String {
        match self {
            Recipe::Direct { core } => core.cell.clone(),
            Recipe::InvIn { core, inv, slots } => {
                let s: Vec<&str> = slots.iter().map(|&s| ["a", "b", "c"][s]).collect();
                format!("{} with {} on {}", core.cell, inv.cell, s.join(","))
            }
            Recipe::InvOut { core, inv } => format!("{}.{} then {}", core.cell, core.out, inv.cell),
            Recipe::NandMux { nand, inv } => {
                format!("3x {} + {} (nand-nand mux)", nand.cell, inv.cell)
            }
        }
    }
}

fn b(f: Family, cell: &str, pins: &[&str], out: &str) -> Bound {
    Bound {
        cell: f.cell(cell),
        pins: pins.iter().map(|s| s.to_string()).collect(),
        out: out.to_string(),
    }
}

/// Candidate recipes for `kind` in family `f`, most preferred first. Empty for kinds that
/// need no cell (inputs, constants).
pub fn candidates(f: Family, kind: GateKind) -> Vec<Recipe> {
    use Family::*;
    use GateKind::*;
    let d = |core| Recipe::Direct { core };
    let (inv, pin_a, pin_b, y_inv) = match f {
        Sky130 => (b(f, "inv_1", &["A"], "Y"), "A", "B", "Y"),
        Gf180 => (b(f, "inv_1", &["I"], "ZN"), "A1", "A2", "ZN"),
        Asap7 => (b(f, "INVx1", &["A"], "Y"), "A", "B", "Y"),
    };
    let two = |cell: &str, out: &str| b(f, cell, &[pin_a, pin_b], out);
    let x = match f {
        Sky130 => "X",
        Gf180 => "Z",
        Asap7 => "Y",
    };
    let (and2, nand2, or2, nor2, xor2, xnor2) = match f {
        Sky130 | Gf180 => ("and2_1", "nand2_1", "or2_1", "nor2_1", "xor2_1", "xnor2_1"),
        Asap7 => (
            "AND2x2", "NAND2xp5", "OR2x2", "NOR2xp33", "XOR2xp5", "XNOR2xp5",
        ),
    };
    let inv_b = |core: Bound| Recipe::InvIn {
        core,
        inv: inv.clone(),
        slots: vec![1],
    };
    match (f, kind) {
        (_, Const0 | Const1 | Input) => vec![],
        (_, Inv) => vec![d(inv.clone())],
        (Sky130, Buf) => vec![d(b(f, "buf_1", &["A"], "X"))],
        (Gf180, Buf) => vec![d(b(f, "buf_1", &["I"], "Z"))],
        (Asap7, Buf) => vec![d(b(f, "BUFx2", &["A"], "Y"))],
        (_, And2) => vec![d(two(and2, x))],
        (_, Nand2) => vec![d(two(nand2, y_inv))],
        (_, Or2) => vec![d(two(or2, x))],
        (_, Nor2) => vec![d(two(nor2, y_inv))],
        (_, Xor2) => vec![d(two(xor2, x))],
        (_, Xnor2) => vec![d(two(xnor2, y_inv))],
        (Sky130, AndNot) => vec![d(b(f, "and2b_1", &["B", "A_N"], "X")), inv_b(two(and2, x))],
        (Sky130, OrNot) => vec![d(b(f, "or2b_1", &["A", "B_N"], "X")), inv_b(two(or2, x))],
        (_, AndNot) => vec![inv_b(two(and2, x))],
        (_, OrNot) => vec![inv_b(two(or2, x))],
        (Sky130, Mux2) => vec![d(b(f, "mux2_1", &["A0", "A1", "S"], "X"))],
        (Gf180, Mux2) => vec![d(b(f, "mux2_1", &["I0", "I1", "S"], "Z"))],
        (Asap7, Mux2) => vec![Recipe::NandMux {
            nand: two(nand2, y_inv),
            inv,
        }],
        (Sky130, Maj3) => vec![d(b(f, "maj3_1", &["A", "B", "C"], "X"))],
        (Gf180, Maj3) => vec![d(b(f, "addf_1", &["A", "B", "CI"], "CO"))],
        (Asap7, Maj3) => vec![d(b(f, "MAJx2", &["A", "B", "C"], "Y"))],
        (Sky130, Dff) => vec![d(b(f, "dfxtp_1", &["D"], "Q"))],
        (Gf180, Dff) => vec![d(b(f, "dffq_1", &["D"], "Q"))],
        (Asap7, Dff) => vec![Recipe::InvOut {
            core: b(f, "DFFHQNx1", &["D"], "QN"),
            inv,
        }],
    }
}
