//! Netlist verifier: collects every structural problem instead of stopping at the first.

use super::{GateKind, NetId, Netlist};

/// All problems found in a netlist, one message each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid netlist: {}", .problems.join("; "))]
pub struct VerifyError {
    /// One human-readable line per problem.
    pub problems: Vec<String>,
}

/// Check arity, dangling references, the topological order of combinational gates
/// (a violation is a combinational cycle or a mis-ordered arena), flip-flop connections,
/// component table length and port names.
pub fn verify(n: &Netlist) -> Result<(), VerifyError> {
    let mut problems = Vec::new();
    let len = n.gates.len();
    if n.comps.len() != len {
        problems.push(format!(
            "component table has {} entries for {len} gates",
            n.comps.len()
        ));
    }
    for (i, g) in n.gates.iter().enumerate() {
        let id = NetId(i as u32);
        let k = g.kind.arity();
        for (slot, &x) in g.ins.iter().enumerate() {
            if slot >= k {
                if x != NetId::NONE {
                    problems.push(format!("{id} ({:?}) has extra input {slot}", g.kind));
                }
                continue;
            }
            if x == NetId::NONE {
                problems.push(format!("{id} ({:?}) input {slot} is unconnected", g.kind));
            } else if x.idx() >= len {
                problems.push(format!("{id} ({:?}) reads dangling net {x}", g.kind));
            } else if g.kind != GateKind::Dff && x >= id {
                problems.push(format!(
                    "{id} ({:?}) reads {x}, not before it (combinational cycle or unordered arena)",
                    g.kind
                ));
            }
        }
    }
    let mut gated = vec![false; len];
    for cg in &n.clock_gates {
        if cg.enable.idx() >= len {
            problems.push(format!(
                "clock gate {} reads dangling enable {}",
                cg.name, cg.enable
            ));
        }
        for &q in &cg.regs {
            if q.idx() >= len || n.gates[q.idx()].kind != GateKind::Dff {
                problems.push(format!(
                    "clock gate {} clocks {q}, not a flip-flop",
                    cg.name
                ));
            } else if std::mem::replace(&mut gated[q.idx()], true) {
                problems.push(format!("{q} is clocked by two clock gates"));
            }
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for p in n.inputs.iter().chain(&n.outputs) {
        if !names.insert(p.name.as_str()) {
            problems.push(format!("duplicate port name {}", p.name));
        }
        if p.name.is_empty()
            || !p
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            problems.push(format!("port name {:?} is not a plain identifier", p.name));
        }
        for &b in &p.bits {
            if b.idx() >= len {
                problems.push(format!("port {} reads dangling net {b}", p.name));
            }
        }
    }
    for p in &n.inputs {
        for &b in &p.bits {
            if b.idx() < len && n.gates[b.idx()].kind != GateKind::Input {
                problems.push(format!(
                    "input port {} bit {b} is not an Input gate",
                    p.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(VerifyError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Component, Gate, Port};
    use super::*;

    #[test]
    fn verifier_reports_every_problem() {
        let g = |kind, ins: [u32; 3]| Gate {
            kind,
            ins: ins.map(NetId),
        };
        let none = u32::MAX;
        let gates = vec![
            g(GateKind::Input, [none; 3]),
            g(GateKind::And2, [0, 2, none]), // reads a later net: cycle
            g(GateKind::Inv, [9, none, none]), // dangling
            g(GateKind::Dff, [none; 3]),     // unconnected D
        ];
        let comps = vec![Component::Logic; 4];
        let inputs = vec![Port {
            name: "x".into(),
            bits: vec![NetId(0)],
        }];
        let err = Netlist::from_parts(gates, comps, inputs, vec![]).unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
    }
}
