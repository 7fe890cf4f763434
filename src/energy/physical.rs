//! Area and delay beside energy: the cell area of a netlist mapped on a library (the sum of
//! the Liberty `area` of exactly the instances [`MappedNetlist`] writes) and its longest
//! combinational path under the delays pann's timed model uses (`--delay cells`: one delay per
//! primitive, the library's worst arc at its reference slew and load, rounded to ticks).

use super::library::CellLibrary;
use super::mapped::MappedNetlist;
use super::EnergyError;
use crate::netlist::{Component, Netlist};
use crate::sim::delay::DelayModel;
use serde::Serialize;
use std::collections::BTreeMap;

/// Area and longest path of a mapped netlist.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Physical {
    /// Library id.
    pub library: String,
    /// Library-cell instances.
    pub instances: usize,
    /// Total cell area, µm² (no wiring, no tie cells).
    pub area_um2: f64,
    /// Area by component (`Component::key`), µm².
    pub area_by_component: BTreeMap<String, f64>,
    /// Longest combinational path (from an input port or flip-flop output to any net), ns:
    /// the sum of the primitives' delays in `--delay cells` ticks × the tick length.
    pub longest_path_ns: f64,
    /// The same in ticks.
    pub longest_path_ticks: u64,
}

/// Area and longest path of `n` mapped on `lib`.
pub fn physical(n: &Netlist, lib: &CellLibrary) -> Result<Physical, EnergyError> {
    let m = MappedNetlist::new(n, lib, "pann")?;
    let mut area_by_component: BTreeMap<String, f64> = BTreeMap::new();
    let mut area_um2 = 0.0;
    for inst in &m.instances {
        let kind = n.gate(inst.gate).kind;
        let a = lib
            .prim(kind)
            .and_then(|p| p.cells.iter().find(|c| c.name == inst.cell))
            .map_or(0.0, |c| c.area_um2);
        area_um2 += a;
        let comp: Component = n.components()[inst.gate.idx()];
        *area_by_component.entry(comp.key().to_string()).or_default() += a;
    }
    let ticks = longest_path_ticks(n, &DelayModel::Cells(lib.delay_table()));
    Ok(Physical {
        library: lib.id.clone(),
        instances: m.instances.len(),
        area_um2,
        area_by_component,
        longest_path_ns: ticks as f64 * lib.tick_ns,
        longest_path_ticks: ticks,
    })
}

/// Longest path through combinational gates under `model`, ticks: arrival 0 at inputs,
/// constants and flip-flop outputs, a gate's arrival its latest input's plus its delay.
pub fn longest_path_ticks(n: &Netlist, model: &DelayModel) -> u64 {
    let d = model.per_net(n);
    let mut arrival = vec![0u64; n.len()];
    let mut longest = 0;
    // Gates are in topological order (flip-flops break every cycle).
    for (i, g) in n.gates().iter().enumerate() {
        if g.kind.is_combinational() {
            let a = g
                .inputs()
                .iter()
                .map(|x| arrival[x.idx()])
                .max()
                .unwrap_or(0);
            arrival[i] = a + d[i] as u64;
            longest = longest.max(arrival[i]);
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::{self, MacSpec};

    #[test]
    fn area_sums_the_mapped_instances_and_the_path_is_the_timed_settle_bound() {
        let spec = MacSpec::default().validate().unwrap();
        let n = circuits::build(&spec);
        for id in ["sky130_tt_025C_1v80", "gf180_tt_025C_5v00"] {
            let lib = CellLibrary::load(id).unwrap();
            let p = physical(&n, &lib).unwrap();
            assert!(p.area_um2 > 0.0, "{id}");
            let by: f64 = p.area_by_component.values().sum();
            assert!((by - p.area_um2).abs() < 1e-9 * p.area_um2);
            // Unit delays: the longest path is the logic depth.
            let depth = n.levels().into_iter().max().unwrap_or(0) as u64;
            assert_eq!(longest_path_ticks(&n, &DelayModel::Unit), depth);
        }
    }
}
