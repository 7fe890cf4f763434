//! Mapping by function: which library cells implement each primitive, decided by truth table
//! from the Liberty `function` of output pins and the `ff (IQ, IQN) { next_state; clocked_on }`
//! group, whatever the cells are called.
//!
//! **Which cells qualify.**
//! - Never: `dont_use` cells and power-management or clock-gating cells (isolation, level
//!   shifter, always-on, retention, power switch, integrated clock gate); a `--map` entry may
//!   still name them.
//! - Combinational primitive of arity k: a cell without `ff`/`latch`/`statetable` with exactly k
//!   input pins and an output pin (not three-state) whose `function`, under some binding of the
//!   primitive's slots (`a`, `b`, `c`) to the cell's input pins, has the primitive's truth table.
//!   Bindings are tried in lexicographic order of the pin permutation over the *declaration
//!   order* of the pins (identity first), outputs in declaration order; the first match wins, so
//!   a symmetric gate binds `a` to its first pin, as the name tables do.
//! - `dff`: a cell with one `ff` group and no `clear`/`preset`, exactly two inputs: the clock
//!   (`clocked_on` is a plain pin name: rising edge) and D (`next_state` is `D` or `!D`). An output
//!   equal to D one cycle later is used directly; one equal to its complement is followed by an
//!   inverter (the `InvOut` recipe, as for ASAP7's `DFFHQNx1`).
//!
//! **Compositions** (the [`Recipe`]s the meter already charges), when cheaper or when no single
//! cell exists: `andnot`/`ornot` = inverter on `b` + a cell computing `a & b` / `a | b`
//! (`InvIn`); `mux2` = 3 NAND2 + inverter (`NandMux`); `dff` = inverted-output flip-flop +
//! inverter (`InvOut`). The inverter is the one chosen for `inv`.
//!
//! **Choice rule** (deterministic; "smallest drive strength"): among all candidate recipes,
//! first those that leave no cell output unused (a half adder's `SN` for `xnor2` or a full
//! adder's carry for `maj3` only when nothing else implements the primitive), then the smallest
//! total `area` (every cell instance counted: `NandMux` = 3·NAND2 + INV), then a single cell
//! before a composition, then cell names in byte order.
//!
//! **Against the name tables** (which stay preferred for SKY130, GF180 and ASAP7; tested in
//! `tests/library/energy_liberty.rs`): on every shipped corner (SKY130 hd basic, GF180 basic, ASAP7
//! SIMPLE+INVBUF+SEQ) the same cells and pin bindings, except ASAP7 `buf` → `HB1xp67` (area
//! 0.05832 < `BUFx2` 0.0729), `nand2` → `NAND2xp33` (same area as `NAND2xp5`, earlier by name)
//! and so the NAND-NAND `mux2`. On the full SKY130 hd files (428 cells, not shipped): `inv` →
//! `clkinv_1` (same area as `inv_1`), `and2`/`or2` → `and2_0`/`or2_0`, `andnot` → `nor2b_1`,
//! `ornot` → `nand2b_1`.

use super::boolexpr::{ones, var_table, Expr};
#[cfg(test)]
use super::liberty::FfLogic;
use super::liberty::{CellLogic, Liberty};
use super::mapping::{Bound, Recipe};
use crate::netlist::GateKind;

/// Slot → pin-index permutations of `k` elements in lexicographic order (identity first).
fn permutations(k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for first in 0..k {
        for rest in permutations(k - 1) {
            let mut p = vec![first];
            p.extend(rest.into_iter().map(|r| if r >= first { r + 1 } else { r }));
            out.push(p);
        }
    }
    out
}

/// Truth table of `kind` with slot `s` on variable `perm[s]` of `k`, slots in `negate`
/// inverted first.
fn target(kind: GateKind, perm: &[usize], negate: &[usize]) -> u64 {
    let k = perm.len();
    let all = ones(k);
    let slot = |s: usize| {
        perm.get(s).map_or(0, |&j| {
            let t = var_table(j, k);
            if negate.contains(&s) {
                !t & all
            } else {
                t
            }
        })
    };
    kind.eval(slot(0), slot(1), slot(2)) & all
}

/// A binding of a combinational primitive (slots in `negate` inverted) onto `cell`, if its
/// function has that truth table under some pin permutation.
pub fn bind_comb(cell: &CellLogic, kind: GateKind, negate: &[usize]) -> Option<Bound> {
    let k = kind.arity();
    if cell.ff.is_some() || cell.other_state || cell.special || cell.inputs.len() != k || k == 0 {
        return None;
    }
    for (out, f) in &cell.outputs {
        let Some(table) = Expr::parse(f).ok().and_then(|e| e.table(&cell.inputs).ok()) else {
            continue;
        };
        for p in permutations(k) {
            if target(kind, &p, negate) == table {
                return Some(Bound {
                    cell: cell.name.clone(),
                    pins: p.iter().map(|&j| cell.inputs[j].clone()).collect(),
                    out: out.clone(),
                });
            }
        }
    }
    None
}

/// A rising-edge D flip-flop binding (`pins = [D]`) and whether its output is inverted.
pub fn bind_dff(cell: &CellLogic) -> Option<(Bound, bool)> {
    let ff = cell.ff.as_ref()?;
    if ff.asynchronous
        || cell.other_state
        || cell.special
        || cell.inputs.len() != 2
        || ff.state.is_empty()
    {
        return None;
    }
    let Ok(Expr::Var(clk)) = Expr::parse(&ff.clocked_on) else {
        return None;
    };
    if !cell.inputs.contains(&clk) {
        return None;
    }
    let d = cell.inputs.iter().find(|p| **p != clk)?;
    let next = Expr::parse(&ff.next_state)
        .ok()?
        .table(std::slice::from_ref(d))
        .ok()?;
    let state = |n: &str| -> Option<u64> {
        let i = ff.state.iter().position(|s| s == n)?;
        Some(if i == 0 { next } else { !next & 0b11 })
    };
    let mut inverted = None;
    for (out, f) in &cell.outputs {
        let Some(t) = Expr::parse(f).ok().and_then(|e| e.eval(&state, 0b11).ok()) else {
            continue;
        };
        let b = Bound {
            cell: cell.name.clone(),
            pins: vec![d.clone()],
            out: out.clone(),
        };
        match t {
            0b10 => return Some((b, false)),
            0b01 if inverted.is_none() => inverted = Some((b, true)),
            _ => {}
        }
    }
    inverted
}

/// Whether binding `kind`'s slots to `pins` and its output to `out` computes `kind`:
/// `None` if the cell has no usable `function` (or `ff` group for `dff`) to check against.
pub fn check_binding(cell: &CellLogic, kind: GateKind, pins: &[String], out: &str) -> Option<bool> {
    if kind == GateKind::Dff {
        cell.ff.as_ref()?;
        return Some(bind_dff(cell).is_some_and(|(b, inv)| !inv && b.pins == pins && b.out == out));
    }
    let f = &cell.outputs.iter().find(|(o, _)| o == out)?.1;
    let table = Expr::parse(f).ok()?.table(&cell.inputs).ok()?;
    let perm: Option<Vec<usize>> = pins
        .iter()
        .map(|p| cell.inputs.iter().position(|i| i == p))
        .collect();
    Some(perm.is_some_and(|p| cell.inputs.len() == p.len() && target(kind, &p, &[]) == table))
}

/// The logic view of every cell of a library, for repeated queries.
pub struct FunctionIndex {
    cells: Vec<CellLogic>,
}

/// A candidate recipe with its ranking key.
struct Ranked {
    open_outputs: usize,
    area: f64,
    composite: bool,
    names: Vec<String>,
    recipe: Recipe,
}

impl FunctionIndex {
    /// Index every cell of `lib`.
    pub fn new(lib: &Liberty) -> FunctionIndex {
        FunctionIndex {
            cells: lib.cell_names().filter_map(|n| lib.cell_logic(n)).collect(),
        }
    }

    fn open_outputs(&self, b: &Bound) -> usize {
        self.cells
            .iter()
            .find(|c| c.name == b.cell)
            .map_or(0, |c| c.outputs.len().saturating_sub(1))
    }

    fn area(&self, name: &str) -> f64 {
        self.cells
            .iter()
            .find(|c| c.name == name)
            .map_or(f64::INFINITY, |c| c.area)
    }

    /// Every single-cell binding of `kind` (slots in `negate` inverted) with its cell's area.
    fn direct(&self, kind: GateKind, negate: &[usize]) -> Vec<(f64, Bound)> {
        self.cells
            .iter()
            .filter_map(|c| bind_comb(c, kind, negate).map(|b| (c.area, b)))
            .collect()
    }

    fn best_direct(&self, kind: GateKind, negate: &[usize]) -> Option<(f64, Bound)> {
        self.direct(kind, negate).into_iter().min_by(|x, y| {
            (self.open_outputs(&x.1).cmp(&self.open_outputs(&y.1)))
                .then(x.0.total_cmp(&y.0))
                .then_with(|| x.1.cell.cmp(&y.1.cell))
        })
    }

    /// The best recipe for `kind` by function (see the module doc for the rule); `inv` is the
    /// inverter used by compositions. `None` if no cell or composition implements it.
    pub fn recipe(&self, kind: GateKind, inv: Option<&Bound>) -> Option<Recipe> {
        use GateKind::*;
        let inv_area = inv.map(|i| self.area(&i.cell));
        let mut c: Vec<Ranked> = Vec::new();
        let single = |area: f64, core: Bound| Ranked {
            open_outputs: self.open_outputs(&core),
            area,
            composite: false,
            names: vec![core.cell.clone()],
            recipe: Recipe::Direct { core },
        };
        match kind {
            Const0 | Const1 | Input => return None,
            Dff => {
                for cell in &self.cells {
                    match (bind_dff(cell), inv) {
                        (Some((core, false)), _) => c.push(single(cell.area, core)),
                        (Some((core, true)), Some(inv)) => c.push(Ranked {
                            open_outputs: self.open_outputs(&core),
                            area: cell.area + inv_area.unwrap_or(f64::INFINITY),
                            composite: true,
                            names: vec![core.cell.clone(), inv.cell.clone()],
                            recipe: Recipe::InvOut {
                                core,
                                inv: inv.clone(),
                            },
                        }),
                        _ => {}
                    }
                }
            }
            _ => {
                c.extend(
                    self.direct(kind, &[])
                        .into_iter()
                        .map(|(a, b)| single(a, b)),
                );
                if let (AndNot | OrNot, Some(inv)) = (kind, inv) {
                    if let Some((a, core)) = self.best_direct(kind, &[1]) {
                        c.push(Ranked {
                            open_outputs: self.open_outputs(&core),
                            area: a + inv_area.unwrap_or(f64::INFINITY),
                            composite: true,
                            names: vec![core.cell.clone(), inv.cell.clone()],
                            recipe: Recipe::InvIn {
                                core,
                                inv: inv.clone(),
                                slots: vec![1],
                            },
                        });
                    }
                }
                if let (Mux2, Some(inv)) = (kind, inv) {
                    if let Some((a, nand)) = self.best_direct(Nand2, &[]) {
                        c.push(Ranked {
                            open_outputs: self.open_outputs(&nand),
                            area: 3.0 * a + inv_area.unwrap_or(f64::INFINITY),
                            composite: true,
                            names: vec![nand.cell.clone(), inv.cell.clone()],
                            recipe: Recipe::NandMux {
                                nand,
                                inv: inv.clone(),
                            },
                        });
                    }
                }
            }
        }
        c.into_iter()
            .min_by(|x, y| {
                x.open_outputs
                    .cmp(&y.open_outputs)
                    .then(x.area.total_cmp(&y.area))
                    .then(x.composite.cmp(&y.composite))
                    .then_with(|| x.names.cmp(&y.names))
            })
            .map(|r| r.recipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(inputs: &[&str], outputs: &[(&str, &str)]) -> CellLogic {
        CellLogic {
            name: "c".into(),
            file: String::new(),
            area: 1.0,
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outputs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            ff: None,
            other_state: false,
            special: false,
        }
    }

    #[test]
    fn permutations_are_lexicographic_with_identity_first() {
        assert_eq!(
            permutations(3),
            vec![
                vec![0, 1, 2],
                vec![0, 2, 1],
                vec![1, 0, 2],
                vec![1, 2, 0],
                vec![2, 0, 1],
                vec![2, 1, 0]
            ]
        );
    }

    #[test]
    fn andnot_binds_b_to_the_negated_pin_whatever_the_pin_order() {
        let c = cell(&["A_N", "B"], &[("X", "(!A_N&B)")]);
        let b = bind_comb(&c, GateKind::AndNot, &[]).unwrap();
        assert_eq!(b.pins, vec!["B", "A_N"]);
        assert_eq!(b.out, "X");
        assert!(bind_comb(&c, GateKind::And2, &[]).is_none());
        let and2 = cell(&["A", "B"], &[("Y", "A B")]);
        assert_eq!(
            bind_comb(&and2, GateKind::AndNot, &[1]).unwrap().pins,
            vec!["A", "B"]
        );
    }

    #[test]
    fn mux_binds_select_to_c_and_majority_uses_the_carry_output() {
        let m = cell(&["S", "I1", "I0"], &[("Z", "(I0&!S)|(I1&S)")]);
        assert_eq!(
            bind_comb(&m, GateKind::Mux2, &[]).unwrap().pins,
            vec!["I0", "I1", "S"]
        );
        let fa = cell(
            &["A", "B", "CI"],
            &[("S", "A^B^CI"), ("CO", "A B + A CI + B CI")],
        );
        let b = bind_comb(&fa, GateKind::Maj3, &[]).unwrap();
        assert_eq!(
            (b.pins, b.out.as_str()),
            (vec!["A".into(), "B".into(), "CI".into()], "CO")
        );
        assert!(bind_comb(&fa, GateKind::Mux2, &[]).is_none());
    }

    #[test]
    fn dont_use_and_power_management_cells_are_never_picked_by_function() {
        let mut c = cell(&["A", "SLEEP"], &[("X", "A | SLEEP")]);
        assert!(bind_comb(&c, GateKind::Or2, &[]).is_some());
        c.special = true;
        assert!(bind_comb(&c, GateKind::Or2, &[]).is_none());
    }

    #[test]
    fn inverted_output_flip_flop_binds_inverted_and_falling_or_async_ones_not_at_all() {
        let mut c = cell(&["CLK", "D"], &[("QN", "IQN")]);
        c.ff = Some(FfLogic {
            state: vec!["IQN".into(), "IQNN".into()],
            next_state: "!D".into(),
            clocked_on: "CLK".into(),
            asynchronous: false,
        });
        let (b, inverted) = bind_dff(&c).unwrap();
        assert!(inverted);
        assert_eq!((b.pins, b.out.as_str()), (vec!["D".to_string()], "QN"));
        // The complement of the state is D one cycle later.
        c.outputs = vec![("Q".into(), "IQNN".into())];
        assert!(!bind_dff(&c).unwrap().1);
        let ff = c.ff.as_mut().unwrap();
        ff.clocked_on = "!CLK".into();
        assert!(bind_dff(&c).is_none());
        let ff = c.ff.as_mut().unwrap();
        ff.clocked_on = "CLK".into();
        ff.asynchronous = true;
        assert!(bind_dff(&c).is_none());
    }
}
