//! Import a Yosys `write_json` netlist made of Yosys's internal gate cells (`$_AND_`,
//! `$_NAND_`, `$_OR_`, `$_NOR_`, `$_XOR_`, `$_XNOR_`, `$_ANDNOT_`, `$_ORNOT_`, `$_NOT_`,
//! `$_BUF_`, `$_MUX_`) and flip-flops, as left by e.g.
//! `synth; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT`.
//!
//! Every problem is collected (malformed JSON, unsupported cells, undriven or multiply driven
//! bits, combinational loops, several clocks, missing ports) and reported together; the
//! error's `Display` shows the first [`SHOWN_PROBLEMS`], [`YosysError::verbose`] all of them.
//! Input ports that only clock flip-flops become the implicit clock; `x`/`z` constant bits
//! read as 0. All gates go to [`Component::Logic`]; gates with a constant input are folded.
//!
//! # Flip-flops
//!
//! The netlist has one kind of register, a rising-edge D flip-flop starting at 0
//! ([`GateKind::Dff`]). The rising-edge flip-flops Yosys emits by default are lowered into it
//! with ordinary gates in front of D, as Yosys `dffunmap` would:
//!
//! | Yosys cell | pins | lowered to |
//! |---|---|---|
//! | `$_DFF_P_` | C D Q | `Q ← D` |
//! | `$_DFFE_P{P,N}_` | C D E Q | `Q ← E ? D : Q` (a `mux2`) |
//! | `$_SDFF_P{P,N}{0,1}_` | C R D Q | `Q ← R ? v : D` (`andnot`/`and`/`or`/`ornot`) |
//! | `$_SDFFE_P{P,N}{0,1}{P,N}_` | C R D E Q | `Q ← R ? v : (E ? D : Q)` (reset wins) |
//! | `$_SDFFCE_P{P,N}{0,1}{P,N}_` | C R D E Q | `Q ← E ? (R ? v : D) : Q` (enable gates reset) |
//! | `$_DFF_P{P,N}{0,1}_` | C R D Q | asynchronous reset, see below |
//! | `$_DFFE_P{P,N}{0,1}{P,N}_` | C R D E Q | asynchronous reset with enable |
//!
//! (`P`/`N`: active high/low; `v`: the reset value.) The register still powers up at 0
//! whatever `v` is; Yosys `init` attributes are ignored.
//!
//! **Asynchronous reset.** The cycle-based simulators cannot model a reset that arrives in
//! the middle of a cycle. An asynchronous reset is lowered as a synchronous one
//! (`D' = R ? v : D`) plus a gate after the register that forces the value while the reset
//! is active (`Q = R ? v : Q_reg`); the original `Q` bit is that gate's output. This is
//! exact, in every net of the original design, when the reset is tied or changes only
//! together with the clock edge, which is how [`crate::sim`] and the Icarus testbench apply
//! input vectors. The internal register net `Q_reg` is an extra net a real flip-flop does
//! not have: it lags `Q` by one cycle when the reset is asserted.
//!
//! Refused with a problem naming the cell: negative-edge clocks (the simulator has one
//! rising-edge clock), latches, flip-flops with both set and reset (`$_DFFSR_*`) and
//! asynchronous-load flip-flops (`$_ALDFF_*`).

use super::{Builder, Component, GateKind, NetId, Netlist};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How many problems [`YosysError`]'s `Display` shows before "… and N more".
pub const SHOWN_PROBLEMS: usize = 5;

/// Everything wrong with an imported netlist, one line per problem. `Display` shows the first
/// [`SHOWN_PROBLEMS`]; [`YosysError::verbose`] shows them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot import Yosys netlist: {}", summary(&self.problems))]
pub struct YosysError {
    /// One human-readable line per problem (complete).
    pub problems: Vec<String>,
}

fn summary(problems: &[String]) -> String {
    let mut s = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN_PROBLEMS {
        s.push_str(&format!(
            "; … and {} more (--verbose lists all)",
            problems.len() - SHOWN_PROBLEMS
        ));
    }
    s
}

impl YosysError {
    /// Every problem, one per line (for `--verbose`).
    pub fn verbose(&self) -> String {
        let mut s = format!(
            "cannot import Yosys netlist: {} problem(s)",
            self.problems.len()
        );
        for p in &self.problems {
            s.push_str("\n  ");
            s.push_str(p);
        }
        s
    }
}

/// Import settings.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Module to import (default: the one marked `top`, or the only module).
    pub top: Option<String>,
    /// Input ports that must exist (e.g. the `--x` and `--w` ports).
    pub inputs: Vec<String>,
    /// Output ports that must exist (e.g. `--out`).
    pub outputs: Vec<String>,
}

/// A bit of a Yosys connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bit {
    Net(u64),
    Const(bool),
}

fn bits(v: &Value) -> Option<Vec<Bit>> {
    v.as_array()?
        .iter()
        .map(|b| match b {
            Value::Number(n) => n.as_u64().filter(|&x| x < FRESH).map(Bit::Net),
            Value::String(s) => match s.as_str() {
                "1" => Some(Bit::Const(true)),
                "0" | "x" | "z" => Some(Bit::Const(false)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Bits made by flip-flop lowering are numbered from here (Yosys numbers from 2 up).
const FRESH: u64 = 1 << 62;

/// Widest port the simulators' per-cycle port values (`u128`) hold.
const MAX_PORT_BITS: usize = 128;

/// Cell type → gate kind and its input pins in slot order (`a`, `b`, `c`), output pin.
fn cell_kind(t: &str) -> Option<(GateKind, &'static [&'static str], &'static str)> {
    use GateKind::*;
    Some(match t {
        "$_NOT_" => (Inv, &["A"], "Y"),
        "$_BUF_" => (Buf, &["A"], "Y"),
        "$_AND_" => (And2, &["A", "B"], "Y"),
        "$_NAND_" => (Nand2, &["A", "B"], "Y"),
        "$_OR_" => (Or2, &["A", "B"], "Y"),
        "$_NOR_" => (Nor2, &["A", "B"], "Y"),
        "$_XOR_" => (Xor2, &["A", "B"], "Y"),
        "$_XNOR_" => (Xnor2, &["A", "B"], "Y"),
        "$_ANDNOT_" => (AndNot, &["A", "B"], "Y"),
        "$_ORNOT_" => (OrNot, &["A", "B"], "Y"),
        "$_MUX_" => (Mux2, &["A", "B", "S"], "Y"),
        _ => return None,
    })
}

const SUPPORTED: &str = "$_AND_ $_NAND_ $_OR_ $_NOR_ $_XOR_ $_XNOR_ $_ANDNOT_ $_ORNOT_ $_NOT_ \
     $_BUF_ $_MUX_ and rising-edge flip-flops $_DFF_P_ $_DFFE_P?_ $_DFF_P??_ $_DFFE_P???_ \
     $_SDFF_P??_ $_SDFFE_P???_ $_SDFFCE_P???_";

/// A reset of a flip-flop cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reset {
    /// Active when `R` is 1 (`P`) rather than 0 (`N`).
    active_high: bool,
    /// The value the reset loads.
    value: bool,
    /// Synchronous (`$_SDFF*`) rather than asynchronous (`$_DFF_P??_`, `$_DFFE_P???_`).
    sync: bool,
}

/// A flip-flop cell type decoded from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FfType {
    rising: bool,
    reset: Option<Reset>,
    /// Enable pin `E`, active high if `true`.
    enable: Option<bool>,
    /// `$_SDFFCE_`: the reset acts only while enabled.
    enable_gates_reset: bool,
}

/// Decode `$_DFF_P_`, `$_DFFE_PN_`, `$_SDFFE_PP0P_`, …; `None` for any other type.
fn ff_type(t: &str) -> Option<FfType> {
    let (family, code) = t.strip_prefix("$_")?.strip_suffix('_')?.split_once('_')?;
    let c = code.as_bytes();
    let pol = |i: usize| match c.get(i) {
        Some(b'P') => Some(true),
        Some(b'N') => Some(false),
        _ => None,
    };
    let reset = |sync: bool| -> Option<Reset> {
        Some(Reset {
            active_high: pol(1)?,
            value: match c.get(2) {
                Some(b'0') => false,
                Some(b'1') => true,
                _ => return None,
            },
            sync,
        })
    };
    let ff = |reset, enable, gates| {
        Some(FfType {
            rising: pol(0)?,
            reset,
            enable,
            enable_gates_reset: gates,
        })
    };
    match (family, c.len()) {
        ("DFF", 1) => ff(None, None, false),
        ("DFF", 3) => ff(Some(reset(false)?), None, false),
        ("DFFE", 2) => ff(None, Some(pol(1)?), false),
        ("DFFE", 4) => ff(Some(reset(false)?), Some(pol(3)?), false),
        ("SDFF", 3) => ff(Some(reset(true)?), None, false),
        ("SDFFE", 4) => ff(Some(reset(true)?), Some(pol(3)?), false),
        ("SDFFCE", 4) => ff(Some(reset(true)?), Some(pol(3)?), true),
        _ => None,
    }
}

struct Cell {
    name: String,
    kind: GateKind,
    ins: Vec<Bit>,
    out: u64,
    clock: Option<Bit>,
}

/// Parse `json` (the text of `write_json`) into a verified [`Netlist`].
pub fn import_json(json: &str, opts: &ImportOptions) -> Result<Netlist, YosysError> {
    let fail = |p: String| YosysError { problems: vec![p] };
    let root: Value =
        serde_json::from_str(json).map_err(|e| fail(format!("malformed JSON: {e}")))?;
    let modules = root
        .get("modules")
        .and_then(Value::as_object)
        .ok_or_else(|| fail("no `modules` object".into()))?;
    let (mname, module) = pick_module(modules, opts.top.as_deref()).map_err(fail)?;
    let mut problems = Vec::new();
    let (mut inputs, outputs) = read_ports(module, &mut problems);
    let mut unknown = BTreeSet::new();
    let cells = read_cells(module, &mut problems, &mut unknown);
    // The clock: the bits driving flip-flop C pins.
    let clocks: BTreeSet<u64> = cells
        .iter()
        .filter_map(|c| match c.clock {
            Some(Bit::Net(b)) => Some(b),
            _ => None,
        })
        .collect();
    if clocks.len() > 1 {
        problems.push(format!(
            "{} different clocks (only one is supported)",
            clocks.len()
        ));
    }
    for c in cells
        .iter()
        .filter(|c| matches!(c.clock, Some(Bit::Const(_))))
    {
        problems.push(format!("flip-flop {}: constant clock", c.name));
    }
    let port_bit = |x: u64| inputs.iter().any(|(_, b)| b.contains(&Bit::Net(x)));
    for &clock in clocks.iter().filter(|&&x| !port_bit(x)) {
        let ff = cells.iter().find(|c| c.clock == Some(Bit::Net(clock)));
        problems.push(format!(
            "flip-flop {} is clocked by bit {clock}, which is not an input port (gated or \
             derived clocks are not supported)",
            ff.map_or("?", |c| c.name.as_str())
        ));
    }
    inputs.retain(|(_, b)| !(b.len() == 1 && matches!(b[0], Bit::Net(x) if clocks.contains(&x))));
    for name in &opts.inputs {
        if !inputs.iter().any(|(p, _)| p == name) {
            let have: Vec<&str> = inputs.iter().map(|(p, _)| p.as_str()).collect();
            problems.push(format!(
                "module {mname} has no input port `{name}` (inputs: {})",
                have.join(", ")
            ));
        }
    }
    for name in &opts.outputs {
        if !outputs.iter().any(|(p, _)| p == name) {
            let have: Vec<&str> = outputs.iter().map(|(p, _)| p.as_str()).collect();
            problems.push(format!(
                "module {mname} has no output port `{name}` (outputs: {})",
                have.join(", ")
            ));
        }
    }
    let order = topo_order(&cells, &inputs, &outputs, &unknown, &mut problems);
    if !problems.is_empty() {
        return Err(YosysError { problems });
    }
    build(&inputs, &outputs, &cells, &order)
}

type Ports = Vec<(String, Vec<Bit>)>;

/// Input and output ports with their bits.
fn read_ports(module: &Value, problems: &mut Vec<String>) -> (Ports, Ports) {
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    let ports = match module.get("ports") {
        None => return (inputs, outputs),
        Some(Value::Object(p)) => p,
        Some(_) => {
            problems.push("`ports` is not a JSON object".into());
            return (inputs, outputs);
        }
    };
    for (pname, p) in ports {
        let dir = p.get("direction").and_then(Value::as_str).unwrap_or("");
        let Some(b) = p.get("bits").and_then(bits) else {
            problems.push(format!("port {pname}: unreadable bits"));
            continue;
        };
        if b.is_empty() || b.len() > MAX_PORT_BITS {
            problems.push(format!(
                "port {pname}: {} bits (1 to {MAX_PORT_BITS} supported)",
                b.len()
            ));
            continue;
        }
        match dir {
            "input" => inputs.push((pname.clone(), b)),
            "output" => outputs.push((pname.clone(), b)),
            d => problems.push(format!("port {pname}: unsupported direction `{d}`")),
        }
    }
    (inputs, outputs)
}

fn pick_module<'a>(
    modules: &'a serde_json::Map<String, Value>,
    top: Option<&str>,
) -> Result<(&'a str, &'a Value), String> {
    if let Some(t) = top {
        return modules
            .get_key_value(t)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| format!("no module `{t}`"));
    }
    let is_top = |m: &Value| {
        m.pointer("/attributes/top")
            .and_then(Value::as_str)
            .is_some_and(|s| s.trim_start_matches('0') == "1")
    };
    let tops: Vec<_> = modules.iter().filter(|(_, m)| is_top(m)).collect();
    match (tops.as_slice(), modules.len()) {
        ([(k, v)], _) => Ok((k.as_str(), v)),
        (_, 1) => {
            let (k, v) = modules.iter().next().expect("one module");
            Ok((k.as_str(), v))
        }
        _ => Err(format!(
            "{} modules and no single top: name one ({})",
            modules.len(),
            modules.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The cells, lowered to gates and plain flip-flops; `unknown` collects the bits of refused
/// cells.
fn read_cells(
    module: &Value,
    problems: &mut Vec<String>,
    unknown: &mut BTreeSet<u64>,
) -> Vec<Cell> {
    let mut cells = Vec::new();
    let cs = match module.get("cells") {
        None => return cells,
        Some(Value::Object(cs)) => cs,
        Some(_) => {
            problems.push("`cells` is not a JSON object".into());
            return cells;
        }
    };
    // Refused cells by type; the bits they connect are not reported again as undriven.
    let mut refused: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut refuse = |t, name, c: &Value| {
        refused.entry(t).or_default().push(name);
        let conns = c.get("connections").and_then(Value::as_object);
        for b in conns.into_iter().flat_map(|m| m.values()).filter_map(bits) {
            unknown.extend(b.iter().filter_map(|b| match b {
                Bit::Net(x) => Some(*x),
                Bit::Const(_) => None,
            }));
        }
    };
    let mut fresh = FRESH;
    for (name, c) in cs {
        let t = c.get("type").and_then(Value::as_str).unwrap_or("?");
        let conn = |pin: &str| -> Option<Bit> {
            let b = c.get("connections")?.get(pin).and_then(bits)?;
            match b.as_slice() {
                [x] => Some(*x),
                _ => None, // (`then_some(b[0])` would index an empty list)
            }
        };
        let malformed = || format!("cell {name} ({t}): missing or malformed connections");
        if let Some((kind, pins, out)) = cell_kind(t) {
            let ins: Option<Vec<Bit>> = pins.iter().map(|p| conn(p)).collect();
            let (Some(ins), Some(Bit::Net(o))) = (ins, conn(out)) else {
                problems.push(malformed());
                continue;
            };
            cells.push(Cell {
                name: name.clone(),
                kind,
                ins,
                out: o,
                clock: None,
            });
        } else if let Some(ff) = ff_type(t) {
            if !ff.rising {
                refuse(t, name, c);
                continue;
            }
            let pin = |p: &str, used: bool| if used { conn(p).map(Some) } else { Some(None) };
            let (Some(c), Some(d), Some(Bit::Net(q)), Some(r), Some(e)) = (
                conn("C"),
                conn("D"),
                conn("Q"),
                pin("R", ff.reset.is_some()),
                pin("E", ff.enable.is_some()),
            ) else {
                problems.push(malformed());
                continue;
            };
            let pins = FfPins { c, d, q, r, e };
            lower_ff(name, ff, pins, &mut fresh, &mut cells);
        } else {
            refuse(t, name, c);
        }
    }
    for (t, names) in refused {
        let more = if names.len() > 3 { ", …" } else { "" };
        let cells = format!(
            "{} cell(s) ({}{more})",
            names.len(),
            names[..names.len().min(3)].join(", ")
        );
        problems.push(if ff_type(t).is_some_and(|f| !f.rising) {
            format!(
                "negative-edge flip-flop {t} in {cells}: the simulator has one rising-edge \
                 clock (use posedge in the RTL)"
            )
        } else {
            let hint = if t.contains("LATCH") || t.contains("DFFSR") || t.contains("ALDFF") {
                " (latches, set-and-reset and async-load flip-flops are not supported)"
            } else {
                ""
            };
            format!("unsupported type {t} in {cells}{hint}; supported: {SUPPORTED}")
        });
    }
    cells
}

/// The pins of a flip-flop cell (`r`, `e` present when the type has them).
struct FfPins {
    c: Bit,
    d: Bit,
    q: u64,
    r: Option<Bit>,
    e: Option<Bit>,
}

/// The gates in front of a lowered flip-flop's D input.
#[derive(Clone, Copy)]
enum Step {
    Enable,
    Reset,
}

/// Lower one rising-edge flip-flop into a plain [`GateKind::Dff`] and gates (module docs).
fn lower_ff(name: &str, ff: FfType, p: FfPins, fresh: &mut u64, cells: &mut Vec<Cell>) {
    let reset = ff.reset.zip(p.r);
    let q_reg = match reset {
        Some((r, _)) if !r.sync => {
            *fresh += 1;
            *fresh
        }
        _ => p.q,
    };
    let mut gate = |suffix: &str, kind: GateKind, ins: Vec<Bit>, out: Option<u64>| {
        let out = out.unwrap_or_else(|| {
            *fresh += 1;
            *fresh
        });
        cells.push(Cell {
            name: format!("{name}{suffix}"),
            kind,
            ins,
            out,
            clock: None,
        });
        out
    };
    let q = Bit::Net(p.q);
    // `R ? v : x` as one gate.
    let reset_kind = |r: Reset| match (r.value, r.active_high) {
        (false, true) => GateKind::AndNot,
        (false, false) => GateKind::And2,
        (true, true) => GateKind::Or2,
        (true, false) => GateKind::OrNot,
    };
    // `$_SDFFE_`: R ? v : (E ? D : Q); `$_SDFFCE_`: E ? (R ? v : D) : Q.
    let steps = if ff.enable_gates_reset {
        [Step::Reset, Step::Enable]
    } else {
        [Step::Enable, Step::Reset]
    };
    let mut d = p.d;
    for step in steps {
        let (suffix, kind, ins) = match (step, reset, ff.enable.zip(p.e)) {
            (Step::Reset, Some((r, rb)), _) => (".reset", reset_kind(r), vec![d, rb]),
            (Step::Enable, _, Some((true, e))) => (".enable", GateKind::Mux2, vec![q, d, e]),
            (Step::Enable, _, Some((false, e))) => (".enable", GateKind::Mux2, vec![d, q, e]),
            _ => continue,
        };
        d = Bit::Net(gate(suffix, kind, ins, None));
    }
    if let Some((r, rb)) = reset.filter(|(r, _)| !r.sync) {
        // The register drives `q_reg`; the original Q is forced while R is active.
        gate(
            ".async_reset",
            reset_kind(r),
            vec![Bit::Net(q_reg), rb],
            Some(p.q),
        );
    }
    cells.push(Cell {
        name: name.to_string(),
        kind: GateKind::Dff,
        ins: vec![d],
        out: q_reg,
        clock: Some(p.c),
    });
}

/// Combinational cells in dependency order (flip-flops first, they break loops); loops and
/// undriven or multiply driven bits are reported.
fn topo_order(
    cells: &[Cell],
    inputs: &[(String, Vec<Bit>)],
    outputs: &[(String, Vec<Bit>)],
    unknown: &BTreeSet<u64>,
    problems: &mut Vec<String>,
) -> Vec<usize> {
    let mut driver: BTreeMap<u64, usize> = BTreeMap::new();
    let mut from_port: BTreeSet<u64> = Default::default();
    for (_, bs) in inputs {
        for b in bs {
            if let Bit::Net(x) = b {
                from_port.insert(*x);
            }
        }
    }
    for (i, c) in cells.iter().enumerate() {
        if from_port.contains(&c.out) {
            problems.push(format!(
                "bit {} is driven by cell {} and an input port",
                c.out, c.name
            ));
        } else if let Some(&j) = driver.get(&c.out) {
            problems.push(format!(
                "bit {} is driven by cells {} and {}",
                c.out, cells[j].name, c.name
            ));
        } else {
            driver.insert(c.out, i);
        }
    }
    // Bits of refused cells were reported with the cell.
    let driven = |x: &u64| driver.contains_key(x) || from_port.contains(x) || unknown.contains(x);
    for c in cells {
        for b in &c.ins {
            if let Bit::Net(x) = b {
                if !driven(x) {
                    problems.push(format!("cell {} reads undriven bit {x}", c.name));
                }
            }
        }
    }
    for (name, bs) in outputs {
        for (i, b) in bs.iter().enumerate() {
            if let Bit::Net(x) = b {
                if !driven(x) {
                    problems.push(format!(
                        "output {name}[{i}] is bit {x}, which no cell or input port drives"
                    ));
                }
            }
        }
    }
    // Depth-first post-order over combinational cells; flip-flops are sources.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; cells.len()];
    let mut order: Vec<usize> = (0..cells.len())
        .filter(|&i| cells[i].kind == GateKind::Dff)
        .collect();
    for &i in &order {
        mark[i] = Mark::Done;
    }
    let mut looped: BTreeSet<String> = Default::default();
    for start in 0..cells.len() {
        if mark[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Open;
        while let Some(&mut (i, ref mut k)) = stack.last_mut() {
            if *k < cells[i].ins.len() {
                let b = cells[i].ins[*k];
                *k += 1;
                if let Bit::Net(x) = b {
                    if let Some(&j) = driver.get(&x) {
                        match mark[j] {
                            Mark::New => {
                                mark[j] = Mark::Open;
                                stack.push((j, 0));
                            }
                            Mark::Open => {
                                // Every open cell from j to the top of the stack is on the loop.
                                let at = stack.iter().position(|&(s, _)| s == j).unwrap_or(0);
                                for &(s, _) in &stack[at..] {
                                    looped.insert(cells[s].name.clone());
                                }
                            }
                            Mark::Done => {}
                        }
                    }
                }
            } else {
                mark[i] = Mark::Done;
                order.push(i);
                stack.pop();
            }
        }
    }
    if !looped.is_empty() {
        problems.push(format!(
            "combinational loop through cells {}",
            looped.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    order
}

fn build(
    inputs: &[(String, Vec<Bit>)],
    outputs: &[(String, Vec<Bit>)],
    cells: &[Cell],
    order: &[usize],
) -> Result<Netlist, YosysError> {
    let mut b = Builder::new();
    b.set_component(Component::Logic);
    let mut net: BTreeMap<u64, NetId> = BTreeMap::new();
    for (name, bs) in inputs {
        let ids = b.input(name, bs.len());
        for (bit, id) in bs.iter().zip(ids) {
            if let Bit::Net(x) = bit {
                net.insert(*x, id);
            }
        }
    }
    let resolve = |b: &Builder, net: &BTreeMap<u64, NetId>, bit: Bit| match bit {
        Bit::Const(v) => b.constant(v),
        Bit::Net(x) => net[&x],
    };
    for &i in order.iter().filter(|&&i| cells[i].kind == GateKind::Dff) {
        let q = b.dff();
        net.insert(cells[i].out, q);
    }
    for &i in order.iter().filter(|&&i| cells[i].kind != GateKind::Dff) {
        let c = &cells[i];
        let mut slots = [NetId::NONE; 3];
        for (s, bit) in slots.iter_mut().zip(&c.ins) {
            *s = resolve(&b, &net, *bit);
        }
        let id = fold(&mut b, c.kind, slots);
        net.insert(c.out, id);
    }
    for &i in order.iter().filter(|&&i| cells[i].kind == GateKind::Dff) {
        let d = resolve(&b, &net, cells[i].ins[0]);
        b.connect_dff(net[&cells[i].out], d);
    }
    for (name, bs) in outputs {
        let ids: Vec<NetId> = bs.iter().map(|&x| resolve(&b, &net, x)).collect();
        b.output(name, &ids);
    }
    b.finish().map_err(|e| YosysError {
        problems: e.problems,
    })
}

/// Append a combinational gate, folding constant inputs (as the builder's generators do).
fn fold(b: &mut Builder, kind: GateKind, s: [NetId; 3]) -> NetId {
    use GateKind::*;
    match kind {
        Inv => b.inv(s[0]),
        And2 => b.and2(s[0], s[1]),
        Nand2 => b.nand2(s[0], s[1]),
        Or2 => b.or2(s[0], s[1]),
        Nor2 => b.nor2(s[0], s[1]),
        Xor2 => b.xor2(s[0], s[1]),
        Xnor2 => b.xnor2(s[0], s[1]),
        AndNot => b.and_not(s[0], s[1]),
        OrNot if b.const_value(s[0]).is_some() || b.const_value(s[1]).is_some() => {
            let nb = b.inv(s[1]);
            b.or2(s[0], nb)
        }
        Mux2 => b.mux2(s[0], s[1], s[2]),
        Maj3 => b.maj3(s[0], s[1], s[2]),
        _ => b.push_slots(kind, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::reference::simulate;
    use rand::{Rng, SeedableRng};

    /// A module with one cell of type `t`: inputs clk (bit 2), r (3), e (4), d (5), output q (6).
    fn one_ff(t: &str) -> String {
        format!(
            r#"{{"modules": {{"m": {{
            "ports": {{"clk": {{"direction": "input", "bits": [2]}},
                      "r": {{"direction": "input", "bits": [3]}},
                      "e": {{"direction": "input", "bits": [4]}},
                      "d": {{"direction": "input", "bits": [5]}},
                      "q": {{"direction": "output", "bits": [6]}}}},
            "cells": {{"ff": {{"type": "{t}",
                "connections": {{"C": [2], "R": [3], "E": [4], "D": [5], "Q": [6]}}}}}}}}}}}}"#
        )
    }

    /// Per cycle `(r, e, d)` → the value of `q` Yosys's cell model gives, from a register
    /// `next(q, r, e, d)` and a visible output `show(q_reg, r)`.
    fn check_ff(
        t: &str,
        next: impl Fn(bool, bool, bool, bool) -> bool,
        show: impl Fn(bool, bool) -> bool,
    ) {
        let n = import_json(&one_ff(t), &ImportOptions::default()).unwrap();
        assert!(n.input("clk").is_none(), "{t}: clk is the implicit clock");
        let names: Vec<&str> = n.inputs().iter().map(|p| p.name.as_str()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let red: Vec<[bool; 3]> = (0..400).map(|_| rng.gen()).collect();
        let vecs: Vec<Vec<u128>> = red
            .iter()
            .map(|v| {
                let by = |p: &str| v[["r", "e", "d"].iter().position(|x| *x == p).unwrap()];
                names.iter().map(|p| by(p) as u128).collect()
            })
            .collect();
        let (_, outs) = simulate(&n, &vecs);
        let mut reg = false;
        for (c, ([r, e, d], o)) in red.iter().zip(&outs).enumerate() {
            let q = show(reg, *r);
            assert_eq!(o[0] == 1, q, "{t}: cycle {c}");
            reg = next(q, *r, *e, *d);
        }
    }

    const SYNC: fn(bool, bool) -> bool = |q, _| q;

    #[test]
    fn plain_and_enable_flip_flops_capture_d_when_enabled() {
        check_ff("$_DFF_P_", |_, _, _, d| d, SYNC);
        check_ff("$_DFFE_PP_", |q, _, e, d| if e { d } else { q }, SYNC);
        check_ff("$_DFFE_PN_", |q, _, e, d| if e { q } else { d }, SYNC);
    }

    #[test]
    fn synchronous_resets_load_their_value_at_the_edge() {
        check_ff("$_SDFF_PP0_", |_, r, _, d| !r && d, SYNC);
        check_ff("$_SDFF_PP1_", |_, r, _, d| r || d, SYNC);
        check_ff("$_SDFF_PN0_", |_, r, _, d| r && d, SYNC);
        check_ff("$_SDFF_PN1_", |_, r, _, d| !r || d, SYNC);
    }

    #[test]
    fn sdffe_reset_wins_over_enable_and_sdffce_reset_needs_enable() {
        let sdffe = |v: bool, rp: bool, ep: bool| {
            move |q: bool, r: bool, e: bool, d: bool| {
                if r == rp {
                    v
                } else if e == ep {
                    d
                } else {
                    q
                }
            }
        };
        check_ff("$_SDFFE_PP0P_", sdffe(false, true, true), SYNC);
        check_ff("$_SDFFE_PN1N_", sdffe(true, false, false), SYNC);
        check_ff("$_SDFFE_PP1N_", sdffe(true, true, false), SYNC);
        let sdffce = |v: bool, rp: bool, ep: bool| {
            move |q: bool, r: bool, e: bool, d: bool| match (e == ep, r == rp) {
                (false, _) => q,
                (true, true) => v,
                (true, false) => d,
            }
        };
        check_ff("$_SDFFCE_PP0P_", sdffce(false, true, true), SYNC);
        check_ff("$_SDFFCE_PN1N_", sdffce(true, false, false), SYNC);
    }

    #[test]
    fn asynchronous_resets_force_q_in_the_cycle_they_are_asserted() {
        check_ff("$_DFF_PP0_", |_, r, _, d| !r && d, |q, r| !r && q);
        check_ff("$_DFF_PN1_", |_, r, _, d| !r || d, |q, r| !r || q);
        let next = |q: bool, r: bool, e: bool, d: bool| !r && if e { d } else { q };
        check_ff("$_DFFE_PP0P_", next, |q, r| !r && q);
        let next = |q: bool, r: bool, e: bool, d: bool| r || if e { q } else { d };
        check_ff("$_DFFE_PP1N_", next, |q, r| r || q);
    }

    #[test]
    fn ff_type_names_decode_and_others_are_not_flip_flops() {
        let t = ff_type("$_SDFFCE_PN1P_").unwrap();
        assert!(t.rising && t.enable_gates_reset && t.enable == Some(true));
        assert_eq!(
            t.reset,
            Some(Reset {
                active_high: false,
                value: true,
                sync: true
            })
        );
        assert!(!ff_type("$_DFF_N_").unwrap().rising);
        for t in [
            "$_DFFSR_PPP_",
            "$_DLATCH_P_",
            "$_DFF_PX_",
            "$_SDFF_P_",
            "$_AND_",
            "$_",
        ] {
            assert_eq!(ff_type(t), None, "{t}");
        }
    }

    fn problems(json: &str) -> String {
        import_json(json, &ImportOptions::default())
            .unwrap_err()
            .problems
            .join("\n")
    }

    #[test]
    fn negative_edge_flip_flops_and_latches_are_refused_by_name() {
        let p = problems(&one_ff("$_DFF_N_"));
        assert!(
            p.contains("negative-edge flip-flop $_DFF_N_ in 1 cell(s) (ff)"),
            "{p}"
        );
        assert!(!p.contains("undriven") && !p.contains("no cell"), "{p}");
        let p = problems(&one_ff("$_DLATCH_P_"));
        assert!(
            p.contains("unsupported type $_DLATCH_P_ in 1 cell(s) (ff)"),
            "{p}"
        );
        assert!(p.contains("latches"), "{p}");
    }

    #[test]
    fn the_error_shows_five_problems_and_counts_the_rest() {
        let cells: Vec<String> = (0..12)
            .map(|i| {
                format!(
                    r#""u{i:02}": {{"type": "$_NOT_", "connections": {{"A": [{}], "Y": [{}]}}}}"#,
                    100 + i,
                    200 + i
                )
            })
            .collect();
        let json = format!(
            r#"{{"modules": {{"m": {{"ports": {{}}, "cells": {{{}}}}}}}}}"#,
            cells.join(",")
        );
        let err = import_json(&json, &ImportOptions::default()).unwrap_err();
        assert_eq!(err.problems.len(), 12);
        let shown = err.to_string();
        assert!(shown.contains("u04") && !shown.contains("u05"), "{shown}");
        assert!(shown.contains("… and 7 more"), "{shown}");
        let all = err.verbose();
        assert_eq!(all.lines().count(), 13, "{all}");
        assert!(all.contains("cell u11 reads undriven bit 111"), "{all}");
    }

    #[test]
    fn many_cells_of_one_unsupported_type_are_one_problem() {
        let cells: Vec<String> = (0..500)
            .map(|i| format!(r#""c{i}": {{"type": "$mul", "connections": {{}}}}"#))
            .collect();
        let json = format!(
            r#"{{"modules": {{"m": {{"cells": {{{}}}}}}}}}"#,
            cells.join(",")
        );
        let err = import_json(&json, &ImportOptions::default()).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{}", err.verbose());
        assert!(err.to_string().len() < 1000, "{err}");
        assert!(err.to_string().contains("$mul in 500 cell(s)"), "{err}");
    }

    #[test]
    fn malformed_modules_are_problems_not_panics() {
        let m = |body: &str| format!(r#"{{"modules": {{"m": {{{body}}}}}}}"#);
        let port_y = r#""ports": {"y": {"direction": "output", "bits": [7]}}"#;
        for (body, want) in [
            (format!("{port_y}, \"cells\": []"), "`cells` is not a JSON object"),
            (port_y.to_string(), "output y[0] is bit 7, which no cell"),
            ("\"ports\": 3".into(), "`ports` is not a JSON object"),
            (
                r#""ports": {"y": {"direction": "output", "bits": []}}"#.into(),
                "port y: 0 bits",
            ),
            (
                r#""ports": {"y": {"direction": "output", "bits": [2, "q"]}}"#.into(),
                "port y: unreadable bits",
            ),
            (
                r#""cells": {"g": {"type": "$_AND_", "connections": {"A": [2, 3]}}}"#.into(),
                "cell g ($_AND_): missing or malformed",
            ),
            (
                r#""cells": {"g": {"type": "$_SDFFE_PP0P_", "connections": {"C": [2], "D": [3], "Q": [4], "R": [5]}}}"#.into(),
                "cell g ($_SDFFE_PP0P_): missing or malformed",
            ),
            (r#""cells": {"g": 5}"#.into(), "unsupported type ?"),
        ] {
            let p = problems(&m(&body));
            assert!(p.contains(want), "`{body}`: missing `{want}` in:\n{p}");
        }
    }

    #[test]
    fn a_clock_from_logic_is_a_problem() {
        let json = one_ff("$_DFF_P_").replace(
            r#""cells": {"#,
            r#""cells": {"g": {"type": "$_AND_", "connections": {"A": [2], "B": [3], "Y": [9]}},"#,
        );
        let json = json.replace(r#""C": [2]"#, r#""C": [9]"#);
        let p = problems(&json);
        assert!(
            p.contains("flip-flop ff is clocked by bit 9, which is not an input port"),
            "{p}"
        );
    }

    /// Every value anywhere in two small modules replaced by values of other JSON types:
    /// the import returns (`Ok` or `Err`), it never panics.
    #[test]
    fn no_json_shape_makes_the_import_panic() {
        fn paths(v: &Value, at: String, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => m.iter().for_each(|(k, x)| {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    paths(x, format!("{at}/{k}"), out)
                }),
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, x)| paths(x, format!("{at}/{i}"), out)),
                _ => {}
            }
            out.push(at);
        }
        let gates = r#"{"modules": {"m": {"attributes": {"top": "1"},
            "ports": {"a": {"direction": "input", "bits": [2, 3]},
                      "y": {"direction": "output", "bits": [4, "0"]}},
            "cells": {"u": {"type": "$_MUX_", "connections": {"A": [2], "B": [3], "S": [2], "Y": [4]}}}}}}"#;
        let mut tried = 0;
        for text in [
            gates.to_string(),
            one_ff("$_SDFFCE_PN1P_"),
            one_ff("$_DFFE_PP0N_"),
        ] {
            let root: Value = serde_json::from_str(&text).unwrap();
            let mut ps = Vec::new();
            paths(&root, String::new(), &mut ps);
            let others = [
                Value::Null,
                serde_json::json!(-1),
                serde_json::json!(1e30),
                serde_json::json!("x"),
                serde_json::json!([]),
                serde_json::json!({}),
                serde_json::json!([7]),
                serde_json::json!([4611686018427387905u64]),
            ];
            for p in ps.iter().filter(|p| !p.is_empty()) {
                for o in &others {
                    let mut v = root.clone();
                    *v.pointer_mut(p).unwrap() = o.clone();
                    let _ = import_json(&v.to_string(), &ImportOptions::default());
                    tried += 1;
                }
            }
        }
        assert!(tried > 300, "{tried}");
    }
}
