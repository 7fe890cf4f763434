//! Multipliers as partial-product generation + reduction + final carry-propagate adder.
//!
//! Partial products live in a column matrix ([`Columns`]); a bit of negative weight
//! (two's complement MSB products, Booth row signs) is stored complemented with its weight
//! subtracted from a constant, and the constant's bits join the matrix as constant nets, which
//! the builder folds into the adjacent cells (the classic Baugh–Wooley / sign-extension-free
//! Booth correction terms, derived rather than hard-coded). All arithmetic is modulo
//! 2^(width of x + width of w), which holds every product exactly.

use super::{adders, AdderArch, MultArch};
use crate::netlist::{Builder, Bus, NetId};

/// A column-indexed multiset of bits to be added, plus a constant (mod 2^width).
#[derive(Clone, Debug)]
pub struct Columns {
    cols: Vec<Vec<NetId>>,
    constant: u128,
}

impl Columns {
    /// Empty matrix of `width` columns.
    pub fn new(width: usize) -> Columns {
        Columns {
            cols: vec![Vec::new(); width],
            constant: 0,
        }
    }
    fn width(&self) -> usize {
        self.cols.len()
    }
    fn mask(&self) -> u128 {
        if self.width() >= 128 {
            !0
        } else {
            (1u128 << self.width()) - 1
        }
    }
    /// Add bit `net` with weight `+2^col` (dropped when `col` is out of range).
    pub fn add(&mut self, col: usize, net: NetId) {
        if col < self.width() {
            self.cols[col].push(net);
        }
    }
    /// Add a bit of weight `−2^col` given its complement `inv`: stored as `inv` at `col`
    /// with `2^col` subtracted from the constant (`−v = !v − 1`).
    pub fn add_negative_complemented(&mut self, col: usize, inv: NetId) {
        if col < self.width() {
            self.cols[col].push(inv);
            self.constant = self.constant.wrapping_sub(1u128 << col) & self.mask();
        }
    }
    /// Move the constant's one bits into the matrix as constant nets.
    fn materialize(&mut self, b: &Builder) {
        for c in 0..self.width() {
            if (self.constant >> c) & 1 == 1 {
                self.cols[c].push(b.one());
            }
        }
        self.constant = 0;
    }
    fn max_height(&self) -> usize {
        self.cols.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Rows of plain AND partial products of `x × w` (row `j` = `x · w_j`, as `(column, net)`),
/// plus the constant (mod 2^width) that completes them. `signed` makes them two's complement
/// (Baugh–Wooley: the MSB-row and MSB-column products take negative weight and become NANDs).
pub fn and_partial_rows(
    b: &mut Builder,
    x: &[NetId],
    w: &[NetId],
    signed: bool,
) -> (Vec<Vec<(usize, NetId)>>, u128) {
    let (n, m) = (x.len(), w.len());
    let mask = (1u128 << (n + m)) - 1;
    let mut constant = 0u128;
    let mut rows = Vec::with_capacity(m);
    for (j, &wj) in w.iter().enumerate() {
        let mut row = Vec::with_capacity(n);
        for (i, &xi) in x.iter().enumerate() {
            let negative = signed && ((i == n - 1) != (j == m - 1));
            if negative {
                // −(x_i·w_j)·2^k = !(x_i·w_j)·2^k − 2^k: a NAND cell plus a constant.
                row.push((i + j, b.nand2(xi, wj)));
                constant = constant.wrapping_sub(1u128 << (i + j)) & mask;
            } else {
                row.push((i + j, b.and2(xi, wj)));
            }
        }
        rows.push(row);
    }
    (rows, constant)
}

/// [`and_partial_rows`] as a column matrix.
pub fn and_partial_products(b: &mut Builder, x: &[NetId], w: &[NetId], signed: bool) -> Columns {
    let (rows, constant) = and_partial_rows(b, x, w, signed);
    let mut cols = Columns::new(x.len() + w.len());
    for (c, net) in rows.into_iter().flatten() {
        cols.add(c, net);
    }
    cols.constant = constant;
    cols
}

/// Radix-4 (modified) Booth partial products of `x × w` (both signed or both unsigned).
pub fn booth_partial_products(b: &mut Builder, x: &[NetId], w: &[NetId], signed: bool) -> Columns {
    let (n, m) = (x.len(), w.len());
    let mut cols = Columns::new(n + m);
    let ext = |v: &[NetId], k: isize, b: &Builder| -> NetId {
        if k < 0 {
            b.zero()
        } else if (k as usize) < v.len() {
            v[k as usize]
        } else if signed {
            v[v.len() - 1]
        } else {
            b.zero()
        }
    };
    let groups = if signed { m.div_ceil(2) } else { m / 2 + 1 };
    // Row width: ±2x needs one more bit than x (signed) or two more (unsigned).
    let l = if signed { n + 1 } else { n + 2 };
    for g in 0..groups {
        let k = 2 * g as isize;
        let (y0, y1, y2) = (ext(w, k - 1, b), ext(w, k, b), ext(w, k + 1, b));
        let one = b.xor2(y1, y0);
        let t = b.xor2(y2, y1);
        let two = b.and_not(t, one);
        let neg = y2;
        for j in 0..l {
            let a = b.and2(one, ext(x, j as isize, b));
            let c = b.and2(two, ext(x, j as isize - 1, b));
            let sel = b.or2(a, c);
            if j == l - 1 {
                // The row's sign bit has negative weight: keep its complement (an XNOR).
                let ppn = b.xnor2(sel, neg);
                cols.add_negative_complemented(2 * g + j, ppn);
            } else {
                let ppj = b.xor2(sel, neg);
                cols.add(2 * g + j, ppj);
            }
        }
        cols.add(2 * g, neg);
    }
    cols
}

/// Dadda reduction to at most two bits per column (stage heights 2, 3, 4, 6, 9, 13, …).
pub fn dadda(b: &mut Builder, mut cols: Columns) -> Columns {
    cols.materialize(b);
    let mut heights = vec![2usize];
    while *heights.last().unwrap() < cols.max_height() {
        let d = *heights.last().unwrap();
        heights.push(d * 3 / 2);
    }
    heights.pop();
    for &d in heights.iter().rev() {
        let w = cols.width();
        let mut next = vec![Vec::new(); w];
        for c in 0..w {
            let mut bits = std::mem::take(&mut cols.cols[c]);
            bits.reverse(); // pop() takes the oldest bits first
            let mut height = bits.len() + next[c].len();
            while height > d {
                if height == d + 1 {
                    let (s, cy) = b.half_adder(bits.pop().unwrap(), bits.pop().unwrap());
                    next[c].push(s);
                    if c + 1 < w {
                        next[c + 1].push(cy);
                    }
                    height -= 1;
                } else {
                    let (s, cy) = b.full_adder(
                        bits.pop().unwrap(),
                        bits.pop().unwrap(),
                        bits.pop().unwrap(),
                    );
                    next[c].push(s);
                    if c + 1 < w {
                        next[c + 1].push(cy);
                    }
                    height -= 2;
                }
            }
            bits.reverse();
            next[c].extend(bits);
        }
        cols.cols = next;
    }
    cols
}

/// Wallace reduction: every stage compresses each column's bits three at a time (full
/// adders) and a leftover pair with a half adder, until at most two bits per column remain.
pub fn wallace(b: &mut Builder, mut cols: Columns) -> Columns {
    cols.materialize(b);
    while cols.max_height() > 2 {
        let w = cols.width();
        let mut next = vec![Vec::new(); w];
        for c in 0..w {
            let bits = std::mem::take(&mut cols.cols[c]);
            let mut chunks = bits.chunks(3);
            for ch in &mut chunks {
                let (s, cy) = match ch.len() {
                    3 => b.full_adder(ch[0], ch[1], ch[2]),
                    2 => b.half_adder(ch[0], ch[1]),
                    _ => {
                        next[c].push(ch[0]);
                        continue;
                    }
                };
                next[c].push(s);
                if c + 1 < w {
                    next[c + 1].push(cy);
                }
            }
        }
        cols.cols = next;
    }
    cols
}

/// Carry-save array (Braun structure): rows are added one after another into a sum and a
/// carry vector (a linear chain of full-adder rows), then a final carry-propagate adder.
pub fn array(b: &mut Builder, rows: Vec<Vec<(usize, NetId)>>, width: usize, fin: AdderArch) -> Bus {
    let mut sum: Vec<Option<NetId>> = vec![None; width];
    let mut carry: Vec<Option<NetId>> = vec![None; width];
    for row in rows {
        let mut add: Vec<Option<NetId>> = vec![None; width];
        for (c, net) in row {
            if c < width {
                debug_assert!(add[c].is_none());
                add[c] = Some(net);
            }
        }
        let mut ns = vec![None; width];
        let mut nc = vec![None; width];
        for c in 0..width {
            let ins: Vec<NetId> = [sum[c], carry[c], add[c]].into_iter().flatten().collect();
            let (s, cy) = match ins.len() {
                3 => {
                    let (s, cy) = b.full_adder(ins[0], ins[1], ins[2]);
                    (Some(s), Some(cy))
                }
                2 => {
                    let (s, cy) = b.half_adder(ins[0], ins[1]);
                    (Some(s), Some(cy))
                }
                1 => (Some(ins[0]), None),
                _ => (None, None),
            };
            ns[c] = s;
            if c + 1 < width {
                nc[c + 1] = cy;
            }
        }
        sum = ns;
        carry = nc;
    }
    let z = b.zero();
    let s: Bus = sum.iter().map(|x| x.unwrap_or(z)).collect();
    let c: Bus = carry.iter().map(|x| x.unwrap_or(z)).collect();
    adders::add(b, fin, &s, &c, z).0
}

/// Final carry-propagate addition of a matrix reduced to two rows.
fn final_add(b: &mut Builder, cols: Columns, fin: AdderArch) -> Bus {
    let z = b.zero();
    let r0: Bus = cols
        .cols
        .iter()
        .map(|c| c.first().copied().unwrap_or(z))
        .collect();
    let r1: Bus = cols
        .cols
        .iter()
        .map(|c| c.get(1).copied().unwrap_or(z))
        .collect();
    adders::add(b, fin, &r0, &r1, z).0
}

/// The product `x × w` as `len x + len w` bits (two's complement when `signed`).
pub fn multiply(
    b: &mut Builder,
    arch: MultArch,
    x: &[NetId],
    w: &[NetId],
    signed: bool,
    fin: AdderArch,
) -> Bus {
    let width = x.len() + w.len();
    match arch {
        MultArch::Array | MultArch::BaughWooley => {
            let (pp, constant) = and_partial_rows(b, x, w, signed);
            // Rows: the constant correction first, then one row per bit of w.
            let mut rows: Vec<Vec<(usize, NetId)>> = vec![(0..width)
                .filter(|c| (constant >> c) & 1 == 1)
                .map(|c| (c, b.one()))
                .collect()];
            rows.extend(pp);
            array(b, rows, width, fin)
        }
        MultArch::Dadda => {
            let cols = and_partial_products(b, x, w, signed);
            let r = dadda(b, cols);
            final_add(b, r, fin)
        }
        MultArch::Wallace => {
            let cols = and_partial_products(b, x, w, signed);
            let r = wallace(b, cols);
            final_add(b, r, fin)
        }
        MultArch::BoothDadda => {
            let cols = booth_partial_products(b, x, w, signed);
            let r = dadda(b, cols);
            final_add(b, r, fin)
        }
    }
}
