//! Every notebook in `notebooks/` runs headless (nbclient, a Python 3 kernel) against this
//! build's `pann`, writes its figures and data, and its numbers are `pann`'s own: a row of
//! the glitch table is recomputed here from the CLI and must match.

use std::path::{Path, PathBuf};
use std::process::Command;

/// True if Python can run notebooks. Under CI (`CI` set) the notebook packages must be there:
/// `.ci/run` installs `notebooks/requirements.txt`.
fn python_ready() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import nbformat, nbclient, ipykernel, matplotlib"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI is set but the notebook packages are missing: .ci/run installs notebooks/requirements.txt"
    );
    ok
}

const CYCLES: &str = "4000";

fn execute(nb: &Path, out: &Path) {
    let script = "import sys, nbformat, nbclient\n\
                  nb = nbformat.read(sys.argv[1], as_version=4)\n\
                  nbclient.NotebookClient(nb, kernel_name='python3', timeout=900,\n\
                  resources={'metadata': {'path': sys.argv[2]}}).execute()\n\
                  nbformat.write(nb, sys.argv[3])\n";
    let notebooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let executed = out.join(nb.file_name().unwrap());
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(nb)
        .arg(&notebooks)
        .arg(&executed)
        .env("PANN_BIN", env!("CARGO_BIN_EXE_pann"))
        .env("PANN_NOTEBOOK_OUT", out)
        .env("PANN_NOTEBOOK_CYCLES", CYCLES)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "{} failed:\n{}",
        nb.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(executed.exists());
}

fn notebooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_notebook_runs_and_reproduces_pann_numbers() {
    if !python_ready() {
        eprintln!("python notebook packages not installed: skipped (CI installs them)");
        return;
    }
    let nbs = notebooks();
    assert!(!nbs.is_empty());
    let out = tempfile::tempdir().unwrap();
    for nb in &nbs {
        execute(nb, out.path());
    }
    // glitches.ipynb: figures and tables written, one row per multiplier × stream × delay.
    for f in [
        "glitch_factors.csv",
        "glitch_factors.svg",
        "glitch_factors.png",
        "mac_settle_time.csv",
        "mac_settle_time.svg",
        "power_width.png",
        "power_width.svg",
        "power_parity.png",
        "power_parity.svg",
        "power_voltage.png",
        "power_voltage.svg",
        "fit/parity.csv",
        "fit/voltage_runs.csv",
        "fit/report.md",
    ] {
        assert!(out.path().join(f).exists(), "{f} missing");
    }
    let mut rd = csv::Reader::from_path(out.path().join("glitch_factors.csv")).unwrap();
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    // Six multipliers × uniform and relu:0.5, four signed ones × the real conv2 layer; × 2 delays.
    assert_eq!(rows.len(), (6 * 2 + 4) * 2);
    for r in &rows {
        let f: f64 = r[col("glitch_factor")].parse().unwrap();
        assert!(
            f >= 1.0,
            "a timed run cannot toggle less than the functional one"
        );
    }
    // One row recomputed from the CLI directly.
    let row = rows
        .iter()
        .find(|r| {
            &r[col("mult")] == "booth-dadda"
                && &r[col("repr")] == "twos"
                && &r[col("stream")] == "relu:0.5"
                && &r[col("delay")] == "cells"
        })
        .expect("booth-dadda row");
    let o = Command::new(env!("CARGO_BIN_EXE_pann"))
        .args([
            "simulate",
            "--format",
            "json",
            "--quiet",
            "--seed",
            "1",
            "--unit",
            "mult",
            "--mult",
            "booth-dadda",
            "--repr",
            "twos",
            "--bx",
            "8",
            "--bw",
            "8",
            "--stream",
            "relu:0.5",
            "--delay",
            "cells",
            "--cycles",
            CYCLES,
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let g = &v["glitches"];
    let factor = g["timed_total"].as_f64().unwrap() / g["zero_delay_total"].as_f64().unwrap();
    let got: f64 = row[col("glitch_factor")].parse().unwrap();
    assert!((got - factor).abs() < 1e-12, "{got} vs {factor}");
    let e: f64 = row[col("energy_fj_per_op")].parse().unwrap();
    assert!((e - v["energy_fj_per_op"]["total"].as_f64().unwrap()).abs() < 1e-9);
}
