//! Every compiled kernel path this CPU runs (AVX-512, AVX2, portable — the portable one is
//! always among them) equals the reference twins on the same vectors: zero-delay per net
//! against the scalar reference, timed per net against the event-driven reference, and the
//! byte-to-bit-plane transpose against a bit loop.
use pann::netlist::random::{random_netlist, random_vectors};
use pann::sim::delay::{DelayModel, DelayTable};
use pann::sim::isa::KernelPath;
use pann::sim::timed::{TimedActivity, TimedSim};
use pann::sim::zero_delay::output_values;
use pann::sim::{event, reference, NoSink, PortVectors, ZeroDelaySim};

#[test]
fn the_portable_path_is_always_available() {
    let paths = KernelPath::available_paths();
    assert!(paths.contains(&KernelPath::Portable), "{paths:?}");
    assert_eq!(paths[0], KernelPath::best());
}

#[test]
fn every_kernel_path_equals_the_zero_delay_reference() {
    for path in KernelPath::available_paths() {
        for seed in 0..12u64 {
            let dffs = (seed % 4) as usize * 2;
            let n = random_netlist(seed, 6 + (seed % 7) as usize, 80 + seed as usize * 5, dffs);
            let len = [1usize, 65, 4095, 4096, 4097, 9000][seed as usize % 6];
            let vecs = random_vectors(seed ^ 0x5EED, &n, len);
            let (want, want_out) = reference::simulate(&n, &vecs);
            let drv = PortVectors::new(&n, vecs);
            let sim = ZeroDelaySim::new(&n).with_path(path);
            assert_eq!(sim.path(), path);
            let mut got_out = Vec::new();
            let (got, _) = sim.run_observed(&drv, &mut |_, valid, v| {
                got_out.extend(output_values(&n, valid, v))
            });
            assert_eq!(got, want, "{path} seed {seed}");
            assert_eq!(got_out, want_out, "{path} seed {seed} outputs");
            let (par, _) = sim.with_min_segment(300).run(&drv);
            assert_eq!(par, want, "{path} seed {seed} segmented");
        }
    }
}

#[test]
fn every_kernel_path_equals_the_timed_event_reference() {
    for path in KernelPath::available_paths() {
        for seed in 0..8u64 {
            let dffs = (seed % 3) as usize * 2;
            let n = random_netlist(seed, 6 + (seed % 5) as usize, 70 + seed as usize * 4, dffs);
            let len = [64usize, 513, 5000][seed as usize % 3];
            let vecs = random_vectors(seed ^ 0x7173, &n, len);
            for model in [
                DelayModel::Unit,
                DelayModel::Cells(DelayTable::default_cells()),
            ] {
                let (want, _) = event::simulate(&n, &model.per_net(&n), &vecs, &mut NoSink);
                let drv = PortVectors::new(&n, vecs.clone());
                let got = TimedSim::new(&n, &model).with_path(path).run(&drv);
                let what = format!("{path} {} seed {seed}", model.name());
                assert_eq!(got.activity, want.activity, "{what}");
                assert_eq!(
                    got.settle_hist,
                    TimedActivity::hist_of(&want.settle),
                    "{what} settle"
                );
            }
        }
    }
}

#[test]
fn every_kernel_path_transposes_bytes_into_bit_planes() {
    use pann::sim::bits::byte_planes_on;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for path in KernelPath::available_paths() {
        for _ in 0..200 {
            let mut b = [0u8; 64];
            b.iter_mut().for_each(|x| *x = rng.gen());
            let mut want = [0u64; 8];
            for (l, &v) in b.iter().enumerate() {
                for (i, w) in want.iter_mut().enumerate() {
                    *w |= (((v >> i) & 1) as u64) << l;
                }
            }
            assert_eq!(byte_planes_on(path, &b), want, "{path}");
        }
    }
}
