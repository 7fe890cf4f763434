//! Quick probe of the timed kernel alone (`--delay cells`, SKY130 tt): `cargo run --release
//! --example timed_probe [log2 cycles]`; `REPS` repeats, best wall time reported, and each run's
//! CPU time (all threads), which a loaded machine distorts less.
use pann::circuits::driver::RegisterMap;
use pann::circuits::*;
use pann::sim::timed::TimedSim;
use rand::{Rng, SeedableRng};
use std::time::Instant;
fn main() {
    let lg: u32 = std::env::args().nth(1).map_or(20, |a| a.parse().unwrap());
    let lib_name = std::env::var("CELLS").unwrap_or("sky130_tt_025C_1v80".into());
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let len = 1usize << lg;
    let pairs: Vec<(u64, u64)> = (0..len)
        .map(|_| (rng.gen::<u64>() & 255, rng.gen::<u64>() & 255))
        .collect();
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    let lib = pann::energy::CellLibrary::load(&lib_name).unwrap();
    let model = pann::sim::delay::DelayModel::Cells(lib.delay_table());
    let sim = TimedSim::new(&n, &model);
    println!(
        "cells {} max_ticks {} visits/block {}",
        n.cell_count(),
        sim.max_ticks(),
        sim.visits_per_block()
    );
    let mut best = f64::MAX;
    let mut sum = 0;
    for _ in 0..std::env::var("REPS").map_or(3, |r| r.parse().unwrap()) {
        let (t, c) = (Instant::now(), cpu_ns());
        let a = sim.run(&drv);
        sum = a.activity.toggles.iter().sum::<u64>();
        let cpu = (cpu_ns() - c) as f64 * 1e-9;
        println!(
            "wall {:.4}s cpu {:.4}s -> {:.3e} vec/cpu-s",
            t.elapsed().as_secs_f64(),
            cpu,
            len as f64 / cpu
        );
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "best {:.4}s {:.3e} vec/s (toggles {sum})",
        best,
        len as f64 / best,
    );
}

/// CPU time of all threads of this process, ns (Linux schedstat).
fn cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
