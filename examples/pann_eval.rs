//! One PANN evaluation through the library API: test-set report (per-layer R reached,
//! additions, overflow, stream statistics) and held-out calibration-split accuracy. Usage:
//! `cargo run --release --example pann_eval [R] [act_bits] [test_images] [pann-edges] [per-channel]`.
use pann::nn::pann::{calibration_accuracy, evaluate_pann, EdgeTreatment, PannConfig};
use pann::nn::quant::Granularity;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let edge = if has("pann-edges") {
        EdgeTreatment::Pann
    } else {
        EdgeTreatment::Uniform { bits: 8 }
    };
    let cfg = PannConfig {
        r: args.get(1).map_or(Ok(4.0), |s| s.parse())?,
        act_bits: args.get(2).map_or(Ok(8), |s| s.parse())?,
        limit: args.get(3).map(|s| s.parse()).transpose()?,
        first: edge,
        last: edge,
        granularity: if has("per-channel") {
            Granularity::PerChannel
        } else {
            Granularity::PerTensor
        },
        ..PannConfig::default()
    };
    let dir = pann::nn::default_data_dir();
    let report = evaluate_pann(&dir, &cfg)?;
    print!("{}", report.table());
    let held = calibration_accuracy(&dir, &cfg, 2000)?;
    println!(
        "held-out calibration split: top-1 {:.2} % ({} images)",
        held.top1, held.images
    );
    println!("{}", serde_json::to_string(&report.layers[1])?);
    Ok(())
}
