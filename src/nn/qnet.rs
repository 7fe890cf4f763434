//! Bit-exact integer inference: every MAC layer multiplies integer activation codes by integer
//! weight codes and accumulates in a `B`-bit register exactly as [`super::mac`] specifies.
//!
//! Between MAC layers the accumulator is dequantized (`y = acc·Δx·Δw[o] + bias[o]`, biases in
//! float32 = high precision), ReLU / max-pool / flatten run on `y`, and the next MAC layer
//! quantizes its input to unsigned `b_x`-bit codes. (Max-pool commutes with the monotone
//! quantizer, so pooling before or after quantization gives the same codes.)
//!
//! First layer: its input is the raw pixel `p ∈ 0..=255`, quantized to `b` unsigned bits as
//! `q = round(p·(2^b−1)/255)` (at 8 bits `q = p` exactly). The normalisation
//! `x = (p/255 − mean)/std` is folded: the scale goes into Δx and the offset `−mean/std`
//! into a per-output-position bias `−(mean/std)·Δw[o]·Σ_{taps inside the image} Wq[o,t]`, so
//! zero padding (which is 0 in normalised units) stays exact. So every MAC operand is unsigned
//! on the activation side, including the first layer.
//!
//! Fast path: the exact sum is computed with vectorised `i32` dot products and wrapped mod 2^B
//! (equal to the step-by-step register by modular arithmetic); when a static bound shows that a
//! wrap is possible, the step-by-step [`super::mac`] reference runs too and counts the
//! overflow events in stream order (tap order `c, kh, kw`).

use super::error::Result;
use super::float;
use super::idx::Dataset;
use super::kernels::{gemm_i16, ConvGeom};
use super::mac::{self, wrap_signed, wrap_unsigned, Repr};
use super::model::{Layer, Network, Shape};
use super::quant::{self, amax, QuantConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;

/// Geometry of a MAC layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacGeom {
    /// Convolution: one dot product per (output channel, output position).
    Conv(ConvGeom),
    /// Fully connected: one dot product per output feature.
    Linear {
        /// Input features.
        in_f: usize,
    },
}

impl MacGeom {
    /// Output positions per channel (1 for linear layers).
    pub fn positions(&self) -> usize {
        match self {
            MacGeom::Conv(g) => g.positions(),
            MacGeom::Linear { .. } => 1,
        }
    }
    /// Dot-product length.
    pub fn k_len(&self) -> usize {
        match self {
            MacGeom::Conv(g) => g.k_len(),
            MacGeom::Linear { in_f } => *in_f,
        }
    }
    /// Patch matrix `[positions, k_len]` of an input code tensor.
    pub fn patches(&self, codes: &[i16]) -> Vec<i16> {
        match self {
            MacGeom::Conv(g) => g.im2col(codes),
            MacGeom::Linear { .. } => codes.to_vec(),
        }
    }
}

/// One quantized MAC layer.
#[derive(Debug, Clone)]
pub struct QLayer {
    /// Layer name (`conv1`, `fc2`, ...).
    pub name: String,
    /// Index into [`Network::layers`].
    pub layer_index: usize,
    /// Geometry.
    pub geom: MacGeom,
    /// Output channels / features.
    pub out_c: usize,
    /// Weight bits (signed, symmetric codes in `±(2^(b−1)−1)`).
    pub w_bits: u32,
    /// Activation bits (unsigned codes in `0..=2^b−1`).
    pub x_bits: u32,
    /// Weight codes `[out_c, k_len]`.
    pub w_q: Vec<i16>,
    /// `max(w_q, 0)`.
    pub w_pos: Vec<i16>,
    /// `max(−w_q, 0)`.
    pub w_neg: Vec<i16>,
    /// Weight step Δw per output channel (equal entries when per-tensor).
    pub w_scale: Vec<f32>,
    /// Activation step Δx (network units per code).
    pub x_scale: f32,
    /// Bias per output channel (float32, after optional bias correction).
    pub bias: Vec<f32>,
    /// First layer only: normalisation offset per `[out_c, position]`.
    pub pos_bias: Option<Vec<f32>>,
    /// Whether this layer's input is the raw pixel.
    pub first: bool,
    sum_pos: Vec<i64>,
    sum_neg: Vec<i64>,
}

impl QLayer {
    fn row<'a>(&self, w: &'a [i16], o: usize) -> &'a [i16] {
        let k = self.geom.k_len();
        &w[o * k..(o + 1) * k]
    }
    /// Weight codes of output channel `o`.
    pub fn weights(&self, o: usize) -> &[i16] {
        self.row(&self.w_q, o)
    }
    /// MACs per image: `out_c · positions · k_len`.
    pub fn macs_per_image(&self) -> u64 {
        (self.out_c * self.geom.positions() * self.geom.k_len()) as u64
    }
}

/// Integer-arithmetic counters of one MAC layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LayerCounts {
    /// Multiply-accumulate steps.
    pub macs: u64,
    /// Dot products (accumulator results).
    pub outputs: u64,
    /// Steps at which an accumulator register wrapped (stream order, see module doc).
    pub wrap_events: u64,
    /// Dot products whose final register value differs from the exact sum.
    pub overflowed_outputs: u64,
}

impl LayerCounts {
    fn add(&mut self, o: &LayerCounts) {
        self.macs += o.macs;
        self.outputs += o.outputs;
        self.wrap_events += o.wrap_events;
        self.overflowed_outputs += o.overflowed_outputs;
    }
}

/// An integer network: the float network plus one [`QLayer`] per MAC layer.
#[derive(Debug, Clone)]
pub struct QuantNet {
    /// The float network (its non-MAC layers are reused).
    pub net: Network,
    /// Configuration it was built with.
    pub cfg: QuantConfig,
    /// Quantized MAC layers in order.
    pub layers: Vec<QLayer>,
}

/// Check that `train` has the `n` calibration images asked for (`--calib-size`), so a report
/// never names a calibration larger than the one used.
pub fn check_calib_size(train: &Dataset, n: usize) -> Result<()> {
    if n > train.len() {
        return Err(super::error::NnError::InvalidConfig {
            field: "calib-size",
            value: n.to_string(),
            why: format!(
                "the training set {} has only {} images",
                train.name,
                train.len()
            ),
        });
    }
    Ok(())
}

/// Calibration images: `n` images of `train` drawn without replacement with `seed` (all of
/// them if `n` is larger; [`check_calib_size`] refuses that for user input).
pub fn calibration_slice(train: &Dataset, n: usize, seed: u64) -> Dataset {
    shuffled_slice(train, 0, n, seed)
}

/// Images `start..start + n` of `train` in the order a `seed`ed shuffle puts them.
/// `shuffled_slice(train, c, n, seed)` is disjoint from `calibration_slice(train, c, seed)`
/// (a held-out split of the training set).
pub fn shuffled_slice(train: &Dataset, start: usize, n: usize, seed: u64) -> Dataset {
    let mut idx: Vec<usize> = (0..train.len()).collect();
    idx.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let start = start.min(idx.len());
    let idx = &idx[start..(start + n).min(train.len())];
    let mut images = Vec::with_capacity(idx.len() * train.rows * train.cols);
    for &i in idx {
        images.extend_from_slice(train.image(i));
    }
    let what = if start == 0 { "calib" } else { "held-out" };
    let name = match start {
        0 => format!("{} {what} n={} seed={seed}", train.name, idx.len()),
        _ => format!(
            "{} {what} from={start} n={} seed={seed}",
            train.name,
            idx.len()
        ),
    };
    Dataset {
        name,
        images,
        labels: idx.iter().map(|&i| train.labels[i]).collect(),
        rows: train.rows,
        cols: train.cols,
    }
}

/// Float inputs of every layer over the calibration images, concatenated in image order.
pub(crate) fn calibration_inputs(net: &Network, calib: &Dataset) -> Vec<Vec<f32>> {
    let per_image: Vec<Vec<Vec<f32>>> = (0..calib.len())
        .into_par_iter()
        .map(|i| {
            let mut v = vec![Vec::new(); net.layers.len()];
            float::forward_visit(net, calib.image(i), |li, x| {
                if net.layers[li].mac_name().is_some() {
                    v[li] = x.to_vec();
                }
            });
            v
        })
        .collect();
    (0..net.layers.len())
        .map(|li| {
            per_image
                .iter()
                .flat_map(|v| v[li].iter().copied())
                .collect()
        })
        .collect()
}

/// At most `n` values of `v`, drawn uniformly with replacement by a seeded generator. (A
/// fixed stride would alias with the per-image tensor size and sample the same positions of
/// every image.)
fn subsample(v: &[f32], n: usize, seed: u64) -> Vec<f32> {
    use rand::Rng;
    if v.len() <= n {
        return v.to_vec();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| v[rng.gen_range(0..v.len())]).collect()
}

/// Step Δx of a MAC layer's unsigned `x_bits` input codes from its float inputs over the
/// calibration images (`calib_in`, concatenated in image order, CHW): the clipping value of
/// `quantizer` (non-min-max rules on at most 2^18 values drawn with `seed`) over `2^b − 1`.
pub fn activation_step(
    calib_in: &[f32],
    x_bits: u32,
    quantizer: quant::Quantizer,
    seed: u64,
) -> f32 {
    let sample = match quantizer {
        quant::Quantizer::MinMax => calib_in.to_vec(),
        _ => subsample(calib_in, 1 << 18, seed),
    };
    quant::clip_activations(&sample, x_bits, quantizer) / amax(x_bits) as f32
}

/// Mean of each channel of a CHW tensor stream (`c` channels of `hw` values, repeated).
fn channel_means(v: &[f32], c: usize, hw: usize) -> Vec<f32> {
    let mut s = vec![0f64; c];
    let images = v.len() / (c * hw);
    for (i, x) in v.iter().enumerate() {
        s[(i / hw) % c] += *x as f64;
    }
    s.iter()
        .map(|t| (t / (images * hw).max(1) as f64) as f32)
        .collect()
}

/// Biases corrected for the mean weight-quantization error of a layer: `b[o] −= Σ_t
/// (Δw[o]·q[o,t] − w[o,t])·E[x_c(t)]`, the input means taken per channel over the
/// calibration inputs `calib_in` of the layer (float network).
pub(crate) fn corrected_bias(
    bias: &[f32],
    weight: &[f32],
    w_q: &[i16],
    w_scale: &[f32],
    geom: MacGeom,
    calib_in: &[f32],
) -> Vec<f32> {
    let k = geom.k_len();
    let (c_in, hw) = match geom {
        MacGeom::Conv(g) => (g.in_c, g.in_h * g.in_w),
        MacGeom::Linear { in_f } => (in_f, 1),
    };
    let means = channel_means(calib_in, c_in, hw);
    let taps_per_c = k / c_in;
    bias.iter()
        .enumerate()
        .map(|(o, &b)| {
            let err: f32 = (0..k)
                .map(|t| {
                    (w_q[o * k + t] as f32 * w_scale[o] - weight[o * k + t]) * means[t / taps_per_c]
                })
                .sum();
            b - err
        })
        .collect()
}

/// Row sums of `f(w)` over each output channel's `k` weight codes.
fn row_sums(w_q: &[i16], k: usize, f: fn(i16) -> i16) -> Vec<i64> {
    w_q.chunks_exact(k)
        .map(|r| r.iter().map(|&w| f(w) as i64).sum())
        .collect()
}

/// First layer: the normalisation offset `−(mean/std)·Δw[o]·Σ_{taps inside the image} Wq[o,t]`
/// per `[out_c, position]` (exact with zero padding, see the module doc).
fn first_layer_offset(net: &Network, geom: MacGeom, w_q: &[i16], w_scale: &[f32]) -> Vec<f32> {
    let c = net.mean / net.std;
    let (p, k) = (geom.positions(), geom.k_len());
    let out_c = w_q.len() / k;
    let mut v = vec![0f32; out_c * p];
    for o in 0..out_c {
        for pos in 0..p {
            let s: i64 = (0..k)
                .filter(|&t| match geom {
                    MacGeom::Conv(g) => g.tap(pos, t).is_some(),
                    MacGeom::Linear { .. } => true,
                })
                .map(|t| w_q[o * k + t] as i64)
                .sum();
            v[o * p + pos] = -c * w_scale[o] * s as f32;
        }
    }
    v
}

impl QLayer {
    /// Replace the weight codes and steps (`w_q[out_c·k_len]`, `w_scale[out_c]`) with codes
    /// from another quantizer (e.g. [`super::pann`], whose codes are not limited to `w_bits`
    /// bits), keeping activations and biases; recomputes the W⁺/W⁻ split, the static wrap
    /// bounds and the first layer's normalisation offset. `w_bits` is set to the signed width
    /// that holds every code.
    pub fn set_weight_codes(&mut self, net: &Network, w_q: Vec<i16>, w_scale: Vec<f32>) {
        let k = self.geom.k_len();
        assert_eq!(w_q.len(), self.out_c * k, "one code per weight");
        assert_eq!(w_scale.len(), self.out_c, "one step per output channel");
        let max = w_q.iter().map(|w| w.unsigned_abs()).max().unwrap_or(0);
        self.w_bits = 1 + (16 - max.leading_zeros()).max(1);
        self.w_pos = w_q.iter().map(|&w| w.max(0)).collect();
        self.w_neg = w_q.iter().map(|&w| (-w).max(0)).collect();
        self.sum_pos = row_sums(&w_q, k, |w| w.max(0));
        self.sum_neg = row_sums(&w_q, k, |w| (-w).max(0));
        if self.first {
            self.pos_bias = Some(first_layer_offset(net, self.geom, &w_q, &w_scale));
        }
        self.w_q = w_q;
        self.w_scale = w_scale;
    }
}

impl QuantNet {
    /// Quantize `net` with `cfg`, calibrating activation ranges on `calib`.
    pub fn build(net: &Network, cfg: &QuantConfig, calib: &Dataset) -> Result<QuantNet> {
        cfg.validate()?;
        let inputs = calibration_inputs(net, calib);
        let shapes = net.shapes();
        let mac_idx: Vec<usize> = (0..net.layers.len())
            .filter(|&i| net.layers[i].mac_name().is_some())
            .collect();
        let last = mac_idx.len() - 1;
        let layers = mac_idx
            .iter()
            .enumerate()
            .map(|(m, &li)| {
                let bits = |inner: u32| match m {
                    0 => cfg.first_bits,
                    _ if m == last => cfg.last_bits,
                    _ => inner,
                };
                Self::quantize_layer(
                    net,
                    cfg,
                    li,
                    shapes[li],
                    &inputs[li],
                    m == 0,
                    bits(cfg.wbits),
                    bits(cfg.abits),
                )
            })
            .collect();
        Ok(QuantNet {
            net: net.clone(),
            cfg: cfg.clone(),
            layers,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn quantize_layer(
        net: &Network,
        cfg: &QuantConfig,
        li: usize,
        s: Shape,
        calib_in: &[f32],
        first: bool,
        w_bits: u32,
        x_bits: u32,
    ) -> QLayer {
        let (name, geom, out_c, weight, bias) = match &net.layers[li] {
            Layer::Conv(c) => (
                c.name.clone(),
                MacGeom::Conv(ConvGeom::new(c, s[1], s[2])),
                c.out_c,
                &c.weight,
                &c.bias,
            ),
            Layer::Linear(l) => (
                l.name.clone(),
                MacGeom::Linear { in_f: l.in_f },
                l.out_f,
                &l.weight,
                &l.bias,
            ),
            _ => unreachable!("only MAC layers are quantized"),
        };
        let k = geom.k_len();
        // Weight steps.
        let alphas: Vec<f32> = match cfg.granularity {
            quant::Granularity::PerChannel => weight
                .chunks_exact(k)
                .map(|r| quant::clip_weights(r, w_bits, cfg.quantizer))
                .collect(),
            quant::Granularity::PerTensor => {
                vec![quant::clip_weights(weight, w_bits, cfg.quantizer); out_c]
            }
        };
        let w_scale: Vec<f32> = alphas
            .iter()
            .map(|a| a / quant::wmax(w_bits) as f32)
            .collect();
        let w_q: Vec<i16> = weight
            .iter()
            .enumerate()
            .map(|(i, &w)| quant::quantize_weight(w, w_scale[i / k], w_bits))
            .collect();
        // Activation step.
        let x_scale = if first {
            1.0 / (amax(x_bits) as f32 * net.std)
        } else {
            activation_step(calib_in, x_bits, cfg.quantizer, cfg.seed)
        };
        // Bias (optionally corrected by the mean weight-quantization error).
        let bias = if cfg.bias_correction {
            corrected_bias(bias, weight, &w_q, &w_scale, geom, calib_in)
        } else {
            bias.clone()
        };
        // First layer: normalisation offset, exact with zero padding.
        let pos_bias = first.then(|| first_layer_offset(net, geom, &w_q, &w_scale));
        QLayer {
            name,
            layer_index: li,
            geom,
            out_c,
            w_bits,
            x_bits,
            w_pos: w_q.iter().map(|&w| w.max(0)).collect(),
            w_neg: w_q.iter().map(|&w| (-w).max(0)).collect(),
            sum_pos: row_sums(&w_q, k, |w| w.max(0)),
            sum_neg: row_sums(&w_q, k, |w| (-w).max(0)),
            w_q,
            w_scale,
            x_scale,
            bias,
            pos_bias,
            first,
        }
    }

    /// Index (into [`QuantNet::layers`]) of the MAC layer `name`.
    pub fn mac_index(&self, name: &str) -> Result<usize> {
        let li = self.net.layer_index(name)?;
        Ok(self
            .layers
            .iter()
            .position(|l| l.layer_index == li)
            .expect("every MAC layer is quantized"))
    }

    /// Input codes of MAC layer `m` for raw pixels (first layer) or float activations.
    fn codes(&self, m: usize, pixels: &[u8], x: &[f32]) -> Vec<i16> {
        let l = &self.layers[m];
        if l.first {
            let k = amax(l.x_bits) as f32 / 255.0;
            pixels
                .iter()
                .map(|&p| (p as f32 * k).round() as i16)
                .collect()
        } else {
            x.iter()
                .map(|&v| quant::quantize_activation(v, l.x_scale, l.x_bits))
                .collect()
        }
    }

    /// The accumulator word of one dot product as the configured hardware computes it, from
    /// its exact partial sums (`ep` = Σ x·w⁺, `en` = Σ x·w⁻; for twos/signmag `ep` is the whole
    /// sum and `en` = 0). Runs the step-by-step reference when a wrap is possible.
    #[inline]
    fn register(
        &self,
        l: &QLayer,
        o: usize,
        row: &[i16],
        ep: i64,
        en: i64,
        c: &mut LayerCounts,
    ) -> i64 {
        let b = self.cfg.acc_bits;
        let xmax = amax(l.x_bits) as i64;
        let pairs = || {
            row.iter()
                .zip(l.weights(o))
                .map(|(&x, &w)| (x as i64, w as i64))
        };
        let (value, exact) = match self.cfg.repr {
            Repr::Twos | Repr::Signmag => {
                if xmax * (l.sum_pos[o] + l.sum_neg[o]) >= 1 << (b - 1) {
                    c.wrap_events += mac::accumulate(pairs(), b).wrap_events;
                }
                (wrap_signed(ep, b), ep)
            }
            Repr::Unsigned => {
                if xmax * l.sum_pos[o].max(l.sum_neg[o]) >= 1 << b {
                    c.wrap_events += mac::accumulate_unsigned(pairs(), b).wrap_events;
                }
                (
                    wrap_signed(wrap_unsigned(ep, b) - wrap_unsigned(en, b), b),
                    ep - en,
                )
            }
        };
        c.overflowed_outputs += u64::from(value != exact);
        value
    }

    /// Run MAC layer `m` on its input codes: float outputs `[out_c, positions]`.
    fn run_mac(
        &self,
        m: usize,
        codes: &[i16],
        c: &mut LayerCounts,
        accs: Option<&mut Vec<i64>>,
    ) -> Vec<f32> {
        let l = &self.layers[m];
        let (p, k) = (l.geom.positions(), l.geom.k_len());
        let patches = l.geom.patches(codes);
        let (ep, en) = match self.cfg.repr {
            Repr::Twos | Repr::Signmag => (gemm_i16(&patches, &l.w_q, k), None),
            Repr::Unsigned => (
                gemm_i16(&patches, &l.w_pos, k),
                Some(gemm_i16(&patches, &l.w_neg, k)),
            ),
        };
        let mut out = vec![0f32; l.out_c * p];
        let mut acc_out = accs;
        if let Some(a) = acc_out.as_deref_mut() {
            a.clear();
            a.resize(l.out_c * p, 0);
        }
        let b = self.cfg.acc_bits;
        for o in 0..l.out_c {
            let s = l.x_scale * l.w_scale[o];
            let bias = l.bias[o];
            let xmax = amax(l.x_bits) as i64;
            // Fast path only when neither a register nor the final two's-complement word can
            // wrap (for unsigned: S± < 2^(B−1), so S⁺ − S⁻ fits B signed bits too).
            let may_wrap = match self.cfg.repr {
                Repr::Twos | Repr::Signmag => xmax * (l.sum_pos[o] + l.sum_neg[o]) >= 1 << (b - 1),
                Repr::Unsigned => xmax * l.sum_pos[o].max(l.sum_neg[o]) >= 1 << (b - 1),
            };
            for pos in 0..p {
                let i = o * p + pos;
                let neg = en.as_ref().map_or(0, |v| v[i] as i64);
                let acc = if may_wrap || acc_out.is_some() {
                    self.register(l, o, &patches[pos * k..(pos + 1) * k], ep[i] as i64, neg, c)
                } else {
                    // No wrap possible: the register holds the exact sum.
                    ep[i] as i64 - neg
                };
                if let Some(a) = acc_out.as_deref_mut() {
                    a[i] = acc;
                }
                out[i] = acc as f32 * s + bias;
            }
            if let Some(pb) = &l.pos_bias {
                out[o * p..(o + 1) * p]
                    .iter_mut()
                    .zip(&pb[o * p..(o + 1) * p])
                    .for_each(|(y, b)| *y += b);
            }
        }
        c.macs += l.macs_per_image();
        c.outputs += (l.out_c * p) as u64;
        out
    }

    /// Walk the network on one image. Stops before MAC layer `stop` (returning its input codes)
    /// or runs to the end (returning logits).
    fn walk(
        &self,
        pixels: &[u8],
        stop: Option<usize>,
        counts: &mut [LayerCounts],
        mut accs: Option<&mut Vec<Vec<i64>>>,
    ) -> (Vec<f32>, Vec<i16>) {
        let mut x: Vec<f32> = Vec::new();
        let mut s = self.net.input;
        let mut m = 0;
        for (li, layer) in self.net.layers.iter().enumerate() {
            if layer.mac_name().is_some() {
                let codes = self.codes(m, pixels, &x);
                if stop == Some(m) {
                    return (x, codes);
                }
                let a = accs.as_deref_mut().map(|v| &mut v[m]);
                x = self.run_mac(m, &codes, &mut counts[m], a);
                m += 1;
            } else if li == 0 {
                x = float::normalise(&self.net, pixels);
                x = float::apply_layer(layer, &x, s);
            } else {
                x = float::apply_layer(layer, &x, s);
            }
            s = layer.out_shape(s);
        }
        (x, Vec::new())
    }

    /// Logits of one image, adding each MAC layer's counters into `counts`.
    pub fn forward(&self, pixels: &[u8], counts: &mut [LayerCounts]) -> Vec<f32> {
        self.walk(pixels, None, counts, None).0
    }

    /// Logits and every accumulator word of every MAC layer for one image
    /// (`accs[layer][o·positions + p]`).
    pub fn forward_traced(&self, pixels: &[u8]) -> (Vec<f32>, Vec<Vec<i64>>) {
        let mut counts = vec![LayerCounts::default(); self.layers.len()];
        let mut accs = vec![Vec::new(); self.layers.len()];
        let logits = self.walk(pixels, None, &mut counts, Some(&mut accs)).0;
        (logits, accs)
    }

    /// Unsigned input codes of MAC layer `m` for one image (CHW order, or a vector).
    pub fn input_codes(&self, pixels: &[u8], m: usize) -> Vec<i16> {
        let mut counts = vec![LayerCounts::default(); self.layers.len()];
        self.walk(pixels, Some(m), &mut counts, None).1
    }

    /// Predictions and summed per-layer counters over a dataset (parallel; deterministic).
    pub fn predict(&self, ds: &Dataset) -> (Vec<usize>, Vec<LayerCounts>) {
        let n = self.layers.len();
        let per: Vec<(usize, Vec<LayerCounts>)> = (0..ds.len())
            .into_par_iter()
            .map(|i| {
                let mut c = vec![LayerCounts::default(); n];
                let logits = self.forward(ds.image(i), &mut c);
                (float::argmax(&logits), c)
            })
            .collect();
        let mut total = vec![LayerCounts::default(); n];
        for (_, c) in &per {
            total.iter_mut().zip(c).for_each(|(t, c)| t.add(c));
        }
        (per.into_iter().map(|(p, _)| p).collect(), total)
    }
}
