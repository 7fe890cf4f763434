//! Energy meter through the public API on real generated circuits and the shipped libraries.

use pann::circuits::driver::RegisterMap;
use pann::circuits::{build, MacDriver, MacSpec, MacState, ValidMacSpec};
use pann::energy::{CellLibrary, EnergyMeter, EnergyOptions, DEFAULT_LIBRARY};
use pann::netlist::{GateKind, Netlist};
use pann::sim::{Activity, ActivitySink, ZeroDelaySim};
use rand::{Rng, SeedableRng};

/// How far switching energy / V² may drift between corners (pin capacitances differ a little).
const V2_TOLERANCE: f64 = 0.10;

fn mac_activity(spec: &ValidMacSpec, n: &Netlist, ops: usize, seed: u64) -> Activity {
    let map = RegisterMap::new(spec, n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (xl, xh) = spec.x_range();
    let (wl, wh) = spec.w_range();
    let pairs: Vec<(u64, u64)> = (0..ops)
        .map(|_| {
            (
                spec.encode_x(rng.gen_range(xl..=xh)),
                spec.encode_w(rng.gen_range(wl..=wh)),
            )
        })
        .collect();
    let drv = MacDriver::new(spec, &map, MacState::default(), &pairs);
    ZeroDelaySim::new(n).run(&drv).0
}

fn mac8() -> (ValidMacSpec, Netlist, Activity) {
    let spec = MacSpec::default().validate().unwrap();
    let n = build(&spec);
    let a = mac_activity(&spec, &n, 2000, 7);
    (spec, n, a)
}

#[test]
fn every_shipped_library_loads_and_covers_every_cell_kind() {
    let ids = CellLibrary::list();
    assert_eq!(ids.len(), 34, "{ids:?}");
    assert!(ids.contains(&DEFAULT_LIBRARY.to_string()));
    for id in ids {
        let lib = CellLibrary::load(&id).unwrap();
        for k in GateKind::ALL.iter().filter(|k| k.arity() > 0) {
            assert!(lib.prim(*k).is_some(), "{id}: {k:?}");
            assert!(lib.delay_ticks(*k) >= 1, "{id}: {k:?}");
        }
        assert_eq!(lib.delay_ticks(GateKind::Input), 0);
        let t = lib.delay_table();
        assert_eq!(t.tick_ns, lib.tick_ns);
        assert_eq!(t.ticks(GateKind::Nand2), lib.delay_ticks(GateKind::Nand2));
    }
    let e = CellLibrary::load("no_such_lib").unwrap_err().to_string();
    assert!(
        e.contains("no_such_lib") && e.contains(DEFAULT_LIBRARY),
        "{e}"
    );
}

#[test]
fn report_has_every_component_and_the_total_is_their_sum() {
    let (_, n, a) = mac8();
    let lib = CellLibrary::load(DEFAULT_LIBRARY).unwrap();
    let r = EnergyMeter::new(&n, &lib, EnergyOptions::default()).measure(&a);
    for k in [
        "operand_regs",
        "multiplier",
        "acc_adder",
        "acc_reg",
        "clock",
        "leakage",
    ] {
        let v = r.fj_per_op_by_component[k];
        assert!(v > 0.0, "{k} = {v}");
    }
    let sum: f64 = r.fj_per_op_by_component.values().sum();
    assert!((sum - r.total_fj_per_op).abs() < 1e-9 * sum);
    let parts = r.internal_fj_per_op
        + r.input_pin_fj_per_op
        + r.switching_fj_per_op
        + r.clock_fj_per_op
        + r.leakage_fj_per_op;
    assert!((parts - r.total_fj_per_op).abs() < 1e-9 * sum);
    assert_eq!(r.ops, a.transitions());
    eprintln!(
        "8x8 MAC, {DEFAULT_LIBRARY}: {:.1} fJ/op {:?}",
        r.total_fj_per_op, r.fj_per_op_by_component
    );
}

#[test]
fn sink_and_plain_function_agree_and_empty_runs_cost_nothing() {
    let (_, n, a) = mac8();
    let lib = CellLibrary::load("gf180_tt_025C_3v30").unwrap();
    let opts = EnergyOptions {
        clock_ns: 5.0,
        ..EnergyOptions::default()
    };
    let mut m = EnergyMeter::new(&n, &lib, opts);
    m.totals(&n, &a);
    assert_eq!(
        m.report().unwrap(),
        &pann::energy::meter::measure(&n, &lib, opts, &a)
    );
    let r = m.measure(&Activity::new(n.len()));
    assert_eq!(r.total_fj_per_op, 0.0);
}

#[test]
fn leakage_scales_with_the_clock_period() {
    let (_, n, a) = mac8();
    let lib = CellLibrary::load(DEFAULT_LIBRARY).unwrap();
    let at = |clock_ns| {
        let o = EnergyOptions {
            clock_ns,
            ..EnergyOptions::default()
        };
        EnergyMeter::new(&n, &lib, o).measure(&a)
    };
    let (r1, r2) = (at(1.0), at(4.0));
    assert!((r2.leakage_fj_per_op / r1.leakage_fj_per_op - 4.0).abs() < 1e-9);
    assert_eq!(r1.switching_fj_per_op, r2.switching_fj_per_op);
}

#[test]
fn wire_capacitance_adds_switching_energy_only() {
    let (_, n, a) = mac8();
    let lib = CellLibrary::load(DEFAULT_LIBRARY).unwrap();
    let at = |wire_cap_ff| {
        let o = EnergyOptions {
            wire_cap_ff,
            ..EnergyOptions::default()
        };
        EnergyMeter::new(&n, &lib, o).measure(&a)
    };
    let (r0, r1) = (at(0.0), at(1.0));
    assert!(r1.switching_fj_per_op > r0.switching_fj_per_op);
    assert!(r1.clock_fj_per_op > r0.clock_fj_per_op);
}

/// Same activity through GF180 tt 25 °C at 1.8, 3.3 and 5.0 V: energy per op grows with the
/// supply, and the switching part grows as V² (same cells, nearly the same capacitances).
#[test]
fn gf180_energy_grows_with_supply_and_switching_as_v_squared() {
    let (_, n, a) = mac8();
    let mut prev: Option<(f64, f64, f64)> = None;
    for (id, v) in [
        ("gf180_tt_025C_1v80", 1.8),
        ("gf180_tt_025C_3v30", 3.3),
        ("gf180_tt_025C_5v00", 5.0),
    ] {
        let lib = CellLibrary::load(id).unwrap();
        assert_eq!(lib.voltage_v, v);
        let r = EnergyMeter::new(&n, &lib, EnergyOptions::default()).measure(&a);
        let per_v2 = r.switching_fj_per_op / (v * v);
        eprintln!(
            "{id}: total {:.1} fJ/op, switching {:.1} fJ/op ({per_v2:.3} fJ/V²), internal {:.1}",
            r.total_fj_per_op,
            r.switching_fj_per_op,
            r.internal_fj_per_op + r.input_pin_fj_per_op
        );
        if let Some((t, s, pv2)) = prev {
            assert!(r.total_fj_per_op > t, "{id}: total must grow with V");
            assert!(
                r.switching_fj_per_op > s,
                "{id}: switching must grow with V"
            );
            assert!(
                (per_v2 / pv2 - 1.0).abs() < V2_TOLERANCE,
                "{id}: switching/V² {per_v2} vs {pv2}"
            );
        }
        prev = Some((r.total_fj_per_op, r.switching_fj_per_op, per_v2));
    }
}

/// Glitches cost energy too: the same multiplier and stream under the library's own cell
/// delays toggles more, and the meter charges every toggle.
#[test]
fn timed_activity_with_library_delays_costs_more_than_zero_delay() {
    use pann::circuits::Unit;
    use pann::sim::delay::DelayModel;
    use pann::sim::timed::TimedSim;
    let spec = MacSpec {
        unit: Unit::Mult,
        ..MacSpec::default()
    }
    .validate()
    .unwrap();
    let n = build(&spec);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let vecs: Vec<Vec<u128>> = (0..2000)
        .map(|_| vec![rng.gen::<u8>() as u128, rng.gen::<u8>() as u128])
        .collect();
    let drv = pann::sim::PortVectors::new(&n, vecs);
    let lib = CellLibrary::load(DEFAULT_LIBRARY).unwrap();
    let m = EnergyMeter::new(&n, &lib, EnergyOptions::default());
    let zero = m.measure(&ZeroDelaySim::new(&n).run(&drv).0);
    let timed = TimedSim::new(&n, &DelayModel::Cells(lib.delay_table())).run(&drv);
    let timed = m.measure(&timed.activity);
    eprintln!(
        "8x8 dadda multiplier, {DEFAULT_LIBRARY}: zero-delay {:.1} fJ/op, cell delays {:.1} fJ/op ({:.2}x)",
        zero.total_fj_per_op,
        timed.total_fj_per_op,
        timed.total_fj_per_op / zero.total_fj_per_op
    );
    assert!(timed.total_fj_per_op > zero.total_fj_per_op);
}
