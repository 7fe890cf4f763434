//! Yosys import: a Yosys-synthesised 8×8 multiplier (`synth; abc -g …`) read from
//! `write_json` is bit-exact over all 65,536 operand pairs and matches Icarus per net,
//! zero-delay and unit-delay; a synthesised MAC keeps its register; an RTL MAC with clear,
//! enable and saturation (flip-flops with sync reset and enable) computes what integer
//! arithmetic says and matches Icarus per net; bad input lists every problem.

use pann::netlist::yosys::{import_json, ImportOptions};
use pann::netlist::Netlist;
use pann::oracle::{icarus_available, yosys_available, IcarusSim};
use pann::sim::delay::DelayModel;
use pann::sim::drive::PortDrive;
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

/// The README's command, verbatim but for the file and top names: no `opt_clean` after `abc`.
fn synth_as_readme(verilog: &str, top: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("{top}.v")), verilog).unwrap();
    let script = format!(
        "read_verilog {top}.v; synth -top {top}; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT; write_json m.json"
    );
    let out = Command::new("yosys")
        .current_dir(dir.path())
        .args(["-q", "-p", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.path().join("m.json")).unwrap()
}

/// One cycle of `tests/fixtures/mac_rtl.v`'s stimulus.
struct MacCycle {
    x: i8,
    w: i8,
    clear: bool,
    en: bool,
}

/// Operands mostly small (so the accumulator often sits inside the int8 range), sometimes
/// full-range; enable on 3 cycles in 4; clear in cycle 0 and then about every 40 cycles.
fn mac_stimulus(cycles: usize, seed: u64) -> Vec<MacCycle> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let operand = |rng: &mut rand_chacha::ChaCha8Rng| {
        if rng.gen_bool(0.3) {
            rng.gen::<i8>()
        } else {
            rng.gen_range(-3..=3)
        }
    };
    (0..cycles)
        .map(|t| MacCycle {
            x: operand(&mut rng),
            w: operand(&mut rng),
            clear: t == 0 || rng.gen_bool(0.025),
            en: rng.gen_bool(0.75),
        })
        .collect()
}

/// `mac_rtl.v` in integers: per cycle the `(acc, y)` its outputs show.
fn mac_model(stim: &[MacCycle]) -> Vec<(i64, i8)> {
    let (mut acc, mut y) = (0i64, 0i8);
    stim.iter()
        .map(|c| {
            let shown = (acc, y);
            y = acc.clamp(-128, 127) as i8;
            if c.clear {
                acc = 0;
            } else if c.en {
                acc += c.x as i64 * c.w as i64;
            }
            shown
        })
        .collect()
}

#[test]
fn rtl_mac_with_clear_enable_and_saturation_is_exact_and_matches_icarus_per_net() {
    if !yosys_available() || !icarus_available() {
        eprintln!("yosys/iverilog not installed: skipped (CI installs them)");
        return;
    }
    let json = synth_as_readme(include_str!("../fixtures/mac_rtl.v"), "mac_rtl");
    assert!(
        json.contains("$_SDFFE_PP0P_"),
        "Yosys emits enable + sync-reset flip-flops"
    );
    let n = import_json(&json, &opts(&["x", "w", "clear", "en"], &["acc", "y"])).unwrap();
    assert_eq!(n.dffs().len(), 48, "40 accumulator + 8 output flip-flops");
    // Left undriven, clear and en are named rather than held at 0.
    let bare = PortDrive::new("x", "w");
    assert_eq!(bare.undriven(&n), ["clear", "en"]);
    let err = bare.validate(&n).unwrap_err().to_string();
    assert!(err.contains("clear, en not driven"), "{err}");

    const CYCLES: usize = 2000;
    let stim = mac_stimulus(CYCLES, 11);
    let bit = |b: bool| b as u128;
    let plan = PortDrive::new("x", "w")
        .stream("clear", stim.iter().map(|c| bit(c.clear)).collect())
        .stream("en", stim.iter().map(|c| bit(c.en)).collect())
        .validate(&n)
        .unwrap();
    let operands: Vec<(u128, u128)> = stim
        .iter()
        .map(|c| (c.x as u8 as u128, c.w as u8 as u128))
        .collect();
    let vecs = plan.vectors(0, &operands).unwrap();
    let drv = PortVectors::new(&n, vecs.clone());
    let zd = ZeroDelaySim::new(&n);
    let mut outs = Vec::new();
    let (zero, _) = zd.run_observed(&drv, &mut |_, valid, v| {
        outs.extend(output_values(&n, valid, v))
    });

    // Functional: the accumulator and the saturated output are the integer model's.
    let at = |name: &str| n.outputs().iter().position(|p| p.name == name).unwrap();
    let (acc_i, y_i) = (at("acc"), at("y"));
    let model = mac_model(&stim);
    let mut seen = [0usize; 3]; // y = -128, inside, 127
    for (t, (o, &(acc, y))) in outs.iter().zip(&model).enumerate() {
        assert_eq!(o[acc_i], (acc as u128) & ((1 << 40) - 1), "acc, cycle {t}");
        assert_eq!(o[y_i], y as u8 as u128, "y, cycle {t}");
        seen[match y {
            -128 => 0,
            127 => 2,
            _ => 1,
        }] += 1;
    }
    let distinct_acc: std::collections::BTreeSet<i64> = model.iter().map(|m| m.0).collect();
    assert!(
        distinct_acc.len() > 500,
        "{} accumulator values",
        distinct_acc.len()
    );
    assert!(
        seen.iter().all(|&k| k > 100),
        "y saturated low / inside / high: {seen:?}"
    );

    // The reference twin, then Icarus on the exported netlist: outputs and every net's
    // toggles, zero delay and unit delay.
    let (twin, _) = pann::sim::reference::simulate(&n, &vecs);
    assert_eq!(twin.toggles, zero.toggles);
    let ic = IcarusSim::compile(&n, None, vecs.len())
        .unwrap()
        .run(&vecs)
        .unwrap();
    assert_eq!(ic.outputs, outs, "zero-delay outputs");
    assert_eq!(ic.toggles, zero.toggles, "zero-delay toggles per net");
    let unit = TimedSim::new(&n, &DelayModel::Unit).run(&drv);
    let d = DelayModel::Unit.per_net(&n);
    let ic = IcarusSim::compile(&n, Some(&d), vecs.len())
        .unwrap()
        .run(&vecs)
        .unwrap();
    assert_eq!(
        ic.toggles, unit.activity.toggles,
        "unit-delay toggles per net"
    );
    eprintln!(
        "rtl mac: {} cells ({} flip-flops), {} nets; {CYCLES} cycles: y low/inside/high {seen:?}; \
         toggles zero {} unit {} ({:.2}x), equal to Icarus on every net",
        n.cell_count(),
        n.dffs().len(),
        n.len(),
        zero.total(),
        unit.activity.total(),
        unit.activity.total() as f64 / zero.total() as f64
    );
}

/// Icarus on the *original RTL* `verilog` (top `top`), driven like `pann::oracle`'s testbench
/// (vector `c` applied with non-blocking assignments at the clock edge that starts cycle
/// `c`): the output ports, sampled mid-cycle, per cycle.
fn icarus_on_rtl(verilog: &str, top: &str, n: &Netlist, vecs: &[PortValues]) -> Vec<PortValues> {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = String::from("`timescale 1ns/1ps\nmodule tb;\n  reg clk = 0;\n  integer i;\n");
    let mut conns = vec![".clk(clk)".to_string()];
    for (k, p) in n.inputs().iter().enumerate() {
        let w = p.bits.len();
        tb += &format!(
            "  reg [{}:0] {1}; reg [{0}:0] {1}_mem [0:{2}];\n",
            w - 1,
            p.name,
            vecs.len() - 1
        );
        conns.push(format!(".{0}({0})", p.name));
        let hex: String = vecs.iter().map(|v| format!("{:x}\n", v[k])).collect();
        std::fs::write(dir.path().join(format!("{}.hex", p.name)), hex).unwrap();
    }
    let outs: Vec<&str> = n.outputs().iter().map(|p| p.name.as_str()).collect();
    for p in n.outputs() {
        tb += &format!("  wire [{}:0] {};\n", p.bits.len() - 1, p.name);
        conns.push(format!(".{0}({0})", p.name));
    }
    tb += &format!("  {top} dut({});\n  initial begin\n", conns.join(", "));
    for p in n.inputs() {
        tb += &format!(
            "    $readmemh(\"{0}.hex\", {0}_mem); {0} = {0}_mem[0];\n",
            p.name
        );
    }
    let fmt = vec!["%h"; outs.len()].join(" ");
    tb += &format!("    for (i = 1; i <= {}; i = i + 1) begin\n", vecs.len());
    tb += &format!(
        "      #5 $display(\"{fmt}\", {});\n      #5 clk = 1;\n",
        outs.join(", ")
    );
    for p in n.inputs() {
        tb += &format!("      if (i < {}) {1} <= {1}_mem[i];\n", vecs.len(), p.name);
    }
    tb += "      #0 clk = 0;\n    end\n    $finish;\n  end\nendmodule\n";
    std::fs::write(dir.path().join("tb.v"), tb).unwrap();
    std::fs::write(dir.path().join("rtl.v"), verilog).unwrap();
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let run = |cmd: &mut Command| ok(cmd.current_dir(dir.path()).output().unwrap());
    run(Command::new("iverilog").args(["-o", "tb.vvp", "tb.v", "rtl.v"]));
    run(Command::new("vvp").args(["-n", "tb.vvp"]))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|h| u128::from_str_radix(h, 16).unwrap_or(u128::MAX)) // `x` never matches
                .collect()
        })
        .collect()
}

/// Asynchronous resets (active high with enable, active low) and a reset under enable
/// (`$_SDFFCE_`), with resets changing only at clock edges as `pann`'s vectors do: the
/// imported netlist's outputs equal Icarus's simulation of the original RTL in every cycle.
#[test]
fn async_and_enable_gated_resets_match_the_rtl_in_icarus() {
    if !yosys_available() || !icarus_available() {
        return;
    }
    let rtl = "module ar(input clk, input rst, input rstn, input en, input [3:0] d,
          output reg [3:0] q, output reg [3:0] p, output reg [3:0] s);
  always @(posedge clk or posedge rst)
    if (rst) q <= 4'b1010; else if (en) q <= q + d;
  always @(posedge clk or negedge rstn)
    if (!rstn) p <= 4'd0; else p <= p ^ d;
  always @(posedge clk)
    if (en) begin if (rst) s <= 4'd5; else s <= s + d; end
endmodule
";
    let json = synth_as_readme(rtl, "ar");
    for t in [
        "$_DFFE_PP0P_",
        "$_DFFE_PP1P_",
        "$_DFF_PN0_",
        "$_SDFFCE_PP1P_",
    ] {
        assert!(json.contains(t), "Yosys emits {t}");
    }
    let n = import_json(&json, &opts(&["rst", "rstn", "en", "d"], &["q", "p", "s"])).unwrap();
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    // Cycle 0 resets everything (the RTL's registers start unknown); then random.
    let vecs: Vec<PortValues> = (0..600)
        .map(|t| {
            n.inputs()
                .iter()
                .map(|p| match (p.name.as_str(), t) {
                    ("rst", 0) | ("en", 0) => 1,
                    ("rstn", 0) => 0,
                    ("rst", _) => rng.gen_bool(0.1) as u128,
                    ("rstn", _) => rng.gen_bool(0.9) as u128,
                    ("en", _) => rng.gen_bool(0.7) as u128,
                    _ => rng.gen_range(0..16),
                })
                .collect()
        })
        .collect();
    let (_, ours) = pann::sim::reference::simulate(&n, &vecs);
    let rtl_outs = icarus_on_rtl(rtl, "ar", &n, &vecs);
    assert_eq!(rtl_outs.len(), vecs.len());
    // Cycle 0: `s` (synchronous) is still unknown in the RTL.
    let s = n.outputs().iter().position(|p| p.name == "s").unwrap();
    for (t, (a, b)) in ours.iter().zip(&rtl_outs).enumerate() {
        for (k, p) in n.outputs().iter().enumerate() {
            if t > 0 || k != s {
                assert_eq!(a[k], b[k], "{} in cycle {t}", p.name);
            }
        }
    }
}

#[test]
fn negative_edge_flip_flops_are_refused_naming_the_cell_type() {
    if !yosys_available() {
        return;
    }
    let json = synth_as_readme(
        "module n(input clk, input [3:0] d, output reg [3:0] q);
         always @(negedge clk) q <= d; endmodule",
        "n",
    );
    let err = import_json(&json, &ImportOptions::default()).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{}", err.verbose());
    assert!(
        err.problems[0].contains("negative-edge flip-flop $_DFF_N_ in 4 cell(s)"),
        "{err}"
    );
    assert!(err.to_string().len() < 1000, "{err}");
}
