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
}

fn random_table(seed: u64) -> DelayTable {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut t = DelayTable::uniform(1, 0.01);
    for k in GateKind::ALL {
        t = t.with(k, rng.gen_range(1..=1 + seed as u32 % 9));
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
