//! PANN: the repeated-addition twin and the addition streams are bit-identical to the fast
//! inference (also when the accumulators wrap), mean |q| hits R, accuracy approaches float.
use pann::nn::{
    float,
    idx::{Dataset, DatasetId, Split},
    mac::{accumulate_unsigned, mac_trace, wrap_signed},
    model::{ModelId, Network},
    pann::{
        heldout_split, EdgeTreatment, PannConfig, PannNet, StreamStats, CSV_COLUMNS,
        R_REL_TOLERANCE,
    },
    qnet::{calibration_slice, LayerCounts},
    quant::Granularity,
};
use std::sync::OnceLock;

/// Allowed top-1 gap of PANN (R = 16, b̃x = 8) below float, in percentage points.
const R16_MAX_GAP_POINTS: f64 = 2.0;
/// Allowed accuracy decrease when R grows (sampling noise on 500 images), in points.
const MONOTONE_SLACK_POINTS: f64 = 0.5;
/// Test images of the accuracy checks.
const ACCURACY_IMAGES: usize = 500;

struct Data {
    net: Network,
    train: Dataset,
    test: Dataset,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let dir = pann::nn::default_data_dir();
        Data {
            net: ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap(),
            train: DatasetId::Mnist.load(&dir, Split::Train).unwrap(),
            test: DatasetId::Mnist.load(&dir, Split::Test).unwrap(),
        }
    })
}

fn build(cfg: &PannConfig) -> PannNet {
    let d = data();
    let calib = calibration_slice(&d.train, cfg.calib_size, cfg.seed);
    PannNet::build(&d.net, cfg, &calib).unwrap()
}

fn all_pann(r: f64, acc_bits: u32) -> PannConfig {
    PannConfig {
        r,
        acc_bits,
        act_bits: 6,
        first: EdgeTreatment::Pann,
        last: EdgeTreatment::Pann,
        ..PannConfig::default()
    }
}

/// Every layer of every image: the slow twin's single additions give the fast path's words.
fn assert_twin_equals_fast(p: &PannNet, images: usize) -> (u64, u64, u64) {
    let d = data();
    let (mut fast_wraps, mut twin_wraps, mut overflowed) = (0, 0, 0);
    for i in 0..images {
        let img = d.test.image(i);
        let (_, words) = p.forward_traced(img);
        let mut counts = vec![LayerCounts::default(); p.layers.len()];
        p.forward(img, &mut counts);
        for (m, w) in words.iter().enumerate() {
            let r = p.reference_accumulators(m, &p.q.input_codes(img, m));
            assert_eq!(&r.words, w, "image {i} layer {m}");
            assert_eq!(r.overflowed_outputs, counts[m].overflowed_outputs);
            assert!(r.addition_wraps >= counts[m].wrap_events);
            fast_wraps += counts[m].wrap_events;
            twin_wraps += r.addition_wraps;
            overflowed += r.overflowed_outputs;
        }
    }
    (fast_wraps, twin_wraps, overflowed)
}

#[test]
fn repeated_additions_equal_multiplication_bit_exactly() {
    let (fast, twin, over) = assert_twin_equals_fast(&build(&all_pann(3.0, 32)), 3);
    assert_eq!(
        (fast, twin, over),
        (0, 0, 0),
        "32-bit registers never wrap here"
    );
}

#[test]
fn repeated_additions_equal_multiplication_bit_exactly_when_registers_wrap() {
    let (fast, twin, over) = assert_twin_equals_fast(&build(&all_pann(3.0, 12)), 2);
    eprintln!("B=12: MAC-step wraps {fast}, addition wraps {twin}, overflowed outputs {over}");
    assert!(twin > 0 && over > 0, "B = 12 must wrap");
}

#[test]
fn addition_stream_accumulated_by_the_mac_reference_gives_the_inference_word() {
    for acc_bits in [32, 10] {
        let p = build(&all_pann(2.0, acc_bits));
        let img = data().test.image(7);
        let (_, words) = p.forward_traced(img);
        for (m, layer) in ["conv1", "conv2", "fc1", "fc2"].iter().enumerate() {
            let positions = p.q.layers[m].geom.positions();
            for (o, pos) in [(0, 0), (3, positions / 2), (9, positions - 1)] {
                let s = p.addition_stream(img, layer, o, pos).unwrap();
                // Each addition is a MAC step with weight ±1.
                let pairs = s
                    .iter()
                    .map(|a| (a.x as i64, if a.negative { -1 } else { 1 }));
                let split = accumulate_unsigned(pairs.clone(), acc_bits);
                assert_eq!(
                    split.value,
                    words[m][o * positions + pos],
                    "{layer} ({o}, {pos})"
                );
                assert_eq!(split.value, wrap_signed(split.pos - split.neg, acc_bits));
                // The two's-complement reference register ends on the same word.
                let last = mac_trace(pairs, acc_bits).last().unwrap_or(0);
                assert_eq!(last, split.value);
            }
        }
    }
}

/// The circuits' arithmetic model of an unsigned-split MAC (the model every generated
/// netlist is checked against), fed the stream as weights ±1 (sign-magnitude, 2 bits), ends
/// with registers S⁺, S⁻ whose difference mod 2^B is the inference's word.
#[test]
fn addition_stream_drives_the_circuit_arithmetic_model_to_the_inference_word() {
    use pann::circuits::{AccStyle, MacSpec, MacState, Repr, Unit};
    for (acc_bits, acc_style) in [
        (32, AccStyle::Cpa),
        (11, AccStyle::Cpa),
        (11, AccStyle::CarrySave),
    ] {
        let p = build(&all_pann(2.0, acc_bits));
        let img = data().test.image(3);
        let (_, words) = p.forward_traced(img);
        for (m, layer) in ["conv1", "conv2", "fc1", "fc2"].iter().enumerate() {
            let spec = MacSpec {
                unit: Unit::Mac,
                repr: Repr::Unsigned,
                bx: p.q.layers[m].x_bits,
                bw: 2,
                acc: acc_bits,
                acc_style,
                ..MacSpec::default()
            }
            .validate()
            .unwrap();
            let positions = p.q.layers[m].geom.positions();
            let (o, pos) = (5, positions / 3);
            let stream = p.addition_stream(img, layer, o, pos).unwrap();
            // Weight port: magnitude 1, sign bit 1 for the negative accumulator; one flush
            // cycle empties the operand registers into the accumulators.
            let mut pairs: Vec<(u64, u64)> = stream
                .iter()
                .map(|a| (a.x as u64, if a.negative { 0b11 } else { 0b01 }))
                .collect();
            pairs.push((0, 0));
            let end = spec.acc_sequence(MacState::default(), &pairs, &mut Vec::new());
            let diff = spec.acc_value(&end) as i64;
            assert_eq!(
                wrap_signed(diff, acc_bits),
                words[m][o * positions + pos],
                "{layer} B={acc_bits} {acc_style:?}"
            );
        }
    }
}

#[test]
fn additions_per_image_are_sum_of_abs_codes_times_positions() {
    let p = build(&all_pann(1.5, 32));
    let img = data().test.image(0);
    let stats = p.stream_stats(&data().test.head(1));
    for (m, info) in p.layers.iter().enumerate() {
        let l = &p.q.layers[m];
        let abs: u64 = l.w_q.iter().map(|w| w.unsigned_abs() as u64).sum();
        assert_eq!(info.additions_per_image, abs * l.geom.positions() as u64);
        assert_eq!(
            stats[m].additions, info.additions_per_image,
            "{}",
            info.layer
        );
    }
    // Stream length of one output = Σ_t |q[o,t]| (zero weights cost nothing).
    let s = p.addition_stream(img, "fc2", 4, 0).unwrap();
    let abs: usize = p.q.layers[3]
        .weights(4)
        .iter()
        .map(|w| w.unsigned_abs() as usize)
        .sum();
    assert_eq!(s.len(), abs);
    let zero = StreamStats::default();
    assert_eq!(zero.zero_fraction(), 0.0);
}

#[test]
fn mean_abs_weight_code_equals_r_within_tolerance_in_every_pann_layer() {
    for granularity in [Granularity::PerTensor, Granularity::PerChannel] {
        for r in [1.0, 2.0, 4.0, 8.0, 16.0] {
            let p = build(&PannConfig {
                r,
                granularity,
                ..PannConfig::default()
            });
            for l in p.layers.iter().filter(|l| l.r_target.is_some()) {
                assert!(
                    (l.r_reached - r).abs() <= R_REL_TOLERANCE * r,
                    "{granularity:?} R={r} {}: {}",
                    l.layer,
                    l.r_reached
                );
                assert!(l.within_tolerance);
            }
        }
    }
}

fn top1(p: &PannNet, ds: &Dataset) -> f64 {
    p.evaluate(ds, "test").top1
}

#[test]
fn r16_with_8_bit_activations_is_within_two_points_of_float() {
    let d = data();
    let test = d.test.head(ACCURACY_IMAGES);
    let fl = 100.0 * float::count_correct(&float::predict(&d.net, &test), &test) as f64
        / test.len() as f64;
    let p = build(&PannConfig {
        r: 16.0,
        act_bits: 8,
        ..PannConfig::default()
    });
    let rep = p.evaluate(&test, "test");
    let t = rep.top1;
    eprintln!("float {fl:.2} %, PANN R=16 b̃x=8 {t:.2} %\n{}", rep.table());
    let rows = rep.csv_rows();
    assert_eq!(rows.len(), p.layers.len());
    assert!(rows.iter().all(|r| r.len() == CSV_COLUMNS.len()));
    assert!(t >= fl - R16_MAX_GAP_POINTS, "{t} vs float {fl}");
}

#[test]
fn accuracy_rises_toward_float_as_r_grows() {
    let test = data().test.head(ACCURACY_IMAGES);
    // All layers PANN with 4-bit activations, so that small R visibly costs accuracy.
    let acc: Vec<f64> = [0.25, 1.0, 4.0, 16.0]
        .iter()
        .map(|&r| {
            top1(
                &build(&PannConfig {
                    act_bits: 4,
                    ..all_pann(r, 32)
                }),
                &test,
            )
        })
        .collect();
    eprintln!("top-1 at R = 0.25, 1, 4, 16: {acc:?}");
    for w in acc.windows(2) {
        assert!(w[1] >= w[0] - MONOTONE_SLACK_POINTS, "{acc:?}");
    }
    assert!(acc[3] > acc[0], "{acc:?}");
}

#[test]
fn heldout_split_is_disjoint_from_the_calibration_images() {
    let d = data();
    let cfg = PannConfig {
        calib_size: 100,
        ..PannConfig::default()
    };
    let calib = calibration_slice(&d.train, cfg.calib_size, cfg.seed);
    let held = heldout_split(&d.train, &cfg, 300);
    assert_eq!(held.len(), 300);
    let c: std::collections::HashSet<&[u8]> = (0..calib.len()).map(|i| calib.image(i)).collect();
    let shared = (0..held.len())
        .filter(|&i| c.contains(held.image(i)))
        .count();
    // Identical images can occur in MNIST, so allow a few; different indices by construction.
    assert!(shared <= 1, "{shared} shared images");
}

#[test]
fn r_whose_partial_sums_would_not_fit_i32_is_rejected_instead_of_overflowing() {
    let d = data();
    let calib = calibration_slice(&d.train, 16, 0);
    for r in [0.0, -1.0, f64::NAN, 1e6] {
        let cfg = PannConfig {
            r,
            calib_size: 16,
            ..PannConfig::default()
        };
        assert!(PannNet::build(&d.net, &cfg, &calib).is_err(), "R = {r}");
    }
}

/// Bias correction with PANN codes: on an inner fully connected layer (where the input means
/// are exact, no padding), the mean over the calibration images of the quantized layer's
/// output minus the float layer's output, both on the float network's inputs, is zero per
/// output feature; without correction it is not.
#[test]
fn pann_bias_correction_zeroes_the_mean_output_error_of_an_inner_linear_layer() {
    use pann::nn::model::Layer;
    let d = data();
    let cfg = |bias_correction| PannConfig {
        r: 0.5,
        act_bits: 4,
        calib_size: 64,
        bias_correction,
        ..PannConfig::default()
    };
    let calib = calibration_slice(&d.train, 64, 0);
    let mean_err = |p: &PannNet| -> (String, Vec<f64>) {
        let n = p.q.layers.len();
        let (m, l) =
            p.q.layers
                .iter()
                .enumerate()
                .find(|(m, l)| {
                    *m > 0 && *m + 1 < n && matches!(d.net.layers[l.layer_index], Layer::Linear(_))
                })
                .expect("an inner linear layer");
        assert_eq!(p.layers[m].treatment, "pann");
        let Layer::Linear(f) = &d.net.layers[l.layer_index] else {
            unreachable!()
        };
        let mut err = vec![0f64; f.out_f];
        for i in 0..calib.len() {
            float::forward_visit(&d.net, calib.image(i), |li, x| {
                if li == l.layer_index {
                    for (o, e) in err.iter_mut().enumerate() {
                        let k = f.in_f;
                        let mut s = (l.bias[o] - f.bias[o]) as f64;
                        for (t, &xt) in x.iter().enumerate().take(k) {
                            let wq = l.w_q[o * k + t] as f64 * l.w_scale[o] as f64;
                            s += (wq - f.weight[o * k + t] as f64) * xt as f64;
                        }
                        *e += s / calib.len() as f64;
                    }
                }
            });
        }
        (f.name.clone(), err)
    };
    let (name, plain) = mean_err(&PannNet::build(&d.net, &cfg(false), &calib).unwrap());
    let (_, corrected) = mean_err(&PannNet::build(&d.net, &cfg(true), &calib).unwrap());
    let max = |v: &[f64]| v.iter().fold(0f64, |m, e| m.max(e.abs()));
    assert!(max(&plain) > 1e-3, "{name}: {plain:?}");
    assert!(
        max(&corrected) < 1e-3 * max(&plain).max(1.0),
        "{name}: {corrected:?}"
    );
}
