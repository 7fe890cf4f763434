//! Quick timing of integer inference (ccexam CNN, MNIST test): `cargo run --release --example nn_speed`.
fn main() -> anyhow::Result<()> {
    use pann::nn::{idx::*, model::ModelId, qnet::*, quant::QuantConfig};
    let dir = pann::nn::default_data_dir();
    let net = ModelId::CcexamCnn.load(&dir, DatasetId::Mnist)?;
    let train = DatasetId::Mnist.load(&dir, Split::Train)?;
    let test = DatasetId::Mnist.load(&dir, Split::Test)?;
    let cfg = QuantConfig::default();
    let t = std::time::Instant::now();
    let q = QuantNet::build(&net, &cfg, &calibration_slice(&train, 512, 0))?;
    println!("build {:?}", t.elapsed());
    let n: usize = std::env::args().nth(1).map_or(2000, |s| s.parse().unwrap());
    let ds = test.head(n);
    let t = std::time::Instant::now();
    let (p, _) = q.predict(&ds);
    let dt = t.elapsed();
    let correct = pann::nn::float::count_correct(&p, &ds);
    println!(
        "{n} images in {dt:?} ({:.0} img/s), {correct} correct",
        n as f64 / dt.as_secs_f64()
    );
    Ok(())
}
