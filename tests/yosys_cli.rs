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
