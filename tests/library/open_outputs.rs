//! Cells' open outputs (GF180's full-adder sum, left open where `maj3` is its carry) counted
//! by the fast simulators in the same pass as the nets equal their reference twin
//! ([`pann::sim::open::reference_toggles`]: each node followed through the scalar reference
//! or the event-driven reference, as the pin-level VCD and SAIF write it), at any
//! segmentation; and on GF180 MACs, the second reference pass the experiment used to make.

use pann::circuits::{build, MacSpec, MultArch};
use pann::energy::mapped::MappedNetlist;
use pann::energy::CellLibrary;
use pann::experiment::DelayKind;
use pann::netlist::random::{random_netlist, random_vectors};
use pann::netlist::{GateKind, NetId, Netlist};
use pann::sim::delay::{DelayModel, DelayTable};
use pann::sim::open::{reference_toggles as reference, OpenOutputs};
use pann::sim::pins::Derived;
use pann::sim::timed::TimedSim;
use pann::sim::{PortVectors, ZeroDelaySim};
use pann::simulate::{simulate_following, SimConfig};
use rand::{Rng, SeedableRng};

/// A full adder's sum on every 3-input gate, and a few nodes of random truth tables over
/// 1 to 3 random nets (repeats allowed), charged to random gates.
fn nodes(n: &Netlist, seed: u64) -> Vec<(NetId, Derived)> {
    let mut v: Vec<(NetId, Derived)> = n
        .gates()
        .iter()
        .enumerate()
        .filter(|(_, g)| g.inputs().len() == 3)
        .map(|(i, g)| (NetId(i as u32), Derived::xor3(g.inputs().to_vec())))
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..12 {
        let k = rng.gen_range(1..=3);
        let ins = (0..k)
            .map(|_| NetId(rng.gen_range(0..n.len() as u32)))
            .collect();
        let gate = NetId(rng.gen_range(0..n.len() as u32));
        v.push((
            gate,
            Derived {
                table: rng.gen(),
                ins,
            },
        ));
    }
    v
}

#[test]
fn fast_open_output_counts_equal_the_reference_on_random_netlists() {
    for seed in 0..16u64 {
        let dffs = (seed % 3) as usize * 2;
        let n = random_netlist(seed, 6 + (seed % 5) as usize, 50 + seed as usize * 5, dffs);
        let len = [1usize, 2, 65, 1025, 2100][seed as usize % 5];
        let vecs = random_vectors(seed ^ 0x5eed, &n, len);
        let nodes = nodes(&n, seed);
        let open = OpenOutputs::new(n.len(), &nodes);
        let drv = PortVectors::new(&n, vecs.clone());
        // Zero delay: the bit-parallel engine, and the timed engine under the zero model.
        let want = reference(&n, &nodes, &vecs, None);
        for seg in [u64::MAX, 100] {
            let zd = ZeroDelaySim::new(&n)
                .with_open_outputs(open.clone())
                .with_min_segment(seg);
            assert_eq!(zd.run(&drv).0.open, want, "seed {seed} zero, segment {seg}");
        }
        let tz = TimedSim::new(&n, &DelayModel::Zero).with_open_outputs(open.clone());
        assert_eq!(
            tz.run(&drv).activity.open,
            want,
            "seed {seed} zero (timed engine)"
        );
        let mut mixed = DelayTable::uniform(1, 0.01);
        for (i, k) in GateKind::ALL.iter().enumerate() {
            mixed = mixed.with(*k, 1 + (seed as u32 + i as u32) % 7);
        }
        for model in [
            DelayModel::Unit,
            DelayModel::Cells(DelayTable::default_cells()),
            DelayModel::Cells(mixed),
        ] {
            let want = reference(&n, &nodes, &vecs, Some(&model.per_net(&n)));
            for seg in [u64::MAX, 100] {
                let sim = TimedSim::new(&n, &model)
                    .with_open_outputs(open.clone())
                    .with_min_segment(seg);
                let got = sim.run(&drv);
                assert_eq!(
                    got.activity.open,
                    want,
                    "seed {seed} {}, segment {seg}",
                    model.name()
                );
                // Following open outputs changes nothing else.
                let plain = TimedSim::new(&n, &model).with_min_segment(seg).run(&drv);
                assert_eq!(got.activity.toggles, plain.activity.toggles);
                assert!(plain.activity.open.is_empty());
            }
        }
    }
}

/// GF180 MACs as the experiment runs them (batched, the MAC driver predicting registers):
/// the open sums counted in the fast zero-delay and timed runs equal the reference pass
/// ([`pann::experiment::open_output_toggles`]), at zero delay, unit delay and the
/// library's cell delays.
#[test]
fn gf180_mac_open_sums_in_the_fast_runs_equal_the_reference_pass() {
    let lib = CellLibrary::load("gf180_tt_025C_5v00").unwrap();
    for mult in [MultArch::Dadda, MultArch::BoothDadda] {
        let spec = MacSpec {
            mult,
            ..MacSpec::default()
        }
        .validate()
        .unwrap();
        let n = build(&spec);
        let cfg = SimConfig::uniform(spec, 1500, 3);
        let open = MappedNetlist::followed(&n, &lib).unwrap();
        assert!(!open.is_empty(), "GF180 maps maj3 to a full adder");
        let zero = simulate_following(&n, &cfg, Some(&open), &mut |_| {})
            .unwrap()
            .0;
        for delay in [DelayKind::Unit, DelayKind::Cells] {
            let model = delay.model(&lib);
            let want = pann::experiment::open_output_toggles(&n, &cfg, &model, &lib)
                .unwrap()
                .unwrap();
            assert!(want.zero.iter().sum::<u64>() > 0);
            assert_eq!(zero.open, want.zero, "{mult:?} zero delay");
            let out = pann::glitch::simulate_timed(
                &n,
                &cfg,
                &model,
                &mut |_| {},
                None,
                false,
                Some(&open),
            )
            .unwrap();
            assert_eq!(out.zero.open, want.zero, "{mult:?} zero delay (timed run)");
            assert_eq!(
                Some(&out.timed.activity.open),
                want.timed.as_ref(),
                "{mult:?} {}",
                model.name()
            );
        }
    }
}
