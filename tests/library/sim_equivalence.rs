//! The fast zero-delay simulator equals the scalar reference, per net, on random netlists
//! (with flip-flops and feedback) and random streams, at any segmentation.
use pann::netlist::random::random_vectors;

use pann::netlist::random::{random_netlist, random_netlist_scattered};
use pann::sim::reference;
use pann::sim::zero_delay::output_values;
use pann::sim::{PortVectors, ZeroDelaySim};

#[test]
fn fast_zero_delay_equals_reference_per_net_on_random_netlists() {
    for seed in 0..60u64 {
        let dffs = (seed % 5) as usize * 2;
        let (ins, gates) = (6 + (seed % 7) as usize, 60 + seed as usize * 3);
        // Seeds from 40 on: input bits and flip-flops not runs of consecutive nets (filled
        // through words of their own, not in place).
        let n = match seed < 40 {
            true => random_netlist(seed, ins, gates, dffs),
            false => random_netlist_scattered(seed, ins, gates, dffs),
        };
        let len = [1usize, 2, 63, 64, 65, 511, 512, 513, 1500][seed as usize % 9];
        let vecs = random_vectors(seed ^ 0xABCD, &n, len);
        let (want, want_out) = reference::simulate(&n, &vecs);
        let drv = PortVectors::new(&n, vecs);
        let sim = ZeroDelaySim::new(&n);
        let mut got_out = Vec::new();
        let (got, _) = sim.run_observed(&drv, &mut |_, valid, v| {
            got_out.extend(output_values(&n, valid, v))
        });
        assert_eq!(got, want, "seed {seed}");
        assert_eq!(got_out, want_out, "seed {seed}");
        // Parallel segments (combinational only: no register prediction here).
        let (par, _) = sim.clone().with_min_segment(100).run(&drv);
        assert_eq!(par, want, "seed {seed} segmented");
    }
}

/// The end-to-end zero-delay run (stream generated in parallel blocks, simulated in parallel
/// segments) gives the same per-net counts on one thread as on four, for every synthetic
/// stream and a vector file.
#[test]
fn end_to_end_activity_is_thread_count_independent() {
    use pann::circuits::{build, MacSpec};
    use pann::simulate::{simulate, SimConfig};
    use pann::stream::{Dataflow, StreamSpec};
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("v.csv");
    let mut text = String::from("x,w\n");
    for t in 0..300_000i64 {
        text += &format!("{},{}\n", (t * 37) % 256 - 128, (t * 91) % 255 - 127);
    }
    std::fs::write(&csv, text).unwrap();
    let streams = ["uniform", "laplace", "gauss", "relu:0.5"]
        .map(|s| s.parse::<StreamSpec>().unwrap())
        .into_iter()
        .chain([StreamSpec::File { path: csv }]);
    for stream in streams {
        for dataflow in [
            Dataflow::OutputStationary,
            Dataflow::WeightStationary { n: 5 },
        ] {
            let cfg = SimConfig {
                spec,
                stream: stream.clone(),
                dataflow,
                cycles: 300_000,
                seed: 3,
                imported: None,
                data_dir: None,
            };
            let on = |threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| simulate(&n, &cfg, &mut |_| {}).unwrap().0)
            };
            assert_eq!(on(1), on(4), "{stream} {dataflow}");
        }
    }
}

/// A MAC driver whose register prediction is wrong in a few lanes of some blocks: the
/// simulator must notice (count the misprediction) and still reach the exact activity.
#[test]
fn a_wrong_register_prediction_is_counted_and_corrected() {
    use pann::circuits::driver::RegisterMap;
    use pann::circuits::{build, MacDriver, MacSpec, MacState};
    use pann::sim::program::Word;
    use pann::sim::Driver;
    struct Corrupt<'a>(MacDriver<'a>);
    impl Driver for Corrupt<'_> {
        fn len(&self) -> u64 {
            self.0.len()
        }
        fn fill_inputs(&self, start: u64, inputs: &mut [Word]) {
            self.0.fill_inputs(start, inputs)
        }
        fn predict_state(&self, start: u64, inputs: &[Word], regs: &mut [Word]) -> bool {
            let ok = self.0.predict_state(start, inputs, regs);
            // Every other block: flip lanes 0, 700 and 4095 of some operand and accumulator bits.
            if (start / 4096) % 2 == 1 {
                for r in [0, 9, 20, regs.len() - 1] {
                    regs[r][0] ^= 1;
                    regs[r][700 / 64] ^= 1 << (700 % 64);
                    regs[r][63] ^= 1 << 63;
                }
            }
            ok
        }
        fn state_at(&self, t: u64) -> Option<Vec<bool>> {
            self.0.state_at(t)
        }
    }
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let pairs: Vec<(u64, u64)> = (0..20_000u64)
        .map(|t| ((t * 37 + 11) % 256, (t * t * 91 + 5) % 256))
        .collect();
    let good = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    let sim = ZeroDelaySim::new(&n).with_min_segment(5000);
    let (want, ws) = sim.run(&good);
    assert_eq!(ws.mispredictions, 0);
    let bad = Corrupt(MacDriver::new(&spec, &map, MacState::default(), &pairs));
    let (got, gs) = sim.run(&bad);
    assert_eq!(got, want);
    assert!(gs.mispredictions >= 2, "{gs:?}");
    assert!(gs.register_rounds > ws.register_rounds, "{gs:?}");
}
