//! Sampled real operand streams of one layer: contiguous windows of what one MAC (or one
//! PANN accumulator pair) sees, spread evenly over the layer's whole stream on a few images,
//! so consecutive-pair statistics (the toggles) stay those of the real dataflow
//! (output-stationary: one output's taps in order `c, kh, kw`, then the next position).

use crate::nn::idx::Dataset;
use crate::nn::pann::PannNet;
use crate::nn::qnet::QuantNet;
use crate::nn::stream::{Dataflow, LayerStream};

/// How much of each layer's stream is simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SampleSize {
    /// Test images whose streams are sampled (the first ones).
    pub images: usize,
    /// Contiguous windows per layer, spread evenly over the stream.
    pub windows: usize,
    /// Operand pairs (or additions) per window.
    pub window: usize,
}

impl SampleSize {
    /// 2 images, 8 windows of 512 pairs: 4096 pairs per layer.
    pub const QUICK: SampleSize = SampleSize {
        images: 2,
        windows: 8,
        window: 512,
    };
    /// 4 images, 16 windows of 1024 pairs: 16384 pairs per layer.
    pub const FULL: SampleSize = SampleSize {
        images: 4,
        windows: 16,
        window: 1024,
    };
    /// Pairs per layer.
    pub fn pairs(&self) -> usize {
        self.windows * self.window
    }
}

/// Evenly spread windows of MAC layer `m`'s operand stream `(x, w)` over `images`.
pub fn mac_pairs(q: &QuantNet, m: usize, images: &Dataset, s: SampleSize) -> Vec<(i64, i64)> {
    let name = q.layers[m].name.clone();
    let mut it = LayerStream::new(q, &name, images, Dataflow::OutputStationary)
        .expect("layer of this network");
    let total = it.total() as usize;
    let gap = (total / s.windows.max(1)).saturating_sub(s.window);
    let mut out = Vec::with_capacity(s.pairs());
    for k in 0..s.windows {
        if k > 0 && gap > 0 {
            it.nth(gap - 1);
        }
        out.extend(it.by_ref().take(s.window));
    }
    out
}

/// Evenly spread windows of the addition stream of PANN layer `m` over `images`: each
/// window starts at an output `(o, pos)` spread over channels and positions and follows the
/// next positions of the same channel (output-stationary) until it holds `window` additions.
/// Pairs are `(x, ±1)`: the sign routes the addition to S⁺ or S⁻ (zero weights add nothing).
pub fn addition_pairs(p: &PannNet, m: usize, images: &Dataset, s: SampleSize) -> Vec<(i64, i64)> {
    let l = &p.q.layers[m];
    let (outs, positions) = (l.out_c, l.geom.positions());
    let mut out = Vec::with_capacity(s.pairs());
    for k in 0..s.windows {
        let img = k % images.len().max(1);
        let flat = (k * outs * positions) / s.windows.max(1) + k * 7919 % positions.max(1);
        let (mut o, mut pos) = ((flat / positions) % outs, flat % positions);
        let mut got = 0;
        let mut tries = 0;
        while got < s.window && tries < outs * positions {
            let adds = p
                .addition_stream(images.image(img), &l.name, o, pos)
                .expect("valid output");
            for a in adds.iter().take(s.window - got) {
                out.push((a.x as i64, if a.negative { -1 } else { 1 }));
            }
            got += adds.len().min(s.window - got);
            pos += 1;
            if pos == positions {
                pos = 0;
                o = (o + 1) % outs;
            }
            tries += 1;
        }
    }
    out
}
