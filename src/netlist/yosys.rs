//! Import a Yosys `write_json` netlist made of Yosys's internal gate cells (`$_AND_`,
//! `$_NAND_`, `$_OR_`, `$_NOR_`, `$_XOR_`, `$_XNOR_`, `$_ANDNOT_`, `$_ORNOT_`, `$_NOT_`,
//! `$_BUF_`, `$_MUX_`, `$_DFF_P_`), as left by e.g.
//! `synth; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT`.
//!
//! Every problem is collected (malformed JSON, unsupported cells, undriven or multiply driven
//! bits, combinational loops, several clocks, missing ports) and reported together. Input
//! ports that only clock flip-flops become the implicit clock; `x`/`z` constant bits read as 0.
//! All gates go to [`Component::Logic`].

use super::{Builder, Component, GateKind, NetId, Netlist};
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything wrong with an imported netlist, one line per problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot import Yosys netlist: {}", .problems.join("; "))]
pub struct YosysError {
    /// One human-readable line per problem.
    pub problems: Vec<String>,
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
            Value::Number(n) => n.as_u64().map(Bit::Net),
            Value::String(s) => match s.as_str() {
                "1" => Some(Bit::Const(true)),
                "0" | "x" | "z" => Some(Bit::Const(false)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

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
        "$_DFF_P_" => (Dff, &["D"], "Q"),
        _ => return None,
    })
}

const SUPPORTED: &str =
    "$_AND_ $_NAND_ $_OR_ $_NOR_ $_XOR_ $_XNOR_ $_ANDNOT_ $_ORNOT_ $_NOT_ $_BUF_ $_MUX_ $_DFF_P_";

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
    let mut inputs: Vec<(String, Vec<Bit>)> = Vec::new();
    let mut outputs: Vec<(String, Vec<Bit>)> = Vec::new();
    if let Some(ports) = module.get("ports").and_then(Value::as_object) {
        for (pname, p) in ports {
            let dir = p.get("direction").and_then(Value::as_str).unwrap_or("");
            let Some(b) = p.get("bits").and_then(bits) else {
                problems.push(format!("port {pname}: unreadable bits"));
                continue;
            };
            match dir {
                "input" => inputs.push((pname.clone(), b)),
                "output" => outputs.push((pname.clone(), b)),
                d => problems.push(format!("port {pname}: unsupported direction `{d}`")),
            }
        }
    }
    let cells = read_cells(module, &mut problems);
    // The clock: the bits driving flip-flop C pins.
    let clocks: std::collections::BTreeSet<u64> = cells
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
    let order = topo_order(&cells, &inputs, &mut problems);
    if !problems.is_empty() {
        return Err(YosysError { problems });
    }
    build(&inputs, &outputs, &cells, &order)
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

fn read_cells(module: &Value, problems: &mut Vec<String>) -> Vec<Cell> {
    let mut cells = Vec::new();
    let Some(cs) = module.get("cells").and_then(Value::as_object) else {
        return cells;
    };
    for (name, c) in cs {
        let t = c.get("type").and_then(Value::as_str).unwrap_or("?");
        let Some((kind, pins, out)) = cell_kind(t) else {
            problems.push(format!(
                "cell {name}: unsupported type {t} (supported: {SUPPORTED})"
            ));
            continue;
        };
        let conn = |pin: &str| -> Option<Bit> {
            let b = c.get("connections")?.get(pin).and_then(bits)?;
            (b.len() == 1).then_some(b[0])
        };
        let ins: Option<Vec<Bit>> = pins.iter().map(|p| conn(p)).collect();
        let (Some(ins), Some(Bit::Net(o))) = (ins, conn(out)) else {
            problems.push(format!(
                "cell {name} ({t}): missing or malformed connections"
            ));
            continue;
        };
        let clock = if kind == GateKind::Dff {
            match conn("C") {
                Some(b) => Some(b),
                None => {
                    problems.push(format!("cell {name} ({t}): no clock connection C"));
                    continue;
                }
            }
        } else {
            None
        };
        cells.push(Cell {
            name: name.clone(),
            kind,
            ins,
            out: o,
            clock,
        });
    }
    cells
}

/// Combinational cells in dependency order (flip-flops first, they break loops); loops and
/// undriven or multiply driven bits are reported.
fn topo_order(
    cells: &[Cell],
    inputs: &[(String, Vec<Bit>)],
    problems: &mut Vec<String>,
) -> Vec<usize> {
    let mut driver: BTreeMap<u64, usize> = BTreeMap::new();
    let mut from_port: std::collections::BTreeSet<u64> = Default::default();
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
    for c in cells {
        for b in &c.ins {
            if let Bit::Net(x) = b {
                if !driver.contains_key(x) && !from_port.contains(x) {
                    problems.push(format!("cell {} reads undriven bit {x}", c.name));
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
    let mut looped: std::collections::BTreeSet<String> = Default::default();
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
        let id = b.push_slots(c.kind, slots);
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
