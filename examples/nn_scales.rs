//! Print the activation / weight steps chosen by a quantizer (debug aid).
//! `cargo run --release --example nn_scales -- aciq 4 512`
fn main() -> anyhow::Result<()> {
    use pann::nn::{idx::*, model::ModelId, qnet::*, quant::*};
    let a: Vec<String> = std::env::args().collect();
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist)?;
    let train = DatasetId::Mnist.load(&dir, Split::Train)?;
    let b: u32 = a[2].parse()?;
    let cfg = QuantConfig {
        quantizer: Quantizer::parse(&a[1])?,
        wbits: b,
        abits: b,
        first_bits: b,
        last_bits: b,
        calib_size: a[3].parse()?,
        ..QuantConfig::default()
    };
    let q = QuantNet::build(&net, &cfg, &calibration_slice(&train, cfg.calib_size, 0))?;
    for l in &q.layers {
        let wmin = l.w_scale.iter().cloned().fold(f32::INFINITY, f32::min);
        let wmaxv = l.w_scale.iter().cloned().fold(0.0, f32::max);
        let zeros = l.w_q.iter().filter(|&&w| w == 0).count() as f64 / l.w_q.len() as f64;
        println!(
            "{} x_scale {:.5} w_scale {:.5}..{:.5} zero-weights {:.3}",
            l.name, l.x_scale, wmin, wmaxv, zeros
        );
    }
    Ok(())
}
