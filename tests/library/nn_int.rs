//! Integer inference: W8A8 accuracy near float, and the unsigned split bit-identical to two's
//! complement on every MNIST test image.
use pann::nn::{
    float,
    idx::{DatasetId, Split},
    mac::Repr,
    model::ModelId,
    qnet::{calibration_slice, QuantNet},
    quant::QuantConfig,
};
use rayon::prelude::*;

/// Allowed top-1 drop of W8A8 integer inference w.r.t. float, in images out of 10,000.
const W8A8_MAX_DROP: usize = 30;

fn setup(cfg: &QuantConfig) -> (QuantNet, pann::nn::idx::Dataset) {
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist).unwrap();
    let train = DatasetId::Mnist.load(&dir, Split::Train).unwrap();
    let calib = calibration_slice(&train, cfg.calib_size, cfg.seed);
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap();
    (QuantNet::build(&net, cfg, &calib).unwrap(), test)
}

#[test]
fn unsigned_split_is_bit_identical_to_twos_on_every_mnist_test_image() {
    let twos_cfg = QuantConfig {
        wbits: 4,
        abits: 4,
        ..QuantConfig::default()
    };
    let (twos, test) = setup(&twos_cfg);
    let mut unsigned = twos.clone();
    unsigned.cfg.repr = Repr::Unsigned;
    // One pass per representation and image: every accumulator word and the logits.
    let per_image: Vec<(bool, usize, usize)> = (0..test.len())
        .into_par_iter()
        .map(|i| {
            let (lt, at) = twos.forward_traced(test.image(i));
            let (lu, au) = unsigned.forward_traced(test.image(i));
            (at == au, float::argmax(&lt), float::argmax(&lu))
        })
        .collect();
    assert!(per_image.iter().all(|r| r.0), "some accumulator differs");
    let correct = |f: fn(&(bool, usize, usize)) -> usize| {
        per_image
            .iter()
            .zip(&test.labels)
            .filter(|(r, &l)| f(r) == l as usize)
            .count()
    };
    let (ct, cu) = (correct(|r| r.1), correct(|r| r.2));
    eprintln!("W4A4 twos {ct} / unsigned {cu} correct of {}", test.len());
    assert_eq!(ct, cu, "accuracy change must be exactly 0");
    assert!(per_image.iter().all(|r| r.1 == r.2), "predictions differ");
}

/// At 12-bit accumulators overflow happens; the unsigned split still equals two's complement
/// mod 2^B (checked on the first 200 test images).
#[test]
fn unsigned_split_equals_twos_even_when_accumulators_wrap() {
    let cfg = QuantConfig {
        acc_bits: 12,
        ..QuantConfig::default()
    };
    let (twos, test) = setup(&cfg);
    let mut unsigned = twos.clone();
    unsigned.cfg.repr = Repr::Unsigned;
    let test = test.head(200);
    for i in 0..test.len() {
        assert_eq!(
            twos.forward_traced(test.image(i)).1,
            unsigned.forward_traced(test.image(i)).1
        );
    }
    let (_, ct) = twos.predict(&test);
    let (_, cu) = unsigned.predict(&test);
    assert!(ct.iter().any(|c| c.wrap_events > 0), "{ct:?}");
    // Both give the same (wrapped) results; wrap events differ (S± wrap at 2^B, not ±2^(B−1)).
    eprintln!("B=12 twos {ct:?}\nB=12 unsigned {cu:?}");
    for (a, b) in ct.iter().zip(&cu) {
        assert_eq!(a.overflowed_outputs, b.overflowed_outputs);
    }
}

#[test]
fn w8a8_integer_inference_is_within_0_3_points_of_float() {
    let (q, test) = setup(&QuantConfig::default());
    let (p, counts) = q.predict(&test);
    let int_correct = float::count_correct(&p, &test);
    // Float reference: 9,905 / 10,000 (checked by tests/nn_float.rs).
    let float_correct = 9905;
    eprintln!("W8A8 {int_correct} vs float {float_correct}; counts {counts:?}");
    assert!(
        int_correct + W8A8_MAX_DROP >= float_correct,
        "{int_correct} vs {float_correct}"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let cfg = QuantConfig {
        wbits: 3,
        abits: 3,
        acc_bits: 14,
        ..QuantConfig::default()
    };
    let (q, test) = setup(&cfg);
    let test = test.head(300);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| q.predict(&test))
    };
    let (p1, c1) = run(1);
    let (p3, c3) = run(3);
    assert_eq!(p1, p3);
    assert_eq!(c1, c3);
    assert!(
        c1.iter().any(|c| c.wrap_events > 0),
        "14-bit accumulators should wrap: {c1:?}"
    );
}

#[test]
fn w8a8_is_within_0_3_points_of_float_for_the_trained_networks_too() {
    let dir = pann::nn::default_data_dir();
    for (model, ds) in [
        (ModelId::Lenet5, DatasetId::Mnist),
        (ModelId::Mlp, DatasetId::Mnist),
        (ModelId::Mlp, DatasetId::FashionMnist),
    ] {
        let net = model.load(&dir, ds).unwrap();
        let train = ds.load(&dir, Split::Train).unwrap();
        let test = ds.load(&dir, Split::Test).unwrap();
        let q = QuantNet::build(
            &net,
            &QuantConfig::default(),
            &calibration_slice(&train, 512, 0),
        )
        .unwrap();
        let int_correct = float::count_correct(&q.predict(&test).0, &test);
        let float_correct = float::count_correct(&float::predict(&net, &test), &test);
        assert!(
            int_correct + W8A8_MAX_DROP >= float_correct,
            "{} {}: {int_correct} vs {float_correct}",
            model.name(),
            ds.name()
        );
    }
}
