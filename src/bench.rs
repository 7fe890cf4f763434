//! `pann bench`: simulator throughput next to reference simulators on the same netlist and
//! the same vectors — Icarus Verilog (event-driven, VCD for toggles) and Verilator (compiled,
//! no toggle counting, no delays) when installed — printed side by side as ratios.
//!
//! Throughput is vectors (cycles) per second and gate evaluations per second
//! (= logic cells × vectors / s). `pann` is timed as the best of several runs of the kernel
//! alone (operands already encoded, as the references read theirs from a file) and once end to
//! end (stream generation included).

use crate::circuits::driver::RegisterMap;
use crate::circuits::{build, MacDriver, MacState, ValidMacSpec};
use crate::netlist::{write_verilog, GateStyle, Netlist, VerilogOptions};
use crate::oracle::IcarusSim;
use crate::sim::delay::DelayModel;
use crate::sim::timed::TimedSim;
use crate::sim::{PortVectors, ZeroDelaySim};
use crate::simulate::{simulate, SimConfig};
use crate::stream::{Dataflow, Dist, OperandStream, Ranges, StreamSpec, Synthetic};
use std::process::Command;
use std::time::Instant;

/// One engine's measurement.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchRow {
    /// Engine name.
    pub engine: String,
    /// Circuit description.
    pub circuit: String,
    /// Delay model.
    pub delay: String,
    /// Logic cells.
    pub cells: usize,
    /// Vectors simulated.
    pub vectors: u64,
    /// Seconds (best run).
    pub seconds: f64,
    /// Vectors per second.
    pub vectors_per_s: f64,
    /// Gate evaluations per second.
    pub gate_evals_per_s: f64,
    /// Throughput ÷ Icarus throughput (NaN when Icarus did not run).
    pub vs_icarus: f64,
    /// Whether the engine counts toggles.
    pub counts_toggles: bool,
    /// For reference simulators that count toggles: whether every net's count equals
    /// `pann`'s on the same vectors.
    pub agrees: Option<bool>,
    /// Note (what was skipped and why).
    pub note: String,
}

/// What to benchmark.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Circuit.
    pub spec: ValidMacSpec,
    /// Delay model for `pann` and Icarus.
    pub delay: DelayModel,
    /// Vectors for `pann`.
    pub cycles: u64,
    /// Vectors for the reference simulators (they are 10³–10⁴× slower).
    pub ref_cycles: u64,
    /// Seed.
    pub seed: u64,
    /// Best of this many `pann` kernel runs.
    pub repeats: usize,
}

fn uniform_pairs(spec: &ValidMacSpec, seed: u64, n: u64) -> Vec<(u64, u64)> {
    let ranges = Ranges {
        x: spec.x_range(),
        w: spec.w_range(),
    };
    Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, ranges, seed, n)
        .take_pairs(n)
        .expect("synthetic streams cannot fail")
        .iter()
        .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w)))
        .collect()
}

fn row(engine: &str, cfg: &BenchConfig, n: &Netlist, vectors: u64, secs: f64) -> BenchRow {
    BenchRow {
        engine: engine.into(),
        circuit: cfg.spec.describe(),
        delay: cfg.delay.name().into(),
        cells: n.cell_count(),
        vectors,
        seconds: secs,
        vectors_per_s: vectors as f64 / secs,
        gate_evals_per_s: vectors as f64 * n.cell_count() as f64 / secs,
        vs_icarus: f64::NAN,
        counts_toggles: true,
        agrees: None,
        note: String::new(),
    }
}

/// Run the benchmark. Reference simulators that are not installed are reported as skipped.
pub fn run(cfg: &BenchConfig) -> Vec<BenchRow> {
    let spec = &cfg.spec;
    let n = build(spec);
    let map = RegisterMap::new(spec, &n);
    let pairs = uniform_pairs(spec, cfg.seed, cfg.cycles);
    let drv = MacDriver::new(spec, &map, MacState::default(), &pairs);
    let mut rows = Vec::new();
    // pann kernel, best of `repeats`.
    let mut best = f64::MAX;
    match &cfg.delay {
        DelayModel::Zero => {
            let sim = ZeroDelaySim::new(&n);
            for _ in 0..cfg.repeats.max(1) {
                let t = Instant::now();
                std::hint::black_box(sim.run(&drv));
                best = best.min(t.elapsed().as_secs_f64());
            }
        }
        model => {
            let sim = TimedSim::new(&n, model);
            for _ in 0..cfg.repeats.max(1) {
                let t = Instant::now();
                std::hint::black_box(sim.run(&drv));
                best = best.min(t.elapsed().as_secs_f64());
            }
        }
    }
    let mut r = row("pann", cfg, &n, cfg.cycles, best);
    r.note = format!(
        "kernel, best of {}, {} threads",
        cfg.repeats.max(1),
        rayon::current_num_threads()
    );
    rows.push(r);
    if cfg.delay == DelayModel::Zero {
        // End to end: stream generation, encoding and simulation.
        let sc = SimConfig {
            spec: *spec,
            stream: StreamSpec::Synthetic {
                dist: Dist::Uniform,
            },
            dataflow: Dataflow::OutputStationary,
            cycles: cfg.cycles,
            seed: cfg.seed,
            imported: None,
            data_dir: None,
        };
        let t = Instant::now();
        let ok = simulate(&n, &sc, &mut |_| {}).is_ok();
        let mut r = row(
            "pann end-to-end",
            cfg,
            &n,
            cfg.cycles,
            t.elapsed().as_secs_f64(),
        );
        r.note = "uniform stream generated, encoded and simulated".into();
        r.counts_toggles = ok;
        rows.push(r);
    }
    let refs = &pairs[..(cfg.ref_cycles as usize).min(pairs.len())];
    let vecs: Vec<Vec<u128>> = refs
        .iter()
        .map(|&(x, w)| vec![x as u128, w as u128])
        .collect();
    // The fast engine's per-net counts on the reference vectors, which every reference must
    // reproduce.
    let drv = PortVectors::new(&n, vecs.clone());
    let fast = match &cfg.delay {
        DelayModel::Zero => ZeroDelaySim::new(&n).run(&drv).0.toggles,
        m => TimedSim::new(&n, m).run(&drv).activity.toggles,
    };
    rows.push(reference_row(cfg, &n, &vecs, &fast));
    rows.push(icarus_row(cfg, &n, &vecs, &fast));
    if cfg.delay == DelayModel::Zero {
        rows.push(verilator_row(cfg, &n, refs));
    }
    let icarus = rows
        .iter()
        .find(|r| r.engine == "icarus" && r.seconds.is_finite())
        .map(|r| r.vectors_per_s);
    for r in &mut rows {
        r.vs_icarus = icarus.map_or(f64::NAN, |i| r.vectors_per_s / i);
    }
    rows
}

/// pann's own scalar reference twin (the zero-delay `reference` or the event-driven timed
/// `event` simulator) on the reference vectors, checked per net against the fast engine.
fn reference_row(cfg: &BenchConfig, n: &Netlist, vecs: &[Vec<u128>], fast: &[u64]) -> BenchRow {
    let t = Instant::now();
    let (toggles, name) = match &cfg.delay {
        DelayModel::Zero => (
            crate::sim::reference::simulate(n, vecs).0.toggles,
            "pann reference",
        ),
        m => (
            crate::sim::event::simulate(n, &m.per_net(n), vecs, &mut crate::sim::NoSink)
                .0
                .activity
                .toggles,
            "pann event ref",
        ),
    };
    let mut r = row(name, cfg, n, vecs.len() as u64, t.elapsed().as_secs_f64());
    agreement(&mut r, "scalar twin, one thread", &toggles, fast);
    r
}

/// Compare a reference's per-net toggles with the fast engine's and say so in the row.
fn agreement(r: &mut BenchRow, what: &str, theirs: &[u64], fast: &[u64]) {
    let differ = theirs.iter().zip(fast).filter(|(a, b)| a != b).count();
    r.agrees = Some(differ == 0);
    r.note = if differ == 0 {
        format!("{what}; per-net toggles equal pann's")
    } else {
        format!("{what}; per-net toggles DIFFER from pann's on {differ} nets")
    };
}

fn skipped(engine: &str, cfg: &BenchConfig, n: &Netlist, why: String) -> BenchRow {
    let mut r = row(engine, cfg, n, 0, f64::NAN);
    r.vectors_per_s = f64::NAN;
    r.gate_evals_per_s = f64::NAN;
    r.note = format!("skipped: {why}");
    r
}

fn icarus_row(cfg: &BenchConfig, n: &Netlist, vecs: &[Vec<u128>], fast: &[u64]) -> BenchRow {
    let delays = match &cfg.delay {
        DelayModel::Zero => None,
        m => Some(m.per_net(n)),
    };
    // Zero delay: plain expressions, Icarus's fastest form (there is no delay for a functor
    // tree to restart). Timed: the default export, whose counts equal pann's exactly. Either
    // way the per-net counts are compared.
    let style = match delays {
        None => GateStyle::Expression,
        Some(_) => GateStyle::Function,
    };
    let res = IcarusSim::compile_styled(n, delays.as_deref(), style, vecs.len())
        .and_then(|s| s.run(vecs));
    match res {
        Ok(run) => {
            let secs = run.vvp_time.as_secs_f64();
            let mut r = row("icarus", cfg, n, vecs.len() as u64, secs);
            let what = "vvp with $dumpvars (VCD gives the toggles)";
            agreement(&mut r, what, &run.toggles, fast);
            r
        }
        Err(e) => skipped("icarus", cfg, n, e.to_string()),
    }
}

/// Verilator speed reference: compile the same Verilog with a C++ loop over the same vectors.
fn verilator_row(cfg: &BenchConfig, n: &Netlist, pairs: &[(u64, u64)]) -> BenchRow {
    match verilator_time(n, pairs) {
        Ok(secs) => {
            let mut r = row("verilator", cfg, n, pairs.len() as u64, secs);
            r.counts_toggles = false;
            r.note = "verilator -O3, eval per cycle, no toggle counting, no delays".into();
            r
        }
        Err(e) => skipped("verilator", cfg, n, e),
    }
}

fn verilator_time(n: &Netlist, pairs: &[(u64, u64)]) -> Result<f64, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let d = dir.path();
    let mut v = Vec::new();
    let opts = VerilogOptions {
        module: Some("dut".into()),
        style: GateStyle::Expression,
        ..VerilogOptions::default()
    };
    write_verilog(n, &opts, &mut v).map_err(|e| e.to_string())?;
    std::fs::write(d.join("dut.v"), v).map_err(|e| e.to_string())?;
    let ins: Vec<&str> = n.inputs().iter().map(|p| p.name.as_str()).collect();
    let out = &n.outputs()[0].name;
    let seq = n.is_sequential();
    let mut cpp = String::from(
        "#include \"Vdut.h\"\n#include \"verilated.h\"\n#include <chrono>\n#include <cstdio>\n#include <vector>\n#include <cstdint>\n",
    );
    cpp += "int main(int argc, char** argv) {\n  FILE* f = fopen(argv[1], \"rb\"); uint64_t n; if (fread(&n, 8, 1, f) != 1) return 1;\n";
    cpp += "  std::vector<uint64_t> a(n), b(n);\n  if (fread(a.data(), 8, n, f) != n || fread(b.data(), 8, n, f) != n) return 1;\n";
    cpp +=
        "  Vdut* m = new Vdut; uint64_t sink = 0;\n  auto t0 = std::chrono::steady_clock::now();\n";
    cpp += "  for (uint64_t i = 0; i < n; i++) {\n";
    cpp += &format!("    m->{} = a[i]; m->{} = b[i];\n", ins[0], ins[1]);
    if seq {
        cpp += "    m->clk = 0; m->eval();\n";
        cpp += &format!("    sink ^= (uint64_t)m->{out};\n    m->clk = 1; m->eval();\n");
    } else {
        cpp += &format!("    m->eval(); sink ^= (uint64_t)m->{out};\n");
    }
    cpp += "  }\n  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();\n";
    cpp += "  printf(\"%.9f %llu\\n\", s, (unsigned long long)sink);\n  delete m; return 0;\n}\n";
    std::fs::write(d.join("main.cpp"), cpp).map_err(|e| e.to_string())?;
    let mut bin = Vec::new();
    bin.extend((pairs.len() as u64).to_le_bytes());
    for &(a, _) in pairs {
        bin.extend(a.to_le_bytes());
    }
    for &(_, b) in pairs {
        bin.extend(b.to_le_bytes());
    }
    std::fs::write(d.join("vec.bin"), bin).map_err(|e| e.to_string())?;
    let tool = |cmd: &mut Command| -> Result<String, String> {
        let o = cmd.current_dir(d).output().map_err(|e| format!("{e}"))?;
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            return Err(err.lines().next().unwrap_or("failed").to_string());
        }
        Ok(String::from_utf8_lossy(&o.stdout).to_string())
    };
    tool(Command::new("verilator").args([
        "-O3",
        "--cc",
        "dut.v",
        "--top-module",
        "dut",
        "--exe",
        "main.cpp",
        "-CFLAGS",
        "-O2",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
    ]))
    .map_err(|e| format!("verilator not usable: {e}"))?;
    tool(Command::new("make").args(["-s", "-C", "obj_dir", "-f", "Vdut.mk"]))?;
    let out = tool(Command::new(d.join("obj_dir").join("Vdut")).arg("vec.bin"))?;
    out.split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("unexpected output {out:?}"))
}
