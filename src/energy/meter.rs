//! [`EnergyMeter`]: turns per-net toggle counts into femtojoules per operation by component.
//!
//! Per toggle of net `n` driven by gate `g` (see [`GateModel`]):
//! - internal energy of `g` for that direction; the arc (which input caused it) is weighted by
//!   the toggle counts of `g`'s inputs (a flip-flop's arc is its clock);
//! - switching energy ½·C_load·V², `C_load` = Σ fan-out input-pin capacitances (worst edge,
//!   as OpenSTA) + `wire_cap_ff` per fan-out; charged to `g`'s component (a primary input's
//!   net to the input's component); primary outputs add no load;
//! - input-pin internal energy of every cell reading `n`, charged to that cell's component;
//! - with [`EnergyMeter::measure_with_open`], per toggle of a cell's open output (GF180's
//!   `maj3` is a full adder's carry, its sum is left open) that output's internal energy: the
//!   cell is there, so is the power its other output dissipates (OpenSTA charges it too).
//!
//! Every cycle (one per operation): flip-flop clock-pin internal energy plus the clock net's
//! C·V² (clock pins + `wire_cap_ff` each), reported as `clock`; and Σ leakage × `clock_ns`,
//! reported as `leakage`. With clock gates ([`Netlist::clock_gates`]): the root clock net
//! (free-running flip-flops' and ICG clock pins + wire) and the free-running flip-flops' clock
//! pins every cycle; a gated bank's clock net and its flip-flops' clock pins only in the cycles
//! its enable was 1 ([`Activity::clock_enables`]); all of that is `clock`. The ICG cells'
//! own internal energy (clock pin every cycle, CLK → GCLK when enabled, enable pin per toggle)
//! goes with the enable logic to `clock_gating`; their leakage to `leakage`. Slews are propagated statically through the netlist from ideal
//! inputs (`input_slew_ns`, also the clock slew) with the cells' transition tables.

use super::icg::{IcgCell, IcgEval};
use super::library::{CellLibrary, GateModel};
use crate::netlist::{GateKind, Netlist};
use crate::sim::{Activity, ActivitySink};
use serde::Serialize;
use std::collections::BTreeMap;

/// Options of an energy measurement.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EnergyOptions {
    /// Clock period, ns (leakage is charged per period). Default 10 ns (100 MHz).
    pub clock_ns: f64,
    /// Wire capacitance per fan-out pin, fF. Default 0.3 fF (about the SKY130 open_pdks
    /// `Small` wire-load model: 0.33 fF for one fan-out, 0.46 fF for two).
    pub wire_cap_ff: f64,
    /// Transition time of primary inputs and the clock, ns. Default 0 (ideal, as OpenSTA's
    /// unconstrained input ports).
    pub input_slew_ns: f64,
}

impl Default for EnergyOptions {
    fn default() -> Self {
        EnergyOptions {
            clock_ns: 10.0,
            wire_cap_ff: 0.3,
            input_slew_ns: 0.0,
        }
    }
}

/// Energy charged to one net's driver over a run, fJ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct NetEnergy {
    /// Output internal energy of the driving cell.
    pub internal_fj: f64,
    /// Input-pin internal energy of the driving cell (toggles of its inputs).
    pub input_pin_fj: f64,
    /// ½·C_load·V² per toggle of this net.
    pub switching_fj: f64,
}

/// Version of the energy model (bumped when the arithmetic changes), recorded in reports.
pub const ENERGY_MODEL_VERSION: &str = "pann-energy-1";

/// Result of a measurement. All energies in fJ per operation (`ops` = transitions of the run).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergyReport {
    /// [`ENERGY_MODEL_VERSION`].
    pub model: &'static str,
    /// Cell library id.
    pub library: String,
    /// Supply voltage, V.
    pub voltage_v: f64,
    /// Temperature, °C.
    pub temperature_c: f64,
    /// Options used.
    pub options: EnergyOptions,
    /// Operations counted (`activity.transitions()`).
    pub ops: u64,
    /// fJ/op by component: `Component::key()` values plus `clock` and `leakage`.
    pub fj_per_op_by_component: BTreeMap<String, f64>,
    /// Total fJ/op.
    pub total_fj_per_op: f64,
    /// Output internal energy, fJ/op.
    pub internal_fj_per_op: f64,
    /// Input-pin internal energy, fJ/op.
    pub input_pin_fj_per_op: f64,
    /// Switching (½CV²) energy, fJ/op.
    pub switching_fj_per_op: f64,
    /// Clock energy, fJ/op.
    pub clock_fj_per_op: f64,
    /// Leakage energy, fJ/op.
    pub leakage_fj_per_op: f64,
    /// Of `clock`: switching of the clock net (clock pins + wire, C·V² per cycle), fJ/op.
    /// Sign-off tools (OpenSTA, PrimeTime) charge no switching power to nets driven by
    /// ideal ports.
    pub clock_net_fj_per_op: f64,
    /// Of the components: switching of the nets the input ports drive (½·C·V² per toggle),
    /// fJ/op; not charged by sign-off tools either.
    pub input_nets_fj_per_op: f64,
    /// What a sign-off tool charges the cell instances of each component (`Component::key()`),
    /// fJ/op: the component's energy without the switching of port-driven nets, plus its
    /// flip-flops' clock-pin internal energy and its cells' leakage. Sums to
    /// [`Self::cells_total_fj_per_op`].
    pub cells_fj_per_op_by_component: BTreeMap<String, f64>,
    /// Clock gating only: the integrated clock-gating cell charged (a Liberty cell name, or
    /// `composed:<mux2>+<and2>` when the library ships none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icg_cell: Option<String>,
}

impl EnergyReport {
    /// The total without the switching of port-driven nets (`clock_net_fj_per_op`,
    /// `input_nets_fj_per_op`): what OpenSTA's or PrimeTime's `report_power` total is, fJ/op.
    pub fn cells_total_fj_per_op(&self) -> f64 {
        self.total_fj_per_op - self.clock_net_fj_per_op - self.input_nets_fj_per_op
    }
}

/// Energy meter for one netlist and library; compile once, measure many activities.
#[derive(Debug)]
pub struct EnergyMeter<'a> {
    netlist: &'a Netlist,
    lib: &'a CellLibrary,
    opts: EnergyOptions,
    models: Vec<GateModel>,
    load_ff: Vec<f64>,
    /// Root clock net: free-running flip-flop and ICG clock pins, plus wire, fF.
    clock_cap_ff: f64,
    /// Per clock gate: its ICG and its gated clock net's capacitance, fF.
    gates: Vec<(IcgEval, f64)>,
    report: Option<EnergyReport>,
}

impl<'a> EnergyMeter<'a> {
    /// Compute loads, slews and per-gate models.
    ///
    /// A netlist with clock gates uses the library's shipped ICG cell
    /// ([`IcgCell::find`] by library id), else the composed one ([`super::icg`]).
    pub fn new(netlist: &'a Netlist, lib: &'a CellLibrary, opts: EnergyOptions) -> Self {
        let icg = if netlist.clock_gates().is_empty() {
            None
        } else {
            IcgCell::find(&lib.id).ok().flatten()
        };
        Self::with_icg(netlist, lib, opts, icg.as_ref())
    }

    /// [`EnergyMeter::new`] with the ICG cell given (`None`: the composed one).
    pub fn with_icg(
        netlist: &'a Netlist,
        lib: &'a CellLibrary,
        opts: EnergyOptions,
        icg: Option<&IcgCell>,
    ) -> Self {
        let gates = netlist.gates();
        let mut load_ff = vec![0.0; gates.len()];
        let mut caps: Vec<Vec<f64>> = Vec::with_capacity(gates.len());
        let mut clock_cap_ff = 0.0;
        for g in gates {
            let c = lib
                .prim(g.kind)
                .map(|p| p.input_caps_ff())
                .unwrap_or_default();
            for (s, x) in g.inputs().iter().enumerate() {
                load_ff[x.idx()] += c.get(s).copied().unwrap_or(0.0) + opts.wire_cap_ff;
            }
            caps.push(c);
        }
        let gate_of = netlist.clock_gate_of();
        let cgs = netlist.clock_gates();
        // The ICG's enable pin loads the enable net (its cap does not depend on the load).
        let pin_caps = super::icg::eval(lib, icg, 0.0, opts.input_slew_ns);
        for cg in cgs {
            load_ff[cg.enable.idx()] += pin_caps.gate_cap_ff + opts.wire_cap_ff;
        }
        let mut gclk_cap = vec![0.0; cgs.len()];
        let v = lib.voltage_v;
        let s0 = opts.input_slew_ns;
        let mut slew = vec![(0.0, 0.0); gates.len()];
        let mut models = vec![GateModel::default(); gates.len()];
        for (i, g) in gates.iter().enumerate() {
            match g.kind {
                GateKind::Input => slew[i] = (s0, s0),
                GateKind::Const0 | GateKind::Const1 => {}
                k => {
                    let p = lib.prim(k).expect("every cell kind has a recipe");
                    let sl: Vec<(f64, f64)> = g
                        .inputs()
                        .iter()
                        .map(|x| {
                            if k == GateKind::Dff {
                                (s0, s0)
                            } else {
                                slew[x.idx()]
                            }
                        })
                        .collect();
                    let m = p.model(v, load_ff[i], &sl, s0);
                    slew[i] = m.out_slew_ns;
                    if k == GateKind::Dff {
                        match gate_of[i] {
                            Some(c) => gclk_cap[c] += m.clock_cap_ff + opts.wire_cap_ff,
                            None => clock_cap_ff += m.clock_cap_ff + opts.wire_cap_ff,
                        }
                    }
                    models[i] = m;
                }
            }
        }
        // Flip-flop D inputs may be driven from later nets (feedback): now that every slew is
        // known, re-evaluate the flip-flops with their actual D slews (Q does not depend on D).
        for (i, g) in gates.iter().enumerate() {
            if g.kind == GateKind::Dff {
                let p = lib.prim(g.kind).expect("dff has a recipe");
                models[i] = p.model(v, load_ff[i], &[slew[g.ins[0].idx()]], s0);
            }
        }
        let gates: Vec<(IcgEval, f64)> = gclk_cap
            .iter()
            .map(|&c| (super::icg::eval(lib, icg, c, s0), c))
            .collect();
        for (g, _) in &gates {
            clock_cap_ff += g.clk_cap_ff + opts.wire_cap_ff;
        }
        EnergyMeter {
            netlist,
            lib,
            opts,
            models,
            load_ff,
            clock_cap_ff,
            gates,
            report: None,
        }
    }

    /// Root clock net capacitance (free-running clock pins, ICG clock pins, wire), fF.
    pub fn root_clock_cap_ff(&self) -> f64 {
        self.clock_cap_ff
    }

    /// Per clock gate: its ICG's energies and its gated clock net's capacitance (fF).
    pub fn clock_gate_models(&self) -> &[(IcgEval, f64)] {
        &self.gates
    }

    /// Load on each net, fF.
    pub fn loads_ff(&self) -> &[f64] {
        &self.load_ff
    }

    /// Per-gate models (index = net id; inputs and constants have all-zero models).
    pub fn models(&self) -> &[GateModel] {
        &self.models
    }

    /// Energy charged to each net's driving gate over the whole run, fJ.
    pub fn per_net(&self, a: &Activity) -> Vec<NetEnergy> {
        self.per_net_with_open(a, None)
    }

    /// [`Self::per_net`], also charging the internal energy of cells' open outputs (a GF180
    /// full adder's sum, when `maj3` is its carry): `open[i]` = toggles of the open output
    /// of the cell driving net `i` (the fast simulators' [`crate::sim::Activity::open`]), added to
    /// that net's `internal_fj`. `None` charges none (they are unknown).
    pub fn per_net_with_open(&self, a: &Activity, open: Option<&[u64]>) -> Vec<NetEnergy> {
        let v2 = self.lib.voltage_v * self.lib.voltage_v;
        let gates = self.netlist.gates();
        debug_assert_eq!(a.toggles.len(), gates.len());
        let mut out = vec![NetEnergy::default(); gates.len()];
        for (i, g) in gates.iter().enumerate() {
            let (t, r) = (a.toggles[i] as f64, a.rises[i] as f64);
            let f = t - r;
            out[i].switching_fj = 0.5 * self.load_ff[i] * v2 * t;
            if g.kind.arity() == 0 {
                continue;
            }
            let m = &self.models[i];
            let ins = g.inputs();
            let mut w = [0.0f64; 3];
            if g.kind == GateKind::Dff {
                w[0] = 1.0;
            } else {
                let sum: f64 = ins.iter().map(|x| a.toggles[x.idx()] as f64).sum();
                for (s, x) in ins.iter().enumerate() {
                    w[s] = if sum > 0.0 {
                        a.toggles[x.idx()] as f64 / sum
                    } else {
                        1.0 / ins.len() as f64
                    };
                }
            }
            let er: f64 = (0..3).map(|s| w[s] * m.arc_rise_fj[s]).sum();
            let ef: f64 = (0..3).map(|s| w[s] * m.arc_fall_fj[s]).sum();
            out[i].internal_fj = r * er + f * ef;
            if let Some(t) = open.map(|o| o[i] as f64).filter(|t| *t > 0.0) {
                let e: f64 = (0..3).map(|s| w[s] * m.open_fj[s]).sum();
                out[i].internal_fj += t * e;
            }
            out[i].input_pin_fj = ins
                .iter()
                .enumerate()
                .map(|(s, x)| {
                    let (tx, rx) = (a.toggles[x.idx()] as f64, a.rises[x.idx()] as f64);
                    rx * m.in_rise_fj[s] + (tx - rx) * m.in_fall_fj[s]
                })
                .sum();
        }
        out
    }

    /// Measure one activity.
    pub fn measure(&self, a: &Activity) -> EnergyReport {
        self.measure_with_open(a, None)
    }

    /// [`Self::measure`] with the toggles of cells' open outputs (see
    /// [`Self::per_net_with_open`]).
    pub fn measure_with_open(&self, a: &Activity, open: Option<&[u64]>) -> EnergyReport {
        let ops = a.transitions();
        let per = |e: f64| if ops == 0 { 0.0 } else { e / ops as f64 };
        let mut by: BTreeMap<String, f64> = BTreeMap::new();
        let mut cells: BTreeMap<String, f64> = BTreeMap::new();
        let (mut int, mut inp, mut sw, mut port_sw) = (0.0, 0.0, 0.0, 0.0);
        let sequential = self.netlist.is_sequential();
        for (i, e) in self.per_net_with_open(a, open).iter().enumerate() {
            let k = self.netlist.components()[i].key().to_string();
            let all = e.internal_fj + e.input_pin_fj + e.switching_fj;
            *by.entry(k.clone()).or_insert(0.0) += all;
            int += e.internal_fj;
            inp += e.input_pin_fj;
            sw += e.switching_fj;
            let m = &self.models[i];
            let per_cycle = if ops == 0 {
                0.0
            } else {
                m.leakage_nw * self.opts.clock_ns * 1e-3 + m.clock_fj * sequential as u8 as f64
            };
            if self.netlist.gates()[i].kind == GateKind::Input {
                port_sw += e.switching_fj;
                *cells.entry(k).or_insert(0.0) += per(all - e.switching_fj) + per_cycle;
            } else {
                *cells.entry(k).or_insert(0.0) += per(all) + per_cycle;
            }
        }
        let v2 = self.lib.voltage_v * self.lib.voltage_v;
        // Clock: the root net and free-running flip-flops every cycle; a gated bank's net and
        // flip-flops in the fraction of cycles its enable was 1 (all cycles if not counted).
        let cgs = self.netlist.clock_gates();
        let frac: Vec<f64> = (0..cgs.len())
            .map(|k| match (a.clock_enables.get(k), ops) {
                (Some(&e), o) if o > 0 => e as f64 / o as f64,
                _ => 1.0,
            })
            .collect();
        let gate_of = self.netlist.clock_gate_of();
        let mut clk_cycle = self.clock_cap_ff * v2;
        for (i, m) in self.models.iter().enumerate() {
            clk_cycle += m.clock_fj * gate_of[i].map_or(1.0, |k| frac[k]);
        }
        let mut gating = 0.0;
        let mut icg_leak = 0.0;
        for (k, ((g, cap), cg)) in self.gates.iter().zip(cgs).enumerate() {
            clk_cycle += frac[k] * cap * v2;
            gating += g.clk_fj + frac[k] * g.enabled_fj;
            icg_leak += g.leakage_nw;
            let t = a.toggles[cg.enable.idx()];
            gating += per(t as f64 * g.gate_toggle_fj);
        }
        if !cgs.is_empty() {
            *by.entry(crate::netlist::Component::ClockGating.key().to_string())
                .or_insert(0.0) += gating * ops as f64;
        }
        let leak_cycle: f64 = (self.models.iter().map(|m| m.leakage_nw).sum::<f64>() + icg_leak)
            * self.opts.clock_ns
            * 1e-3;
        let clock = if self.netlist.is_sequential() {
            clk_cycle
        } else {
            0.0
        };
        let mut by: BTreeMap<String, f64> = by.into_iter().map(|(k, e)| (k, per(e))).collect();
        let (clock, leak) = if ops == 0 {
            (0.0, 0.0)
        } else {
            (clock, leak_cycle)
        };
        let clock_net = if clock > 0.0 {
            self.clock_cap_ff * v2
        } else {
            0.0
        };
        by.insert("clock".into(), clock);
        by.insert("leakage".into(), leak);
        EnergyReport {
            model: ENERGY_MODEL_VERSION,
            library: self.lib.id.clone(),
            voltage_v: self.lib.voltage_v,
            temperature_c: self.lib.temperature_c,
            options: self.opts,
            ops,
            total_fj_per_op: by.values().sum(),
            fj_per_op_by_component: by,
            internal_fj_per_op: per(int),
            input_pin_fj_per_op: per(inp),
            switching_fj_per_op: per(sw),
            clock_fj_per_op: clock,
            leakage_fj_per_op: leak,
            clock_net_fj_per_op: clock_net,
            input_nets_fj_per_op: per(port_sw),
            cells_fj_per_op_by_component: cells,
            icg_cell: self.gates.first().map(|(g, _)| g.cell.clone()),
        }
    }

    /// The report of the last run seen as a sink.
    pub fn report(&self) -> Option<&EnergyReport> {
        self.report.as_ref()
    }
}

impl ActivitySink for EnergyMeter<'_> {
    fn totals(&mut self, _netlist: &Netlist, activity: &Activity) {
        self.report = Some(self.measure(activity));
    }
}

/// Plain-function form: `EnergyMeter::new(netlist, lib, opts).measure(activity)`.
pub fn measure(
    netlist: &Netlist,
    lib: &CellLibrary,
    opts: EnergyOptions,
    activity: &Activity,
) -> EnergyReport {
    EnergyMeter::new(netlist, lib, opts).measure(activity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::{self, MacSpec};
    use crate::simulate::{simulate, SimConfig};

    #[test]
    fn per_component_cell_energies_sum_to_the_sign_off_total() {
        let spec = MacSpec::default().validate().unwrap();
        let n = circuits::build(&spec);
        let cfg = SimConfig::uniform(spec, 300, 1);
        let act = simulate(&n, &cfg, &mut |_| {}).unwrap().0;
        let lib = CellLibrary::load("gf180_tt_025C_5v00").unwrap();
        let r = EnergyMeter::new(&n, &lib, EnergyOptions::default()).measure(&act);
        let sum: f64 = r.cells_fj_per_op_by_component.values().sum();
        assert!(
            (sum - r.cells_total_fj_per_op()).abs() < 1e-9 * sum,
            "{r:?}"
        );
        // Registers hold the clock pins: more than their share of the components' energy.
        let regs = r.cells_fj_per_op_by_component["acc_reg"];
        assert!(regs > r.fj_per_op_by_component["acc_reg"]);
    }
}
