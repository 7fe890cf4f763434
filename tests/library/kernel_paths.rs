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

/// The MAC driver's inputs and register predictions (byte planes turned into bit-planes on
/// each path) are exact on every path: no misprediction, and per-net counts equal to the
/// scalar reference on the same cycles, for operands and accumulators whose widths are and
/// are not whole bytes, both accumulator banks of the unsigned split, operand isolation and
/// a carry-save accumulator, over lengths that end inside a block's word.
#[test]
fn every_kernel_path_drives_and_predicts_macs_exactly() {
    use pann::circuits::driver::RegisterMap;
    use pann::circuits::{build, AccStyle, MacDriver, MacSpec, MacState, Repr};
    use rand::{Rng, SeedableRng};
    let specs = [
        MacSpec::default(),
        MacSpec {
            repr: Repr::Unsigned,
            ..MacSpec::default()
        },
        MacSpec {
            bx: 5,
            bw: 3,
            acc: 13,
            ..MacSpec::default()
        },
        MacSpec {
            operand_isolation: true,
            ..MacSpec::default()
        },
        MacSpec {
            acc_style: AccStyle::CarrySave,
            bx: 4,
            bw: 4,
            acc: 12,
            ..MacSpec::default()
        },
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    for (i, spec) in specs.into_iter().enumerate() {
        let spec = spec.validate().unwrap();
        let n = build(&spec);
        assert_eq!(n.inputs().len(), 2, "{}", spec.describe());
        let map = RegisterMap::new(&spec, &n);
        let len = [4097usize, 5000, 513, 6001, 4159][i];
        let (xl, xh) = spec.x_range();
        let (wl, wh) = spec.w_range();
        let enc: Vec<(u64, u64)> = (0..len)
            .map(|_| {
                let x = if rng.gen_bool(0.2) {
                    0
                } else {
                    rng.gen_range(xl..=xh)
                };
                let w = rng.gen_range(wl..=wh);
                (spec.encode_x(x), spec.encode_w(w))
            })
            .collect();
        let vecs: Vec<Vec<u128>> = enc
            .iter()
            .map(|&(x, w)| vec![x as u128, w as u128])
            .collect();
        let (want, _) = reference::simulate(&n, &vecs);
        let drv = MacDriver::new(&spec, &map, MacState::default(), &enc);
        for path in KernelPath::available_paths() {
            let what = format!("{path} {}", spec.describe());
            let sim = ZeroDelaySim::new(&n).with_path(path);
            let (got, stats) = sim.run(&drv);
            assert_eq!(stats.mispredictions, 0, "{what}");
            assert_eq!(got, want, "{what}");
            let (split, stats) = sim.with_min_segment(700).run(&drv);
            assert_eq!(stats.mispredictions, 0, "{what} segmented");
            assert_eq!(split, want, "{what} segmented");
        }
    }
}
