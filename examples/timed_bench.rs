//! Timed throughput of `pann` next to Icarus on 8×8 multipliers (unit and cell delays).
//! `cargo run --release --example timed_bench [vectors]`
use pann::circuits::{build, MacSpec, MultArch, Repr, Unit};
use pann::oracle::bench::bench_timed;
use pann::sim::delay::{DelayModel, DelayTable};
use rand::{Rng, SeedableRng};

fn main() {
    let len: usize = std::env::args()
        .nth(1)
        .map_or(1 << 20, |s| s.parse().unwrap());
    for (arch, repr) in [
        (MultArch::BoothDadda, Repr::Twos),
        (MultArch::Array, Repr::Unsigned),
    ] {
        let spec = MacSpec {
            unit: Unit::Mult,
            mult: arch,
            repr,
            ..MacSpec::default()
        };
        let n = build(&spec.validate().unwrap());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let vecs: Vec<Vec<u128>> = (0..len)
            .map(|_| vec![rng.gen::<u128>() & 255, rng.gen::<u128>() & 255])
            .collect();
        for model in [
            DelayModel::Unit,
            DelayModel::Cells(DelayTable::default_cells()),
        ] {
            let b = bench_timed(&n, &model, vecs.clone(), 2000, 3).unwrap();
            println!(
                "8x8 {arch} {repr} {:5} cells={} pann {:.3e} vec/s {:.3e} gate-evals/s | icarus {:.3e} vec/s | x{:.0} | {:.1} toggles/vec",
                b.delay, b.cells, b.pann_vectors_per_s, b.pann_gate_evals_per_s, b.icarus_vectors_per_s, b.speedup, b.toggles_per_vector
            );
        }
    }
}
