//! One-epoch smoke test of candle training on a small slice (feature `train` only; not in CI).
#![cfg(feature = "train")]
use pann::nn::{
    float,
    idx::{DatasetId, Split},
    model::ModelId,
    train::{train, TrainConfig},
};

#[test]
fn one_epoch_of_mlp_on_2000_images_learns_something_and_round_trips() {
    let dir = pann::nn::default_data_dir();
    let cfg = TrainConfig {
        epochs: 1,
        batch: 64,
        lr: 1e-3,
        seed: 0,
        limit: Some(2000),
        init: None,
    };
    let net = train(&dir, ModelId::Mlp, DatasetId::Mnist, &cfg, &mut |_| {}).unwrap();
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(1000);
    let acc = float::count_correct(&float::predict(&net, &test), &test);
    assert!(acc > 700, "{acc} / 1000");
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("mlp.safetensors");
    net.save_safetensors(&p, &[]).unwrap();
    let mut back = ModelId::Mlp.architecture();
    back.load_safetensors(&p).unwrap();
    assert_eq!(float::predict(&back, &test), float::predict(&net, &test));
}

mod qat {
    use pann::nn::{
        float,
        idx::{DatasetId, Split},
        model::ModelId,
        qat::{self, QatMethod},
        qat_train::{fake_quant_predict, fine_tune, EpochStats, Hooks, QatConfig},
        qnet::calibration_slice,
        quant::Quantizer,
    };

    /// Fake-quantized forward pass and bit-exact integer inference may disagree on this share
    /// of images (float summation order; activation ranges from candle vs our float path).
    const MAX_DISAGREEMENT: f64 = 0.01;

    #[test]
    fn fake_quantization_predicts_what_the_integer_inference_predicts() {
        let dir = pann::nn::default_data_dir();
        let net = ModelId::Lenet5.load(&dir, DatasetId::FashionMnist).unwrap();
        let train = DatasetId::FashionMnist.load(&dir, Split::Train).unwrap();
        let calib = calibration_slice(&train, 128, 0);
        let test = DatasetId::FashionMnist
            .load(&dir, Split::Test)
            .unwrap()
            .head(500);
        for m in [
            QatMethod::Pann {
                r: 0.7,
                act_bits: 3,
            },
            QatMethod::Pann {
                r: 2.0,
                act_bits: 6,
            },
            QatMethod::Uniform {
                bits: 2,
                quantizer: Quantizer::Mse,
            },
            QatMethod::Uniform {
                bits: 4,
                quantizer: Quantizer::MinMax,
            },
        ] {
            let fq = fake_quant_predict(&net, m, &calib, &test).unwrap();
            let int: Vec<usize> = match m {
                QatMethod::Pann { r, act_bits } => {
                    let cfg = qat::pann_config(
                        ModelId::Lenet5,
                        DatasetId::FashionMnist,
                        r,
                        act_bits,
                        128,
                        0,
                    );
                    pann::nn::pann::PannNet::build(&net, &cfg, &calib)
                        .unwrap()
                        .predict(&test)
                        .0
                }
                QatMethod::Uniform { bits, quantizer } => {
                    let cfg = qat::uniform_config(bits, quantizer, 128, 0);
                    pann::nn::qnet::QuantNet::build(&net, &cfg, &calib)
                        .unwrap()
                        .predict(&test)
                        .0
                }
            };
            let differ = fq.iter().zip(&int).filter(|(a, b)| a != b).count();
            assert!(
                differ as f64 <= MAX_DISAGREEMENT * test.len() as f64,
                "{m:?}: {differ} of {} predictions differ",
                test.len()
            );
        }
    }

    #[test]
    fn pann_fine_tuning_on_a_small_slice_lowers_the_loss_and_round_trips() {
        let dir = pann::nn::default_data_dir();
        let (model, ds) = (ModelId::Lenet5, DatasetId::FashionMnist);
        let base = model.load(&dir, ds).unwrap();
        let m = QatMethod::Pann {
            r: 0.5,
            act_bits: 3,
        };
        let mut cfg = QatConfig::new(m);
        cfg.epochs = 2;
        cfg.limit = Some(384);
        cfg.calib_size = 128;
        cfg.recalib_every = 4;
        cfg.lr = 5e-4;
        let mut epochs: Vec<EpochStats> = Vec::new();
        let mut steps = 0;
        let net = fine_tune(
            &dir,
            model,
            ds,
            &base,
            &cfg,
            Hooks {
                step: &mut |_, _, _| steps += 1,
                epoch: &mut |s, _| {
                    epochs.push(s);
                    Ok(())
                },
            },
        )
        .unwrap();
        assert_eq!(steps, 2 * 6);
        assert_eq!(epochs.len(), 2);
        assert!(
            epochs[1].loss < epochs[0].loss,
            "loss {} then {}",
            epochs[0].loss,
            epochs[1].loss
        );
        let (calib, test) = qat::calib_and_test(&dir, ds, 128, 0, Some(300)).unwrap();
        let before = qat::integer_top1(&base, model, ds, m, None, &calib, &test).unwrap();
        let after = qat::integer_top1(&net, model, ds, m, None, &calib, &test).unwrap();
        assert!(after > 60.0, "top-1 after fine-tuning {after} %");
        assert!(after >= before - 2.0, "{before} % → {after} %");
        // The checkpoint round-trips: same weights, same integer predictions.
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("ft.safetensors");
        net.save_safetensors(&p, &[]).unwrap();
        let mut back = model.architecture();
        back.load_safetensors(&p).unwrap();
        assert_eq!(
            qat::integer_top1(&back, model, ds, m, None, &calib, &test).unwrap(),
            after
        );
        assert_eq!(float::predict(&back, &test), float::predict(&net, &test));
    }
}
