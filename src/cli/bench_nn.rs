//! `pann bench-nn`: time integer inference of the ccexam CNN over the MNIST test set.

use super::args::data_dir;
use clap::Args;
use pann::nn::{
    eval::{self, EvalOptions},
    idx::DatasetId,
    mac::Repr,
    model::ModelId,
    quant::QuantConfig,
};
use std::path::PathBuf;

/// `pann bench-nn`.
#[derive(Args)]
pub struct BenchArgs {
    /// Test images.
    #[arg(long, default_value_t = 10_000)]
    images: usize,
    /// Number representation.
    #[arg(long, value_enum, default_value_t = Repr::Twos)]
    repr: Repr,
    /// Data directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Run `pann bench-nn`.
pub fn run_bench(a: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.images != 0, "--images 0: time at least 1 image");
    let dir = data_dir(&a.data_dir);
    let cfg = QuantConfig {
        repr: a.repr,
        ..QuantConfig::default()
    };
    let opts = EvalOptions {
        model: ModelId::CcexamCnn,
        dataset: DatasetId::Mnist,
        float: false,
        cfg,
        limit: Some(a.images),
    };
    let t0 = std::time::Instant::now();
    let (net, test, q) = eval::prepare(&dir, &opts)?;
    let t_prep = t0.elapsed();
    let q = q.expect("integer mode");
    let t1 = std::time::Instant::now();
    let r = eval::int_report(&q, &opts, &test);
    let t_int = t1.elapsed();
    let t2 = std::time::Instant::now();
    let f = eval::float_report(
        &net,
        &EvalOptions {
            float: true,
            ..opts.clone()
        },
        &test,
    );
    let t_float = t2.elapsed();
    let macs: u64 = r.layers.iter().map(|l| l.macs).sum();
    println!(
        "ccexam-cnn MNIST test, {} images, {} rayon threads, repr {}",
        test.len(),
        rayon::current_num_threads(),
        a.repr
    );
    println!("load + calibrate: {:.2} s", t_prep.as_secs_f64());
    println!(
        "integer W8A8: {:.2} s ({:.0} images/s, {:.2} GMAC/s), top-1 {:.2} %",
        t_int.as_secs_f64(),
        test.len() as f64 / t_int.as_secs_f64(),
        macs as f64 / t_int.as_secs_f64() / 1e9,
        r.top1
    );
    println!(
        "float32 reference: {:.2} s, top-1 {:.2} %; integer/float time ratio {:.2}",
        t_float.as_secs_f64(),
        f.top1,
        t_int.as_secs_f64() / t_float.as_secs_f64()
    );
    if let Some(kb) = peak_rss_kib() {
        println!("peak resident memory: {:.0} MiB", kb as f64 / 1024.0);
    }
    Ok(())
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}
