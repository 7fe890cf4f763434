//! Bit-accuracy of every generated circuit: exhaustive over all operand pairs up to 8×8 for
//! every multiplier architecture and representation; MACs against integer prefix sums mod 2^B
//! (through the simulator's register check and the output ports); adders to 64 bits.

use pann::circuits::driver::RegisterMap;
use pann::circuits::{
    build, AccStyle, AdderArch, MacDriver, MacSpec, MacState, MultArch, Repr, Unit, ValidMacSpec,
};
use pann::sim::zero_delay::output_values;
use pann::sim::{reference, ZeroDelaySim};
use rand::{Rng, SeedableRng};

/// Simulate `pairs` (values) through `spec`; returns outputs per cycle and mispredictions.
fn run(spec: &ValidMacSpec, pairs: &[(i64, i64)]) -> (Vec<Vec<u128>>, u64, MacDriverCheck) {
    let n = build(spec);
    let map = RegisterMap::new(spec, &n);
    let enc: Vec<(u64, u64)> = pairs
        .iter()
        .map(|&(x, w)| (spec.encode_x(x), spec.encode_w(w)))
        .collect();
    let drv = MacDriver::new(spec, &map, MacState::default(), &enc);
    let sim = ZeroDelaySim::new(&n);
    let mut outs = Vec::new();
    let (act, stats) = sim.run_observed(&drv, &mut |_, valid, v| {
        outs.extend(output_values(&n, valid, v))
    });
    let states = (0..pairs.len()).map(|t| drv.state(t)).collect();
    // The fused, segmented fast path gives the same activity as the observed serial run.
    let (fast, fstats) = sim.clone().with_min_segment(300).run(&drv);
    assert_eq!(fast, act, "{}", spec.describe());
    assert_eq!(fstats.mispredictions, 0);
    (
        outs,
        stats.mispredictions,
        MacDriverCheck { act, states, n },
    )
}

struct MacDriverCheck {
    act: pann::sim::Activity,
    states: Vec<MacState>,
    n: pann::netlist::Netlist,
}

fn all_pairs(spec: &ValidMacSpec) -> Vec<(i64, i64)> {
    let (xl, xh) = spec.x_range();
    let (wl, wh) = spec.w_range();
    (wl..=wh)
        .flat_map(|w| (xl..=xh).map(move |x| (x, w)))
        .collect()
}

#[test]
fn every_multiplier_is_exact_for_all_operand_pairs_up_to_8x8() {
    let mut checked = 0;
    for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
        for &mult in MultArch::ALL {
            for bx in 1..=8 {
                for bw in 1..=8 {
                    let spec = MacSpec {
                        unit: Unit::Mult,
                        mult,
                        repr,
                        bx,
                        bw,
                        ..MacSpec::default()
                    };
                    let Ok(spec) = spec.validate() else { continue };
                    let pairs = all_pairs(&spec);
                    let (outs, _, _) = run(&spec, &pairs);
                    for (&(x, w), o) in pairs.iter().zip(&outs) {
                        let want = spec.mult_output(spec.encode_x(x), spec.encode_w(w));
                        assert_eq!(o[0], want, "{} x={x} w={w}", spec.describe());
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 600, "checked {checked} multipliers");
}

#[test]
fn every_mac_accumulates_the_integer_prefix_sum_mod_2_pow_b() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
        for &mult in MultArch::ALL {
            for &adder in AdderArch::ALL {
                for acc_style in [AccStyle::Cpa, AccStyle::CarrySave] {
                    for (bx, bw) in [(4, 4), (8, 8), (3, 6), (8, 2)] {
                        let spec = MacSpec {
                            unit: Unit::Mac,
                            mult,
                            adder,
                            repr,
                            acc_style,
                            bx,
                            bw,
                            acc: bx + bw + 2,
                            ..MacSpec::default()
                        };
                        let Ok(spec) = spec.validate() else { continue };
                        let mut pairs = all_pairs(&spec);
                        // Shuffle so the accumulator wraps in both directions.
                        for i in (1..pairs.len()).rev() {
                            pairs.swap(i, rng.gen_range(0..=i));
                        }
                        let (outs, mispredicted, chk) = run(&spec, &pairs);
                        assert_eq!(mispredicted, 0, "{}", spec.describe());
                        // Outputs are the accumulator registers: compare with the model
                        // state and the model state with the integer prefix sum.
                        let mut sum: i128 = 0;
                        let m = 1i128 << spec.acc;
                        for t in 0..pairs.len() {
                            let s = chk.states[t];
                            let regs: Vec<u128> = (0..spec.acc_registers())
                                .map(|k| s.acc[k] as u128)
                                .collect();
                            assert_eq!(outs[t], regs, "{} t={t}", spec.describe());
                            let got = spec.acc_value(&s);
                            assert_eq!((got - sum).rem_euclid(m), 0, "{} t={t}", spec.describe());
                            if t >= 1 {
                                sum += pairs[t - 1].0 as i128 * pairs[t - 1].1 as i128;
                            }
                        }
                        assert!(chk.act.total() > 0);
                        let _ = &chk.n;
                    }
                }
            }
        }
    }
}

#[test]
fn mac_fast_simulation_equals_reference_per_net() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
        for acc_style in [AccStyle::Cpa, AccStyle::CarrySave] {
            let spec = MacSpec {
                repr,
                acc_style,
                mult: MultArch::BoothDadda,
                adder: AdderArch::KoggeStone,
                acc: 24,
                ..MacSpec::default()
            }
            .validate()
            .unwrap();
            let (xl, xh) = spec.x_range();
            let (wl, wh) = spec.w_range();
            let pairs: Vec<(i64, i64)> = (0..1500)
                .map(|_| (rng.gen_range(xl..=xh), rng.gen_range(wl..=wh)))
                .collect();
            let (_, mis, chk) = run(&spec, &pairs);
            assert_eq!(mis, 0);
            let vecs: Vec<Vec<u128>> = pairs
                .iter()
                .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
                .collect();
            let (want, _) = reference::simulate(&chk.n, &vecs);
            assert_eq!(chk.act, want, "{}", spec.describe());
        }
    }
}

#[test]
fn wide_macs_match_the_model_on_random_streams() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for &mult in MultArch::ALL {
        for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
            let bx = rng.gen_range(9..=16);
            let bw = rng.gen_range(9..=16);
            let spec = MacSpec {
                mult,
                repr,
                bx,
                bw,
                acc: rng.gen_range(bx + bw..=48),
                adder: AdderArch::ALL[rng.gen_range(0..4)],
                ..MacSpec::default()
            };
            let Ok(spec) = spec.validate() else { continue };
            let (xl, xh) = spec.x_range();
            let (wl, wh) = spec.w_range();
            let pairs: Vec<(i64, i64)> = (0..3000)
                .map(|_| (rng.gen_range(xl..=xh), rng.gen_range(wl..=wh)))
                .collect();
            let (outs, mis, chk) = run(&spec, &pairs);
            assert_eq!(mis, 0, "{}", spec.describe());
            for (o, s) in outs.iter().zip(&chk.states) {
                assert_eq!(o[0], s.acc[0] as u128);
            }
        }
    }
}

#[test]
fn adders_add_exactly_up_to_64_bits() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for &adder in AdderArch::ALL {
        for acc in [1u32, 2, 3, 5, 8, 13, 16, 31, 32, 33, 48, 63, 64] {
            let spec = MacSpec {
                unit: Unit::Adder,
                adder,
                acc,
                ..MacSpec::default()
            }
            .validate()
            .unwrap();
            let n = build(&spec);
            let m = if acc == 64 {
                u64::MAX
            } else {
                (1u64 << acc) - 1
            };
            let vecs: Vec<Vec<u128>> = (0..700)
                .map(|_| {
                    vec![
                        (rng.gen::<u64>() & m) as u128,
                        (rng.gen::<u64>() & m) as u128,
                    ]
                })
                .collect();
            let drv = pann::sim::PortVectors::new(&n, vecs.clone());
            let mut outs = Vec::new();
            ZeroDelaySim::new(&n).run_observed(&drv, &mut |_, valid, v| {
                outs.extend(output_values(&n, valid, v))
            });
            for (v, o) in vecs.iter().zip(&outs) {
                assert_eq!(
                    o[0],
                    spec.adder_output(v[0] as u64, v[1] as u64),
                    "{adder} {acc}"
                );
            }
        }
    }
}

/// Operand isolation: exhaustive operand pairs (every pair once, shuffled, with a zero
/// activation in front of about half of them), every representation and accumulator style:
/// the simulator's register check passes (operand registers hold the last pair with a
/// non-zero activation, `x_nz` is predicted), the accumulator equals the plain MAC's, the
/// outputs are the integer prefix sums mod 2^B, and the fast simulator equals the scalar
/// reference per net.
#[test]
fn operand_isolation_holds_operands_and_keeps_the_accumulator_bit_exact() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    for repr in [Repr::Twos, Repr::Unsigned, Repr::Signmag] {
        for acc_style in [AccStyle::Cpa, AccStyle::CarrySave] {
            for (bx, bw) in [(2, 2), (4, 4), (3, 6), (8, 2)] {
                let plain = MacSpec {
                    repr,
                    acc_style,
                    bx,
                    bw,
                    acc: bx + bw + 2,
                    ..MacSpec::default()
                };
                let Ok(plain) = plain.validate() else {
                    continue;
                };
                let spec = MacSpec {
                    operand_isolation: true,
                    ..*plain.spec()
                }
                .validate()
                .unwrap();
                let mut pairs = Vec::new();
                let mut all = all_pairs(&spec);
                for i in (1..all.len()).rev() {
                    all.swap(i, rng.gen_range(0..=i));
                }
                for p in all {
                    if rng.gen_bool(0.5) {
                        pairs.push((0, p.1));
                    }
                    pairs.push(p);
                }
                let (outs, mispredicted, chk) = run(&spec, &pairs);
                assert_eq!(mispredicted, 0, "{}", spec.describe());
                let mut s_plain = MacState::default();
                let (mut held, mut sum) = ((0u64, 0u64), 0i128);
                let m = 1i128 << spec.acc;
                for (t, &(x, w)) in pairs.iter().enumerate() {
                    let s = chk.states[t];
                    // Same words, but for sign-magnitude carry-save: a plain MAC adds a
                    // product 0 with a negative sign as all-ones + 1 (same value, other
                    // sum/carry split); the isolated one adds nothing.
                    if repr != Repr::Signmag || acc_style == AccStyle::Cpa {
                        assert_eq!(s.acc, s_plain.acc, "{} t={t}", spec.describe());
                    }
                    let d = spec.acc_value(&s) - plain.acc_value(&s_plain);
                    assert_eq!(d.rem_euclid(m), 0, "{} t={t}", spec.describe());
                    assert_eq!((s.xr, s.wr), held, "{} t={t}", spec.describe());
                    let regs: Vec<u128> = (0..spec.acc_registers())
                        .map(|k| s.acc[k] as u128)
                        .collect();
                    assert_eq!(outs[t], regs, "{} t={t}", spec.describe());
                    assert_eq!((spec.acc_value(&s) - sum).rem_euclid(m), 0);
                    if t >= 1 {
                        sum += pairs[t - 1].0 as i128 * pairs[t - 1].1 as i128;
                    }
                    if x != 0 {
                        held = (spec.encode_x(x), spec.encode_w(w));
                    }
                    s_plain = plain.step(&s_plain, plain.encode_x(x), plain.encode_w(w));
                }
                let vecs: Vec<Vec<u128>> = pairs
                    .iter()
                    .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
                    .collect();
                let (want, _) = reference::simulate(&chk.n, &vecs);
                assert_eq!(chk.act, want, "{}", spec.describe());
            }
        }
    }
}

#[test]
fn operand_isolation_is_a_mac_option_and_off_by_default() {
    assert!(!MacSpec::default().operand_isolation);
    let mult = MacSpec {
        unit: Unit::Mult,
        operand_isolation: true,
        ..MacSpec::default()
    };
    assert!(mult.validate().is_err());
    let plain = MacSpec::default().validate().unwrap();
    assert!(!plain.describe().contains("isolation"));
    assert!(build(&plain).label("x_nz").is_none());
}
