//! Operand streams: sequences of `(x, w)` integer pairs fed to a MAC, one pair per cycle.
//!
//! Synthetic streams are generated in blocks of [`BLOCK`] pairs; block `b` draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream `b`, so the sequence depends only on the seed
//! (never on thread count) and blocks can be generated in parallel.

use rand::distributions::Uniform;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

mod fast;
pub mod file;

/// Pairs per independently seeded block.
pub const BLOCK: usize = 4096;

/// Errors from building or reading a stream.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Unparsable stream or dataflow description.
    #[error("invalid --{field} '{value}': {why}")]
    Spec {
        /// Flag.
        field: &'static str,
        /// Given text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A vector file could not be read.
    #[error("cannot read vector file {path}: {}", crate::report::reason(cause))]
    Io {
        /// File.
        path: String,
        /// Cause.
        cause: std::io::Error,
    },
    /// A bad element of a NumPy vector file.
    #[error("{path}: row {row}, column '{field}': {why}")]
    Element {
        /// File.
        path: String,
        /// 0-based row of the `N×2` array (index into `x` and `w`).
        row: u64,
        /// `x`, `w`, or the header part at fault (`dtype`, `shape`, `npz`).
        field: String,
        /// What is wrong.
        why: String,
    },
    /// A bad row in a vector file.
    #[error("{path}: line {line}, field '{field}': {why}")]
    Row {
        /// File.
        path: String,
        /// 1-based line number.
        line: u64,
        /// Column name.
        field: String,
        /// What is wrong.
        why: String,
    },
}

/// Value distribution of a synthetic stream. Scales are relative to each operand's range:
/// `σ = max(|lo|, |hi|) / 3`, values rounded to the nearest integer and clipped to the range.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Dist {
    /// Both operands uniform over their whole range.
    Uniform,
    /// Both operands Gaussian N(0, σ).
    Gauss,
    /// Both operands Laplace with standard deviation σ (scale σ/√2).
    Laplace,
    /// ReLU-sparse: the activation is 0 with probability `p`, otherwise uniform over its
    /// positive range; the weight is Gaussian N(0, σ).
    Relu {
        /// Probability of a zero activation.
        p: f64,
    },
}

pub use crate::arith::{Dataflow, DEFAULT_HOLD};

/// Where a stream's pairs come from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum StreamSpec {
    /// Seeded synthetic distribution.
    Synthetic {
        /// Distribution.
        dist: Dist,
    },
    /// Explicit pairs from a vector file: CSV with columns `x,w`, or NumPy `.npy` / `.npz`
    /// (see [`FileStream`]).
    File {
        /// Path of the file.
        path: PathBuf,
    },
    /// The operand pairs one MAC sees while a real network layer runs on real test images:
    /// `nn:<model>:<layer>` or `nn:<model>:<dataset>:<layer>` (see [`crate::nn::stream`]).
    Nn {
        /// The `nn:...` text.
        spec: String,
        /// Number of test images (the first ones of the test split).
        images: usize,
    },
}

impl std::fmt::Display for StreamSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamSpec::Synthetic { dist } => match dist {
                Dist::Uniform => f.write_str("uniform"),
                Dist::Gauss => f.write_str("gauss"),
                Dist::Laplace => f.write_str("laplace"),
                Dist::Relu { p } => write!(f, "relu:{p}"),
            },
            StreamSpec::File { path } => write!(f, "file:{}", path.display()),
            StreamSpec::Nn { spec, images } => write!(f, "{spec} ({images} images)"),
        }
    }
}

impl std::str::FromStr for StreamSpec {
    type Err = StreamError;
    fn from_str(s: &str) -> Result<Self, StreamError> {
        let bad = |why: &str| StreamError::Spec {
            field: "stream",
            value: s.to_string(),
            why: why.to_string(),
        };
        let dist = match s.split_once(':') {
            None => match s {
                "uniform" => Dist::Uniform,
                "gauss" | "gaussian" => Dist::Gauss,
                "laplace" => Dist::Laplace,
                "relu" => Dist::Relu { p: 0.5 },
                _ => {
                    return Err(bad(
                        "expected uniform, gauss, laplace, relu:P, file:PATH or nn:MODEL:LAYER",
                    ))
                }
            },
            Some(("relu", p)) => match p.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Dist::Relu { p },
                _ => return Err(bad("the zero probability P must be a number in [0, 1]")),
            },
            Some(("file", path)) if !path.is_empty() => {
                return Ok(StreamSpec::File { path: path.into() })
            }
            Some(("nn", _)) => {
                return Ok(StreamSpec::Nn {
                    spec: s.to_string(),
                    images: 16,
                })
            }
            _ => {
                return Err(bad(
                    "expected uniform, gauss, laplace, relu:P, file:PATH or nn:MODEL:LAYER",
                ))
            }
        };
        Ok(StreamSpec::Synthetic { dist })
    }
}

/// A source of operand pairs, read batch by batch.
pub trait OperandStream: Send {
    /// Replace `out` with the next up to `max` pairs; an empty `out` means the end.
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError>;

    /// The next up to `max` pairs in one vector (streams short enough to hold: reference
    /// runs, waveforms, tests).
    fn take_pairs(&mut self, max: u64) -> Result<Vec<(i64, i64)>, StreamError> {
        let (mut all, mut batch) = (Vec::new(), Vec::new());
        while (all.len() as u64) < max {
            let want = (max - all.len() as u64).min(1 << 16) as usize;
            self.next_batch(&mut batch, want)?;
            if batch.is_empty() {
                break;
            }
            all.extend_from_slice(&batch);
        }
        Ok(all)
    }
}

/// Operand value ranges (inclusive) the stream must respect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranges {
    /// Activation range.
    pub x: (i64, i64),
    /// Weight range.
    pub w: (i64, i64),
}

/// Any iterator of pairs (e.g. a real layer's [`crate::nn::stream::LayerStream`]), at most
/// `limit` of them, checked against the unit's ranges.
pub struct IterStream<I> {
    iter: I,
    ranges: Ranges,
    limit: u64,
    read: u64,
    name: String,
}

impl<I: Iterator<Item = (i64, i64)> + Send> IterStream<I> {
    /// Wrap `iter`; `name` appears in range errors.
    pub fn new(iter: I, ranges: Ranges, limit: u64, name: String) -> IterStream<I> {
        IterStream {
            iter,
            ranges,
            limit,
            read: 0,
            name,
        }
    }
}

impl<I: Iterator<Item = (i64, i64)> + Send> OperandStream for IterStream<I> {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        out.clear();
        while out.len() < max && self.read < self.limit {
            let Some((x, w)) = self.iter.next() else {
                break;
            };
            for (v, (lo, hi), field) in [(x, self.ranges.x, "x"), (w, self.ranges.w, "w")] {
                if v < lo || v > hi {
                    return Err(StreamError::Spec {
                        field: "stream",
                        value: self.name.clone(),
                        why: format!(
                            "pair {} has {field} = {v}, outside the unit's range {lo}..={hi}",
                            self.read
                        ),
                    });
                }
            }
            out.push((x, w));
            self.read += 1;
        }
        Ok(())
    }
}

/// A seeded synthetic stream of `len` pairs.
#[derive(Clone, Debug)]
pub struct Synthetic {
    dist: Dist,
    dataflow: Dataflow,
    ranges: Ranges,
    seed: u64,
    len: u64,
    pos: u64,
    /// Use the bulk-draw twin where it applies (the same pairs; see [`fast`]).
    fast: bool,
    /// Laplace samplers of the bulk-draw path (x, w), built on first use.
    laplace: std::sync::OnceLock<(fast::LaplaceTable, fast::LaplaceTable)>,
    /// Samplers built once (uniform over each range, the positive activations, N(0, σ)).
    ux: Uniform<i64>,
    uw: Uniform<i64>,
    ux_pos: Uniform<i64>,
    nx: Normal<f64>,
    nw: Normal<f64>,
}

impl Synthetic {
    /// `len` pairs of `dist` in `dataflow` order within `ranges`, from `seed`.
    pub fn new(dist: Dist, dataflow: Dataflow, ranges: Ranges, seed: u64, len: u64) -> Synthetic {
        let (xl, xh) = ranges.x;
        let (wl, wh) = ranges.w;
        Synthetic {
            dist,
            dataflow,
            ranges,
            seed,
            len,
            pos: 0,
            fast: true,
            laplace: std::sync::OnceLock::new(),
            ux: Uniform::new_inclusive(xl, xh),
            uw: Uniform::new_inclusive(wl, wh),
            ux_pos: Uniform::new_inclusive(xl.max(1).min(xh), xh),
            nx: Normal::new(0.0, sigma(xl, xh)).expect("σ > 0"),
            nw: Normal::new(0.0, sigma(wl, wh)).expect("σ > 0"),
        }
    }

    /// Generate every block with the one-sample-at-a-time generator (the slow twin of the
    /// bulk-draw path; the pairs are the same).
    pub fn slow(mut self) -> Synthetic {
        self.fast = false;
        self
    }

    /// Bits per operand when a uniform stream is drawn as bit-planes: every operand drawn per
    /// cycle (x, and w unless weight-stationary: then `0` for w) has a range of a power of two
    /// values (at least 2). `None`: the integer samplers.
    pub(super) fn plane_bits(&self) -> Option<(u32, u32)> {
        if self.dist != Dist::Uniform {
            return None;
        }
        let bits = |(lo, hi): (i64, i64)| {
            let r = (hi as i128 - lo as i128 + 1) as u128;
            (r >= 2 && r.is_power_of_two()).then_some(r.trailing_zeros())
        };
        let bx = bits(self.ranges.x)?;
        let bw = match self.dataflow {
            Dataflow::OutputStationary => bits(self.ranges.w)?,
            Dataflow::WeightStationary { .. } => 0,
        };
        Some((bx, bw))
    }

    /// Block `b` of a bit-plane uniform stream, one bit at a time (the slow twin of
    /// [`fast::planes_block`]). Each group of 64 cycles draws `bx` words, one per bit of x
    /// (bit `l` of word `i` = bit `i` of the x of the group's cycle `l`), then `bw` words for
    /// w; the value is the range's low end plus those bits.
    fn block_planes(&self, b: u64, out: &mut [(i64, i64)], bx: u32, bw: u32) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(b);
        for chunk in out.chunks_mut(64) {
            let xp: Vec<u64> = (0..bx).map(|_| rng.next_u64()).collect();
            let wp: Vec<u64> = (0..bw).map(|_| rng.next_u64()).collect();
            for (l, o) in chunk.iter_mut().enumerate() {
                let gather = |planes: &[u64]| {
                    let mut v = 0u64;
                    for (i, p) in planes.iter().enumerate() {
                        v |= ((p >> l) & 1) << i;
                    }
                    v as i64
                };
                o.0 = self.ranges.x.0.wrapping_add(gather(&xp));
                if bw > 0 {
                    o.1 = self.ranges.w.0.wrapping_add(gather(&wp));
                }
            }
        }
        if bw == 0 {
            self.fill_held(b, out);
        }
    }

    /// The held weights of block `b` of a weight-stationary stream.
    pub(super) fn fill_held(&self, b: u64, out: &mut [(i64, i64)]) {
        let Dataflow::WeightStationary { n } = self.dataflow else {
            return;
        };
        let t0 = b * BLOCK as u64;
        let mut held: Option<(u64, i64)> = None;
        for (i, o) in out.iter_mut().enumerate() {
            let g = (t0 + i as u64) / n;
            o.1 = match held {
                Some((hg, w)) if hg == g => w,
                _ => {
                    let w = self.held_weight(g);
                    held = Some((g, w));
                    w
                }
            };
        }
    }

    /// The pairs of block `b` (the last block may be shorter).
    fn block(&self, b: u64, out: &mut [(i64, i64)]) {
        if let Some((bx, bw)) = self.plane_bits() {
            return self.block_planes(b, out, bx, bw);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(b);
        let t0 = b * BLOCK as u64;
        let mut held: Option<(u64, i64)> = None;
        for (i, o) in out.iter_mut().enumerate() {
            let t = t0 + i as u64;
            let x = self.sample_x(&mut rng);
            let w = match self.dataflow {
                Dataflow::OutputStationary => self.sample_w(&mut rng),
                Dataflow::WeightStationary { n } => {
                    let g = t / n;
                    match held {
                        Some((hg, w)) if hg == g => w,
                        _ => {
                            let w = self.held_weight(g);
                            held = Some((g, w));
                            w
                        }
                    }
                }
            };
            *o = (x, w);
        }
    }

    /// The Laplace tables of the x and w ranges.
    fn laplace_tables(&self) -> &(fast::LaplaceTable, fast::LaplaceTable) {
        self.laplace.get_or_init(|| {
            let (x, w) = (self.ranges.x, self.ranges.w);
            (
                fast::LaplaceTable::new(x.0, x.1),
                fast::LaplaceTable::new(w.0, w.1),
            )
        })
    }

    /// The weight held during group `g` of a weight-stationary stream. Each held weight has
    /// its own generator, so it does not depend on where block boundaries fall.
    fn held_weight(&self, g: u64) -> i64 {
        let mut wr = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5753_5745_4947);
        wr.set_stream(g);
        self.sample_w(&mut wr)
    }

    fn sample_x(&self, rng: &mut ChaCha8Rng) -> i64 {
        let (lo, hi) = self.ranges.x;
        match self.dist {
            Dist::Uniform => self.ux.sample(rng),
            Dist::Gauss => round_clip(self.nx.sample(rng), lo, hi),
            Dist::Laplace => laplace(rng, lo, hi),
            Dist::Relu { p } => {
                if rng.gen_bool(p) || hi < 1 {
                    0.clamp(lo, hi)
                } else {
                    self.ux_pos.sample(rng)
                }
            }
        }
    }

    fn sample_w(&self, rng: &mut ChaCha8Rng) -> i64 {
        let (lo, hi) = self.ranges.w;
        match self.dist {
            Dist::Uniform => self.uw.sample(rng),
            Dist::Gauss | Dist::Relu { .. } => round_clip(self.nw.sample(rng), lo, hi),
            Dist::Laplace => laplace(rng, lo, hi),
        }
    }
}

fn sigma(lo: i64, hi: i64) -> f64 {
    (lo.abs().max(hi.abs()) as f64 / 3.0).max(1e-9)
}

fn round_clip(v: f64, lo: i64, hi: i64) -> i64 {
    (v.round() as i64).clamp(lo, hi)
}

fn laplace(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    laplace_of_unit(rng.gen_range(-0.5..0.5), lo, hi)
}

/// The Laplace sample (standard deviation σ of `lo..=hi`) of a uniform `u` in `[-0.5, 0.5)`.
#[inline]
fn laplace_of_unit(u: f64, lo: i64, hi: i64) -> i64 {
    let b = sigma(lo, hi) / std::f64::consts::SQRT_2;
    round_clip(-b * u.signum() * (1.0 - 2.0 * u.abs()).ln(), lo, hi)
}

impl OperandStream for Synthetic {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        // Batches are whole blocks so every block is generated from its start.
        let max = (max / BLOCK).max(1) * BLOCK;
        let n = (self.len - self.pos).min(max as u64) as usize;
        // Every generator writes both fields of every pair, so a recycled buffer is not
        // cleared first.
        out.resize(n, (0, 0));
        let b0 = self.pos / BLOCK as u64;
        debug_assert!(n == 0 || self.pos.is_multiple_of(BLOCK as u64));
        let fast = self.fast && fast::fixed_cost(self.dist);
        let planes = self.plane_bits().filter(|_| self.fast);
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each_init(Vec::new, |words, (i, chunk)| {
                let b = b0 + i as u64;
                if let Some((bx, bw)) = planes {
                    fast::planes_block(self, b, chunk, words, bx, bw);
                } else if !(fast && fast::block(self, b, chunk, words)) {
                    self.block(b, chunk);
                }
            });
        self.pos += n as u64;
        Ok(())
    }
}

/// Pairs from a vector file, checked against the unit's ranges and read incrementally:
/// NumPy `.npy` / `.npz` by extension (see [`file::NpyStream`]), otherwise CSV with header
/// columns `x` and `w`, other columns ignored (see [`file::CsvStream`]).
pub enum FileStream {
    /// CSV.
    Csv(file::CsvStream),
    /// NumPy arrays.
    Npy(file::NpyStream),
}

impl FileStream {
    /// Open `path`; at most `limit` pairs are read.
    pub fn open(path: &Path, ranges: Ranges, limit: u64) -> Result<FileStream, StreamError> {
        let numpy = path.extension().is_some_and(|e| e == "npy" || e == "npz");
        Ok(if numpy {
            FileStream::Npy(file::NpyStream::open(path, ranges, limit)?)
        } else {
            FileStream::Csv(file::CsvStream::open(path, ranges, limit)?)
        })
    }
}

impl OperandStream for FileStream {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        match self {
            FileStream::Csv(s) => s.next_batch(out, max),
            FileStream::Npy(s) => s.next_batch(out, max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(mut s: impl OperandStream, batch: usize) -> Vec<(i64, i64)> {
        let mut all = Vec::new();
        let mut b = Vec::new();
        loop {
            s.next_batch(&mut b, batch).unwrap();
            if b.is_empty() {
                return all;
            }
            all.extend_from_slice(&b);
        }
    }

    const R: Ranges = Ranges {
        x: (0, 255),
        w: (-127, 127),
    };

    #[test]
    fn synthetic_streams_do_not_depend_on_batch_size() {
        for dist in [
            Dist::Uniform,
            Dist::Gauss,
            Dist::Laplace,
            Dist::Relu { p: 0.5 },
        ] {
            for df in [
                Dataflow::OutputStationary,
                Dataflow::WeightStationary { n: 100 },
            ] {
                let a = collect(Synthetic::new(dist, df, R, 9, 20_000), BLOCK);
                let b = collect(Synthetic::new(dist, df, R, 9, 20_000), 5 * BLOCK);
                assert_eq!(a, b);
                assert_eq!(a.len(), 20_000);
                assert!(a
                    .iter()
                    .all(|&(x, w)| (0..=255).contains(&x) && w.abs() <= 127));
            }
        }
    }

    #[test]
    fn fast_blocks_equal_the_slow_generator() {
        let wide = Ranges {
            x: (-(1 << 62), 1 << 62),
            w: (i64::MIN, i64::MAX),
        };
        let odd = Ranges {
            x: (-3, 9),
            w: (-32767, 32767),
        };
        for ranges in [R, wide, odd] {
            for dist in [Dist::Uniform, Dist::Laplace, Dist::Gauss] {
                for df in [
                    Dataflow::OutputStationary,
                    Dataflow::WeightStationary { n: 3 },
                ] {
                    let len = 3 * BLOCK as u64 + 17;
                    let fast = collect(Synthetic::new(dist, df, ranges, 5, len), BLOCK);
                    let slow = collect(Synthetic::new(dist, df, ranges, 5, len).slow(), BLOCK);
                    assert_eq!(fast, slow, "{dist:?} {df:?} {ranges:?}");
                }
            }
        }
    }

    /// χ² bound for `dof` degrees of freedom at about p = 10⁻⁶ (Wilson–Hilferty).
    fn chi2_bound(dof: f64) -> f64 {
        let z = 4.75;
        dof * (1.0 - 2.0 / (9.0 * dof) + z * (2.0 / (9.0 * dof)).sqrt()).powi(3)
    }

    fn chi2(counts: &[u64], expected: &[f64]) -> f64 {
        counts
            .iter()
            .zip(expected)
            .map(|(&c, &e)| (c as f64 - e).powi(2) / e)
            .sum()
    }

    #[test]
    fn uniform_stream_is_uniform_per_value_and_per_bit() {
        let n = 1u64 << 20;
        let pairs = collect(
            Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, R, 11, n),
            1 << 16,
        );
        let (mut xv, mut wv) = (vec![0u64; 256], vec![0u64; 255]);
        let mut xbits = [0u64; 8];
        for &(x, w) in &pairs {
            xv[x as usize] += 1;
            wv[(w + 127) as usize] += 1;
            for (b, c) in xbits.iter_mut().enumerate() {
                *c += (x >> b) as u64 & 1;
            }
        }
        let ex = vec![n as f64 / 256.0; 256];
        let ew = vec![n as f64 / 255.0; 255];
        assert!(chi2(&xv, &ex) < chi2_bound(255.0), "x per value");
        assert!(chi2(&wv, &ew) < chi2_bound(254.0), "w per value");
        for (b, &ones) in xbits.iter().enumerate() {
            let c = [ones, n - ones];
            let e = [n as f64 / 2.0; 2];
            assert!(chi2(&c, &e) < chi2_bound(1.0), "x bit {b}");
        }
    }

    /// Two's complement 8 × 8: both ranges hold 256 values, so uniform streams are drawn as
    /// bit-planes.
    const T: Ranges = Ranges {
        x: (-128, 127),
        w: (-128, 127),
    };

    #[test]
    fn plane_streams_are_used_exactly_for_power_of_two_ranges() {
        let os = Dataflow::OutputStationary;
        let ws = Dataflow::WeightStationary { n: 4 };
        let plane = |dist, df, r| Synthetic::new(dist, df, r, 1, 10).plane_bits();
        assert_eq!(plane(Dist::Uniform, os, T), Some((8, 8)));
        assert_eq!(plane(Dist::Uniform, ws, T), Some((8, 0)));
        assert_eq!(plane(Dist::Uniform, ws, R), Some((8, 0)));
        assert_eq!(plane(Dist::Uniform, os, R), None, "w has 255 values");
        assert_eq!(plane(Dist::Laplace, os, T), None);
        assert_eq!(plane(Dist::Relu { p: 0.5 }, os, T), None);
        let full = Ranges {
            x: (i64::MIN, i64::MAX),
            w: (0, 1),
        };
        assert_eq!(plane(Dist::Uniform, os, full), Some((64, 1)));
    }

    #[test]
    fn plane_blocks_equal_the_bit_loop() {
        let odd = Ranges {
            x: (-3, 4),
            w: (1000, 1000 + (1 << 16) - 1),
        };
        let full = Ranges {
            x: (i64::MIN, i64::MAX),
            w: (0, 1),
        };
        for ranges in [T, R, odd, full] {
            for df in [
                Dataflow::OutputStationary,
                Dataflow::WeightStationary { n: 3 },
            ] {
                let len = 3 * BLOCK as u64 + 17;
                let s = Synthetic::new(Dist::Uniform, df, ranges, 5, len);
                if s.plane_bits().is_none() {
                    continue;
                }
                let fast = collect(s.clone(), BLOCK);
                let slow = collect(s.slow(), 2 * BLOCK);
                assert_eq!(fast, slow, "{df:?} {ranges:?}");
                assert!(fast
                    .iter()
                    .all(|&(x, w)| (ranges.x.0..=ranges.x.1).contains(&x)
                        && (ranges.w.0..=ranges.w.1).contains(&w)));
            }
        }
    }

    #[test]
    fn plane_streams_do_not_depend_on_batch_size_or_thread_count() {
        let make = || Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, T, 21, 50_000);
        let in_pool = |threads: usize, batch: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| collect(make(), batch))
        };
        let one = in_pool(1, BLOCK);
        assert_eq!(one.len(), 50_000);
        assert_eq!(one, in_pool(3, 7 * BLOCK));
        assert_eq!(one, in_pool(2, 1 << 20));
        // A different seed gives a different stream.
        let other = collect(
            Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, T, 22, 50_000),
            BLOCK,
        );
        assert_ne!(one, other);
    }

    #[test]
    fn plane_stream_is_uniform_per_value_per_bit_and_over_neighbours() {
        let n = 1u64 << 20;
        let pairs = collect(
            Synthetic::new(Dist::Uniform, Dataflow::OutputStationary, T, 13, n),
            1 << 16,
        );
        assert_eq!(pairs.len() as u64, n);
        let (mut xv, mut wv) = (vec![0u64; 256], vec![0u64; 256]);
        let mut bits = [[0u64; 8]; 2];
        // Neighbouring cycles (bits of one plane word) and x against w (different words):
        // top nibbles of (x[t], x[t+1]) and of (x[t], w[t]), 256 cells each.
        let (mut lag, mut joint) = (vec![0u64; 256], vec![0u64; 256]);
        for (t, &(x, w)) in pairs.iter().enumerate() {
            let (xu, wu) = ((x + 128) as usize, (w + 128) as usize);
            xv[xu] += 1;
            wv[wu] += 1;
            for (op, v) in bits.iter_mut().zip([xu, wu]) {
                for (b, c) in op.iter_mut().enumerate() {
                    *c += (v >> b) as u64 & 1;
                }
            }
            joint[(xu >> 4) << 4 | wu >> 4] += 1;
            if let Some(&(x1, _)) = pairs.get(t + 1) {
                lag[(xu >> 4) << 4 | ((x1 + 128) as usize) >> 4] += 1;
            }
        }
        let e = vec![n as f64 / 256.0; 256];
        assert!(chi2(&xv, &e) < chi2_bound(255.0), "x per value");
        assert!(chi2(&wv, &e) < chi2_bound(255.0), "w per value");
        assert!(chi2(&joint, &e) < chi2_bound(255.0), "x, w jointly");
        let el = vec![(n - 1) as f64 / 256.0; 256];
        assert!(chi2(&lag, &el) < chi2_bound(255.0), "x, next x");
        for (op, ones) in bits.iter().enumerate() {
            for (b, &o) in ones.iter().enumerate() {
                let c = [o, n - o];
                assert!(
                    chi2(&c, &[n as f64 / 2.0; 2]) < chi2_bound(1.0),
                    "operand {op} bit {b}"
                );
            }
        }
    }

    #[test]
    fn laplace_stream_matches_the_rounded_clipped_laplace_cdf() {
        let n = 1u64 << 20;
        let pairs = collect(
            Synthetic::new(Dist::Laplace, Dataflow::OutputStationary, R, 12, n),
            1 << 16,
        );
        let (lo, hi) = R.w;
        let b = sigma(lo, hi) / std::f64::consts::SQRT_2;
        let cdf = |v: f64| {
            if v < 0.0 {
                0.5 * (v / b).exp()
            } else {
                1.0 - 0.5 * (-v / b).exp()
            }
        };
        // Cells: values -20..=20 each, and the two tails.
        let mut counts = vec![0u64; 43];
        let mut expected = vec![0f64; 43];
        for &(_, w) in &pairs {
            counts[(w.clamp(-21, 21) + 21) as usize] += 1;
        }
        for (i, e) in expected.iter_mut().enumerate() {
            let v = i as f64 - 21.0;
            let (a, z) = match i {
                0 => (f64::NEG_INFINITY, -20.5),
                42 => (20.5, f64::INFINITY),
                _ => (v - 0.5, v + 0.5),
            };
            let p = if z.is_infinite() { 1.0 } else { cdf(z) }
                - if a.is_infinite() { 0.0 } else { cdf(a) };
            *e = p * n as f64;
        }
        assert!(chi2(&counts, &expected) < chi2_bound(42.0));
    }

    #[test]
    fn relu_stream_zero_fraction_matches_p() {
        let s = collect(
            Synthetic::new(
                Dist::Relu { p: 0.7 },
                Dataflow::OutputStationary,
                R,
                1,
                100_000,
            ),
            BLOCK,
        );
        let zeros = s.iter().filter(|p| p.0 == 0).count() as f64 / s.len() as f64;
        assert!((zeros - 0.7).abs() < 0.01, "{zeros}");
    }

    #[test]
    fn weight_stationary_holds_each_weight_for_n_cycles() {
        let s = collect(
            Synthetic::new(
                Dist::Uniform,
                Dataflow::WeightStationary { n: 7 },
                R,
                2,
                10_000,
            ),
            BLOCK,
        );
        for g in s.chunks(7) {
            assert!(g.iter().all(|p| p.1 == g[0].1));
        }
        let changes = s.windows(2).filter(|w| w[0].1 != w[1].1).count();
        assert!(changes > 1000);
    }

    #[test]
    fn malformed_vector_file_names_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.csv");
        std::fs::write(&p, "x,w\n1,2\n3,abc\n").unwrap();
        let mut s = FileStream::open(&p, R, u64::MAX).unwrap();
        let e = s.next_batch(&mut Vec::new(), 10).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("'w'") && e.contains("abc"),
            "{e}"
        );
        std::fs::write(&p, "x,w\n999,2\n").unwrap();
        let mut s = FileStream::open(&p, R, u64::MAX).unwrap();
        let e = s.next_batch(&mut Vec::new(), 10).unwrap_err().to_string();
        assert!(e.contains("999") && e.contains("0..=255"), "{e}");
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        assert!(FileStream::open(&p, R, u64::MAX).is_err());
    }
}
