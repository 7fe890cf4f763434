//! Quick probe of the end-to-end zero-delay run (stream generated, encoded and simulated):
//! `cargo run --release --example e2e_probe [uniform|laplace] [log2 cycles]`; `REPS` repeats
//! (best of). Prints the per-net toggle total too, so two builds can be compared.
use pann::circuits::*;
use pann::simulate::{simulate, SimConfig};
use pann::stream::{Dist, StreamSpec};
use std::time::Instant;
fn main() {
    let dist = match std::env::args().nth(1).as_deref() {
        Some("laplace") => Dist::Laplace,
        _ => Dist::Uniform,
    };
    let lg: u32 = std::env::args().nth(2).map_or(24, |a| a.parse().unwrap());
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let mut cfg = SimConfig::uniform(spec, 1 << lg, 1);
    cfg.stream = StreamSpec::Synthetic { dist };
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut total = 0u64;
    for _ in 0..std::env::var("REPS").map_or(5, |r| r.parse().unwrap()) {
        let (t, c) = (Instant::now(), pann::bench::process_cpu_s());
        let (act, _) = simulate(&n, &cfg, &mut |_| {}).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(pann::bench::process_cpu_s() - c);
        total = act.toggles.iter().sum();
    }
    println!(
        "best {:.4}s {:.3e} vec/s {:.3e} gate-evals/s (toggles {total})",
        best,
        (1u64 << lg) as f64 / best,
        (1u64 << lg) as f64 * n.cell_count() as f64 / best
    );
    println!(
        "best CPU time {:.4}s: {:.3e} vec per CPU-second",
        best_cpu,
        (1u64 << lg) as f64 / best_cpu
    );
}
