//! Graphviz export of a netlist (one node per gate, clustered by component).

use super::{GateKind, NetId, Netlist};
use std::io::{self, Write};

/// Write `n` in Graphviz `dot` syntax.
pub fn write_dot(n: &Netlist, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "digraph pann {{\n  rankdir=LR;\n  node [shape=box,fontsize=9];"
    )?;
    for (i, g) in n.gates().iter().enumerate() {
        let id = NetId(i as u32);
        let shape = match g.kind {
            GateKind::Input => "invhouse",
            GateKind::Dff => "box3d",
            _ => "box",
        };
        writeln!(
            w,
            "  {id} [label=\"{id}\\n{}\\n{}\",shape={shape}];",
            g.kind.name(),
            n.components()[i].key()
        )?;
        for &x in g.inputs() {
            writeln!(w, "  {x} -> {id};")?;
        }
    }
    for p in n.outputs() {
        for (k, b) in p.bits.iter().enumerate() {
            writeln!(
                w,
                "  \"{}[{k}]\" [shape=house];\n  {b} -> \"{}[{k}]\";",
                p.name, p.name
            )?;
        }
    }
    writeln!(w, "}}")
}
