//! Check: the fast timed simulator equals the event reference on a MAC stream run through
//! the MAC driver: `cargo run --release --example timed_check [cycles]`.
use pann::circuits::driver::RegisterMap;
use pann::circuits::*;
use pann::sim::timed::TimedSim;
use pann::stream::{Dataflow, Dist, OperandStream, Ranges, Synthetic};
fn main() {
    let len: u64 = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().unwrap());
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let map = RegisterMap::new(&spec, &n);
    let ranges = Ranges {
        x: spec.x_range(),
        w: spec.w_range(),
    };
    let pairs: Vec<(u64, u64)> =
        Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, ranges, 1, len)
            .take_pairs(len)
            .unwrap()
            .iter()
            .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w)))
            .collect();
    let drv = MacDriver::new(&spec, &map, MacState::default(), &pairs);
    let lib = pann::energy::CellLibrary::load("sky130_tt_025C_1v80").unwrap();
    let model = pann::sim::delay::DelayModel::Cells(lib.delay_table());
    let fast = TimedSim::new(&n, &model).run(&drv);
    let vecs: Vec<Vec<u128>> = pairs
        .iter()
        .map(|&(x, w)| vec![x as u128, w as u128])
        .collect();
    let (want, _) =
        pann::sim::event::simulate(&n, &model.per_net(&n), &vecs, &mut pann::sim::NoSink);
    let ft: u64 = fast.activity.toggles.iter().sum();
    let et: u64 = want.activity.toggles.iter().sum();
    let differ = fast
        .activity
        .toggles
        .iter()
        .zip(&want.activity.toggles)
        .filter(|(a, b)| a != b)
        .count();
    println!(
        "fast {ft} event {et} nets differing {differ}; via simulate_timed {}",
        via_simulate(len)
    );
}

/// The same stream through `glitch::simulate_timed` (batches, driver refills).
#[allow(dead_code)]
pub fn via_simulate(len: u64) -> u64 {
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let lib = pann::energy::CellLibrary::load("sky130_tt_025C_1v80").unwrap();
    let model = pann::sim::delay::DelayModel::Cells(lib.delay_table());
    let cfg = pann::simulate::SimConfig {
        spec,
        stream: pann::stream::StreamSpec::Synthetic {
            dist: Dist::Uniform,
        },
        dataflow: Dataflow::OutputStationary,
        cycles: len,
        seed: 1,
        imported: None,
        data_dir: None,
    };
    let out =
        pann::glitch::simulate_timed(&n, &cfg, &model, &mut |_| {}, None, false, None).unwrap();
    out.timed.activity.toggles.iter().sum()
}
