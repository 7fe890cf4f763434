//! `pann simulate --netlist`: a Yosys-synthesised sequential accumulator simulated through the
//! CLI (batched, registers found by the simulator's fixed point and carried across batches)
//! equals the scalar reference simulator per net on the same stream.

use pann::netlist::yosys::{import_json, ImportOptions};
use pann::sim::reference;
use pann::stream::{Dataflow, Dist, OperandStream, Ranges, Synthetic};
use std::process::Command;

fn yosys_json(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    if !pann::oracle::yosys_available() {
        eprintln!("skipped: yosys not installed");
        return None;
    }
    std::fs::write(
        dir.join("acc.v"),
        "module acc(input clk, input [5:0] x, input [5:0] w, output reg [15:0] p);\n\
         always @(posedge clk) p <= p + x * w;\nendmodule\n",
    )
    .unwrap();
    let s = Command::new("yosys")
        .current_dir(dir)
        .args(["-q", "-p", "read_verilog acc.v; synth -top acc; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT; opt_clean; write_json acc.json"])
        .status()
        .unwrap();
    assert!(s.success());
    Some(dir.join("acc.json"))
}

#[test]
fn imported_sequential_netlist_equals_reference_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let Some(json) = yosys_json(dir.path()) else {
        return;
    };
    let cycles = 300_000u64; // more than one batch of 2^18
    let per_net = dir.path().join("nets.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_pann"))
        .args([
            "simulate",
            "--netlist",
            json.to_str().unwrap(),
            "--repr",
            "unsigned",
            "--cycles",
        ])
        .arg(cycles.to_string())
        .args([
            "--seed",
            "5",
            "--per-net",
            per_net.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let n = import_json(
        &std::fs::read_to_string(&json).unwrap(),
        &ImportOptions {
            top: None,
            inputs: vec!["x".into(), "w".into()],
            outputs: vec!["p".into()],
        },
    )
    .unwrap();
    let mut s = Synthetic::new(
        Dist::Uniform,
        Dataflow::OutputStationary,
        Ranges {
            x: (0, 63),
            w: (0, 63),
        },
        5,
        cycles,
    );
    let pairs = s.take_pairs(cycles).unwrap();
    let xi = n.inputs().iter().position(|p| p.name == "x").unwrap();
    let vecs: Vec<Vec<u128>> = pairs
        .iter()
        .map(|&(x, w)| {
            let mut v = vec![0u128; n.inputs().len()];
            v[xi] = x as u128;
            v[1 - xi] = w as u128;
            v
        })
        .collect();
    let (want, outs) = reference::simulate(&n, &vecs);
    // The design accumulates: check the reference's arithmetic too.
    let mut acc = 0u64;
    for (t, o) in outs.iter().enumerate() {
        assert_eq!(o[0] as u64, acc, "cycle {t}");
        acc = (acc + (pairs[t].0 * pairs[t].1) as u64) & 0xffff;
    }
    let text = std::fs::read_to_string(&per_net).unwrap();
    let got: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, want.toggles);
}

/// Real RTL through the CLI: the fixture MAC (synchronous clear, enable, 40-bit accumulator,
/// saturating output) imports with Yosys's default flip-flop cells; its clear and enable must
/// be driven (`--tie`), an undriven one is one error line naming the ports, and an enabled
/// accumulator switches more than a disabled one.
#[test]
fn rtl_mac_needs_its_control_ports_tied_and_accumulates_when_enabled() {
    if !pann::oracle::yosys_available() {
        eprintln!("yosys not installed: skipped (CI installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mac_rtl.v"),
        dir.path().join("m.v"),
    )
    .unwrap();
    let ok = Command::new("yosys")
        .current_dir(dir.path())
        .args(["-q", "-p", "read_verilog m.v; synth -top mac_rtl; abc -g AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT; write_json m.json"])
        .status()
        .unwrap();
    assert!(ok.success());
    let json = dir.path().join("m.json");
    let run = |ties: &[&str]| {
        let mut args = vec![
            "simulate",
            "--netlist",
            json.to_str().unwrap(),
            "--out-port",
            "y",
        ];
        args.extend(["--cycles", "2000", "--format", "json"]);
        for t in ties {
            args.extend(["--tie", t]);
        }
        Command::new(env!("CARGO_BIN_EXE_pann"))
            .args(&args)
            .output()
            .unwrap()
    };
    let o = run(&["en=1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("input port(s) clear not driven"), "{err}");
    let o = run(&["en=1", "clear=0", "nope=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no input port `nope`"));
    let toggles = |ties: &[&str]| {
        let o = run(ties);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["toggles"]["total"].as_u64().unwrap()
    };
    let (on, off) = (toggles(&["en=1", "clear=0"]), toggles(&["en=0", "clear=0"]));
    assert!(
        on > off + 2000 * 10,
        "enabled {on} vs disabled {off} toggles"
    );
}

#[test]
fn csv_report_of_an_imported_netlist_names_the_file_and_its_checksum_not_generator_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let Some(json) = yosys_json(dir.path()) else {
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_pann"))
        .args(["simulate", "--netlist", json.to_str().unwrap()])
        .args(["--repr", "unsigned", "--cycles", "20", "--format", "csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sha = pann::report::sha256_hex(&std::fs::read(&json).unwrap());
    let mut r = csv::Reader::from_reader(&o.stdout[..]);
    let h = r.headers().unwrap().clone();
    let col = |row: &csv::StringRecord, name: &str| {
        row[h.iter().position(|c| c == name).unwrap()].to_string()
    };
    for row in r.records() {
        let row = row.unwrap();
        let unit = col(&row, "unit");
        assert_eq!(unit, format!("netlist:{} sha256:{sha}", json.display()));
        for generated in ["mult", "final_adder", "adder", "acc", "acc_style"] {
            assert_eq!(col(&row, generated), "", "{generated}");
        }
        assert_eq!(col(&row, "bx"), "6");
    }
}

#[test]
fn x_and_w_naming_the_same_port_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(json) = yosys_json(dir.path()) else {
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_pann"))
        .args(["simulate", "--netlist", json.to_str().unwrap()])
        .args(["--x-port", "x", "--w-port", "x", "--cycles", "20"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("input port `x` is driven twice"), "{err}");
}
