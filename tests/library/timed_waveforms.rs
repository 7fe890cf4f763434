//! Waveform and activity sinks: a VCD written by `pann` and re-read with the `vcd` crate gives
//! exactly the simulator's per-net toggle counts (glitches included); the SAIF file's TC per
//! net equals them too, and T0 + T1 = DURATION for every net; and the fast timed simulator's
//! level terms give the very same SAIF. A VCD window is the full waveform cut at its cycles,
//! opened by the values there, and port and label bits are named aliases of their nets.
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
                // `n<id>`; port and label bits are aliases of the same codes.
                if let Some(i) = name.strip_prefix('n').and_then(|d| d.parse().ok()) {
                    codes.insert(code, i);
                }
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

/// (time, net, value) of one value change.
type Event = (u64, usize, bool);

/// Value changes of a VCD, with the `$dumpvars` block as changes at its time; and the names
/// that alias each net (port and label bits).
fn vcd_events(bytes: &[u8]) -> (Vec<Event>, HashMap<String, usize>) {
    let mut codes: HashMap<vcd::IdCode, usize> = HashMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut pending: Vec<(vcd::IdCode, String)> = Vec::new();
    let mut out = Vec::new();
    let mut now = 0;
    for cmd in vcd::Parser::new(bytes) {
        match cmd.unwrap() {
            vcd::Command::VarDef(_, _, code, name, _) => {
                match name.strip_prefix('n').and_then(|d| d.parse().ok()) {
                    Some(i) => {
                        codes.insert(code, i);
                    }
                    None => pending.push((code, name)),
                }
            }
            vcd::Command::Timestamp(t) => now = t,
            vcd::Command::ChangeScalar(code, v) => {
                out.push((now, codes[&code], v == vcd::Value::V1));
            }
            _ => {}
        }
    }
    for (code, name) in pending {
        names.insert(name, codes[&code]);
    }
    (out, names)
}

#[test]
fn a_vcd_window_is_the_full_waveform_cut_at_its_cycles_and_names_ports() {
    let spec = MacSpec {
        bx: 4,
        bw: 4,
        acc: 12,
        ..MacSpec::default()
    };
    let n = build(&spec.validate().unwrap());
    let vecs = random_vectors(3, &n, 40);
    let model = DelayModel::Cells(DelayTable::default_cells());
    let d = model.per_net(&n);
    let initial = baseline_values(&n, &vecs[0]);
    let period = pann::oracle::safe_period(&n, Some(&d));
    let (first, last) = (5u64, 9u64);
    let mut full = VcdWriter::new(Vec::new(), &n, &initial, period, 10).unwrap();
    let mut cut =
        VcdWriter::with_window(Vec::new(), &n, &initial, period, 10, first, last).unwrap();
    event::simulate(&n, &d, &vecs, &mut Tee(vec![&mut full, &mut cut]));
    let (full, names) = vcd_events(&full.finish().unwrap());
    let (cut, cut_names) = vcd_events(&cut.finish().unwrap());
    let (t0, t1) = (first * period as u64 * 10, (last + 1) * period as u64 * 10);
    // The window opens with every net's value at t0 ...
    let mut at_t0 = initial.clone();
    for &(t, i, v) in &full {
        if t < t0 {
            at_t0[i] = v;
        }
    }
    let dump: Vec<_> = cut.iter().filter(|e| e.0 == t0).take(n.len()).collect();
    assert_eq!(dump.len(), n.len());
    for &&(_, i, v) in &dump {
        assert_eq!(v, at_t0[i], "net {i} at the window start");
    }
    // ... then has exactly the full waveform's changes inside it.
    let inside: Vec<_> = full.iter().filter(|e| e.0 >= t0 && e.0 < t1).collect();
    let after_dump: Vec<_> = cut.iter().skip(n.len()).collect();
    assert_eq!(after_dump, inside);
    assert!(!inside.is_empty());
    // Port and label bits are named aliases of their nets.
    assert_eq!(names, cut_names);
    assert_eq!(names["x[0]"], n.input("x").unwrap().bits[0].idx());
    assert_eq!(names["acc0[11]"], n.label("acc0").unwrap().bits[11].idx());
}
