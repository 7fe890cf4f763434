//! Gate-level netlist IR: a flat, topologically ordered arena of gates indexed by [`NetId`].
//!
//! Every net is the output of exactly one [`Gate`] (primary inputs and constants are gates of
//! kind [`GateKind::Input`], [`GateKind::Const0`], [`GateKind::Const1`]). Invariant: a
//! combinational gate's inputs have smaller ids than the gate itself; a D flip-flop
//! ([`GateKind::Dff`]) is a register boundary, its D input may be any net. All flip-flops share
//! one implicit rising-edge clock and reset to 0.

mod builder;
mod dot;
pub mod random;
mod verify;
mod verilog;
pub mod yosys;

pub use builder::{Builder, Bus};
pub use dot::write_dot;
pub use verify::{verify, VerifyError};
pub use verilog::{write_verilog, GateStyle, VerilogOptions};

/// Index of a net (= the output of the gate with the same index) in a [`Netlist`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NetId(pub u32);

impl NetId {
    /// Placeholder for an unused gate input slot.
    pub const NONE: NetId = NetId(u32::MAX);
    /// The index as `usize`.
    #[inline]
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for NetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// Primitive gate kinds. Inputs are named `a`, `b`, `c` in slot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateKind {
    /// Constant 0.
    Const0,
    /// Constant 1.
    Const1,
    /// Primary input bit.
    Input,
    /// `!a`
    Inv,
    /// `a`
    Buf,
    /// `a & b`
    And2,
    /// `!(a & b)`
    Nand2,
    /// `a | b`
    Or2,
    /// `!(a | b)`
    Nor2,
    /// `a ^ b`
    Xor2,
    /// `!(a ^ b)`
    Xnor2,
    /// `a & !b` (Yosys `$_ANDNOT_`)
    AndNot,
    /// `a | !b` (Yosys `$_ORNOT_`)
    OrNot,
    /// `c ? b : a` (Yosys `$_MUX_` with A = a, B = b, S = c)
    Mux2,
    /// Majority `a&b | a&c | b&c` (full-adder carry)
    Maj3,
    /// Rising-edge D flip-flop, D = a, reset value 0.
    Dff,
}

impl GateKind {
    /// All kinds, in declaration order.
    pub const ALL: [GateKind; 16] = [
        GateKind::Const0,
        GateKind::Const1,
        GateKind::Input,
        GateKind::Inv,
        GateKind::Buf,
        GateKind::And2,
        GateKind::Nand2,
        GateKind::Or2,
        GateKind::Nor2,
        GateKind::Xor2,
        GateKind::Xnor2,
        GateKind::AndNot,
        GateKind::OrNot,
        GateKind::Mux2,
        GateKind::Maj3,
        GateKind::Dff,
    ];

    /// Number of inputs.
    pub fn arity(self) -> usize {
        use GateKind::*;
        match self {
            Const0 | Const1 | Input => 0,
            Inv | Buf | Dff => 1,
            And2 | Nand2 | Or2 | Nor2 | Xor2 | Xnor2 | AndNot | OrNot => 2,
            Mux2 | Maj3 => 3,
        }
    }

    /// Lower-case name, as used in CSV files and the cell-mapping table.
    pub fn name(self) -> &'static str {
        use GateKind::*;
        match self {
            Const0 => "const0",
            Const1 => "const1",
            Input => "input",
            Inv => "inv",
            Buf => "buf",
            And2 => "and2",
            Nand2 => "nand2",
            Or2 => "or2",
            Nor2 => "nor2",
            Xor2 => "xor2",
            Xnor2 => "xnor2",
            AndNot => "andnot",
            OrNot => "ornot",
            Mux2 => "mux2",
            Maj3 => "maj3",
            Dff => "dff",
        }
    }

    /// True for gates that compute a function of their inputs in the same cycle.
    pub fn is_combinational(self) -> bool {
        self.arity() > 0 && self != GateKind::Dff
    }

    /// Evaluate on 64 lanes at once (unused inputs ignored). `Dff`, `Input` return `a`.
    #[inline(always)]
    pub fn eval(self, a: u64, b: u64, c: u64) -> u64 {
        use GateKind::*;
        match self {
            Const0 => 0,
            Const1 => !0,
            Input | Dff | Buf => a,
            Inv => !a,
            And2 => a & b,
            Nand2 => !(a & b),
            Or2 => a | b,
            Nor2 => !(a | b),
            Xor2 => a ^ b,
            Xnor2 => !(a ^ b),
            AndNot => a & !b,
            OrNot => a | !b,
            Mux2 => (a & !c) | (b & c),
            Maj3 => (a & b) | (a & c) | (b & c),
        }
    }
}

/// One gate: its kind and up to three inputs (unused slots are [`NetId::NONE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    /// What the gate computes.
    pub kind: GateKind,
    /// Inputs in slot order `a`, `b`, `c`.
    pub ins: [NetId; 3],
}

impl Gate {
    /// The used input slots.
    pub fn inputs(&self) -> &[NetId] {
        &self.ins[..self.kind.arity()]
    }
}

/// Functional block a gate belongs to, for per-component activity and energy reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Operand registers (x and w flip-flops feeding the multiplier).
    OperandRegs,
    /// The multiplier (partial products, reduction tree, final adder).
    Multiplier,
    /// The accumulator adder (and product gating / conditional negation in front of it).
    AccAdder,
    /// The accumulator register.
    AccReg,
    /// Clock-gating enable logic (zero detect, the unsigned split's sign select, operand
    /// change detect) in front of the integrated clock-gating cells.
    ClockGating,
    /// Anything else (imported netlists).
    Logic,
}

impl Component {
    /// All components in report order.
    pub const ALL: [Component; 6] = [
        Component::OperandRegs,
        Component::Multiplier,
        Component::AccAdder,
        Component::AccReg,
        Component::ClockGating,
        Component::Logic,
    ];
    /// Snake-case key used in CSV/JSON.
    pub fn key(self) -> &'static str {
        match self {
            Component::OperandRegs => "operand_regs",
            Component::Multiplier => "multiplier",
            Component::AccAdder => "acc_adder",
            Component::AccReg => "acc_reg",
            Component::ClockGating => "clock_gating",
            Component::Logic => "logic",
        }
    }
}

/// A named bus of nets, least significant bit first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// Port name (a Verilog identifier).
    pub name: String,
    /// Bits, LSB first.
    pub bits: Vec<NetId>,
}

/// An integrated clock-gating cell (latch-based, as SKY130 `dlclkp`): the flip-flops `regs`
/// are clocked in a cycle only when the net `enable` is 1 at that cycle's clock edge.
///
/// Invariant of every generated circuit (checked by the tests against a simulation that
/// really holds gated registers): when `enable` is 0 at an edge, each gated flip-flop's D
/// input equals its Q, so holding and loading give the same state and every simulator can
/// treat the flip-flops as plain ones; the clock gates change only the clock energy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockGate {
    /// Name of the gated register bank (e.g. `acc0`, `w_reg`).
    pub name: String,
    /// Enable net (the cell's GATE pin).
    pub enable: NetId,
    /// Flip-flops on the gated clock.
    pub regs: Vec<NetId>,
}

/// A verified, topologically ordered gate-level netlist.
#[derive(Clone, Debug)]
pub struct Netlist {
    pub(crate) gates: Vec<Gate>,
    pub(crate) comps: Vec<Component>,
    pub(crate) inputs: Vec<Port>,
    pub(crate) outputs: Vec<Port>,
    pub(crate) labels: Vec<Port>,
    pub(crate) clock_gates: Vec<ClockGate>,
}

impl Netlist {
    /// Named internal buses (e.g. registers, the product), LSB first; a bit swept away as
    /// dead logic is [`NetId::NONE`]. Labels do not keep logic alive.
    pub fn labels(&self) -> &[Port] {
        &self.labels
    }
    /// Integrated clock-gating cells (empty unless the circuit gates its clock).
    pub fn clock_gates(&self) -> &[ClockGate] {
        &self.clock_gates
    }
    /// For each flip-flop net, the index of the clock gate that clocks it (`None`: the
    /// free-running clock); index = [`NetId`], `None` for other nets too.
    pub fn clock_gate_of(&self) -> Vec<Option<usize>> {
        let mut g = vec![None; self.gates.len()];
        for (k, cg) in self.clock_gates.iter().enumerate() {
            for &q in &cg.regs {
                g[q.idx()] = Some(k);
            }
        }
        g
    }
    /// Internal bus by name.
    pub fn label(&self, name: &str) -> Option<&Port> {
        self.labels.iter().find(|p| p.name == name)
    }
    /// All gates; index = [`NetId`].
    pub fn gates(&self) -> &[Gate] {
        &self.gates
    }
    /// The gate driving `n`.
    pub fn gate(&self, n: NetId) -> &Gate {
        &self.gates[n.idx()]
    }
    /// Component of each gate; index = [`NetId`].
    pub fn components(&self) -> &[Component] {
        &self.comps
    }
    /// Number of nets (= gates including inputs and constants).
    pub fn len(&self) -> usize {
        self.gates.len()
    }
    /// True if there are no nets.
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }
    /// Input ports, in declaration order.
    pub fn inputs(&self) -> &[Port] {
        &self.inputs
    }
    /// Output ports, in declaration order.
    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }
    /// Input port by name.
    pub fn input(&self, name: &str) -> Option<&Port> {
        self.inputs.iter().find(|p| p.name == name)
    }
    /// Output port by name.
    pub fn output(&self, name: &str) -> Option<&Port> {
        self.outputs.iter().find(|p| p.name == name)
    }
    /// Number of logic cells: combinational gates and flip-flops (not inputs or constants).
    pub fn cell_count(&self) -> usize {
        self.gates.iter().filter(|g| g.kind.arity() > 0).count()
    }
    /// Cell count per component.
    pub fn cells_by_component(&self) -> std::collections::BTreeMap<Component, usize> {
        let mut m = std::collections::BTreeMap::new();
        for (g, c) in self.gates.iter().zip(&self.comps) {
            if g.kind.arity() > 0 {
                *m.entry(*c).or_insert(0) += 1;
            }
        }
        m
    }
    /// True if the netlist has flip-flops (and so a clock).
    pub fn is_sequential(&self) -> bool {
        self.gates.iter().any(|g| g.kind == GateKind::Dff)
    }
    /// Flip-flop output nets, in id order.
    pub fn dffs(&self) -> Vec<NetId> {
        (0..self.gates.len() as u32)
            .map(NetId)
            .filter(|n| self.gate(*n).kind == GateKind::Dff)
            .collect()
    }
    /// Fan-out lists: for each net, the gates reading it (with multiplicity per input slot).
    pub fn fanouts(&self) -> Vec<Vec<NetId>> {
        let mut f = vec![Vec::new(); self.gates.len()];
        for (i, g) in self.gates.iter().enumerate() {
            for &x in g.inputs() {
                f[x.idx()].push(NetId(i as u32));
            }
        }
        f
    }
    /// Logic level of each net: inputs, constants and flip-flop outputs are 0, a combinational
    /// gate is 1 + the maximum level of its inputs.
    pub fn levels(&self) -> Vec<u32> {
        let mut lv = vec![0u32; self.gates.len()];
        for (i, g) in self.gates.iter().enumerate() {
            if g.kind.is_combinational() {
                lv[i] = 1 + g.inputs().iter().map(|x| lv[x.idx()]).max().unwrap_or(0);
            }
        }
        lv
    }

    /// Build a netlist from raw parts and verify it (used by importers and tests).
    pub fn from_parts(
        gates: Vec<Gate>,
        comps: Vec<Component>,
        inputs: Vec<Port>,
        outputs: Vec<Port>,
    ) -> Result<Netlist, VerifyError> {
        let n = Netlist {
            gates,
            comps,
            inputs,
            outputs,
            labels: Vec::new(),
            clock_gates: Vec::new(),
        };
        verify(&n)?;
        Ok(n)
    }
}
