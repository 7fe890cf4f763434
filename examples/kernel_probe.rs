//! Quick probe of the zero-delay kernel alone (no stream generation): `cargo run --release
//! --example kernel_probe [log2 cycles]`.
use pann::circuits::driver::RegisterMap;
use pann::circuits::*;
use pann::sim::*;
use rand::{Rng, SeedableRng};
use std::time::Instant;
fn main() {
    let lg: u32 = std::env::args().nth(1).map_or(22, |a| a.parse().unwrap());
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let len = 1usize << lg;
    let pairs: Vec<(u64, u64)> = (0..len)
        .map(|_| (rng.gen::<u64>() & 255, rng.gen::<u64>() & 255))
        .collect();
    let t = Instant::now();
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    println!("driver build {:.3}s", t.elapsed().as_secs_f64());
    let sim = ZeroDelaySim::new(&n);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..std::env::var("REPS").map_or(10, |r| r.parse().unwrap()) {
        let (t, c) = (Instant::now(), pann::bench::process_cpu_s());
        let _ = sim.run(&drv);
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(pann::bench::process_cpu_s() - c);
    }
    println!(
        "best {:.4}s {:.3e} vec/s {:.3e} gate-evals/s",
        best,
        len as f64 / best,
        len as f64 * n.cell_count() as f64 / best
    );
    println!(
        "best CPU time {:.4}s: {:.3e} vec per CPU-second",
        best_cpu,
        len as f64 / best_cpu
    );
}
