//! Probe of the MAC driver's fill and prediction alone (no simulation): `cargo run --release
//! --example fill_probe [log2 cycles]`.
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
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    let prog = ZeroDelaySim::new(&n);
    let (ni, nd) = (prog.program().input_bits(), prog.program().dffs());
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
