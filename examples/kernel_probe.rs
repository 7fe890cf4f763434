use pann::circuits::driver::RegisterMap;
use pann::circuits::*;
use pann::sim::*;
use rand::{Rng, SeedableRng};
use std::time::Instant;
fn main() {
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let len = 1 << 22;
    let pairs: Vec<(u64, u64)> = (0..len)
        .map(|_| (rng.gen::<u64>() & 255, rng.gen::<u64>() & 255))
        .collect();
    let t = Instant::now();
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    println!("driver build {:.3}s", t.elapsed().as_secs_f64());
    let sim = ZeroDelaySim::new(&n);
    for _ in 0..10 {
        let t = Instant::now();
        let (a, s) = sim.run(&drv);
        let dt = t.elapsed().as_secs_f64();
        println!(
            "run {:.3}s {:.3e} vec/s {:.3e} gate-evals/s segs {} rounds {}",
            dt,
            len as f64 / dt,
            len as f64 * n.cell_count() as f64 / dt,
            s.segments,
            s.register_rounds
        );
        let _ = a;
    }
    let pv = PortVectors::new(&n, vec![]);
    let _ = pv;
}
