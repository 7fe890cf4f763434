//! Adders: ripple-carry and the parallel-prefix family (Brent–Kung, Kogge–Stone, Sklansky).
//! Generators are plain functions over a [`Builder`].

use super::AdderArch;
use crate::netlist::{Builder, Bus, NetId};

/// `x + y + cin` over `max(len x, len y)` bits (shorter operand zero-extended).
/// Returns the sum bits and the carry out.
pub fn add(b: &mut Builder, arch: AdderArch, x: &[NetId], y: &[NetId], cin: NetId) -> (Bus, NetId) {
    let n = x.len().max(y.len());
    let at = |v: &[NetId], i: usize, b: &Builder| v.get(i).copied().unwrap_or(b.zero());
    let xs: Bus = (0..n).map(|i| at(x, i, b)).collect();
    let ys: Bus = (0..n).map(|i| at(y, i, b)).collect();
    match arch {
        AdderArch::Ripple => ripple(b, &xs, &ys, cin),
        _ => prefix(b, arch, &xs, &ys, cin),
    }
}

/// Ripple-carry adder: one full adder per bit.
pub fn ripple(b: &mut Builder, x: &[NetId], y: &[NetId], cin: NetId) -> (Bus, NetId) {
    let mut c = cin;
    let mut s = Vec::with_capacity(x.len());
    for (&xi, &yi) in x.iter().zip(y) {
        let (si, ci) = b.full_adder(xi, yi, c);
        s.push(si);
        c = ci;
    }
    (s, c)
}

/// Generate/propagate pair of a bit range.
#[derive(Clone, Copy)]
struct Gp {
    g: NetId,
    p: NetId,
}

/// `hi ∘ lo`: the pair of the concatenated range.
fn combine(b: &mut Builder, hi: Gp, lo: Gp) -> Gp {
    let t = b.and2(hi.p, lo.g);
    Gp {
        g: b.or2(hi.g, t),
        p: b.and2(hi.p, lo.p),
    }
}

/// Parallel-prefix adder; the carry-in is folded into bit 0's generate.
fn prefix(b: &mut Builder, arch: AdderArch, x: &[NetId], y: &[NetId], cin: NetId) -> (Bus, NetId) {
    let n = x.len();
    if n == 0 {
        return (Vec::new(), cin);
    }
    let p: Bus = x.iter().zip(y).map(|(&a, &c)| b.xor2(a, c)).collect();
    let mut node: Vec<Gp> = (0..n)
        .map(|i| Gp {
            g: b.and2(x[i], y[i]),
            p: p[i],
        })
        .collect();
    // Bit 0 generates if it generates alone or propagates the carry-in.
    let g0 = b.maj3(x[0], y[0], cin);
    node[0].g = g0;
    match arch {
        AdderArch::Sklansky => {
            let mut span = 1;
            while span < n {
                for i in 0..n {
                    if i & span != 0 {
                        // The highest bit of the lower half of i's 2·span block.
                        let lo = (i & !(2 * span - 1)) + span - 1;
                        node[i] = combine(b, node[i], node[lo]);
                    }
                }
                span <<= 1;
            }
        }
        AdderArch::KoggeStone => {
            let mut d = 1;
            while d < n {
                let prev = node.clone();
                for i in d..n {
                    node[i] = combine(b, prev[i], prev[i - d]);
                }
                d <<= 1;
            }
        }
        AdderArch::BrentKung => {
            let mut d = 1;
            while d < n {
                let mut i = 2 * d - 1;
                while i < n {
                    node[i] = combine(b, node[i], node[i - d]);
                    i += 2 * d;
                }
                d <<= 1;
            }
            while d > 1 {
                d >>= 1;
                let mut i = 3 * d - 1;
                while i < n {
                    node[i] = combine(b, node[i], node[i - d]);
                    i += 2 * d;
                }
            }
        }
        AdderArch::Ripple => unreachable!("ripple is not a prefix adder"),
    }
    let mut s = Vec::with_capacity(n);
    s.push(b.xor2(p[0], cin));
    for i in 1..n {
        s.push(b.xor2(p[i], node[i - 1].g));
    }
    (s, node[n - 1].g)
}
