//! PANN accuracy of ccexam-cnn on MNIST over R × b̃x (post-training, B = 32, per-layer Δw,
//! first and last layer 8-bit uniform). Usage:
//! `cargo run --release --example pann_sweep [test_images] [per-tensor|per-channel] [uniform8|pann-edges] [out.csv]`
//! (`pann-edges`: first and last layer PANN too; `out.csv`: tidy rows, one per layer and run,
//! see [`pann::nn::pann::CSV_COLUMNS`]).
use pann::nn::idx::{DatasetId, Split};
use pann::nn::model::ModelId;
use pann::nn::pann::{EdgeTreatment, PannConfig, PannNet};
use pann::nn::qnet::calibration_slice;
use pann::nn::quant::Granularity;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(10_000), |s| s.parse())?;
    let granularity = match args.get(2).map(String::as_str) {
        Some("per-channel") => Granularity::PerChannel,
        _ => Granularity::PerTensor,
    };
    let edge = match args.get(3).map(String::as_str) {
        Some("pann-edges") => EdgeTreatment::Pann,
        _ => EdgeTreatment::Uniform { bits: 8 },
    };
    let mut rows = Vec::new();
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist)?;
    let train = DatasetId::Mnist.load(&dir, Split::Train)?;
    let test = DatasetId::Mnist.load(&dir, Split::Test)?.head(n);
    let pred = pann::nn::float::predict(&net, &test);
    let float_top1 = 100.0 * pann::nn::float::count_correct(&pred, &test) as f64 / n as f64;
    println!(
        "float top-1 {float_top1:.2} % on {n} MNIST test images; Δw {granularity:?}, edges {}",
        edge.name()
    );
    println!("R,act_bits,top1,r_reached_conv2,r_reached_fc1,adds_per_image,uniform_macs_per_image,wraps,seconds");
    for r in [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0] {
        for act_bits in 4..=8 {
            let t = Instant::now();
            let cfg = PannConfig {
                r,
                act_bits,
                granularity,
                stats_images: 4,
                first: edge,
                last: edge,
                ..PannConfig::default()
            };
            let calib = calibration_slice(&train, cfg.calib_size, cfg.seed);
            let p = PannNet::build(&net, &cfg, &calib)?;
            let rep = p.evaluate(&test, "test");
            rows.extend(rep.csv_rows());
            let wraps: u64 = rep.layers.iter().map(|l| l.wrap_events).sum();
            println!(
                "{r},{act_bits},{:.2},{:.4},{:.4},{},{},{wraps},{:.1}",
                rep.top1,
                rep.layers[1].info.r_reached,
                rep.layers[2].info.r_reached,
                rep.additions_per_image,
                rep.uniform_macs_per_image,
                t.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(path) = args.get(4) {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(pann::nn::pann::CSV_COLUMNS)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    Ok(())
}
