//! Micro-benchmark of the integer kernels on conv2 shapes (196×288 patches, 64 weight rows).
fn main() {
    use pann::nn::kernels::{dot_i16, gemm_i16};
    let (p, k, o) = (196, 288, 64);
    let x: Vec<i16> = (0..p * k).map(|i| (i * 7 % 256) as i16).collect();
    let w: Vec<i16> = (0..o * k).map(|i| (i * 13 % 255) as i16 - 127).collect();
    let reps = 200;
    let t = std::time::Instant::now();
    let mut s = 0i64;
    for _ in 0..reps {
        let g = gemm_i16(std::hint::black_box(&x), &w, k);
        s += g[5] as i64;
    }
    let tg = t.elapsed();
    let t = std::time::Instant::now();
    for _ in 0..reps {
        for oo in 0..o {
            for pp in 0..p {
                s += dot_i16(
                    std::hint::black_box(&x[pp * k..(pp + 1) * k]),
                    &w[oo * k..(oo + 1) * k],
                ) as i64;
            }
        }
    }
    let td = t.elapsed();
    let macs = (reps * p * k * o) as f64;
    println!(
        "gemm {:.2} GMAC/s, dot {:.2} GMAC/s ({s})",
        macs / tg.as_secs_f64() / 1e9,
        macs / td.as_secs_f64() / 1e9
    );
}
