//! Yosys import: a Yosys-synthesised 8×8 multiplier (`synth; abc -g …`) read from
//! `write_json` is bit-exact over all 65,536 operand pairs and matches Icarus per net,
//! zero-delay and unit-delay; a synthesised MAC keeps its register; bad input lists every
//! problem.

use pann::netlist::yosys::{import_json, ImportOptions};
use pann::netlist::Netlist;
use pann::oracle::{icarus_available, yosys_available, IcarusSim};
use pann::sim::delay::DelayModel;
use pann::sim::reference::PortValues;
use pann::sim::timed::TimedSim;
use pann::sim::zero_delay::output_values;
use pann::sim::{PortVectors, ZeroDelaySim};
use std::process::Command;

/// Synthesise `verilog` (top module `m`) to gate cells and return the JSON text.
fn synth(verilog: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.v"), verilog).unwrap();
    let out = Command::new("yosys")
        .current_dir(dir.path())
        .args([
            "-q",
            "-p",
            "read_verilog m.v; synth -top m; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT; opt_clean; write_json m.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.path().join("m.json")).unwrap()
}

fn opts(ins: &[&str], outs: &[&str]) -> ImportOptions {
    ImportOptions {
        top: None,
        inputs: ins.iter().map(|s| s.to_string()).collect(),
        outputs: outs.iter().map(|s| s.to_string()).collect(),
    }
}

fn all_pairs(n: &Netlist) -> Vec<PortValues> {
    assert_eq!(n.inputs()[0].name, "a");
    (0..65536u128).map(|v| vec![v & 255, v >> 8]).collect()
}

#[test]
fn yosys_8x8_multiplier_is_bit_exact_and_matches_icarus_per_net() {
    if !yosys_available() || !icarus_available() {
        eprintln!("yosys/iverilog not installed: skipped (CI installs them)");
        return;
    }
    let json = synth(
        "module m(input [7:0] a, input [7:0] b, output [15:0] y); assign y = a * b; endmodule",
    );
    let n = import_json(&json, &opts(&["a", "b"], &["y"])).unwrap();
    assert!(n.cell_count() > 200, "{} cells", n.cell_count());
    let vecs = all_pairs(&n);
    let drv = PortVectors::new(&n, vecs.clone());
    let zd = ZeroDelaySim::new(&n);
    let mut outs = Vec::new();
    let (zero, _) = zd.run_observed(&drv, &mut |_, valid, v| {
        outs.extend(output_values(&n, valid, v))
    });
    for (v, o) in vecs.iter().zip(&outs) {
        assert_eq!(o[0], v[0] * v[1], "{} * {}", v[0], v[1]);
    }
    // Icarus on a 1,000-vector slice, zero and unit delay.
    let slice: Vec<PortValues> = vecs.iter().step_by(65).take(1000).cloned().collect();
    let drv = PortVectors::new(&n, slice.clone());
    let (zero_s, _) = zd.run(&drv);
    let ic = IcarusSim::compile(&n, None, slice.len())
        .unwrap()
        .run(&slice)
        .unwrap();
    assert_eq!(ic.toggles, zero_s.toggles);
    let unit = TimedSim::new(&n, &DelayModel::Unit).run(&drv);
    let d = DelayModel::Unit.per_net(&n);
    let ic = IcarusSim::compile(&n, Some(&d), slice.len())
        .unwrap()
        .run(&slice)
        .unwrap();
    assert_eq!(ic.toggles, unit.activity.toggles);
    eprintln!(
        "yosys 8x8: {} cells; 1,000 vectors: zero {} unit {} ({:.2}x); exhaustive zero-delay {}",
        n.cell_count(),
        zero_s.total(),
        unit.activity.total(),
        unit.activity.total() as f64 / zero_s.total() as f64,
        zero.total()
    );
}

#[test]
fn yosys_mac_keeps_its_register_and_clock() {
    if !yosys_available() {
        return;
    }
    let json = synth(
        "module m(input clk, input [3:0] a, input [3:0] b, output reg [9:0] acc);
         initial acc = 0; always @(posedge clk) acc <= acc + a * b; endmodule",
    );
    let n = import_json(&json, &opts(&["a", "b"], &["acc"])).unwrap();
    assert!(n.is_sequential());
    assert!(n.input("clk").is_none(), "the clock is implicit");
    let vecs: Vec<PortValues> = (0..300u128).map(|t| vec![t % 16, (t * 7) % 16]).collect();
    let (_, outs) = pann::sim::reference::simulate(&n, &vecs);
    let mut acc = 0u128;
    for (t, v) in vecs.iter().enumerate() {
        assert_eq!(outs[t][0], acc, "cycle {t}");
        acc = (acc + v[0] * v[1]) % 1024;
    }
}

#[test]
fn bad_netlists_list_every_problem() {
    let err = import_json("{ not json", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("malformed JSON"), "{err}");
    let json = r#"{"modules": {"m": {
        "ports": {"a": {"direction": "input", "bits": [2, 3]},
                  "y": {"direction": "output", "bits": [6]}},
        "cells": {
          "u1": {"type": "$_AND_", "connections": {"A": [2], "B": [5], "Y": [4]}},
          "u2": {"type": "$_OR_", "connections": {"A": [4], "B": [3], "Y": [5]}},
          "u3": {"type": "$mul", "connections": {"A": [2], "B": [3], "Y": [6]}},
          "u4": {"type": "$_XOR_", "connections": {"A": [9], "B": [3], "Y": [6]}}
        }}}}"#;
    let err = import_json(json, &opts(&["a", "w"], &["p"])).unwrap_err();
    let all = err.problems.join("\n");
    for want in [
        "unsupported type $mul",
        "no input port `w`",
        "no output port `p`",
        "undriven bit 9",
        "combinational loop through cells u1, u2",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
}

/// `pann netlist` output goes back into Yosys: the exported radix-4 Booth multiplier (with
/// its `andnot`/`ornot`/`maj3` function calls and SKY130 `#d` delays, which synthesis
/// ignores) re-synthesised and imported computes the same products on all 65,536 pairs.
#[test]
fn exported_verilog_with_cell_functions_round_trips_through_yosys() {
    use pann::circuits::{build, MacSpec, MultArch, Repr, Unit};
    use pann::energy::{CellLibrary, DEFAULT_LIBRARY};
    use pann::netlist::{write_verilog, GateKind, VerilogOptions};
    if !yosys_available() {
        return;
    }
    let spec = MacSpec {
        unit: Unit::Mult,
        mult: MultArch::BoothDadda,
        repr: Repr::Twos,
        ..MacSpec::default()
    };
    let ours = build(&spec.validate().unwrap());
    let model = DelayModel::Cells(CellLibrary::load(DEFAULT_LIBRARY).unwrap().delay_table());
    let vopts = VerilogOptions {
        module: Some("m".into()),
        delays: Some(model.per_net(&ours)),
        ..VerilogOptions::default()
    };
    let mut v = Vec::new();
    write_verilog(&ours, &vopts, &mut v).unwrap();
    let v = String::from_utf8(v).unwrap();
    let kinds = [GateKind::AndNot, GateKind::OrNot, GateKind::Maj3];
    let calls = kinds
        .iter()
        .filter(|k| v.contains(&format!("= pann_{}(", k.name())))
        .count();
    assert!(
        calls >= 2,
        "the Booth multiplier uses the function-call cells"
    );
    let back = import_json(&synth(&v), &opts(&["x", "w"], &["p"])).unwrap();
    let vecs: Vec<PortValues> = (0..65536u128).map(|i| vec![i & 255, i >> 8]).collect();
    let outs = |n: &Netlist| {
        let mut o = Vec::new();
        ZeroDelaySim::new(n).run_observed(&PortVectors::new(n, vecs.clone()), &mut |_, k, w| {
            o.extend(output_values(n, k, w))
        });
        o
    };
    assert_eq!(outs(&back), outs(&ours));
}
