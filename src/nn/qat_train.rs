//! Quantization-aware fine-tuning with candle (feature `train`): `pann train --pann` and
//! `pann train --uniform`.
//!
//! The forward pass fake-quantizes exactly what the bit-exact integer inference quantizes, with
//! the same rules, so that the network trained is the one evaluated:
//! - **first and last MAC layer**: 8-bit uniform weights, per output channel,
//!   `Δ = max|w_row| / 127` ([`clip_weights`] min-max); the first layer's input is the raw pixel
//!   (8-bit codes are exact: no quantization), the last layer's input is 8-bit unsigned;
//! - **inner MAC layers, PANN**: `q = round(w/Δw)` without clipping, `Δw = pann_step(w, R)`
//!   (the bisection of [`super::pann`], mean |q| = R, one step per layer as
//!   [`super::pann::PannConfig`]'s default and `pann curve` use) recomputed on the host from the
//!   current weights at every step; inputs unsigned at b̃x bits;
//! - **inner MAC layers, uniform b**: `q = clamp(round(w/Δ), ±(2^(b−1)−1))`, per output
//!   channel `Δ` from the method's clipping rule (min-max or MSE, [`clip_weights`]; the edge
//!   layers' 8-bit weights use it too, as [`super::qnet::QuantNet::build`] does); inputs
//!   unsigned at b bits;
//! - **activation ranges**: [`activation_step`] (min-max for PANN; the uniform method's rule)
//!   over the float network's inputs of each MAC layer on the calibration slice
//!   ([`calibration_slice`], 512 images, seed 0, as the post-training path), recomputed from the
//!   current weights every `recalib_every` steps;
//! - **gradients**: straight-through through every rounding (`w + (Δ·q − w).detach()`); an
//!   activation clipped at 0 or α passes no gradient. Steps (Δw, Δx) are constants of a step.
//!
//! Biases stay float as in the integer inference. The result is the float (latent) weights;
//! they are evaluated by [`super::pann::PannNet::build`] / [`super::qnet::QuantNet::build`],
//! which recompute Δw and the activation ranges from them exactly as above.

use super::error::{NnError, Result};
use super::idx::{Dataset, DatasetId, Split};
use super::model::{Layer, ModelId, Network};
use super::pann::pann_step;
use super::qat::QatMethod;
use super::qnet::{activation_step, calibration_slice};
use super::quant::{amax, clip_weights, wmax, Quantizer};
use super::train::{batch_tensor, ce};
use candle_core::{Device, Tensor, Var};
use candle_nn::Optimizer;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::Path;

/// Fine-tuning settings.
#[derive(Debug, Clone)]
pub struct QatConfig {
    /// What to fine-tune for.
    pub method: QatMethod,
    /// Passes over the training set.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Seed of the batch shuffle.
    pub seed: u64,
    /// Use only the first `n` training images.
    pub limit: Option<usize>,
    /// Calibration images of the activation ranges.
    pub calib_size: usize,
    /// Seed of the calibration images.
    pub calib_seed: u64,
    /// Re-calibrate the activation ranges every this many steps (≥ 1).
    pub recalib_every: usize,
}

impl QatConfig {
    /// Defaults for `method`: 2 epochs, batch 64, lr 1e-4, seed 0, all images, 512 calibration
    /// images with seed 0 re-calibrated every 50 steps.
    pub fn new(method: QatMethod) -> QatConfig {
        QatConfig {
            method,
            epochs: 2,
            batch: 64,
            lr: 1e-4,
            seed: 0,
            limit: None,
            calib_size: 512,
            calib_seed: 0,
            recalib_every: 50,
        }
    }
    /// Check ranges once.
    pub fn validate(&self) -> Result<()> {
        self.method.validate()?;
        let positive = |field: &'static str, v: usize| {
            if v == 0 {
                Err(NnError::InvalidConfig {
                    field,
                    value: "0".into(),
                    why: "must be at least 1".into(),
                })
            } else {
                Ok(())
            }
        };
        positive("epochs", self.epochs)?;
        positive("batch", self.batch)?;
        positive("calib-size", self.calib_size)?;
        positive("recalib-every", self.recalib_every)?;
        if self.limit == Some(0) {
            positive("limit", 0)?;
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(NnError::InvalidConfig {
                field: "lr",
                value: self.lr.to_string(),
                why: "must be positive".into(),
            });
        }
        Ok(())
    }
}

/// How one MAC layer is quantized in the forward pass.
#[derive(Debug, Clone, Copy)]
enum WeightRule {
    /// Per-channel clipping by `quantizer` at `bits`, codes clamped to ±(2^(bits−1)−1).
    Uniform { bits: u32, quantizer: Quantizer },
    /// PANN step Δw(R) per layer, codes unclipped.
    Pann { r: f64 },
}

struct MacVar {
    /// Index into the network's layers.
    li: usize,
    /// Convolution (stride, pad) or linear.
    conv: Option<(usize, usize)>,
    out_c: usize,
    k_len: usize,
    w: Var,
    b: Var,
    rule: WeightRule,
    /// Input bits (`None`: the first layer, whose 8-bit pixel codes are exact).
    x_bits: Option<u32>,
}

struct QatModel {
    net: Network,
    macs: Vec<MacVar>,
    /// Clipping rule of the activation ranges.
    act_quantizer: Quantizer,
}

/// Per-step quantization constants: Δw per output channel (as a broadcastable tensor) and the
/// code bound of each MAC layer, Δx of each MAC layer's input.
struct Steps {
    w: Vec<(Tensor, Option<f32>)>,
    x: Vec<Option<(f32, u32)>>,
}

fn host(t: &Tensor) -> candle_core::Result<Vec<f32>> {
    t.flatten_all()?.to_vec1::<f32>()
}

impl QatModel {
    fn new(net: &Network, method: QatMethod) -> Result<QatModel> {
        let dev = Device::Cpu;
        let n = net.mac_layer_names().len();
        let mut macs = Vec::new();
        for (li, l) in net.layers.iter().enumerate() {
            let (conv, out_c, k_len, shape, w, b) = match l {
                Layer::Conv(c) => (
                    Some((c.stride, c.pad)),
                    c.out_c,
                    c.in_c * c.k * c.k,
                    vec![c.out_c, c.in_c, c.k, c.k],
                    &c.weight,
                    &c.bias,
                ),
                Layer::Linear(f) => (
                    None,
                    f.out_f,
                    f.in_f,
                    vec![f.out_f, f.in_f],
                    &f.weight,
                    &f.bias,
                ),
                _ => continue,
            };
            let m = macs.len();
            let edge = m == 0 || m + 1 == n;
            let (rule, inner_x) = match method {
                QatMethod::Pann { .. } if edge => (
                    WeightRule::Uniform {
                        bits: 8,
                        quantizer: Quantizer::MinMax,
                    },
                    8,
                ),
                QatMethod::Uniform { quantizer, .. } if edge => {
                    (WeightRule::Uniform { bits: 8, quantizer }, 8)
                }
                QatMethod::Pann { r, act_bits } => (WeightRule::Pann { r }, act_bits),
                QatMethod::Uniform { bits, quantizer } => {
                    (WeightRule::Uniform { bits, quantizer }, bits)
                }
            };
            let var =
                |v: &[f32], s: &[usize]| Var::from_tensor(&Tensor::from_vec(v.to_vec(), s, &dev)?);
            macs.push(MacVar {
                li,
                conv,
                out_c,
                k_len,
                w: var(w, &shape).map_err(ce)?,
                b: var(b, &[out_c]).map_err(ce)?,
                rule,
                x_bits: (m > 0).then_some(inner_x),
            });
        }
        Ok(QatModel {
            net: net.clone(),
            macs,
            act_quantizer: match method {
                QatMethod::Pann { .. } => Quantizer::MinMax,
                QatMethod::Uniform { quantizer, .. } => quantizer,
            },
        })
    }

    fn vars(&self) -> Vec<Var> {
        self.macs
            .iter()
            .flat_map(|m| [m.w.clone(), m.b.clone()])
            .collect()
    }

    /// Δw per output channel of every MAC layer from the current weights, and code bounds.
    fn weight_steps(&self) -> candle_core::Result<Vec<(Tensor, Option<f32>)>> {
        self.macs
            .iter()
            .map(|m| {
                let w = host(m.w.as_tensor())?;
                let (steps, bound): (Vec<f32>, Option<f32>) = match m.rule {
                    WeightRule::Uniform { bits, quantizer } => (
                        w.chunks_exact(m.k_len)
                            .map(|r| clip_weights(r, bits, quantizer) / wmax(bits) as f32)
                            .collect(),
                        Some(wmax(bits) as f32),
                    ),
                    WeightRule::Pann { r } => (vec![pann_step(&w, r).delta; m.out_c], None),
                };
                let shape: Vec<usize> = match m.conv {
                    Some(_) => vec![m.out_c, 1, 1, 1],
                    None => vec![m.out_c, 1],
                };
                Ok((Tensor::from_vec(steps, shape, &Device::Cpu)?, bound))
            })
            .collect()
    }

    /// Walk the network. With `steps`, fake-quantize weights and MAC inputs; without, run the
    /// float network on detached weights and append every MAC layer's input to `inputs`.
    fn walk(
        &self,
        x: &Tensor,
        steps: Option<&Steps>,
        mut inputs: Option<&mut Vec<Vec<f32>>>,
    ) -> candle_core::Result<Tensor> {
        let mut x = x.clone();
        let mut m = 0;
        for (li, layer) in self.net.layers.iter().enumerate() {
            match layer {
                Layer::Conv(_) | Layer::Linear(_) => {
                    let mv = &self.macs[m];
                    debug_assert_eq!(mv.li, li);
                    let (w, b) = match steps {
                        Some(s) => {
                            if let Some((dx, bits)) = s.x[m] {
                                x = fake_quant_act(&x, dx, bits)?;
                            }
                            let (dw, bound) = &s.w[m];
                            (
                                fake_quant_weight(mv.w.as_tensor(), dw, *bound)?,
                                mv.b.as_tensor().clone(),
                            )
                        }
                        None => {
                            if let Some(v) = inputs.as_deref_mut() {
                                v[m].extend(host(&x)?);
                            }
                            (mv.w.as_tensor().detach(), mv.b.as_tensor().detach())
                        }
                    };
                    x = match mv.conv {
                        Some((stride, pad)) => x
                            .conv2d(&w, pad, stride, 1, 1)?
                            .broadcast_add(&b.reshape((1, mv.out_c, 1, 1))?)?,
                        None => x.matmul(&w.t()?)?.broadcast_add(&b)?,
                    };
                    m += 1;
                }
                Layer::Relu => x = x.relu()?,
                Layer::MaxPool { k, stride } => x = x.max_pool2d_with_stride(*k, *stride)?,
                Layer::Flatten => x = x.flatten_from(1)?,
            }
        }
        Ok(x)
    }

    /// Activation steps Δx of every MAC layer but the first from the float network's inputs
    /// over `calib` ([`activation_step`], as the post-training path calibrates).
    fn act_steps(
        &self,
        net: &Network,
        calib: &Dataset,
        seed: u64,
    ) -> candle_core::Result<Vec<Option<(f32, u32)>>> {
        let mut inputs = vec![Vec::new(); self.macs.len()];
        let idx: Vec<usize> = (0..calib.len()).collect();
        for chunk in idx.chunks(256) {
            let (x, _) = batch_tensor(net, calib, chunk, &Device::Cpu)?;
            self.walk(&x, None, Some(&mut inputs))?;
        }
        Ok(self
            .macs
            .iter()
            .zip(&inputs)
            .map(|(mv, v)| {
                mv.x_bits
                    .map(|b| (activation_step(v, b, self.act_quantizer, seed), b))
            })
            .collect())
    }

    /// The current weights as a [`Network`].
    fn to_network(&self) -> Result<Network> {
        let mut net = self.net.clone();
        for mv in &self.macs {
            let (w, b) = (
                host(mv.w.as_tensor()).map_err(ce)?,
                host(mv.b.as_tensor()).map_err(ce)?,
            );
            match &mut net.layers[mv.li] {
                Layer::Conv(c) => {
                    c.weight = w;
                    c.bias = b;
                }
                Layer::Linear(f) => {
                    f.weight = w;
                    f.bias = b;
                }
                _ => unreachable!("MAC layer"),
            }
        }
        Ok(net)
    }
}

/// `w + (Δ·clamp(round(w/Δ)) − w).detach()`: the quantized value forward, identity backward.
fn fake_quant_weight(
    w: &Tensor,
    steps: &Tensor,
    bound: Option<f32>,
) -> candle_core::Result<Tensor> {
    let mut q = w.broadcast_div(steps)?.round()?;
    if let Some(b) = bound {
        q = q.clamp(-b, b)?;
    }
    let wq = q.broadcast_mul(steps)?;
    w + (wq - w)?.detach()
}

/// `x_c + (Δ·clamp(round(x/Δ), 0, 2^b−1) − x_c).detach()` with `x_c = clamp(x, 0, α)`: the
/// unsigned code's value forward; gradient 1 inside `[0, α]`, 0 where clipped.
fn fake_quant_act(x: &Tensor, step: f32, bits: u32) -> candle_core::Result<Tensor> {
    let top = amax(bits) as f32;
    let xc = x.clamp(0f32, top * step)?;
    let q = ((x / step as f64)?.round()?.clamp(0f32, top)? * step as f64)?;
    &xc + (q - &xc)?.detach()
}

/// What one epoch did.
#[derive(Debug, Clone, Copy)]
pub struct EpochStats {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss (with fake quantization).
    pub loss: f64,
    /// Training top-1 (%) of the fake-quantized network on the batches seen.
    pub train_top1: f64,
    /// Wall time of the epoch, seconds.
    pub seconds: f64,
}

/// Callbacks of [`fine_tune`]: `step(epoch, done, total)` after every mini-batch,
/// `epoch(stats, weights)` after every epoch (checkpoints).
pub struct Hooks<'a> {
    /// After every mini-batch.
    pub step: &'a mut dyn FnMut(usize, usize, usize),
    /// After every epoch.
    pub epoch: &'a mut dyn FnMut(EpochStats, &Network) -> Result<()>,
}

/// Fine-tune `base` (weights of `model`) on `dataset` with fake quantization as `cfg.method`
/// prescribes; returns the fine-tuned float weights.
pub fn fine_tune(
    data_dir: &Path,
    model: ModelId,
    dataset: DatasetId,
    base: &Network,
    cfg: &QatConfig,
    hooks: Hooks<'_>,
) -> Result<Network> {
    cfg.validate()?;
    debug_assert_eq!(base.name, model.name());
    let full = dataset.load(data_dir, Split::Train)?;
    let calib = calibration_slice(&full, cfg.calib_size, cfg.calib_seed);
    let train = match cfg.limit {
        Some(n) => full.head(n),
        None => full,
    };
    let dev = Device::Cpu;
    let qm = QatModel::new(base, cfg.method)?;
    let params = candle_nn::ParamsAdamW {
        lr: cfg.lr,
        weight_decay: 0.0,
        ..Default::default()
    };
    let mut opt = candle_nn::AdamW::new(qm.vars(), params).map_err(ce)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let steps_per_epoch = train.len().div_ceil(cfg.batch);
    let mut x_steps = qm.act_steps(base, &calib, cfg.calib_seed).map_err(ce)?;
    let mut global = 0usize;
    for epoch in 1..=cfg.epochs {
        let t = std::time::Instant::now();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        for (i, chunk) in order.chunks(cfg.batch).enumerate() {
            if global > 0 && global.is_multiple_of(cfg.recalib_every) {
                x_steps = qm.act_steps(base, &calib, cfg.calib_seed).map_err(ce)?;
            }
            let steps = Steps {
                w: qm.weight_steps().map_err(ce)?,
                x: x_steps.clone(),
            };
            let (x, y) = batch_tensor(base, &train, chunk, &dev).map_err(ce)?;
            let logits = qm.walk(&x, Some(&steps), None).map_err(ce)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y).map_err(ce)?;
            opt.backward_step(&loss).map_err(ce)?;
            loss_sum += loss.to_scalar::<f32>().map_err(ce)? as f64 * chunk.len() as f64;
            let pred = logits
                .argmax(1)
                .and_then(|p| p.to_vec1::<u32>())
                .map_err(ce)?;
            correct += pred
                .iter()
                .zip(chunk)
                .filter(|(&p, &i)| p == train.labels[i] as u32)
                .count();
            seen += chunk.len();
            global += 1;
            (hooks.step)(epoch, i + 1, steps_per_epoch);
        }
        let stats = EpochStats {
            epoch,
            loss: loss_sum / seen.max(1) as f64,
            train_top1: 100.0 * correct as f64 / seen.max(1) as f64,
            seconds: t.elapsed().as_secs_f64(),
        };
        (hooks.epoch)(stats, &qm.to_network()?)?;
    }
    qm.to_network()
}

/// Predictions of the fake-quantized forward pass that fine-tuning trains (weights of `net`,
/// activation ranges calibrated on `calib`), for checking it against the integer inference.
pub fn fake_quant_predict(
    net: &Network,
    method: QatMethod,
    calib: &Dataset,
    images: &Dataset,
) -> Result<Vec<usize>> {
    method.validate()?;
    let qm = QatModel::new(net, method)?;
    let steps = Steps {
        w: qm.weight_steps().map_err(ce)?,
        x: qm.act_steps(net, calib, 0).map_err(ce)?,
    };
    let idx: Vec<usize> = (0..images.len()).collect();
    let mut pred = Vec::with_capacity(images.len());
    for chunk in idx.chunks(256) {
        let (x, _) = batch_tensor(net, images, chunk, &Device::Cpu).map_err(ce)?;
        let p = qm
            .walk(&x, Some(&steps), None)
            .and_then(|l| l.argmax(1))
            .and_then(|p| p.to_vec1::<u32>())
            .map_err(ce)?;
        pred.extend(p.into_iter().map(|v| v as usize));
    }
    Ok(pred)
}
