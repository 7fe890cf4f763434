//! Operand streams: the `(activation, weight)` pairs one MAC unit sees while a layer runs,
//! in a chosen dataflow order, produced lazily (nothing but the layer's input codes is held).
//!
//! Orders (`img` = image, `o` = output channel, `p` = output position, `t` = tap in `c, kh, kw`
//! order, `K` = taps per dot product):
//! - [`Dataflow::OutputStationary`]: `for img { for o { for p { for t { (x[img][p,t], w[o,t]) } } } }`:
//!   one complete dot product after another; every `K` consecutive pairs accumulated from 0
//!   give exactly the accumulator word of integer inference for `(img, o, p)`.
//! - [`Dataflow::WeightStationary`]: `for o { for t { for img { for p { … } } } }`: one weight
//!   is held while every activation it multiplies streams past.
//!
//! Values are the integer codes of [`super::qnet`]: `x` unsigned (`0..2^b_x`), `w` signed
//! (`±(2^(b_w−1)−1)`); the unsigned representation routes `x·|w|` to S⁺ or S⁻ by the sign of `w`.

use super::error::{NnError, Result};
use super::idx::{Dataset, DatasetId, Split};
use super::kernels::ConvGeom;
use super::mac::Repr;
use super::model::ModelId;
use super::qnet::{calibration_slice, check_calib_size, MacGeom, QuantNet};
use super::quant::QuantConfig;
use std::path::Path;

pub use crate::arith::Dataflow;

/// Lazy iterator over one layer's operand pairs `(x, w)` for a set of images.
#[derive(Debug, Clone)]
pub struct LayerStream {
    codes: Vec<Vec<i16>>,
    weights: Vec<i16>,
    geom: MacGeom,
    out_c: usize,
    dataflow: Dataflow,
    /// Activation bits of this layer.
    pub x_bits: u32,
    /// Weight bits of this layer.
    pub w_bits: u32,
    /// Layer name.
    pub layer: String,
    next: u64,
    total: u64,
}

impl LayerStream {
    /// Stream of MAC layer `layer` of `q` over every image of `images`.
    pub fn new(q: &QuantNet, layer: &str, images: &Dataset, dataflow: Dataflow) -> Result<Self> {
        let m = q.mac_index(layer)?;
        let l = &q.layers[m];
        let codes: Vec<Vec<i16>> = (0..images.len())
            .map(|i| q.input_codes(images.image(i), m))
            .collect();
        let total = (codes.len() * l.out_c * l.geom.positions() * l.geom.k_len()) as u64;
        Ok(LayerStream {
            codes,
            weights: l.w_q.clone(),
            geom: l.geom,
            out_c: l.out_c,
            dataflow,
            x_bits: l.x_bits,
            w_bits: l.w_bits,
            layer: layer.into(),
            next: 0,
            total,
        })
    }

    /// Load everything from `data_dir` and build the stream of the first `n_images` test images
    /// (calibration as in `cfg`). This is what `--stream nn:<model>:<layer>` resolves to.
    pub fn for_model(
        data_dir: &Path,
        model: ModelId,
        dataset: DatasetId,
        layer: &str,
        n_images: usize,
        dataflow: Dataflow,
        cfg: &QuantConfig,
    ) -> Result<Self> {
        if n_images == 0 {
            return Err(super::error::NnError::InvalidConfig {
                field: "images",
                value: "0".into(),
                why: "stream at least 1 image".into(),
            });
        }
        let net = model.load(data_dir, dataset)?;
        net.layer_index(layer)?;
        let train = dataset.load(data_dir, Split::Train)?;
        check_calib_size(&train, cfg.calib_size)?;
        let q = QuantNet::build(
            &net,
            cfg,
            &calibration_slice(&train, cfg.calib_size, cfg.seed),
        )?;
        let test = dataset.load(data_dir, Split::Test)?.head(n_images);
        Self::new(&q, layer, &test, dataflow)
    }

    /// Parse `nn:<model>:<layer>` (dataset mnist) or `nn:<model>:<dataset>:<layer>`.
    pub fn parse_spec(spec: &str) -> Result<(ModelId, DatasetId, String)> {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            ["nn", m, l] => Ok((ModelId::parse(m)?, DatasetId::Mnist, l.to_string())),
            ["nn", m, d, l] => Ok((ModelId::parse(m)?, DatasetId::parse(d)?, l.to_string())),
            _ => Err(NnError::InvalidConfig {
                field: "stream",
                value: spec.into(),
                why: "expected nn:<model>:<layer> or nn:<model>:<dataset>:<layer>".into(),
            }),
        }
    }

    /// Taps per dot product `K` (in output-stationary order, every `K` pairs form one result).
    pub fn dot_len(&self) -> usize {
        self.geom.k_len()
    }

    /// Total number of pairs.
    pub fn total(&self) -> u64 {
        self.total
    }

    #[inline]
    fn x_at(&self, img: usize, p: usize, t: usize) -> i64 {
        let c = &self.codes[img];
        match &self.geom {
            MacGeom::Conv(g) => tap(g, p, t).map_or(0, |i| c[i] as i64),
            MacGeom::Linear { .. } => c[t] as i64,
        }
    }

    fn pair(&self, i: u64) -> (i64, i64) {
        let (k, p) = (self.geom.k_len() as u64, self.geom.positions() as u64);
        let (o_n, n) = (self.out_c as u64, self.codes.len() as u64);
        let (img, o, pos, t) = match self.dataflow {
            Dataflow::OutputStationary => {
                let t = i % k;
                let pos = (i / k) % p;
                let o = (i / (k * p)) % o_n;
                (i / (k * p * o_n), o, pos, t)
            }
            Dataflow::WeightStationary { .. } => {
                let pos = i % p;
                let img = (i / p) % n;
                let t = (i / (p * n)) % k;
                (img, i / (p * n * k), pos, t)
            }
        };
        let w = self.weights[(o * k + t) as usize] as i64;
        (self.x_at(img as usize, pos as usize, t as usize), w)
    }
}

#[inline]
fn tap(g: &ConvGeom, p: usize, t: usize) -> Option<usize> {
    g.tap(p, t)
}

impl Iterator for LayerStream {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        (self.next < self.total).then(|| {
            self.next += 1;
            self.pair(self.next - 1)
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let r = (self.total - self.next) as usize;
        (r, Some(r))
    }
}

impl ExactSizeIterator for LayerStream {}

/// Statistics of an operand stream.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StreamStats {
    /// Layer name.
    pub layer: String,
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Representation used to encode `w` for the toggle rates.
    pub repr: Repr,
    /// Pairs in the stream.
    pub pairs: u64,
    /// Fraction of pairs with `x = 0`.
    pub x_zero_fraction: f64,
    /// Fraction of pairs with `w = 0`.
    pub w_zero_fraction: f64,
    /// Fraction of pairs with `x·w = 0`.
    pub product_zero_fraction: f64,
    /// Per bit of `x` (LSB first): fraction of consecutive pairs where the bit changes.
    pub x_toggle_rate: Vec<f64>,
    /// Per bit of the encoded `w` (LSB first; twos: `b_w`-bit two's complement; signmag: sign
    /// in bit `b_w−1`; unsigned: `|w|`).
    pub w_toggle_rate: Vec<f64>,
    /// Fraction of consecutive pairs where `sign(x·w) ∈ {−1, 0, +1}` changes.
    pub product_sign_change_rate: f64,
    /// Fraction of consecutive pairs whose products are non-zero with opposite signs.
    pub product_sign_flip_rate: f64,
}

/// Bit pattern of weight `w` on a `bits`-wide operand bus in representation `repr`.
pub fn encode_weight(w: i64, bits: u32, repr: Repr) -> u64 {
    let mask = (1u64 << bits) - 1;
    match repr {
        Repr::Twos => (w as u64) & mask,
        Repr::Signmag => (w.unsigned_abs() & (mask >> 1)) | (u64::from(w < 0) << (bits - 1)),
        Repr::Unsigned => w.unsigned_abs() & mask,
    }
}

/// Accumulates [`StreamStats`] one pair at a time.
#[derive(Debug, Clone)]
pub struct StatsAcc {
    x_bits: u32,
    w_bits: u32,
    repr: Repr,
    n: u64,
    zx: u64,
    zw: u64,
    zp: u64,
    tx: Vec<u64>,
    tw: Vec<u64>,
    sc: u64,
    sf: u64,
    prev: Option<(u64, u64, i64)>,
}

impl StatsAcc {
    /// New accumulator for operands of the given widths.
    pub fn new(x_bits: u32, w_bits: u32, repr: Repr) -> Self {
        StatsAcc {
            x_bits,
            w_bits,
            repr,
            n: 0,
            zx: 0,
            zw: 0,
            zp: 0,
            tx: vec![0; x_bits as usize],
            tw: vec![0; w_bits as usize],
            sc: 0,
            sf: 0,
            prev: None,
        }
    }
    /// Add one pair.
    #[inline]
    pub fn push(&mut self, x: i64, w: i64) {
        let (ex, ew) = (
            (x as u64) & ((1 << self.x_bits) - 1),
            encode_weight(w, self.w_bits, self.repr),
        );
        let s = (x * w).signum();
        self.n += 1;
        self.zx += u64::from(x == 0);
        self.zw += u64::from(w == 0);
        self.zp += u64::from(s == 0);
        if let Some((px, pw, ps)) = self.prev {
            let (dx, dw) = (px ^ ex, pw ^ ew);
            for (b, c) in self.tx.iter_mut().enumerate() {
                *c += (dx >> b) & 1;
            }
            for (b, c) in self.tw.iter_mut().enumerate() {
                *c += (dw >> b) & 1;
            }
            self.sc += u64::from(s != ps);
            self.sf += u64::from(s * ps == -1);
        }
        self.prev = Some((ex, ew, s));
    }
    /// Final statistics.
    pub fn finish(&self, layer: &str, dataflow: Dataflow) -> StreamStats {
        let f = |c: u64, d: u64| if d == 0 { 0.0 } else { c as f64 / d as f64 };
        let t = self.n.saturating_sub(1);
        StreamStats {
            layer: layer.into(),
            dataflow,
            repr: self.repr,
            pairs: self.n,
            x_zero_fraction: f(self.zx, self.n),
            w_zero_fraction: f(self.zw, self.n),
            product_zero_fraction: f(self.zp, self.n),
            x_toggle_rate: self.tx.iter().map(|&c| f(c, t)).collect(),
            w_toggle_rate: self.tw.iter().map(|&c| f(c, t)).collect(),
            product_sign_change_rate: f(self.sc, t),
            product_sign_flip_rate: f(self.sf, t),
        }
    }
}

/// Write `stream` as CSV `x,w` to `path` (incrementally, atomically) and return its statistics.
pub fn write_csv(
    stream: LayerStream,
    path: &Path,
    repr: Repr,
    limit: Option<u64>,
) -> Result<StreamStats> {
    let (layer, df) = (stream.layer.clone(), stream.dataflow);
    let mut acc = StatsAcc::new(stream.x_bits, stream.w_bits, repr);
    let n = limit.unwrap_or(u64::MAX);
    crate::report::write_atomic::<_, NnError>(path, |w| {
        let io = |e| NnError::io(path, e);
        w.write_all(b"x,w\n").map_err(io)?;
        for (x, wt) in stream.take(n as usize) {
            acc.push(x, wt);
            writeln!(w, "{x},{wt}").map_err(io)?;
        }
        Ok(())
    })?;
    Ok(acc.finish(&layer, df))
}

/// Statistics of a stream without writing it.
pub fn stats(stream: LayerStream, repr: Repr, limit: Option<u64>) -> StreamStats {
    let (layer, df) = (stream.layer.clone(), stream.dataflow);
    let mut acc = StatsAcc::new(stream.x_bits, stream.w_bits, repr);
    for (x, w) in stream.take(limit.unwrap_or(u64::MAX) as usize) {
        acc.push(x, w);
    }
    acc.finish(&layer, df)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_encodings() {
        assert_eq!(encode_weight(-1, 4, Repr::Twos), 0b1111);
        assert_eq!(encode_weight(-1, 4, Repr::Signmag), 0b1001);
        assert_eq!(encode_weight(-3, 4, Repr::Unsigned), 0b0011);
    }

    #[test]
    fn toggle_and_sign_rates_of_a_tiny_stream() {
        let mut a = StatsAcc::new(2, 2, Repr::Twos);
        for (x, w) in [(1, 1), (2, -1), (0, 1), (3, 1)] {
            a.push(x, w);
        }
        let s = a.finish("t", Dataflow::OutputStationary);
        assert_eq!(s.pairs, 4);
        assert_eq!(s.x_zero_fraction, 0.25);
        // x: 01→10→00→11: bit0 toggles 1,0,1; bit1 toggles 1,1,1.
        assert_eq!(s.x_toggle_rate, vec![2.0 / 3.0, 1.0]);
        // signs +,−,0,+: three changes, one ± flip.
        assert_eq!(s.product_sign_change_rate, 1.0);
        assert_eq!(s.product_sign_flip_rate, 1.0 / 3.0);
    }
}
