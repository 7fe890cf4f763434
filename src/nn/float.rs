//! Float32 reference inference (the accuracy the integer paths are compared against).

use super::idx::Dataset;
use super::kernels::{dot_f32, max_pool, ConvGeom};
use super::model::{Layer, Network, Shape};
use rayon::prelude::*;

/// Normalised network input of one image: `(p/255 − mean)/std`.
pub fn normalise(net: &Network, pixels: &[u8]) -> Vec<f32> {
    pixels
        .iter()
        .map(|&p| (p as f32 / 255.0 - net.mean) / net.std)
        .collect()
}

/// Apply one layer in float to `x` of shape `s`.
pub fn apply_layer(layer: &Layer, x: &[f32], s: Shape) -> Vec<f32> {
    match layer {
        Layer::Conv(c) => {
            let g = ConvGeom::new(c, s[1], s[2]);
            let cols = g.im2col(x);
            let kl = g.k_len();
            let mut out = vec![0f32; c.out_c * g.positions()];
            if kl < 32 {
                // Short kernels: accumulate tap by tap, vectorised over positions.
                let p = g.positions();
                let mut t_major = vec![0f32; kl * p];
                for (pos, row) in cols.chunks_exact(kl).enumerate() {
                    for (t, &x) in row.iter().enumerate() {
                        t_major[t * p + pos] = x;
                    }
                }
                for (o, orow) in out.chunks_exact_mut(p).enumerate() {
                    for (t, &w) in c.weight[o * kl..(o + 1) * kl].iter().enumerate() {
                        for (y, &x) in orow.iter_mut().zip(&t_major[t * p..(t + 1) * p]) {
                            *y += x * w;
                        }
                    }
                    orow.iter_mut().for_each(|y| *y += c.bias[o]);
                }
                return out;
            }
            for (o, orow) in out.chunks_exact_mut(g.positions()).enumerate() {
                let w = &c.weight[o * kl..(o + 1) * kl];
                for (p, y) in orow.iter_mut().enumerate() {
                    *y = dot_f32(&cols[p * kl..(p + 1) * kl], w) + c.bias[o];
                }
            }
            out
        }
        Layer::Linear(l) => (0..l.out_f)
            .map(|o| dot_f32(x, &l.weight[o * l.in_f..(o + 1) * l.in_f]) + l.bias[o])
            .collect(),
        Layer::Relu => x.iter().map(|v| v.max(0.0)).collect(),
        Layer::MaxPool { k, stride } => max_pool(x, s, *k, *stride),
        Layer::Flatten => x.to_vec(),
    }
}

/// Forward one image; calls `visit(layer_index, input_of_that_layer)` before every layer.
pub fn forward_visit(
    net: &Network,
    pixels: &[u8],
    mut visit: impl FnMut(usize, &[f32]),
) -> Vec<f32> {
    let mut x = normalise(net, pixels);
    let mut s = net.input;
    for (i, l) in net.layers.iter().enumerate() {
        visit(i, &x);
        x = apply_layer(l, &x, s);
        s = l.out_shape(s);
    }
    x
}

/// Logits of one image.
pub fn forward(net: &Network, pixels: &[u8]) -> Vec<f32> {
    forward_visit(net, pixels, |_, _| {})
}

/// Index of the largest logit (first one on ties).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Top-1 predictions for every image of `ds` (parallel, order preserved).
pub fn predict(net: &Network, ds: &Dataset) -> Vec<usize> {
    (0..ds.len())
        .into_par_iter()
        .map(|i| argmax(&forward(net, ds.image(i))))
        .collect()
}

/// Number of correct top-1 predictions.
pub fn count_correct(pred: &[usize], ds: &Dataset) -> usize {
    pred.iter()
        .zip(&ds.labels)
        .filter(|(p, l)| **p == **l as usize)
        .count()
}
