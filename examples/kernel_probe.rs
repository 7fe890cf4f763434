//! Quick probe of the zero-delay kernel alone (no stream generation): `cargo run --release
//! --example kernel_probe [log2 cycles] [fill]`; with `fill`, the MAC driver's input fill and
//! register prediction of every block alone (no simulation).
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
    if std::env::args().nth(2).as_deref() == Some("fill") {
        return fill_probe(&sim, &drv, len);
    }
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

/// Fill and predict every block of `drv` in turn, best of 10.
fn fill_probe(sim: &ZeroDelaySim, drv: &MacDriver<'_>, len: usize) {
    let (ni, nd) = (sim.program().input_bits(), sim.program().dffs());
    let mut inw = vec![[0u64; 64]; ni];
    let mut regs = vec![[0u64; 64]; nd];
    let mut best = f64::MAX;
    let mut x = 0u64;
    for _ in 0..10 {
        let t = Instant::now();
        let mut s = 0u64;
        while s < len as u64 {
            drv.fill_inputs(s, &mut inw);
            drv.predict_state(s, &inw, &mut regs);
            x ^= regs[nd - 1][63] ^ inw[0][5];
            s += 4096;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{x} fill+predict {:.3e} vec/s, {:.1} ns per block",
        len as f64 / best,
        best * 1e9 / (len / 4096) as f64
    );
}
