//! A netlist mapped onto library cells: one instance per cell of each primitive's
//! [`Recipe`], exactly the cells the [`EnergyMeter`](super::EnergyMeter) charges, as
//! structural Verilog that OpenSTA, Yosys and Icarus (with the library's cell models) read,
//! and the [`PinNames`] under which pann's VCD and SAIF name every pin of it.
//!
//! **Names.** Nets keep pann's names (`n<id>`; port bits are assigned to them as in
//! [`crate::netlist::write_verilog`]). A primitive's instance is `<component>_n<id>` after
//! its component and output net (`multiplier_n57`, `logic_n12` in imported netlists). A
//! composition's other cells and internal nets are suffixed: the input inverter of slot `b`
//! is `<component>_n<id>_inv_b` driving `n<id>_b_n`; an inverted-output flip-flop is
//! `<component>_n<id>_ff` driving `n<id>_qn` into the inverter `<component>_n<id>`; the
//! NAND-NAND mux has `_inv_s` (`n<id>_sn`), `_nand_a` (`n<id>_ma`), `_nand_b` (`n<id>_mb`) and
//! the output NAND `<component>_n<id>`. Constant inputs are tied as `1'b0`/`1'b1` (pann charges
//! no tie cells); a full adder used for its carry (GF180 `maj3`) leaves `S` open (its value,
//! the parity of the inputs, still goes into pin-level VCDs, and the meter charges its internal
//! power: [`open_output_toggles`]). Flip-flop clock pins are on the
//! port `clk`.

use super::library::CellLibrary;
use super::mapping::Recipe;
use super::EnergyError;
use crate::netlist::{GateKind, NetId, Netlist};
use crate::sim::open::OpenOutputs;
use crate::sim::pins::{Derived, PinNames, Source};
use crate::sim::reference::PortValues;
use std::io::{self, Write};

/// What a cell pin is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    /// A netlist net.
    Net(NetId),
    /// Internal net number `i` of a composition ([`MappedNetlist::nodes`]).
    Node(usize),
    /// The clock port.
    Clock,
    /// A constant net (tied in Verilog) and its value.
    Const(NetId, bool),
    /// An unused output (left open in Verilog) carrying internal node `i`.
    Open(usize),
}

/// One library-cell instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Instance name (`multiplier_n57`, `multiplier_n57_inv_b`).
    pub name: String,
    /// Library cell name.
    pub cell: String,
    /// The primitive (net) it implements, whole or in part.
    pub gate: NetId,
    /// (pin, connection): inputs in slot order, the clock pin of a flip-flop, then the output.
    pub pins: Vec<(String, Conn)>,
}

/// A netlist as library-cell instances.
#[derive(Clone, Debug)]
pub struct MappedNetlist {
    /// Module name.
    pub module: String,
    /// Library id the cells come from.
    pub library: String,
    /// Instances, in netlist order (a composition's cells together, its output cell last).
    pub instances: Vec<Instance>,
    /// Internal nets of compositions: name and the function of netlist nets it carries.
    pub nodes: Vec<(String, Derived)>,
}

fn slot_name(s: usize) -> &'static str {
    ["a", "b", "c"][s]
}

impl MappedNetlist {
    /// Map `n` onto the recipes of `lib` (module name `module`).
    pub fn new(n: &Netlist, lib: &CellLibrary, module: &str) -> Result<MappedNetlist, EnergyError> {
        let mut m = MappedNetlist {
            module: module.to_string(),
            library: lib.id.clone(),
            instances: Vec::new(),
            nodes: Vec::new(),
        };
        for (i, g) in n.gates().iter().enumerate() {
            if g.kind.arity() == 0 {
                continue;
            }
            let p = lib.prim(g.kind).ok_or_else(|| EnergyError::Csv {
                file: lib.id.clone(),
                msg: format!("no cell for primitive {}", g.kind.name()),
            })?;
            let clock_pin = if g.kind == GateKind::Dff {
                let core = p.recipe.cells()[0];
                let pin = p
                    .cells
                    .iter()
                    .find(|c| c.name == core)
                    .and_then(|c| c.inputs.iter().find(|x| x.is_clock))
                    .ok_or_else(|| EnergyError::Csv {
                        file: lib.id.clone(),
                        msg: format!("flip-flop cell {core} has no clock pin"),
                    })?;
                Some(pin.name.clone())
            } else {
                None
            };
            // Other outputs of a single-cell recipe: only a full adder's sum (maj3 = carry).
            let open = match &p.recipe {
                Recipe::Direct { core } if g.kind == GateKind::Maj3 => p
                    .cells
                    .iter()
                    .find(|c| c.name == core.cell)
                    .map(|c| {
                        c.outputs
                            .iter()
                            .filter(|o| o.name != core.out)
                            .map(|o| o.name.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            m.push_gate(n, NetId(i as u32), &p.recipe, clock_pin, open);
        }
        Ok(m)
    }

    fn node(&mut self, name: String, kind: GateKind, ins: Vec<NetId>) -> Conn {
        self.nodes.push((name, Derived::of(kind, ins)));
        Conn::Node(self.nodes.len() - 1)
    }

    fn push_gate(
        &mut self,
        n: &Netlist,
        id: NetId,
        recipe: &Recipe,
        clock: Option<String>,
        open: Vec<String>,
    ) {
        let g = n.gate(id);
        let comp = n.components()[id.idx()].key();
        let base = format!("{comp}_{id}");
        let input = |s: usize| {
            let x = g.ins[s];
            match n.gate(x).kind {
                GateKind::Const0 => Conn::Const(x, false),
                GateKind::Const1 => Conn::Const(x, true),
                _ => Conn::Net(x),
            }
        };
        let k = g.kind.arity();
        let inst = |name: String, cell: &str, pins: Vec<(String, Conn)>, out: Conn| {
            (name, cell.to_string(), pins, out)
        };
        let clocked = |mut pins: Vec<(String, Conn)>| {
            if let Some(c) = &clock {
                pins.push((c.clone(), Conn::Clock));
            }
            pins
        };
        let mut made = Vec::new();
        match recipe {
            Recipe::Direct { core } => {
                let pins = (0..k).map(|s| (core.pins[s].clone(), input(s))).collect();
                let mut pins = clocked(pins);
                for o in open {
                    self.nodes
                        .push((format!("{id}_{o}"), Derived::xor3(g.inputs().to_vec())));
                    pins.push((o, Conn::Open(self.nodes.len() - 1)));
                }
                made.push((
                    inst(base, &core.cell, pins, Conn::Net(id)),
                    core.out.clone(),
                ));
            }
            Recipe::InvIn { core, inv, slots } => {
                let mut pins = Vec::new();
                for s in 0..k {
                    if slots.contains(&s) {
                        let node = self.node(
                            format!("{id}_{}_n", slot_name(s)),
                            GateKind::Inv,
                            vec![g.ins[s]],
                        );
                        let name = format!("{base}_inv_{}", slot_name(s));
                        let ipins = vec![(inv.pins[0].clone(), input(s))];
                        made.push((inst(name, &inv.cell, ipins, node), inv.out.clone()));
                        pins.push((core.pins[s].clone(), node));
                    } else {
                        pins.push((core.pins[s].clone(), input(s)));
                    }
                }
                made.push((
                    inst(base, &core.cell, pins, Conn::Net(id)),
                    core.out.clone(),
                ));
            }
            Recipe::InvOut { core, inv } => {
                let qn = self.node(format!("{id}_qn"), GateKind::Inv, vec![id]);
                let pins = clocked(vec![(core.pins[0].clone(), input(0))]);
                made.push((
                    inst(format!("{base}_ff"), &core.cell, pins, qn),
                    core.out.clone(),
                ));
                let pins = vec![(inv.pins[0].clone(), qn)];
                made.push((inst(base, &inv.cell, pins, Conn::Net(id)), inv.out.clone()));
            }
            Recipe::NandMux { nand, inv } => {
                // c ? b : a = NAND(NAND(a, !c), NAND(b, c)); NAND(a, !c) = c | !a.
                let (a, b, c) = (g.ins[0], g.ins[1], g.ins[2]);
                let sn = self.node(format!("{id}_sn"), GateKind::Inv, vec![c]);
                let ma = self.node(format!("{id}_ma"), GateKind::OrNot, vec![c, a]);
                let mb = self.node(format!("{id}_mb"), GateKind::Nand2, vec![b, c]);
                let two =
                    |x: Conn, y: Conn| vec![(nand.pins[0].clone(), x), (nand.pins[1].clone(), y)];
                let ipins = vec![(inv.pins[0].clone(), input(2))];
                made.push((
                    inst(format!("{base}_inv_s"), &inv.cell, ipins, sn),
                    inv.out.clone(),
                ));
                made.push((
                    inst(format!("{base}_nand_a"), &nand.cell, two(input(0), sn), ma),
                    nand.out.clone(),
                ));
                made.push((
                    inst(
                        format!("{base}_nand_b"),
                        &nand.cell,
                        two(input(1), input(2)),
                        mb,
                    ),
                    nand.out.clone(),
                ));
                made.push((
                    inst(base, &nand.cell, two(ma, mb), Conn::Net(id)),
                    nand.out.clone(),
                ));
            }
        }
        for ((name, cell, mut pins, out), out_pin) in made {
            pins.push((out_pin, out));
            self.instances.push(Instance {
                name,
                cell,
                gate: id,
                pins,
            });
        }
    }

    /// Open outputs: (the net whose gate's cell has it, internal node it carries).
    pub fn open_outputs(&self) -> Vec<(NetId, usize)> {
        let mut v = Vec::new();
        for inst in &self.instances {
            for (_, c) in &inst.pins {
                if let Conn::Open(j) = c {
                    v.push((inst.gate, *j));
                }
            }
        }
        v
    }

    /// Open outputs as the nodes they carry: (the net whose gate's cell has it, the node).
    pub fn open_nodes(&self) -> Vec<(NetId, Derived)> {
        self.open_outputs()
            .into_iter()
            .map(|(g, j)| (g, self.nodes[j].1.clone()))
            .collect()
    }

    /// The open outputs of `n`'s cells under `lib`, for the fast simulators to follow
    /// ([`crate::sim::open`]).
    pub fn followed(n: &Netlist, lib: &CellLibrary) -> Result<OpenOutputs, EnergyError> {
        let m = MappedNetlist::new(n, lib, "pann")?;
        Ok(OpenOutputs::new(n.len(), &m.open_nodes()))
    }

    /// The Verilog text of a connection.
    fn conn(&self, c: Conn) -> String {
        match c {
            Conn::Net(x) => x.to_string(),
            Conn::Node(i) => self.nodes[i].0.clone(),
            Conn::Clock => "clk".into(),
            Conn::Const(_, v) => format!("1'b{}", v as u8),
            Conn::Open(_) => String::new(),
        }
    }

    /// Write the structural Verilog module (ports as [`crate::netlist::write_verilog`]:
    /// `clk` when there are flip-flops, then the input and output ports as vectors).
    pub fn write_verilog(&self, n: &Netlist, w: &mut dyn Write) -> io::Result<()> {
        let seq = n.is_sequential();
        let inputs: Vec<_> = n.inputs().iter().filter(|p| !p.bits.is_empty()).collect();
        let outputs: Vec<_> = n.outputs().iter().filter(|p| !p.bits.is_empty()).collect();
        let mut ports: Vec<&str> = Vec::new();
        if seq {
            ports.push("clk");
        }
        ports.extend(inputs.iter().chain(&outputs).map(|p| p.name.as_str()));
        writeln!(
            w,
            "// Generated by pann {}: {} cells of library {}, one instance per cell the energy \
             model charges",
            env!("CARGO_PKG_VERSION"),
            self.instances.len(),
            self.library
        )?;
        writeln!(w, "module {}({});", self.module, ports.join(", "))?;
        if seq {
            writeln!(w, "  input clk;")?;
        }
        for p in &inputs {
            writeln!(w, "  input [{}:0] {};", p.bits.len() - 1, p.name)?;
        }
        for p in &outputs {
            writeln!(w, "  output [{}:0] {};", p.bits.len() - 1, p.name)?;
        }
        for (i, g) in n.gates().iter().enumerate() {
            if !matches!(g.kind, GateKind::Const0 | GateKind::Const1) {
                writeln!(w, "  wire {};", NetId(i as u32))?;
            }
        }
        for (j, (name, _)) in self.nodes.iter().enumerate() {
            if !self
                .instances
                .iter()
                .any(|i| i.pins.iter().any(|p| p.1 == Conn::Open(j)))
            {
                writeln!(w, "  wire {name};")?;
            }
        }
        let expr = |x: NetId| match n.gate(x).kind {
            GateKind::Const0 => "1'b0".to_string(),
            GateKind::Const1 => "1'b1".to_string(),
            _ => x.to_string(),
        };
        for p in &inputs {
            for (k, b) in p.bits.iter().enumerate() {
                writeln!(w, "  assign {b} = {}[{k}];", p.name)?;
            }
        }
        for p in &outputs {
            for (k, b) in p.bits.iter().enumerate() {
                writeln!(w, "  assign {}[{k}] = {};", p.name, expr(*b))?;
            }
        }
        for inst in &self.instances {
            let pins: Vec<String> = inst
                .pins
                .iter()
                .map(|(p, c)| format!(".{p}({})", self.conn(*c)))
                .collect();
            writeln!(w, "  {} {} ({});", inst.cell, inst.name, pins.join(", "))?;
        }
        writeln!(w, "endmodule")
    }

    /// The names of every port bit and cell pin with the signal it carries, for
    /// [`crate::sim::vcd::VcdWriter::with_pins`] and [`crate::sim::saif::SaifWriter::write_pins`].
    pub fn pin_names(&self, n: &Netlist) -> PinNames {
        let mut ports = Vec::new();
        if n.is_sequential() {
            ports.push(("clk".to_string(), Source::Clock));
        }
        for p in n.inputs().iter().chain(n.outputs()) {
            for (k, b) in p.bits.iter().enumerate() {
                ports.push((format!("{}[{k}]", p.name), Source::Net(*b)));
            }
        }
        let source = |c: Conn| match c {
            Conn::Net(x) | Conn::Const(x, _) => Source::Net(x),
            Conn::Node(i) | Conn::Open(i) => Source::Derived(i),
            Conn::Clock => Source::Clock,
        };
        let instances = self
            .instances
            .iter()
            .map(|inst| {
                let pins = inst
                    .pins
                    .iter()
                    .map(|(p, c)| (p.clone(), source(*c)))
                    .collect();
                (inst.name.clone(), pins)
            })
            .collect();
        PinNames {
            top: self.module.clone(),
            ports,
            instances,
            derived: self.nodes.iter().map(|(_, d)| d.clone()).collect(),
        }
    }
}

/// Toggles of the cells' open outputs (a GF180 full adder's sum, where `maj3` is its carry)
/// when `vectors` run through `n` from reset, per net of the gate whose cell has one, for
/// [`super::EnergyMeter::measure_with_open`]; `None` when no cell of `n` under `lib` has an
/// open output. Zero delay (`delays` = `None`) or event-driven with per-net `delays` (ticks).
/// A run through the reference simulators, following the parity of each such cell's inputs
/// as the pin-level VCD and SAIF write it ([`crate::sim::open::reference_toggles`]): the waveform a sign-off tool
/// is given. The reference twin of the fast simulators' [`crate::sim::Activity::open`].
pub fn open_output_toggles(
    n: &Netlist,
    lib: &CellLibrary,
    vectors: &[PortValues],
    delays: Option<&[u32]>,
) -> Result<Option<Vec<u64>>, EnergyError> {
    let nodes = MappedNetlist::new(n, lib, "pann")?.open_nodes();
    if nodes.is_empty() || vectors.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::sim::open::reference_toggles(
        n, &nodes, vectors, delays,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::{self, MacSpec};

    fn mac(lib: &str) -> (Netlist, MappedNetlist) {
        let spec = MacSpec::default().validate().unwrap();
        let n = circuits::build(&spec);
        let lib = CellLibrary::load(lib).unwrap();
        let m = MappedNetlist::new(&n, &lib, "pann").unwrap();
        (n, m)
    }

    fn cells_of(r: &Recipe) -> usize {
        match r {
            Recipe::Direct { .. } => 1,
            Recipe::InvIn { slots, .. } => 1 + slots.len(),
            Recipe::InvOut { .. } => 2,
            Recipe::NandMux { .. } => 4,
        }
    }

    #[test]
    fn every_gate_becomes_its_recipe_cells_and_drives_its_own_net() {
        for id in ["sky130_tt_025C_1v80", "gf180_tt_025C_5v00", "asap7_rvt_tt"] {
            let (n, m) = mac(id);
            let lib = CellLibrary::load(id).unwrap();
            let want: usize = n
                .gates()
                .iter()
                .filter(|g| g.kind.arity() > 0)
                .map(|g| cells_of(&lib.prim(g.kind).unwrap().recipe))
                .sum();
            assert_eq!(m.instances.len(), want, "{id}");
            for (i, g) in n.gates().iter().enumerate() {
                let drivers = m
                    .instances
                    .iter()
                    .filter(|x| x.pins.last().unwrap().1 == Conn::Net(NetId(i as u32)))
                    .count();
                assert_eq!(drivers, (g.kind.arity() > 0) as usize, "{id} n{i}");
            }
        }
    }

    #[test]
    fn pin_names_list_every_pin_of_every_instance_once() {
        let (n, m) = mac("asap7_rvt_tt");
        let names = m.pin_names(&n);
        let pins: usize = m.instances.iter().map(|i| i.pins.len()).sum();
        assert_eq!(
            names.instances.iter().map(|i| i.1.len()).sum::<usize>(),
            pins
        );
        let all: std::collections::BTreeSet<String> = names.all().map(|x| x.0).collect();
        assert_eq!(all.len(), names.all().count(), "names are unique");
        assert!(all.contains("clk") && all.contains("x[0]") && all.contains("acc[31]"));
    }

    /// One `maj3` on three input ports a, b, c (one bit each).
    fn full_adder_carry() -> Netlist {
        use crate::netlist::{Component, Gate, Port};
        let input = Gate {
            kind: GateKind::Input,
            ins: [NetId::NONE; 3],
        };
        let maj = Gate {
            kind: GateKind::Maj3,
            ins: [NetId(0), NetId(1), NetId(2)],
        };
        let port = |name: &str, i: u32| Port {
            name: name.into(),
            bits: vec![NetId(i)],
        };
        Netlist::from_parts(
            vec![input, input, input, maj],
            vec![Component::Logic; 4],
            vec![port("a", 0), port("b", 1), port("c", 2)],
            vec![port("y", 3)],
        )
        .unwrap()
    }

    #[test]
    fn open_sum_toggles_once_per_change_of_input_parity_with_and_without_delays() {
        let n = full_adder_carry();
        let gf = CellLibrary::load("gf180_tt_025C_5v00").unwrap();
        let sky = CellLibrary::load("sky130_tt_025C_1v80").unwrap();
        // Every pair of consecutive vectors of the 8 input states, in both orders.
        let mut vecs: Vec<PortValues> = Vec::new();
        for i in 0..8u128 {
            for j in 0..8u128 {
                for v in [i, j] {
                    vecs.push(vec![v & 1, (v >> 1) & 1, (v >> 2) & 1]);
                }
            }
        }
        let parity = |v: &PortValues| v.iter().sum::<u128>() % 2;
        let want = vecs
            .windows(2)
            .filter(|w| parity(&w[0]) != parity(&w[1]))
            .count() as u64;
        let zero = open_output_toggles(&n, &gf, &vecs, None).unwrap().unwrap();
        assert_eq!(zero, vec![0, 0, 0, want]);
        // Inputs switching together at the same instant: no zero-width pulse on the sum.
        let timed = open_output_toggles(&n, &gf, &vecs, Some(&[0, 0, 0, 5]))
            .unwrap()
            .unwrap();
        assert_eq!(timed, zero);
        // SKY130 has a majority cell: nothing open.
        assert_eq!(open_output_toggles(&n, &sky, &vecs, None).unwrap(), None);
    }

    #[test]
    fn the_open_sum_is_charged_per_toggle_at_its_internal_energy() {
        use crate::energy::{EnergyMeter, EnergyOptions};
        let n = full_adder_carry();
        let gf = CellLibrary::load("gf180_tt_025C_5v00").unwrap();
        let m = EnergyMeter::new(&n, &gf, EnergyOptions::default());
        let model = &m.models()[3];
        assert!(model.open_fj.iter().all(|e| *e > 10.0), "{model:?}");
        let mut act = crate::sim::Activity::new(n.len());
        act.cycles = 11;
        act.toggles = vec![4, 2, 2, 3];
        act.rises = vec![2, 1, 1, 2];
        let base = m.per_net(&act)[3].internal_fj;
        let open = [0, 0, 0, 6];
        let with = m.per_net_with_open(&act, Some(&open))[3].internal_fj;
        let per_toggle = 0.5 * model.open_fj[0] + 0.25 * (model.open_fj[1] + model.open_fj[2]);
        assert!((with - base - 6.0 * per_toggle).abs() < 1e-9 * with);
        let sky = CellLibrary::load("sky130_tt_025C_1v80").unwrap();
        let m = EnergyMeter::new(&n, &sky, EnergyOptions::default());
        assert_eq!(m.models()[3].open_fj, [0.0; 3]);
    }

    #[test]
    fn internal_nodes_compute_inversion_and_parity() {
        let inv = Derived::of(GateKind::Inv, vec![NetId(0)]);
        assert_eq!(inv.inverted_net(), Some(NetId(0)));
        assert!(inv.value(&[false]) && !inv.value(&[true]));
        let s = Derived::xor3(vec![NetId(0), NetId(1), NetId(2)]);
        assert_eq!(s.inverted_net(), None);
        for i in 0..8usize {
            let v = [i & 1 == 1, i & 2 == 2, i & 4 == 4];
            assert_eq!(s.value(&v), i.count_ones() % 2 == 1);
        }
    }
}
