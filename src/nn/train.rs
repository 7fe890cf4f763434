//! Training LeNet-5 and the MLP with candle (feature `train`; not in the default build or CI).
//!
//! Adam (AdamW with zero weight decay), cross-entropy, mini-batches drawn from a seeded
//! shuffle, the same input normalisation as inference (`(p/255 − 0.1307)/0.3081`). The trained
//! tensors are copied into a [`Network`] and written as safetensors with the tensor names the
//! loader expects; the accuracy reported is that of our own float inference of the saved file.

use super::error::{NnError, Result};
use super::idx::{Dataset, DatasetId, Split};
use super::model::{Layer, ModelId, Network};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Optimizer, VarBuilder, VarMap};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::Path;

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
    /// Use only the first `n` training images (smoke tests).
    pub limit: Option<usize>,
    /// Start from these weights instead of the seeded initialisation (float fine-tuning).
    pub init: Option<Network>,
}

/// A candle error as a one-line [`NnError`].
pub(super) fn ce(e: candle_core::Error) -> NnError {
    let msg = e.to_string();
    NnError::InvalidConfig {
        field: "candle",
        value: String::new(),
        why: msg.lines().next().unwrap_or_default().to_string(),
    }
}

/// PyTorch's default initialisation (uniform in ±1/√fan_in for weights and biases), drawn
/// from a seeded generator so that training is reproducible (candle's CPU generator cannot
/// be seeded).
fn init_vars(
    varmap: &mut VarMap,
    net: &Network,
    seed: u64,
    dev: &Device,
) -> candle_core::Result<()> {
    use rand::Rng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    for (name, shape, _) in net.tensors() {
        let fan_in = match &net.layers.iter().find(|l| match l {
            Layer::Conv(c) => name.starts_with(&format!("{}.", c.key)),
            Layer::Linear(f) => name.starts_with(&format!("{}.", f.key)),
            _ => false,
        }) {
            Some(Layer::Conv(c)) => c.in_c * c.k * c.k,
            Some(Layer::Linear(f)) => f.in_f,
            _ => 1,
        };
        let bound = 1.0 / (fan_in as f32).sqrt();
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| rng.gen_range(-bound..bound)).collect();
        varmap.set_one(&name, Tensor::from_vec(v, shape, dev)?)?;
    }
    Ok(())
}

/// One layer's forward function.
type LayerFn = Box<dyn Fn(&Tensor) -> candle_core::Result<Tensor>>;

struct Model {
    layers: Vec<LayerFn>,
}

fn build(net: &Network, vb: &VarBuilder) -> candle_core::Result<Model> {
    let mut layers: Vec<LayerFn> = Vec::new();
    for l in &net.layers {
        match l {
            Layer::Conv(c) => {
                let cfg = candle_nn::Conv2dConfig {
                    padding: c.pad,
                    stride: c.stride,
                    ..Default::default()
                };
                let m = candle_nn::conv2d(c.in_c, c.out_c, c.k, cfg, vb.pp(&c.key))?;
                layers.push(Box::new(move |x| m.forward(x)));
            }
            Layer::Linear(f) => {
                let m = candle_nn::linear(f.in_f, f.out_f, vb.pp(&f.key))?;
                layers.push(Box::new(move |x| m.forward(x)));
            }
            Layer::Relu => layers.push(Box::new(|x| x.relu())),
            Layer::MaxPool { k, stride } => {
                let (k, s) = (*k, *stride);
                layers.push(Box::new(move |x| x.max_pool2d_with_stride(k, s)))
            }
            Layer::Flatten => layers.push(Box::new(|x| x.flatten_from(1))),
        }
    }
    Ok(Model { layers })
}

impl Model {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.layers.iter().try_fold(x.clone(), |x, f| f(&x))
    }
}

/// Normalised images `[n, 1, rows, cols]` and labels of `idx`.
pub(super) fn batch_tensor(
    net: &Network,
    ds: &Dataset,
    idx: &[usize],
    dev: &Device,
) -> candle_core::Result<(Tensor, Tensor)> {
    let sz = ds.rows * ds.cols;
    let mut x = Vec::with_capacity(idx.len() * sz);
    for &i in idx {
        x.extend(
            ds.image(i)
                .iter()
                .map(|&p| (p as f32 / 255.0 - net.mean) / net.std),
        );
    }
    let y: Vec<u32> = idx.iter().map(|&i| ds.labels[i] as u32).collect();
    Ok((
        Tensor::from_vec(x, (idx.len(), 1, ds.rows, ds.cols), dev)?,
        Tensor::from_vec(y, idx.len(), dev)?,
    ))
}

/// Train `model` on `dataset`, returning the trained float network (weights copied out).
pub fn train(
    data_dir: &Path,
    model: ModelId,
    dataset: DatasetId,
    cfg: &TrainConfig,
    log: &mut dyn FnMut(String),
) -> Result<Network> {
    let mut net = model.architecture();
    let mut train = dataset.load(data_dir, Split::Train)?;
    if let Some(n) = cfg.limit {
        train = train.head(n);
    }
    let dev = Device::Cpu;
    let mut varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
    let m = build(&net, &vb).map_err(ce)?;
    match &cfg.init {
        None => init_vars(&mut varmap, &net, cfg.seed, &dev).map_err(ce)?,
        Some(init) => {
            for (name, shape, vals) in init.tensors() {
                varmap
                    .set_one(
                        &name,
                        Tensor::from_vec(vals.to_vec(), shape, &dev).map_err(ce)?,
                    )
                    .map_err(ce)?;
            }
        }
    }
    let params = candle_nn::ParamsAdamW {
        lr: cfg.lr,
        weight_decay: 0.0,
        ..Default::default()
    };
    let mut opt = candle_nn::AdamW::new(varmap.all_vars(), params).map_err(ce)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 0..cfg.epochs {
        order.shuffle(&mut rng);
        let (mut sum, mut n) = (0f64, 0usize);
        for chunk in order.chunks(cfg.batch) {
            let (x, y) = batch_tensor(&net, &train, chunk, &dev).map_err(ce)?;
            let logits = m.forward(&x).map_err(ce)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y).map_err(ce)?;
            opt.backward_step(&loss).map_err(ce)?;
            sum += loss.to_scalar::<f32>().map_err(ce)? as f64;
            n += 1;
        }
        log(format!(
            "epoch {}: mean loss {:.4}",
            epoch + 1,
            sum / n.max(1) as f64
        ));
    }
    // Copy the trained tensors out (names = `<key>.weight/.bias`, PyTorch layouts).
    let data = varmap.data().lock().expect("varmap lock");
    let mut sd = Vec::new();
    for (name, var) in data.iter() {
        let t = var.as_tensor();
        let shape = t.dims().to_vec();
        let vals = t
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(ce)?;
        sd.push((name.clone(), shape, vals));
    }
    drop(data);
    net.load_state_dict(Path::new("<trained>"), &sd)?;
    Ok(net)
}
