//! Network architectures (layers with float32 weights), weight loading and batch-norm folding.
//!
//! Layout conventions (PyTorch): activations are CHW, conv weights `[out, in, kh, kw]`, linear
//! weights `[out, in]`, flatten is NCHW order (`c·H·W + h·W + w`), convolution is
//! cross-correlation with zero padding.

use super::error::{NnError, Result};
use super::idx::DatasetId;
use std::path::{Path, PathBuf};

/// A 2-D convolution (cross-correlation), zero padding, with bias.
#[derive(Debug, Clone)]
pub struct Conv2d {
    /// Layer name used on the CLI (`conv1`, ...).
    pub name: String,
    /// Tensor name prefix in the weights file (`features.0`).
    pub key: String,
    /// Input channels.
    pub in_c: usize,
    /// Output channels.
    pub out_c: usize,
    /// Square kernel size.
    pub k: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub pad: usize,
    /// Weights `[out_c, in_c, k, k]`.
    pub weight: Vec<f32>,
    /// Bias `[out_c]`.
    pub bias: Vec<f32>,
}

/// A fully connected layer `y = W·x + b`.
#[derive(Debug, Clone)]
pub struct Linear {
    /// Layer name used on the CLI (`fc1`, ...).
    pub name: String,
    /// Tensor name prefix in the weights file.
    pub key: String,
    /// Input features.
    pub in_f: usize,
    /// Output features.
    pub out_f: usize,
    /// Weights `[out_f, in_f]`.
    pub weight: Vec<f32>,
    /// Bias `[out_f]`.
    pub bias: Vec<f32>,
}

/// One layer of a feed-forward network.
#[derive(Debug, Clone)]
pub enum Layer {
    /// Convolution (a MAC layer).
    Conv(Conv2d),
    /// Fully connected (a MAC layer).
    Linear(Linear),
    /// `max(x, 0)`.
    Relu,
    /// Max pooling with a square window.
    MaxPool {
        /// Window size.
        k: usize,
        /// Stride.
        stride: usize,
    },
    /// CHW → vector (no data movement in our layout).
    Flatten,
}

/// Shape of an activation tensor: channels, height, width (a vector is `[n, 1, 1]`).
pub type Shape = [usize; 3];

impl Layer {
    /// Output shape for a given input shape.
    pub fn out_shape(&self, s: Shape) -> Shape {
        match self {
            Layer::Conv(c) => {
                let o = |d: usize| (d + 2 * c.pad - c.k) / c.stride + 1;
                [c.out_c, o(s[1]), o(s[2])]
            }
            Layer::Linear(l) => [l.out_f, 1, 1],
            Layer::Relu => s,
            Layer::MaxPool { k, stride } => {
                [s[0], (s[1] - k) / stride + 1, (s[2] - k) / stride + 1]
            }
            Layer::Flatten => [s[0] * s[1] * s[2], 1, 1],
        }
    }
    /// Name of a MAC layer, `None` for the others.
    pub fn mac_name(&self) -> Option<&str> {
        match self {
            Layer::Conv(c) => Some(&c.name),
            Layer::Linear(l) => Some(&l.name),
            _ => None,
        }
    }
}

/// Known networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelId {
    /// The pretrained ccexam MNIST CNN (conv 32, conv 64, fc 128, fc 10).
    CcexamCnn,
    /// LeNet-5 (ReLU, max-pool): conv 6@5×5 pad 2, conv 16@5×5, fc 120, 84, 10.
    Lenet5,
    /// Multilayer perceptron 784-256-128-10.
    Mlp,
}

impl ModelId {
    /// Parse a CLI name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "ccexam-cnn" => Ok(Self::CcexamCnn),
            "lenet5" => Ok(Self::Lenet5),
            "mlp" => Ok(Self::Mlp),
            _ => Err(NnError::UnknownName {
                what: "model",
                name: s.into(),
                known: "ccexam-cnn, lenet5, mlp".into(),
            }),
        }
    }
    /// CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::CcexamCnn => "ccexam-cnn",
            Self::Lenet5 => "lenet5",
            Self::Mlp => "mlp",
        }
    }
    /// Weights file for this model trained on `ds`, relative to the data directory.
    pub fn weights_file(self, ds: DatasetId) -> PathBuf {
        let f = match self {
            Self::CcexamCnn => "ccexam_mnist_cnn.safetensors".to_string(),
            _ => format!("{}_{}.safetensors", self.name(), ds.name()),
        };
        Path::new("weights").join(f)
    }
    /// The architecture with zero weights (shapes only).
    pub fn architecture(self) -> Network {
        let conv = |name: &str, key: &str, in_c, out_c, k, pad| {
            Layer::Conv(Conv2d {
                name: name.into(),
                key: key.into(),
                in_c,
                out_c,
                k,
                stride: 1,
                pad,
                weight: vec![0.0; out_c * in_c * k * k],
                bias: vec![0.0; out_c],
            })
        };
        let lin = |name: &str, key: &str, in_f, out_f| {
            Layer::Linear(Linear {
                name: name.into(),
                key: key.into(),
                in_f,
                out_f,
                weight: vec![0.0; out_f * in_f],
                bias: vec![0.0; out_f],
            })
        };
        let pool = Layer::MaxPool { k: 2, stride: 2 };
        let layers = match self {
            Self::CcexamCnn => vec![
                conv("conv1", "features.0", 1, 32, 3, 1),
                Layer::Relu,
                pool.clone(),
                conv("conv2", "features.3", 32, 64, 3, 1),
                Layer::Relu,
                pool,
                Layer::Flatten,
                lin("fc1", "classifier.0", 3136, 128),
                Layer::Relu,
                lin("fc2", "classifier.2", 128, 10),
            ],
            Self::Lenet5 => vec![
                conv("conv1", "conv1", 1, 6, 5, 2),
                Layer::Relu,
                pool.clone(),
                conv("conv2", "conv2", 6, 16, 5, 0),
                Layer::Relu,
                pool,
                Layer::Flatten,
                lin("fc1", "fc1", 400, 120),
                Layer::Relu,
                lin("fc2", "fc2", 120, 84),
                Layer::Relu,
                lin("fc3", "fc3", 84, 10),
            ],
            Self::Mlp => vec![
                Layer::Flatten,
                lin("fc1", "fc1", 784, 256),
                Layer::Relu,
                lin("fc2", "fc2", 256, 128),
                Layer::Relu,
                lin("fc3", "fc3", 128, 10),
            ],
        };
        Network {
            name: self.name().into(),
            input: [1, 28, 28],
            mean: 0.1307,
            std: 0.3081,
            layers,
        }
    }
    /// Whether weights for this model on `ds` can exist (ccexam-cnn: MNIST only).
    pub fn supports(self, ds: DatasetId) -> bool {
        self != Self::CcexamCnn || ds == DatasetId::Mnist
    }
    /// Load the trained network from `data_dir` (see [`ModelId::weights_file`]).
    pub fn load(self, data_dir: &Path, ds: DatasetId) -> Result<Network> {
        if !self.supports(ds) {
            return Err(NnError::InvalidConfig {
                field: "dataset",
                value: ds.name().into(),
                why: "ccexam-cnn is trained on mnist only".into(),
            });
        }
        let mut net = self.architecture();
        net.load_safetensors(&data_dir.join(self.weights_file(ds)))?;
        Ok(net)
    }
}

/// A feed-forward network: input normalisation, then layers.
#[derive(Debug, Clone)]
pub struct Network {
    /// Model name.
    pub name: String,
    /// Input shape (CHW).
    pub input: Shape,
    /// Input normalisation `x = (p/255 − mean) / std` (p = u8 pixel).
    pub mean: f32,
    /// See `mean`.
    pub std: f32,
    /// Layers in order.
    pub layers: Vec<Layer>,
}

impl Network {
    /// Names of the MAC layers (conv / linear), in order.
    pub fn mac_layer_names(&self) -> Vec<String> {
        self.layers
            .iter()
            .filter_map(|l| l.mac_name().map(str::to_string))
            .collect()
    }
    /// Index (into `layers`) of the MAC layer called `name`.
    pub fn layer_index(&self, name: &str) -> Result<usize> {
        self.layers
            .iter()
            .position(|l| l.mac_name() == Some(name))
            .ok_or_else(|| NnError::UnknownLayer {
                name: name.into(),
                model: self.name.clone(),
                known: self.mac_layer_names().join(", "),
            })
    }
    /// Input shape of every layer, plus the final output shape at the end.
    pub fn shapes(&self) -> Vec<Shape> {
        let mut v = vec![self.input];
        for l in &self.layers {
            let s = l.out_shape(*v.last().unwrap());
            v.push(s);
        }
        v
    }
    /// Named float tensors `(name, shape, values)` of all weights and biases.
    pub fn tensors(&self) -> Vec<(String, Vec<usize>, &[f32])> {
        let mut v = Vec::new();
        for l in &self.layers {
            match l {
                Layer::Conv(c) => {
                    v.push((
                        format!("{}.weight", c.key),
                        vec![c.out_c, c.in_c, c.k, c.k],
                        &c.weight[..],
                    ));
                    v.push((format!("{}.bias", c.key), vec![c.out_c], &c.bias[..]));
                }
                Layer::Linear(f) => {
                    v.push((
                        format!("{}.weight", f.key),
                        vec![f.out_f, f.in_f],
                        &f.weight[..],
                    ));
                    v.push((format!("{}.bias", f.key), vec![f.out_f], &f.bias[..]));
                }
                _ => {}
            }
        }
        v
    }
    fn slots_mut(&mut self) -> Vec<(String, Vec<usize>, &mut Vec<f32>)> {
        let mut v = Vec::new();
        for l in &mut self.layers {
            match l {
                Layer::Conv(c) => {
                    let s = vec![c.out_c, c.in_c, c.k, c.k];
                    v.push((format!("{}.weight", c.key), s, &mut c.weight));
                    v.push((format!("{}.bias", c.key), vec![c.out_c], &mut c.bias));
                }
                Layer::Linear(f) => {
                    let s = vec![f.out_f, f.in_f];
                    v.push((format!("{}.weight", f.key), s, &mut f.weight));
                    v.push((format!("{}.bias", f.key), vec![f.out_f], &mut f.bias));
                }
                _ => {}
            }
        }
        v
    }
    /// Fill the weights from a state dict (`key → values`), checking every element count.
    pub fn load_state_dict(
        &mut self,
        path: &Path,
        sd: &[(String, Vec<usize>, Vec<f32>)],
    ) -> Result<()> {
        for (name, shape, slot) in self.slots_mut() {
            let (_, found, vals) =
                sd.iter()
                    .find(|(k, _, _)| *k == name)
                    .ok_or_else(|| NnError::MissingTensor {
                        path: path.display().to_string(),
                        name: name.clone(),
                    })?;
            if *found != shape {
                return Err(NnError::ShapeMismatch {
                    path: path.display().to_string(),
                    name,
                    found: found.clone(),
                    expected: shape,
                });
            }
            slot.copy_from_slice(vals);
        }
        Ok(())
    }
    /// Load weights from a safetensors file (float32 tensors named `<key>.weight/.bias`).
    pub fn load_safetensors(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|e| NnError::io(path, e))?;
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| NnError::corrupt(path, format!("safetensors: {e}")))?;
        let mut sd = Vec::new();
        for (name, view) in st.tensors() {
            if view.dtype() != safetensors::Dtype::F32 {
                return Err(NnError::corrupt(
                    path,
                    format!("tensor `{name}` is not f32"),
                ));
            }
            let vals = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            sd.push((name, view.shape().to_vec(), vals));
        }
        self.load_state_dict(path, &sd)
    }
    /// Load weights from a PyTorch zip checkpoint (shapes checked by element count).
    pub fn load_pth(&mut self, path: &Path) -> Result<()> {
        let raw = super::pth::read_pth(path)?;
        let expected: Vec<(String, Vec<usize>)> =
            self.tensors().into_iter().map(|(n, s, _)| (n, s)).collect();
        let mut sd = Vec::new();
        for (name, vals) in raw {
            let Some((_, shape)) = expected.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            if vals.len() != shape.iter().product::<usize>() {
                return Err(NnError::ShapeMismatch {
                    path: path.display().to_string(),
                    name,
                    found: vec![vals.len()],
                    expected: shape.clone(),
                });
            }
            sd.push((name, shape.clone(), vals));
        }
        self.load_state_dict(path, &sd)
    }
    /// Write all weights as a safetensors file (atomically).
    pub fn save_safetensors(&self, path: &Path, metadata: &[(&str, &str)]) -> Result<()> {
        let tensors = self.tensors();
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
            .iter()
            .map(|(n, s, v)| {
                (
                    n.clone(),
                    s.clone(),
                    v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                )
            })
            .collect();
        let views: Vec<(String, safetensors::tensor::TensorView)> = bytes
            .iter()
            .map(|(n, s, b)| {
                let v = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                    .expect("shape matches data by construction");
                (n.clone(), v)
            })
            .collect();
        let meta: std::collections::HashMap<String, String> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let out = safetensors::tensor::serialize(views, Some(meta))
            .map_err(|e| NnError::corrupt(path, format!("safetensors: {e}")))?;
        crate::report::write_atomic::<_, NnError>(path, |w| {
            w.write_all(&out).map_err(|e| NnError::io(path, e))
        })
    }
}

/// Fold an inference-mode batch norm `y = γ·(x − μ)/√(σ² + ε) + β` that follows `conv` into
/// the convolution's weights and bias (per output channel).
pub fn fold_batch_norm(
    conv: &mut Conv2d,
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    var: &[f32],
    eps: f32,
) {
    let per = conv.in_c * conv.k * conv.k;
    for o in 0..conv.out_c {
        let s = gamma[o] / (var[o] + eps).sqrt();
        conv.weight[o * per..(o + 1) * per]
            .iter_mut()
            .for_each(|w| *w *= s);
        conv.bias[o] = (conv.bias[o] - mean[o]) * s + beta[o];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccexam_shapes_flatten_to_3136() {
        let net = ModelId::CcexamCnn.architecture();
        let s = net.shapes();
        assert_eq!(s[7], [3136, 1, 1]);
        assert_eq!(*s.last().unwrap(), [10, 1, 1]);
        assert_eq!(ModelId::Lenet5.architecture().shapes()[7], [400, 1, 1]);
    }

    #[test]
    fn folded_batch_norm_equals_conv_then_bn() {
        let mut c = match ModelId::Lenet5.architecture().layers.remove(0) {
            Layer::Conv(c) => c,
            _ => unreachable!(),
        };
        c.weight
            .iter_mut()
            .enumerate()
            .for_each(|(i, w)| *w = (i as f32 * 0.37).sin());
        c.bias
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as f32 * 0.1);
        let (g, b, m, v) = ([1.5f32; 6], [0.2f32; 6], [0.3f32; 6], [4.0f32; 6]);
        let mut f = c.clone();
        fold_batch_norm(&mut f, &g, &b, &m, &v, 0.0);
        // A patch of ones: conv output = Σw + bias.
        let per = 25;
        for o in 0..6 {
            let y: f32 = c.weight[o * per..(o + 1) * per].iter().sum::<f32>() + c.bias[o];
            let bn = g[o] * (y - m[o]) / v[o].sqrt() + b[o];
            let yf: f32 = f.weight[o * per..(o + 1) * per].iter().sum::<f32>() + f.bias[o];
            assert!((bn - yf).abs() < 1e-5, "{bn} vs {yf}");
        }
    }
}
