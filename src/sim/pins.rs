//! Pin-level names for the VCD and SAIF writers: where each simulated net (and each internal
//! node of a cell composition) appears as a pin of a cell-mapped netlist, so sign-off power
//! tools (OpenSTA `read_vcd`/`read_saif`, PrimeTime) find every name as a pin.
//!
//! The simulator knows nets only; a [`PinNames`] (built by
//! [`crate::energy::mapped::MappedNetlist::pin_names`]) lists, per top-level port bit and per
//! cell instance, which signal each pin carries: a net, a node derived from nets (the inverter
//! inside an `and2 + inv` composition carries `!b`), or the clock.

use crate::netlist::{GateKind, NetId};
use crate::sim::reference::eval_gate;

/// The signal a pin carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A simulated net.
    Net(NetId),
    /// Internal node number `i` of [`PinNames::derived`].
    Derived(usize),
    /// The clock: rises at the start of every cycle, falls at half the period.
    Clock,
}

/// An internal node of a composition: a primitive function of simulated nets, switching at
/// the same instant as the nets it is computed from (pann does not time internal nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    /// Its function (`Inv` of one net for the inverters of compositions).
    pub kind: GateKind,
    /// The nets it is computed from, in slot order.
    pub ins: Vec<NetId>,
}

impl Derived {
    /// Its value given every net's value.
    pub fn value(&self, nets: &[bool]) -> bool {
        let x = |s: usize| self.ins.get(s).is_some_and(|n| nets[n.idx()]);
        eval_gate(self.kind, x(0), x(1), x(2))
    }

    /// The net it inverts, if it is a plain inverter (its T0/T1 are that net's T1/T0).
    pub fn inverted_net(&self) -> Option<NetId> {
        (self.kind == GateKind::Inv).then(|| self.ins[0])
    }
}

/// Names of every pin of a cell-mapped netlist, with the signal each carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PinNames {
    /// Top-level scope (the module name, `pann`).
    pub top: String,
    /// Port bits at the top (`clk`, `x[3]`, `acc[0]`), in declaration order.
    pub ports: Vec<(String, Source)>,
    /// Cell instances in netlist order: instance name and its pins.
    pub instances: Vec<(String, Vec<(String, Source)>)>,
    /// Internal nodes of compositions.
    pub derived: Vec<Derived>,
}

impl PinNames {
    /// Every (hierarchical name `inst/pin` or port name, source) pair.
    pub fn all(&self) -> impl Iterator<Item = (String, Source)> + '_ {
        let ports = self.ports.iter().map(|(p, s)| (p.clone(), *s));
        let pins = self
            .instances
            .iter()
            .flat_map(|(i, pins)| pins.iter().map(move |(p, s)| (format!("{i}/{p}"), *s)));
        ports.chain(pins)
    }

    /// Whether any pin carries the clock.
    pub fn has_clock(&self) -> bool {
        self.all().any(|(_, s)| s == Source::Clock)
    }

    /// For each net, the internal nodes computed from it.
    pub fn derived_by_net(&self, nets: usize) -> Vec<Vec<usize>> {
        let mut by = vec![Vec::new(); nets];
        for (i, d) in self.derived.iter().enumerate() {
            for n in &d.ins {
                if !by[n.idx()].contains(&i) {
                    by[n.idx()].push(i);
                }
            }
        }
        by
    }
}
