//! Waveform and activity sinks: a VCD written by `pann` and re-read with the `vcd` crate gives
//! exactly the simulator's per-net toggle counts (glitches included); the SAIF file's TC per
//! net equals them too, and T0 + T1 = DURATION for every net; and the fast timed simulator's
//! level terms give the very same SAIF.
use pann::netlist::random::random_vectors;

use pann::circuits::{build, MacSpec, MultArch, Repr, Unit};
use pann::netlist::Netlist;
use pann::sim::delay::{DelayModel, DelayTable};
use pann::sim::event::{self, baseline_values, Tee};
use pann::sim::reference::PortValues;
use pann::sim::saif::SaifWriter;
use pann::sim::timed::TimedSim;
use pann::sim::vcd::VcdWriter;
use pann::sim::PortVectors;
use std::collections::HashMap;

/// Per-net value changes in a VCD, read with the `vcd` crate.
fn reread_vcd(bytes: &[u8], nets: usize) -> Vec<u64> {
    let mut codes: HashMap<vcd::IdCode, usize> = HashMap::new();
    let mut last: HashMap<vcd::IdCode, vcd::Value> = HashMap::new();
    let mut toggles = vec![0u64; nets];
    for cmd in vcd::Parser::new(bytes) {
        match cmd.unwrap() {
            vcd::Command::VarDef(_, _, code, name, _) => {
                codes.insert(code, name[1..].parse().unwrap());
            }
            vcd::Command::ChangeScalar(code, v) => {
                if let Some(old) = last.insert(code, v) {
                    if old != v {
                        toggles[codes[&code]] += 1;
                    }
                }
            }
            _ => {}
        }
    }
    toggles
}

fn check(n: &Netlist, model: &DelayModel, vecs: &[PortValues]) {
    let d = model.per_net(n);
    let initial = baseline_values(n, &vecs[0]);
    let period = pann::oracle::safe_period(n, Some(&d));
    let mut vcd = VcdWriter::new(Vec::new(), n, &initial, period, 10).unwrap();
    let mut saif = SaifWriter::new(&initial, period, 10);
    let (run, _) = event::simulate(n, &d, vecs, &mut Tee(vec![&mut vcd, &mut saif]));
    let bytes = vcd.finish().unwrap();
    assert_eq!(reread_vcd(&bytes, n.len()), run.activity.toggles);
    let duration = (vecs.len() as u64 - 1) * period as u64;
    for (i, r) in saif.nets().iter().enumerate() {
        assert_eq!(r.tc, run.activity.toggles[i], "net {i} TC");
        assert_eq!(r.t0 + r.t1, duration, "net {i} T0 + T1");
    }
    let mut text = Vec::new();
    saif.write("pann", &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let tcs: u64 = text
        .split("(TC ")
        .skip(1)
        .map(|s| s.split(')').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(tcs, run.activity.total());
    assert!(text.contains("(DIRECTION \"backward\")"));
    // The fast simulator's time-at-1 terms give the same SAIF records, serial or segmented.
    let drv = PortVectors::new(n, vecs.to_vec());
    for seg in [u64::MAX, 64] {
        let fast = TimedSim::new(n, model)
            .with_levels(true)
            .with_min_segment(seg)
            .run(&drv);
        let from_fast = SaifWriter::from_levels(
            &fast.levels,
            &fast.activity.toggles,
            period,
            10,
            vecs.len() as u64,
        );
        assert_eq!(from_fast.nets(), saif.nets(), "segment {seg}");
        let mut again = Vec::new();
        from_fast.write("pann", &mut again).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), text);
    }
}

#[test]
fn vcd_reread_and_saif_totals_equal_per_net_toggles() {
    for seed in 0..4 {
        let n = pann::netlist::random::random_netlist(seed, 8, 120, 3);
        let vecs = random_vectors(seed, &n, 200);
        check(&n, &DelayModel::Unit, &vecs);
        check(&n, &DelayModel::Cells(DelayTable::default_cells()), &vecs);
    }
    let spec = MacSpec {
        unit: Unit::Mult,
        mult: MultArch::BoothDadda,
        repr: Repr::Twos,
        ..MacSpec::default()
    };
    let n = build(&spec.validate().unwrap());
    check(&n, &DelayModel::Unit, &random_vectors(9, &n, 300));
}
