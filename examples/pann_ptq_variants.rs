//! PANN post-training variants on one network, chosen on the held-out split of the training
//! set (never the test set): Δw per layer or per channel, activation clipping min-max / MSE /
//! ACIQ, bias correction, at given (b̃x, R). Writes CSV to stdout: held-out and test top-1 of
//! every variant next to float's (the test column is reported, never used to choose). Usage:
//! `cargo run --release --example pann_ptq_variants -- MODEL DATASET HELDOUT BX:R[,BX:R...]`
//! e.g. `-- lenet5 fashion-mnist 2000 3:0.5,4:0.5,4:1`.
use pann::nn::float;
use pann::nn::idx::{DatasetId, Split};
use pann::nn::model::ModelId;
use pann::nn::pann::{heldout_split, PannConfig, PannNet};
use pann::nn::qnet::calibration_slice;
use pann::nn::quant::{Granularity, Quantizer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let model = ModelId::parse(&a[0])?;
    let dataset = DatasetId::parse(&a[1])?;
    let heldout: usize = a[2].parse()?;
    let points: Vec<(u32, f64)> = a[3]
        .split(',')
        .map(|p| {
            let (b, r) = p.split_once(':').expect("BX:R");
            (b.parse().expect("bx"), r.parse().expect("R"))
        })
        .collect();
    let dir = pann::nn::default_data_dir();
    let net = model.load(&dir, dataset)?;
    let train = dataset.load(&dir, Split::Train)?;
    let test = dataset.load(&dir, Split::Test)?;
    let top1 = |pred: &[usize], ds: &pann::nn::idx::Dataset| {
        100.0 * float::count_correct(pred, ds) as f64 / ds.len() as f64
    };
    let base = PannConfig {
        model,
        dataset,
        ..PannConfig::default()
    };
    let calib = calibration_slice(&train, base.calib_size, base.seed);
    let held = heldout_split(&train, &base, heldout);
    let common = format!(
        "{},{},{:.2},{:.2},{},{},{},{},{}",
        a[0],
        a[1],
        top1(&float::predict(&net, &held), &held),
        top1(&float::predict(&net, &test), &test),
        held.len(),
        test.len(),
        base.calib_size,
        base.seed,
        env!("CARGO_PKG_VERSION")
    );
    println!("model,dataset,float_heldout_top1,float_test_top1,heldout_images,test_images,calib_size,seed,version,act_bits,r,granularity,act_quantizer,bias_correction,heldout_top1,test_top1");
    for &(bx, r) in &points {
        for g in [Granularity::PerTensor, Granularity::PerChannel] {
            for q in [Quantizer::MinMax, Quantizer::Mse, Quantizer::Aciq] {
                for bc in [false, true] {
                    let cfg = PannConfig {
                        r,
                        act_bits: bx,
                        granularity: g,
                        act_quantizer: q,
                        bias_correction: bc,
                        ..base.clone()
                    };
                    let p = PannNet::build(&net, &cfg, &calib)?;
                    let h = top1(&p.predict(&held).0, &held);
                    let t = top1(&p.predict(&test).0, &test);
                    println!(
                        "{common},{bx},{r},{},{},{bc},{h:.2},{t:.2}",
                        g.name(),
                        q.name()
                    );
                }
            }
        }
    }
    Ok(())
}
