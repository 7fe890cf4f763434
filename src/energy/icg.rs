//! Integrated clock-gating cells (ICG): the energy of one cell at one operating point.
//!
//! Two sources, first available wins:
//! - the library's own ICG cell (a Liberty cell with `clock_gating_integrated_cell`, e.g.
//!   SKY130 `sky130_fd_sc_hd__dlclkp_1`, ASAP7 `ICGx1_ASAP7_75t_R`), shipped per library id as
//!   `data/cells/icg/<id>.json` (written by `pann cells import-icg`);
//! - otherwise a composition of the library's primitives: a latch transparent while the
//!   clock is low (a 2:1 multiplexer fed back, select = clock) and an AND2 of the clock and
//!   the latched enable: what `latch_posedge` cells are inside.
//!
//! Per cycle the clock pin toggles twice (its pin internal energy is charged every cycle);
//! the gated clock output toggles twice in an enabled cycle only (the CLK → GCLK arc energy
//! at the gated clock net's load); the enable pin charges its pin energy per enable toggle.

use super::liberty::{eval_mean, LibCell, SourceFile};
use super::library::CellLibrary;
use crate::netlist::GateKind;
use serde::{Deserialize, Serialize};

/// A shipped ICG cell: the Liberty cell in pann units and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcgCell {
    /// Library id it belongs to.
    pub library_id: String,
    /// The `clock_gating_integrated_cell` value (e.g. `latch_posedge`).
    pub kind: String,
    /// Clock pin.
    pub clk: String,
    /// Enable pin.
    pub gate: String,
    /// Gated clock output pin.
    pub out: String,
    /// The cell.
    pub cell: LibCell,
    /// Source Liberty files.
    pub sources: Vec<SourceFile>,
}

/// Embedded copies of every shipped `data/cells/icg/*.json`.
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/cells/icg/embedded.rs.in"
));

impl IcgCell {
    /// The ICG cell of a Liberty library for the cell library `id`: among the cells with
    /// `clock_gating_integrated_cell`, a plain `latch_posedge` one before a precontrol (scan
    /// enable) one, then smallest area, then name; `None` if the library has none.
    pub fn from_liberty(
        lib: &super::Liberty,
        id: &str,
    ) -> Result<Option<IcgCell>, super::EnergyError> {
        let mut c = lib.clock_gating_cells();
        c.sort_by(|a, b| {
            (a.kind != "latch_posedge")
                .cmp(&(b.kind != "latch_posedge"))
                .then(a.area.total_cmp(&b.area))
                .then(a.cell.cmp(&b.cell))
        });
        let Some(best) = c.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(IcgCell {
            library_id: id.to_string(),
            cell: lib.cell(&best.cell)?,
            kind: best.kind,
            clk: best.clk,
            gate: best.gate,
            out: best.out,
            sources: lib.sources.clone(),
        }))
    }

    /// The shipped ICG cell of library `id`: `<dir>/icg/<id>.json` in the cell-library search
    /// directories, else the embedded copy; `None` if there is none. A file that does not
    /// parse is an error naming it.
    pub fn find(id: &str) -> Result<Option<IcgCell>, super::EnergyError> {
        let parse = |text: &str, file: String| {
            serde_json::from_str::<IcgCell>(text).map_err(|e| super::EnergyError::Csv {
                file,
                msg: format!("ICG cell JSON: {e}"),
            })
        };
        for dir in CellLibrary::search_dirs() {
            let p = dir.join("icg").join(format!("{id}.json"));
            if let Ok(text) = std::fs::read_to_string(&p) {
                return parse(&text, p.display().to_string()).map(Some);
            }
        }
        match EMBEDDED.iter().find(|(k, _)| *k == id) {
            Some((k, text)) => parse(text, format!("(embedded) icg/{k}.json")).map(Some),
            None => Ok(None),
        }
    }
}

/// One ICG's energies at its operating point.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IcgEval {
    /// Cell name (`composed:<mux2 cell>+<and2 cell>` for the composition).
    pub cell: String,
    /// Clock pin capacitance (on the root clock net), fF.
    pub clk_cap_ff: f64,
    /// Enable pin capacitance (on the enable net), fF.
    pub gate_cap_ff: f64,
    /// Clock-pin internal energy per cycle (rise + fall), fJ; charged every cycle.
    pub clk_fj: f64,
    /// CLK → GCLK internal energy per enabled cycle (rise + fall) at the gated net's load, fJ.
    pub enabled_fj: f64,
    /// Internal energy per enable toggle, fJ.
    pub gate_toggle_fj: f64,
    /// Leakage, nW.
    pub leakage_nw: f64,
}

fn cell_names(lib: &CellLibrary, k: GateKind) -> String {
    lib.prim(k)
        .map(|p| {
            p.cells
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("+")
        })
        .unwrap_or_default()
}

/// Evaluate the ICG of `lib` (its shipped cell `icg`, else the composition) driving a gated
/// clock net of `gclk_load_ff`, with clock and enable slew `slew_ns`.
pub fn eval(lib: &CellLibrary, icg: Option<&IcgCell>, gclk_load_ff: f64, slew_ns: f64) -> IcgEval {
    match icg {
        Some(c) => eval_cell(c, gclk_load_ff, slew_ns),
        None => eval_composed(lib, gclk_load_ff, slew_ns),
    }
}

fn eval_cell(c: &IcgCell, load: f64, s: f64) -> IcgEval {
    let cell = &c.cell;
    let pin = |n: &str| cell.input(n);
    let pin_e = |n: &str| {
        pin(n).map_or(0.0, |p| {
            eval_mean(&p.e_rise, s, 0.0).max(0.0) + eval_mean(&p.e_fall, s, 0.0).max(0.0)
        })
    };
    let arc = cell
        .output(&c.out)
        .and_then(|o| o.arcs.iter().find(|a| a.related == c.clk));
    let enabled = arc.map_or(0.0, |a| {
        eval_mean(&a.e_rise, s, load).max(0.0) + eval_mean(&a.e_fall, s, load).max(0.0)
    });
    IcgEval {
        cell: cell.name.clone(),
        clk_cap_ff: pin(&c.clk).map_or(0.0, |p| p.cap_ff),
        gate_cap_ff: pin(&c.gate).map_or(0.0, |p| p.cap_ff),
        clk_fj: pin_e(&c.clk),
        enabled_fj: enabled,
        gate_toggle_fj: 0.5 * pin_e(&c.gate),
        leakage_nw: cell.leakage_nw,
    }
}

fn eval_composed(lib: &CellLibrary, load: f64, s: f64) -> IcgEval {
    let v = lib.voltage_v;
    let (mux, and) = (
        lib.prim(GateKind::Mux2).expect("every library has mux2"),
        lib.prim(GateKind::And2).expect("every library has and2"),
    );
    let (mc, ac) = (mux.input_caps_ff(), and.input_caps_ff());
    // Latch: mux2(a = enable, b = latched, s = clock) driving the AND2's b input.
    let m = mux.model(v, ac[1], &[(s, s); 3], s);
    let a = and.model(v, load, &[(s, s); 2], s);
    let latch_net = 0.5 * ac[1] * v * v;
    IcgEval {
        cell: format!(
            "composed:{}+{}",
            cell_names(lib, GateKind::Mux2),
            cell_names(lib, GateKind::And2)
        ),
        clk_cap_ff: mc[2] + ac[0],
        gate_cap_ff: mc[0],
        clk_fj: m.in_rise_fj[2] + m.in_fall_fj[2] + a.in_rise_fj[0] + a.in_fall_fj[0],
        enabled_fj: a.arc_rise_fj[0] + a.arc_fall_fj[0],
        // The latched enable follows each enable toggle once (while transparent).
        gate_toggle_fj: 0.5
            * (m.in_rise_fj[0]
                + m.in_fall_fj[0]
                + m.arc_rise_fj[0]
                + m.arc_fall_fj[0]
                + a.in_rise_fj[1]
                + a.in_fall_fj[1])
            + latch_net,
        leakage_nw: m.leakage_nw + a.leakage_nw,
    }
}
