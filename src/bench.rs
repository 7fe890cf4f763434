//! `pann bench`: simulator throughput next to reference simulators on the same netlist and
//! the same vectors — Icarus Verilog (event-driven, VCD for toggles) and Verilator (compiled,
//! no toggle counting, no delays) when installed — printed side by side as ratios.
//!
//! Throughput is vectors (cycles) per second and gate evaluations per second
//! (= logic cells × vectors / s). `pann` is timed as the best of several runs of the kernel
//! alone (operands already encoded, as the references read theirs from a file) and once end to
//! end (stream generation included) for every stream of [`BenchConfig::streams`]. Stream
//! rows time the stream alone (generation or file reading, no simulation) next to its slow
//! twin, so a row set shows what the fast path buys. Every row names its stream, its ratio to
//! the kernel and to Verilator, and the process's peak resident memory so far.

use crate::circuits::driver::RegisterMap;
use crate::circuits::{build, MacDriver, MacState, ValidMacSpec};
use crate::netlist::{write_verilog, GateStyle, Netlist, VerilogOptions};
use crate::oracle::IcarusSim;
use crate::sim::delay::DelayModel;
use crate::sim::timed::TimedSim;
use crate::sim::{PortVectors, ZeroDelaySim};
use crate::simulate::{simulate, SimConfig};
use crate::stream::file::CsvReference;
use crate::stream::{Dataflow, Dist, FileStream, OperandStream, Ranges, StreamSpec, Synthetic};
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
    /// Operand stream (`uniform`, `laplace`, `file:PATH`, …).
    pub stream: String,
    /// Throughput ÷ Icarus throughput (NaN when Icarus did not run).
    pub vs_icarus: f64,
    /// Throughput ÷ Verilator throughput (NaN when Verilator did not run).
    pub vs_verilator: f64,
    /// Throughput ÷ the `pann` kernel's throughput.
    pub vs_kernel: f64,
    /// Peak resident memory of the process when the row finished, MB (NaN where unknown).
    pub peak_mb: f64,
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
    /// Streams timed end to end (zero delay) and alone; empty = uniform only.
    pub streams: Vec<StreamSpec>,
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
        stream: "uniform".into(),
        vs_icarus: f64::NAN,
        vs_verilator: f64::NAN,
        vs_kernel: f64::NAN,
        peak_mb: peak_rss_mb(),
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
    // pann kernel, best of `repeats`, with the CPUs it kept busy.
    let (best, cpus) = match &cfg.delay {
        DelayModel::Zero => {
            let sim = ZeroDelaySim::new(&n);
            best_of(cfg.repeats, || {
                std::hint::black_box(sim.run(&drv));
            })
        }
        model => {
            let sim = TimedSim::new(&n, model);
            best_of(cfg.repeats, || {
                std::hint::black_box(sim.run(&drv));
            })
        }
    };
    let mut r = row("pann", cfg, &n, cfg.cycles, best);
    r.note = format!(
        "kernel, best of {}, {} threads, {:.2} CPUs busy, {}",
        cfg.repeats.max(1),
        rayon::current_num_threads(),
        cpus,
        kernel_isa()
    );
    rows.push(r);
    if cfg.delay == DelayModel::Zero {
        let uniform = StreamSpec::Synthetic {
            dist: Dist::Uniform,
        };
        let streams = match cfg.streams.is_empty() {
            true => std::slice::from_ref(&uniform),
            false => &cfg.streams[..],
        };
        for stream in streams {
            rows.extend(stream_rows(cfg, &n, stream));
        }
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
    let speed = |engine: &str| {
        rows.iter()
            .find(|r| r.engine == engine && r.seconds.is_finite())
            .map_or(f64::NAN, |r| r.vectors_per_s)
    };
    let (icarus, verilator, kernel) = (speed("icarus"), speed("verilator"), speed("pann"));
    for r in &mut rows {
        r.vs_icarus = r.vectors_per_s / icarus;
        r.vs_verilator = r.vectors_per_s / verilator;
        r.vs_kernel = r.vectors_per_s / kernel;
    }
    rows
}

/// The kernel path in use (chosen at run time from the CPU's features, or forced with
/// `PANN_KERNEL`; see [`crate::sim::isa`]).
pub fn kernel_isa() -> &'static str {
    crate::sim::isa::kernel_path().describe()
}

/// Best wall time of `repeats` runs of `f` (at least one), and the CPUs that run kept busy
/// (CPU time of every thread of this process over its wall time; NaN off Linux). Under
/// contention it shows the CPU share the run got, not a serial stage.
pub fn best_of(repeats: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut best = (f64::MAX, f64::NAN);
    for _ in 0..repeats.max(1) {
        let (t, c) = (Instant::now(), process_cpu_s());
        f();
        let wall = t.elapsed().as_secs_f64();
        if wall < best.0 {
            best = (wall, (process_cpu_s() - c) / wall);
        }
    }
    best
}

/// CPU time of every thread of this process so far, in seconds (the sum of
/// `/proc/self/task/*/schedstat`; NaN off Linux). Threads that already ended are not counted,
/// so differences are exact across runs of a thread pool that stays up.
pub fn process_cpu_s() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    tasks
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum::<u64>() as f64
        * 1e-9
}

/// Peak resident set size of this process in MB (`VmHWM`; NaN off Linux).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// For one stream: the stream alone (best of `repeats`), its slow twin where it has one, and
/// the end-to-end zero-delay run (generated or read, encoded, simulated).
fn stream_rows(cfg: &BenchConfig, n: &Netlist, stream: &StreamSpec) -> Vec<BenchRow> {
    let ranges = Ranges {
        x: cfg.spec.x_range(),
        w: cfg.spec.w_range(),
    };
    let open = |slow: bool| -> Result<Box<dyn OperandStream>, String> {
        let e = |e: crate::stream::StreamError| e.to_string();
        Ok(match (stream, slow) {
            (StreamSpec::Synthetic { dist }, _) => {
                let s = Synthetic::new(
                    *dist,
                    Dataflow::OutputStationary,
                    ranges,
                    cfg.seed,
                    cfg.cycles,
                );
                Box::new(if slow { s.slow() } else { s })
            }
            (StreamSpec::File { path }, false) => {
                Box::new(FileStream::open(path, ranges, cfg.cycles).map_err(e)?)
            }
            (StreamSpec::File { path }, true) => {
                Box::new(CsvReference::open(path, ranges, cfg.cycles).map_err(e)?)
            }
            (StreamSpec::Nn { .. }, _) => {
                return Err("nn: streams are timed end to end only".into())
            }
        })
    };
    let numpy = matches!(stream, StreamSpec::File { path } if path.extension().is_some_and(|e| e == "npy" || e == "npz"));
    let has_twin = match stream {
        StreamSpec::Synthetic { dist } => matches!(dist, Dist::Uniform | Dist::Laplace),
        StreamSpec::File { .. } => !numpy,
        StreamSpec::Nn { .. } => false,
    };
    let mut rows = Vec::new();
    let name = stream.to_string();
    for (slow, engine, what) in [
        (
            false,
            "stream",
            "stream alone (generated or read, range-checked), best of",
        ),
        (
            true,
            "stream slow twin",
            "the one-at-a-time twin (rand samplers / csv crate), best of",
        ),
    ] {
        if slow && !has_twin {
            continue;
        }
        let mut best = f64::MAX;
        let mut got = 0u64;
        let mut err = None;
        for _ in 0..cfg.repeats.max(1) {
            let t = Instant::now();
            match open(slow).and_then(|mut s| count_pairs(&mut *s)) {
                Ok(k) => got = k,
                Err(e) => err = Some(e),
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        let mut r = match err {
            Some(e) => skipped(engine, cfg, n, e),
            None => {
                let mut r = row(engine, cfg, n, got, best);
                r.counts_toggles = false;
                r.note = format!("{what} {}", cfg.repeats.max(1));
                r
            }
        };
        r.stream = name.clone();
        rows.push(r);
    }
    let sc = SimConfig {
        spec: cfg.spec,
        stream: stream.clone(),
        dataflow: Dataflow::OutputStationary,
        cycles: cfg.cycles,
        seed: cfg.seed,
        imported: None,
        data_dir: None,
    };
    let mut best: Result<(u64, f64), String> = Err(String::new());
    for _ in 0..cfg.repeats.max(1) {
        let t = Instant::now();
        let run = simulate(n, &sc, &mut |_| {}).map_err(|e| e.to_string());
        let secs = t.elapsed().as_secs_f64();
        best = match (run, best) {
            (Err(e), _) => Err(e),
            (Ok((a, _)), Ok((_, b))) if b <= secs => Ok((a.cycles, b)),
            (Ok((a, _)), _) => Ok((a.cycles, secs)),
        };
        if best.is_err() {
            break;
        }
    }
    let mut r = match best {
        Ok((cycles, secs)) => {
            let mut r = row("pann end-to-end", cfg, n, cycles, secs);
            r.note = format!(
                "stream generated or read, encoded and simulated, best of {}",
                cfg.repeats.max(1)
            );
            r
        }
        Err(e) => skipped("pann end-to-end", cfg, n, e),
    };
    r.stream = name;
    rows.push(r);
    rows
}

/// Drain a stream, returning how many pairs it gave.
fn count_pairs(s: &mut dyn OperandStream) -> Result<u64, String> {
    let mut b = Vec::new();
    let mut total = 0u64;
    loop {
        s.next_batch(&mut b, crate::simulate::BATCH)
            .map_err(|e| e.to_string())?;
        if b.is_empty() {
            return Ok(total);
        }
        total += b.len() as u64;
        std::hint::black_box(&b);
    }
}

/// Append `rows` to the CSV file at `path` (header written when the file is new), each with
/// the Unix time, CPU model and thread count: a record kept across runs.
pub fn record(path: &std::path::Path, rows: &[BenchRow]) -> std::io::Result<()> {
    let fresh = !path.exists() || std::fs::metadata(path)?.len() == 0;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file);
    let cpu = cpu_model();
    let unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if fresh {
        w.write_record(RECORD_COLUMNS)?;
    }
    for row in rows {
        w.serialize((unix_s, &cpu, rayon::current_num_threads(), row))
            .map_err(std::io::Error::other)?;
    }
    w.flush()
}

/// Columns of [`record`]'s CSV file.
pub const RECORD_COLUMNS: &[&str] = &[
    "unix_s",
    "cpu",
    "threads",
    "engine",
    "circuit",
    "delay",
    "cells",
    "vectors",
    "seconds",
    "vectors_per_s",
    "gate_evals_per_s",
    "stream",
    "vs_icarus",
    "vs_verilator",
    "vs_kernel",
    "peak_mb",
    "counts_toggles",
    "agrees",
    "note",
];

/// The CPU model name (`/proc/cpuinfo`), or `unknown`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_writes_its_header_once_and_appends_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bench.csv");
        let mut r = BenchRow {
            engine: "pann".into(),
            circuit: "c".into(),
            delay: "zero".into(),
            cells: 1,
            vectors: 2,
            seconds: 1.0,
            vectors_per_s: 2.0,
            gate_evals_per_s: 2.0,
            stream: "uniform".into(),
            vs_icarus: f64::NAN,
            vs_verilator: f64::NAN,
            vs_kernel: 1.0,
            peak_mb: 1.0,
            counts_toggles: true,
            agrees: None,
            note: "a, b".into(),
        };
        record(&p, std::slice::from_ref(&r)).unwrap();
        r.engine = "stream".into();
        record(&p, &[r]).unwrap();
        let mut rd = csv::Reader::from_path(&p).unwrap();
        assert_eq!(
            rd.headers().unwrap().iter().collect::<Vec<_>>(),
            RECORD_COLUMNS
        );
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.len() == RECORD_COLUMNS.len()));
        assert_eq!(
            (&rows[0][3], &rows[1][3], &rows[1][18]),
            ("pann", "stream", "a, b")
        );
        assert!(!rows[0][1].is_empty(), "CPU model");
    }

    #[test]
    fn best_of_reports_the_cpu_time_of_every_thread() {
        // Fixed work on two pool threads: the busy CPUs are whatever share the machine gave
        // (no bound on them), but the CPU time must be read, from every thread, and grow.
        let spin =
            |n: u64| (0..n).fold(0u64, |a, i| std::hint::black_box(a ^ i.wrapping_mul(a | 1)));
        let before = process_cpu_s();
        let mut runs = 0;
        let (wall, cpus) = best_of(2, || {
            runs += 1;
            let (a, b) = rayon::join(|| spin(3_000_000), || spin(3_000_000));
            std::hint::black_box(a ^ b);
        });
        let after = process_cpu_s();
        assert_eq!(runs, 2);
        assert!(wall > 0.0 && wall < f64::MAX);
        if cfg!(target_os = "linux") {
            assert!(before > 0.0 && after > before, "{before} -> {after}");
            assert!(cpus > 0.0 && cpus.is_finite(), "{cpus}");
        }
    }
}
