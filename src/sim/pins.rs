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

/// A node pann does not simulate (inside a composition, or an unused cell output such as
/// the sum of a full adder used for its carry): a function of up to three simulated nets,
/// switching at the same instant as they do (pann does not time these nodes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    /// Truth table: bit `a + 2b + 4c` is the value for inputs (`a`, `b`, `c`) = `ins`.
    pub table: u8,
    /// The nets it is computed from, in slot order (at most 3).
    pub ins: Vec<NetId>,
}

impl Derived {
    /// The node computing primitive `kind` of `ins`.
    pub fn of(kind: GateKind, ins: Vec<NetId>) -> Derived {
        let mut table = 0u8;
        for i in 0..8u8 {
            let b = |k: u8| i >> k & 1 == 1;
            table |= (eval_gate(kind, b(0), b(1), b(2)) as u8) << i;
        }
        Derived { table, ins }
    }

    /// The three-input parity (a full adder's sum) of `ins`.
    pub fn xor3(ins: Vec<NetId>) -> Derived {
        Derived { table: 0x96, ins }
    }

    /// Its value given every net's value.
    pub fn value(&self, nets: &[bool]) -> bool {
        let i = self
            .ins
            .iter()
            .enumerate()
            .map(|(k, n)| (nets[n.idx()] as u8) << k)
            .sum::<u8>();
        self.table >> i & 1 == 1
    }

    /// The net it inverts, if it is a plain inverter (its T0/T1 are that net's T1/T0).
    pub fn inverted_net(&self) -> Option<NetId> {
        (self.ins.len() == 1 && self.table & 0b11 == 0b01).then(|| self.ins[0])
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

/// Collects SAIF records (ticks at 1, toggles) of the internal nodes of a [`PinNames`] as a
/// sink of a simulation, for nodes whose record does not follow from one net's (a full
/// adder's open sum). Counts from the start of cycle 1, as [`super::saif::SaifWriter`].
pub struct DerivedActivity {
    derived: Vec<Derived>,
    by_net: Vec<Vec<usize>>,
    nets: Vec<bool>,
    value: Vec<bool>,
    last: Vec<u64>,
    period: u64,
    /// Nodes whose inputs changed at time `now` (ticks), evaluated once that time is over: a
    /// node changes at most once per instant, as in the pin-level VCD.
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
    now: u64,
    /// Per node: (ticks at 1, toggles), valid after the run's totals.
    pub records: Vec<(u64, u64)>,
}

impl DerivedActivity {
    /// Start from the cycle-0 net values `initial`; `period` = ticks per cycle.
    pub fn new(names: &PinNames, initial: &[bool], period: u32) -> DerivedActivity {
        let period = period as u64;
        DerivedActivity {
            by_net: names.derived_by_net(initial.len()),
            value: names.derived.iter().map(|d| d.value(initial)).collect(),
            last: vec![period; names.derived.len()],
            records: vec![(0, 0); names.derived.len()],
            derived: names.derived.clone(),
            nets: initial.to_vec(),
            period,
            dirty: Vec::new(),
            is_dirty: vec![false; names.derived.len()],
            now: 0,
        }
    }

    /// Settle the nodes whose inputs changed at time `now`.
    fn flush(&mut self) {
        let t = self.now;
        for j in self.dirty.drain(..) {
            self.is_dirty[j] = false;
            let v = self.derived[j].value(&self.nets);
            if v != self.value[j] {
                if self.value[j] {
                    self.records[j].0 += t - self.last[j];
                }
                self.last[j] = t;
                self.value[j] = v;
                self.records[j].1 += 1;
            }
        }
    }
}

impl super::ActivitySink for DerivedActivity {
    fn change(&mut self, cycle: u64, tick: u32, net: NetId, value: bool) {
        let t = cycle * self.period + tick as u64;
        if t != self.now {
            self.flush();
            self.now = t;
        }
        self.nets[net.idx()] = value;
        for &j in &self.by_net[net.idx()] {
            if !self.is_dirty[j] {
                self.is_dirty[j] = true;
                self.dirty.push(j);
            }
        }
    }
    fn totals(&mut self, _n: &crate::netlist::Netlist, a: &super::Activity) {
        self.flush();
        let end = a.cycles.max(1) * self.period;
        for j in 0..self.derived.len() {
            if self.value[j] {
                self.records[j].0 += end - self.last[j];
            }
            self.last[j] = end;
        }
    }
}
