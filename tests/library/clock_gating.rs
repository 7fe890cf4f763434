//! Clock gating (`MacSpec::clock_gating`): a gated MAC computes exactly what the ungated one
//! does, the simulators count the enables as a scalar simulation that really holds gated
//! registers does, and the clock energy equals a per-cycle count of clocked flip-flops.

use pann::circuits::driver::RegisterMap;
use pann::circuits::{build, AccStyle, ClockGating, MacDriver, MacSpec, MacState, Repr, Unit};
use pann::energy::{CellLibrary, EnergyMeter, EnergyOptions};
use pann::netlist::{GateKind, Netlist};
use pann::sim::reference::{eval_gate, output_values, set_inputs, PortValues};
use pann::sim::ZeroDelaySim;
use rand::{Rng, SeedableRng};

/// Scalar simulation in which a gated flip-flop loads only when its clock gate's enable is 1
/// at the edge (a real ICG). Returns per cycle the output ports, and per cycle and gate the
/// enable value at that cycle's edge.
fn simulate_gated(n: &Netlist, vectors: &[PortValues]) -> (Vec<PortValues>, Vec<Vec<bool>>) {
    let gate_of = n.clock_gate_of();
    let mut state = vec![false; n.len()];
    let (mut outs, mut ens) = (Vec::new(), Vec::new());
    for vec in vectors {
        let mut v = vec![false; n.len()];
        set_inputs(n, vec, &mut v);
        for (i, g) in n.gates().iter().enumerate() {
            let x = |k: usize| g.inputs().get(k).is_some_and(|x| v[x.idx()]);
            v[i] = match g.kind {
                GateKind::Input => v[i],
                GateKind::Dff => state[i],
                k => eval_gate(k, x(0), x(1), x(2)),
            };
        }
        outs.push(output_values(n, &v));
        let en: Vec<bool> = n.clock_gates().iter().map(|c| v[c.enable.idx()]).collect();
        for (i, g) in n.gates().iter().enumerate() {
            if g.kind == GateKind::Dff && gate_of[i].is_none_or(|k| en[k]) {
                state[i] = v[g.ins[0].idx()];
            }
        }
        ens.push(en);
    }
    (outs, ens)
}

/// A stream with zero activations, zero weights and runs of a repeated weight.
fn stream(spec: &pann::circuits::ValidMacSpec, len: usize, seed: u64) -> Vec<(i64, i64)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let ((xl, xh), (wl, wh)) = (spec.x_range(), spec.w_range());
    let mut w = 0;
    (0..len)
        .map(|_| {
            let x = if rng.gen_bool(0.4) {
                0
            } else {
                rng.gen_range(xl..=xh)
            };
            if rng.gen_bool(0.3) {
                w = if rng.gen_bool(0.2) {
                    0
                } else {
                    rng.gen_range(wl..=wh)
                };
            }
            (x, w)
        })
        .collect()
}

fn specs() -> Vec<(MacSpec, MacSpec)> {
    let mut v = Vec::new();
    for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
        for iso in [false, true] {
            for g in [ClockGating::Acc, ClockGating::All] {
                for (bx, bw) in [(2, 2), (4, 4), (3, 6), (8, 2)] {
                    let plain = MacSpec {
                        repr,
                        bx,
                        bw,
                        acc: bx + bw + 2,
                        operand_isolation: iso,
                        ..MacSpec::default()
                    };
                    v.push((
                        plain,
                        MacSpec {
                            clock_gating: g,
                            ..plain
                        },
                    ));
                }
            }
        }
    }
    v
}

/// Gated vs ungated on random streams: the accumulator outputs are identical every cycle
/// (and so are the operand registers' effects), the fast simulator's register check passes
/// on the gated netlist, its activity (per-net toggles and counted enables) equals the
/// scalar reference, and the enables it counts are those of the really-gated simulation.
#[test]
fn gated_mac_computes_exactly_what_the_ungated_one_does() {
    for (k, (plain, gated)) in specs().into_iter().enumerate() {
        let (plain, gated) = (plain.validate().unwrap(), gated.validate().unwrap());
        let n = build(&gated);
        let np = build(&plain);
        assert!(!n.clock_gates().is_empty() && np.clock_gates().is_empty());
        let pairs = stream(&gated, 700, 100 + k as u64);
        let vecs: Vec<PortValues> = pairs
            .iter()
            .map(|&(x, w)| vec![gated.encode_x(x) as u128, gated.encode_w(w) as u128])
            .collect();
        let (outs, ens) = simulate_gated(&n, &vecs);
        let (want, _) = simulate_gated(&np, &vecs);
        assert_eq!(outs, want, "{}", gated.describe());
        // Something is gated and something is clocked.
        let on: u64 = ens[..ens.len() - 1]
            .iter()
            .flatten()
            .map(|&e| e as u64)
            .sum();
        let edges = ((ens.len() - 1) * n.clock_gates().len()) as u64;
        assert!(on > 0 && on < edges, "{} {on}/{edges}", gated.describe());
        // Fast simulator (plain flip-flops, driver-predicted registers) on the gated netlist.
        let map = RegisterMap::new(&gated, &n);
        let enc: Vec<(u64, u64)> = pairs
            .iter()
            .map(|&(x, w)| (gated.encode_x(x), gated.encode_w(w)))
            .collect();
        let drv = MacDriver::new(&gated, &map, MacState::default(), &enc);
        let (act, stats) = ZeroDelaySim::new(&n).with_min_segment(150).run(&drv);
        assert_eq!(stats.mispredictions, 0, "{}", gated.describe());
        let (reference, _) = pann::sim::reference::simulate(&n, &vecs);
        assert_eq!(act, reference, "{}", gated.describe());
        let counted: Vec<u64> = (0..n.clock_gates().len())
            .map(|g| ens[..ens.len() - 1].iter().filter(|e| e[g]).count() as u64)
            .collect();
        assert_eq!(act.clock_enables, counted, "{}", gated.describe());
    }
}

/// The meter's clock energy equals a slow per-cycle reference: every cycle the root clock
/// net, each ICG's clock pin, and each flip-flop whose clock is running (free-running, or
/// its gate enabled at that edge) with its gated net; the gating overhead is the
/// `clock_gating` component; an ungated meter charges every flip-flop every cycle.
#[test]
fn clock_energy_matches_a_per_cycle_count_of_clocked_flip_flops() {
    let lib = CellLibrary::load("sky130_tt_025C_1v80").unwrap();
    let opts = EnergyOptions::default();
    let v2 = lib.voltage_v * lib.voltage_v;
    for repr in [Repr::Twos, Repr::Unsigned] {
        let spec = MacSpec {
            repr,
            bx: 4,
            bw: 4,
            clock_gating: ClockGating::All,
            ..MacSpec::default()
        }
        .validate()
        .unwrap();
        let n = build(&spec);
        let pairs = stream(&spec, 500, 9);
        let vecs: Vec<PortValues> = pairs
            .iter()
            .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
            .collect();
        let (_, ens) = simulate_gated(&n, &vecs);
        let (act, _) = pann::sim::reference::simulate(&n, &vecs);
        let meter = EnergyMeter::new(&n, &lib, opts);
        let r = meter.measure(&act);
        let gate_of = n.clock_gate_of();
        let icg = meter.clock_gate_models();
        let ops = (vecs.len() - 1) as f64;
        let (mut clock, mut gating) = (0.0, 0.0);
        for en in &ens[..ens.len() - 1] {
            clock += meter.root_clock_cap_ff() * v2;
            for q in n.dffs() {
                if gate_of[q.idx()].is_none_or(|g| en[g]) {
                    clock += meter.models()[q.idx()].clock_fj;
                }
            }
            for (g, (m, cap)) in icg.iter().enumerate() {
                gating += m.clk_fj;
                if en[g] {
                    clock += cap * v2;
                    gating += m.enabled_fj;
                }
            }
        }
        // The shipped Liberty ICG of SKY130 (data/cells/icg/), not the composed fallback.
        assert_eq!(r.icg_cell.as_deref(), Some("sky130_fd_sc_hd__dlclkp_1"));
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
        assert!(
            rel(r.clock_fj_per_op, clock / ops) < 1e-9,
            "{} vs {}",
            r.clock_fj_per_op,
            clock / ops
        );
        // The enable logic's own gates plus the ICG cells are at least the ICG part.
        assert!(r.fj_per_op_by_component["clock_gating"] > gating / ops);
        // Ungated: every flip-flop every cycle; gating saves clock energy on this stream.
        let plain = build(
            &MacSpec {
                clock_gating: ClockGating::None,
                ..*spec.spec()
            }
            .validate()
            .unwrap(),
        );
        let (pact, _) = pann::sim::reference::simulate(&plain, &vecs);
        let pm = EnergyMeter::new(&plain, &lib, opts);
        let pr = pm.measure(&pact);
        let all: f64 =
            pm.models().iter().map(|m| m.clock_fj).sum::<f64>() + pm.root_clock_cap_ff() * v2;
        assert!(rel(pr.clock_fj_per_op, all) < 1e-12);
        assert!(r.clock_fj_per_op < pr.clock_fj_per_op);
        assert!(!pr.fj_per_op_by_component.contains_key("clock_gating"));
    }
}

/// A library without a shipped ICG (the GF180 subset has none) charges a latch + AND2 of its
/// own primitives, named as such.
#[test]
fn a_library_without_an_icg_cell_charges_a_composed_one() {
    let lib = CellLibrary::load("gf180_tt_025C_5v00").unwrap();
    let spec = MacSpec {
        clock_gating: ClockGating::Acc,
        ..MacSpec::default()
    }
    .validate()
    .unwrap();
    let n = build(&spec);
    let meter = EnergyMeter::new(&n, &lib, EnergyOptions::default());
    let (m, _) = &meter.clock_gate_models()[0];
    assert!(m.cell.starts_with("composed:"), "{}", m.cell);
    assert!(m.clk_fj > 0.0 && m.enabled_fj > 0.0 && m.clk_cap_ff > 0.0);
}

#[test]
fn clock_gating_is_a_cpa_mac_option_and_off_by_default() {
    assert_eq!(MacSpec::default().clock_gating, ClockGating::None);
    for bad in [
        MacSpec {
            unit: Unit::Mult,
            clock_gating: ClockGating::Acc,
            ..MacSpec::default()
        },
        MacSpec {
            acc_style: AccStyle::CarrySave,
            clock_gating: ClockGating::Acc,
            ..MacSpec::default()
        },
    ] {
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("clock-gating"), "{e}");
    }
    let plain = MacSpec::default().validate().unwrap();
    assert!(build(&plain).clock_gates().is_empty());
    assert!(!plain.describe().contains("clock-gating"));
}
