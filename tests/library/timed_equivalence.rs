//! The fast timed simulator equals the event-driven reference per net — toggles, rises and
//! settle-time histogram — on random netlists (with flip-flops and feedback) and random
//! streams, for unit delay, the default cell table and random per-kind delays, at any
//! segmentation.
use pann::netlist::random::random_vectors;
use pann::sim::NoSink;

use pann::netlist::random::random_netlist;
use pann::netlist::{GateKind, Netlist};
use pann::sim::delay::{DelayModel, DelayTable};
use pann::sim::event;
use pann::sim::reference::PortValues;
use pann::sim::timed::{TimedActivity, TimedSim};
use pann::sim::PortVectors;
use rand::{Rng, SeedableRng};

fn check(n: &Netlist, model: &DelayModel, vecs: Vec<PortValues>, what: &str) {
    let (want, _) = event::simulate(n, &model.per_net(n), &vecs, &mut NoSink);
    let drv = PortVectors::new(n, vecs);
    let sim = TimedSim::new(n, model);
    let got = sim.run(&drv);
    assert_eq!(got.activity, want.activity, "{what}");
    assert_eq!(
        got.settle_hist,
        TimedActivity::hist_of(&want.settle),
        "{what} settle"
    );
    assert_eq!(got.max_settle(), want.max_settle(), "{what}");
    let par = sim.clone().with_min_segment(100).run(&drv);
    assert_eq!(par, got, "{what} segmented");
    // Per-cycle settle times, serial and segmented, equal the reference's list.
    for seg in [u64::MAX, 100] {
        let pc = sim
            .clone()
            .with_per_cycle_settle(true)
            .with_min_segment(seg)
            .run(&drv);
        assert_eq!(
            pc.settle,
            want.settle[1.min(want.settle.len())..],
            "{what} per cycle"
        );
        assert_eq!(pc.settle_hist, got.settle_hist, "{what}");
    }
}

fn random_table(seed: u64) -> DelayTable {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut t = DelayTable::uniform(1, 0.01);
    for k in GateKind::ALL {
        // Delays up to 9 ticks, and up to 70 (library tables reach 40 at 10 ps per tick).
        let maxd = if seed % 3 == 2 {
            70
        } else {
            1 + seed as u32 % 9
        };
        t = t.with(k, rng.gen_range(1..=maxd));
    }
    t
}

#[test]
fn fast_timed_equals_event_reference_per_net_on_random_netlists() {
    for seed in 0..30u64 {
        let dffs = (seed % 4) as usize * 2;
        let n = random_netlist(seed, 6 + (seed % 7) as usize, 60 + seed as usize * 4, dffs);
        let len = [1usize, 2, 63, 64, 65, 511, 512, 513, 1500][seed as usize % 9];
        let vecs = random_vectors(seed ^ 0xABCD, &n, len);
        check(
            &n,
            &DelayModel::Unit,
            vecs.clone(),
            &format!("unit seed {seed}"),
        );
        let cells = DelayModel::Cells(DelayTable::default_cells());
        check(&n, &cells, vecs.clone(), &format!("cells seed {seed}"));
        let mixed = DelayModel::Cells(random_table(seed));
        check(&n, &mixed, vecs, &format!("mixed seed {seed}"));
    }
}

/// MACs (registers predicted by the driver, so a timed run is split into segments that start
/// from the driver's state) equal the event-driven reference, whatever the segmentation.
#[test]
fn segmented_timed_mac_runs_equal_the_event_reference() {
    use pann::circuits::driver::RegisterMap;
    use pann::circuits::{build, MacDriver, MacSpec, MacState, MultArch, Repr};
    for (seed, repr) in Repr::ALL.iter().enumerate() {
        let spec = MacSpec {
            mult: MultArch::BoothDadda,
            bx: 4,
            bw: 4,
            acc: 12,
            repr: *repr,
            ..MacSpec::default()
        };
        let Ok(spec) = spec.validate() else { continue };
        let n = build(&spec);
        let map = RegisterMap::new(&spec, &n);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed as u64);
        let (xr, wr) = (spec.x_range(), spec.w_range());
        let pairs: Vec<(u64, u64)> = (0..1500)
            .map(|_| {
                let x = rng.gen_range(xr.0..=xr.1);
                let w = rng.gen_range(wr.0..=wr.1);
                (spec.encode_x(x), spec.encode_w(w))
            })
            .collect();
        let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
        let vecs: Vec<PortValues> = pairs
            .iter()
            .map(|&(x, w)| vec![x as u128, w as u128])
            .collect();
        for model in [
            DelayModel::Unit,
            DelayModel::Cells(DelayTable::default_cells()),
        ] {
            let (want, _) = event::simulate(&n, &model.per_net(&n), &vecs, &mut NoSink);
            let sim = TimedSim::new(&n, &model);
            let serial = sim.clone().with_min_segment(u64::MAX).run(&drv);
            let split = sim.with_min_segment(200).run(&drv);
            let what = format!("{} {}", spec.describe(), model.name());
            assert_eq!(serial.activity, want.activity, "{what}");
            assert_eq!(split, serial, "{what} segmented");
        }
    }
}

/// `glitch::simulate_timed` streams in batches of `simulate::BATCH` cycles, each re-running the
/// previous batch's last cycle as its baseline: over more than two batches of a MAC its timed
/// activity, per-cycle settle list, SAIF level terms and open-output counts (zero delay and
/// timed) equal one unbatched run of the whole stream.
#[test]
fn batched_timed_runs_equal_one_run_of_the_whole_stream() {
    use pann::circuits::driver::RegisterMap;
    use pann::circuits::{build, MacDriver, MacSpec, MacState};
    use pann::simulate::{open_stream, SimConfig, BATCH};
    let spec = MacSpec {
        bx: 3,
        bw: 3,
        acc: 10,
        ..MacSpec::default()
    }
    .validate()
    .unwrap();
    let n = build(&spec);
    let cfg = SimConfig::uniform(spec, 2 * BATCH as u64 + 777, 9);
    let model = DelayModel::Cells(DelayTable::default_cells());
    let mut listed = Vec::new();
    let mut keep = |s: &[u32]| listed.extend_from_slice(s);
    // Full-adder sums of every 3-input gate, followed as open outputs.
    let sums: Vec<_> = n
        .gates()
        .iter()
        .enumerate()
        .filter(|(_, g)| g.inputs().len() == 3)
        .map(|(i, g)| {
            let ins = g.inputs().to_vec();
            (
                pann::netlist::NetId(i as u32),
                pann::sim::pins::Derived::xor3(ins),
            )
        })
        .collect();
    assert!(!sums.is_empty());
    let open = pann::sim::open::OpenOutputs::new(n.len(), &sums);
    let out = pann::glitch::simulate_timed(
        &n,
        &cfg,
        &model,
        &mut |_| {},
        Some(&mut keep),
        true,
        Some(&open),
    )
    .unwrap();
    let pairs = open_stream(&cfg).unwrap().take_pairs(cfg.cycles).unwrap();
    let enc: Vec<(u64, u64)> = pairs
        .iter()
        .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w)))
        .collect();
    let map = RegisterMap::new(&spec, &n);
    let drv = MacDriver::new(&spec, &map, MacState::default(), &enc);
    let whole = TimedSim::new(&n, &model)
        .with_per_cycle_settle(true)
        .with_levels(true)
        .with_open_outputs(open.clone())
        .run(&drv);
    let whole_zero = pann::sim::ZeroDelaySim::new(&n)
        .with_open_outputs(open)
        .run(&drv)
        .0;
    assert_eq!(listed.len() as u64, cfg.cycles - 1);
    assert_eq!(whole.settle.len(), listed.len());
    let first_diff = listed.iter().zip(&whole.settle).position(|(a, b)| a != b);
    assert_eq!(
        first_diff, None,
        "first differing cycle (0-based after the baseline)"
    );
    assert_eq!(out.timed.activity.toggles, whole.activity.toggles);
    assert_eq!(out.timed.settle_hist, whole.settle_hist);
    assert_eq!(out.timed.levels, whole.levels);
    assert_eq!(out.timed.activity.open, whole.activity.open);
    assert_eq!(out.zero.open, whole_zero.open);
}

/// One gate whose function pulses several times within its delay: a change scheduled, then
/// cancelled (the function moved back), then scheduled again (it moved away again) before
/// the first would have fired, for every delay from 2 to 8 ticks, equal to the event
/// reference per net.
#[test]
fn changes_cancelled_and_scheduled_again_within_one_delay_equal_the_event_reference() {
    use pann::netlist::Builder;
    let mut b = Builder::new();
    let a = b.input("a", 1)[0];
    let e = b.input("e", 1)[0];
    // Taps of `a` 0..4 buffer delays late; their XOR pulses at several ticks after `a` moves.
    let mut taps = vec![a];
    for _ in 0..4 {
        let prev = *taps.last().unwrap();
        taps.push(b.push(GateKind::Buf, [prev]));
    }
    let x1 = b.push(GateKind::Xor2, [taps[0], taps[2]]);
    let x2 = b.push(GateKind::Xor2, [taps[3], taps[4]]);
    let x = b.push(GateKind::Xor2, [x1, x2]);
    let y = b.push(GateKind::Or2, [x, e]);
    b.output("y", &[y]);
    let n = b.finish().unwrap();
    let vecs = random_vectors(7, &n, 700);
    for d in 2..=8 {
        let t = DelayTable::uniform(1, 0.01).with(GateKind::Or2, d);
        check(
            &n,
            &DelayModel::Cells(t),
            vecs.clone(),
            &format!("or2 delay {d}"),
        );
    }
}
