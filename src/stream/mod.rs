//! Operand streams: sequences of `(x, w)` integer pairs fed to a MAC, one pair per cycle.
//!
//! Synthetic streams are generated in blocks of [`BLOCK`] pairs; block `b` draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream `b`, so the sequence depends only on the seed
//! (never on thread count) and blocks can be generated in parallel.

use rand::distributions::Uniform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Cycles a weight is held under `weight-stationary` without `:N`.
pub const DEFAULT_HOLD: u64 = 64;

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

/// The order in which a MAC sees its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Dataflow {
    /// Both operands change every cycle (one dot product after another).
    OutputStationary,
    /// The weight is held for `n` cycles while activations stream.
    WeightStationary {
        /// Cycles per weight.
        n: u64,
    },
}

impl std::fmt::Display for Dataflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dataflow::OutputStationary => f.write_str("output-stationary"),
            Dataflow::WeightStationary { n } => write!(f, "weight-stationary:{n}"),
        }
    }
}

impl std::str::FromStr for Dataflow {
    type Err = StreamError;
    fn from_str(s: &str) -> Result<Self, StreamError> {
        let bad = |why: &str| StreamError::Spec {
            field: "dataflow",
            value: s.to_string(),
            why: why.to_string(),
        };
        match s.split_once(':') {
            None if s == "output-stationary" => Ok(Dataflow::OutputStationary),
            None if s == "weight-stationary" => Ok(Dataflow::WeightStationary { n: DEFAULT_HOLD }),
            Some(("weight-stationary", n)) => match n.parse::<u64>() {
                Ok(n) if n >= 1 => Ok(Dataflow::WeightStationary { n }),
                _ => Err(bad("the hold length must be an integer >= 1")),
            },
            _ => Err(bad("expected output-stationary or weight-stationary[:N]")),
        }
    }
}

/// Where a stream's pairs come from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum StreamSpec {
    /// Seeded synthetic distribution.
    Synthetic {
        /// Distribution.
        dist: Dist,
    },
    /// Explicit pairs from a CSV file with columns `x,w`.
    File {
        /// Path of the CSV file.
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
            ux: Uniform::new_inclusive(xl, xh),
            uw: Uniform::new_inclusive(wl, wh),
            ux_pos: Uniform::new_inclusive(xl.max(1).min(xh), xh),
            nx: Normal::new(0.0, sigma(xl, xh)).expect("σ > 0"),
            nw: Normal::new(0.0, sigma(wl, wh)).expect("σ > 0"),
        }
    }

    /// The pairs of block `b` (the last block may be shorter).
    fn block(&self, b: u64, out: &mut [(i64, i64)]) {
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
                            // Each held weight has its own generator, so it does not depend
                            // on where block boundaries fall.
                            let mut wr = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5753_5745_4947);
                            wr.set_stream(g);
                            let w = self.sample_w(&mut wr);
                            held = Some((g, w));
                            w
                        }
                    }
                }
            };
            *o = (x, w);
        }
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
    let b = sigma(lo, hi) / std::f64::consts::SQRT_2;
    let u: f64 = rng.gen_range(-0.5..0.5);
    round_clip(-b * u.signum() * (1.0 - 2.0 * u.abs()).ln(), lo, hi)
}

impl OperandStream for Synthetic {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        // Batches are whole blocks so every block is generated from its start.
        let max = (max / BLOCK).max(1) * BLOCK;
        let n = (self.len - self.pos).min(max as u64) as usize;
        out.clear();
        out.resize(n, (0, 0));
        let b0 = self.pos / BLOCK as u64;
        debug_assert!(n == 0 || self.pos.is_multiple_of(BLOCK as u64));
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(i, chunk)| self.block(b0 + i as u64, chunk));
        self.pos += n as u64;
        Ok(())
    }
}

/// Pairs from a CSV file with header columns `x` and `w` (other columns ignored), checked
/// against the unit's ranges. Read incrementally.
pub struct FileStream {
    path: String,
    reader: csv::Reader<std::fs::File>,
    xi: usize,
    wi: usize,
    ranges: Ranges,
    limit: u64,
    read: u64,
}

impl FileStream {
    /// Open `path`; at most `limit` pairs are read.
    pub fn open(path: &Path, ranges: Ranges, limit: u64) -> Result<FileStream, StreamError> {
        let p = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|cause| StreamError::Io {
            path: p.clone(),
            cause,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        let headers = reader.headers().map_err(|e| StreamError::Row {
            path: p.clone(),
            line: 1,
            field: "header".into(),
            why: e.to_string(),
        })?;
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| StreamError::Row {
                    path: p.clone(),
                    line: 1,
                    field: name.into(),
                    why: format!("missing column '{name}' (header must name columns x,w)"),
                })
        };
        let (xi, wi) = (col("x")?, col("w")?);
        Ok(FileStream {
            path: p,
            reader,
            xi,
            wi,
            ranges,
            limit,
            read: 0,
        })
    }
}

impl OperandStream for FileStream {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        out.clear();
        let mut rec = csv::StringRecord::new();
        while out.len() < max && self.read < self.limit {
            let more = self
                .reader
                .read_record(&mut rec)
                .map_err(|e| StreamError::Row {
                    path: self.path.clone(),
                    line: self.read + 2,
                    field: "row".into(),
                    why: e.to_string(),
                })?;
            if !more {
                break;
            }
            let line = rec.position().map_or(self.read + 2, |p| p.line());
            let field = |i: usize, name: &str, (lo, hi): (i64, i64)| -> Result<i64, StreamError> {
                let text = rec.get(i).unwrap_or("");
                let err = |why: String| StreamError::Row {
                    path: self.path.clone(),
                    line,
                    field: name.into(),
                    why,
                };
                let v: i64 = text.parse().map_err(|_| {
                    err(format!(
                        "'{}' is not an integer",
                        crate::report::quote(text)
                    ))
                })?;
                if v < lo || v > hi {
                    return Err(err(format!(
                        "value {v} is outside the unit's range {lo}..={hi}"
                    )));
                }
                Ok(v)
            };
            let x = field(self.xi, "x", self.ranges.x)?;
            let w = field(self.wi, "w", self.ranges.w)?;
            out.push((x, w));
            self.read += 1;
        }
        Ok(())
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
