//! Tidy CSV renderings of a [`Curve`]: one row per (point, accounting) in `curve.csv`, one
//! row per (point, accounting, layer) in `layers.csv`; every row carries its provenance.

use super::curve::{Curve, Point};
use super::energy::Accounting;

/// Columns of [`curve_rows`].
pub const CURVE_COLUMNS: [&str; 30] = [
    "model",
    "dataset",
    "method",
    "bits",
    "act_bits",
    "r",
    "r_reached",
    "budget",
    "accounting",
    "budget_fj_per_inference",
    "energy_fj_per_inference",
    "energy_fj_per_inference_model",
    "model_rel_err",
    "energy_fj_per_mac",
    "top1",
    "calib_top1",
    "chosen",
    "bops",
    "images",
    "heldout_images",
    "library",
    "clock_ns",
    "acc_bits",
    "sample_pairs_per_layer",
    "sample_images",
    "seed",
    "version",
    "git_rev",
    "edges",
    "ptq",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn f(v: f64) -> String {
    format!("{v:.4}")
}

/// The accountings a point has rows for: a budget point its own, any other both (float: one
/// row without energy).
fn accountings(p: &Point) -> Vec<Option<Accounting>> {
    match (p.method.as_str(), p.accounting) {
        ("float", _) => vec![None],
        (_, Some(a)) => vec![Some(a)],
        _ => Accounting::ALL.iter().map(|&a| Some(a)).collect(),
    }
}

/// One row per point and accounting ([`CURVE_COLUMNS`]).
pub fn curve_rows(c: &Curve) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for p in &c.points {
        for a in accountings(p) {
            let (e, em) = match a {
                Some(a) => (Some(p.energy(a)), p.energy_model(a)),
                None => (None, None),
            };
            let err = match (e, em) {
                (Some(s), Some(m)) => Some(f((m - s) / s)),
                _ => None,
            };
            let row = vec![
                c.model.clone(),
                c.dataset.clone(),
                p.method.clone(),
                opt(p.bits),
                opt(p.act_bits),
                opt(p.r),
                opt(p.r_reached.map(f)),
                p.budget.clone(),
                opt(a.map(|a| a.name())),
                opt(p.budget_fj.map(f)),
                opt(e.map(f)),
                opt(em.map(f)),
                opt(err),
                opt(e.map(|e| f(e / c.macs_per_image as f64))),
                if p.top1.is_nan() {
                    String::new()
                } else {
                    format!("{:.2}", p.top1)
                },
                opt(p.calib_top1.map(|t| format!("{t:.2}"))),
                p.chosen.to_string(),
                p.bops.to_string(),
                c.images.to_string(),
                c.heldout_images.to_string(),
                c.library.clone(),
                c.clock_ns.to_string(),
                super::energy::ACC_BITS.to_string(),
                c.sample.pairs().to_string(),
                c.sample.images.to_string(),
                c.seed.to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
                crate::experiment::report::GIT_REV.to_string(),
                "first+last uniform 8-bit, unsigned 8x8 MAC".to_string(),
                c.ptq.name(),
            ];
            debug_assert_eq!(row.len(), CURVE_COLUMNS.len());
            rows.push(row);
        }
    }
    rows
}

/// Columns of [`layer_rows`].
pub const LAYER_COLUMNS: [&str; 22] = [
    "model",
    "dataset",
    "method",
    "bits",
    "act_bits",
    "r",
    "budget",
    "accounting",
    "layer",
    "op",
    "circuit",
    "ops_per_image",
    "fj_per_op_sim",
    "fj_per_op_model",
    "model_rel_err",
    "energy_fj_per_inference",
    "operand_regs_fj",
    "multiplier_fj",
    "acc_adder_fj",
    "acc_reg_fj",
    "clock_fj",
    "leakage_fj",
];

/// One row per point, accounting and MAC layer ([`LAYER_COLUMNS`]); component columns are
/// simulated fJ/op.
pub fn layer_rows(c: &Curve) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for p in &c.points {
        for a in accountings(p).into_iter().flatten() {
            for l in &p.layers {
                let comp = |k: &str| f(l.energy.sim.components.get(k).copied().unwrap_or(0.0));
                rows.push(vec![
                    c.model.clone(),
                    c.dataset.clone(),
                    p.method.clone(),
                    opt(p.bits),
                    opt(p.act_bits),
                    opt(p.r),
                    p.budget.clone(),
                    a.name().to_string(),
                    l.layer.clone(),
                    l.op.to_string(),
                    l.circuit.clone(),
                    l.ops_per_image.to_string(),
                    f(l.energy.sim.get(a)),
                    opt(l.energy.model.as_ref().map(|m| f(m.get(a)))),
                    opt(l.energy.model_rel_err(a).map(f)),
                    f(l.per_image(a)),
                    comp("operand_regs"),
                    comp("multiplier"),
                    comp("acc_adder"),
                    comp("acc_reg"),
                    comp("clock"),
                    comp("leakage"),
                ]);
            }
        }
    }
    rows
}

/// CSV text of a header and rows.
pub fn csv_text(header: &[&str], rows: &[Vec<String>]) -> Result<String, super::TradeoffError> {
    let io = |e: String| super::TradeoffError::Io(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| io(e.to_string()))?;
    for r in rows {
        w.write_record(r).map_err(|e| io(e.to_string()))?;
    }
    String::from_utf8(w.into_inner().map_err(|e| io(e.to_string()))?).map_err(|e| io(e.to_string()))
}

/// Human-readable budget table: per b-bit budget and accounting, the uniform network's top-1,
/// the b̃x and R the held-out split chose and PANN's top-1, next to float; then the largest
/// model-vs-simulation error per accounting.
pub fn budget_table(c: &Curve) -> String {
    let float = c
        .points
        .iter()
        .find(|p| p.method == "float")
        .map_or(f64::NAN, |p| p.top1);
    let mut s = format!(
        "{} on {} ({} test images, {} held-out), float top-1 {float:.2} %\n{:<12} {:<9} {:>14} {:>9} {:>5} {:>7} {:>9} {:>10}  held-out top-1 per b̃x\n",
        c.model, c.dataset, c.images, c.heldout_images, "budget", "account.", "fJ/inference", "uniform", "b̃x", "R", "PANN", "PANN-float"
    );
    for u in c.points.iter().filter(|p| p.is_budget_uniform()) {
        for a in Accounting::ALL {
            let cands: Vec<&Point> = c
                .points
                .iter()
                .filter(|p| p.method == "pann" && p.budget == u.budget && p.accounting == Some(a))
                .collect();
            let Some(best) = cands.iter().find(|p| p.chosen) else {
                continue;
            };
            let per: Vec<String> = cands
                .iter()
                .map(|p| {
                    format!(
                        "{}:{:.1}",
                        p.act_bits.unwrap_or(0),
                        p.calib_top1.unwrap_or(f64::NAN)
                    )
                })
                .collect();
            // `*`: the smallest R of the grid already spends more than the budget.
            let over = if best.energy(a) > 1.01 * u.energy(a) {
                "*"
            } else {
                " "
            };
            s += &format!(
                "{:<12} {:<9} {:>14.0} {:>8.2}% {:>5} {:>6.3}{over} {:>8.2}% {:>+10.2}  {}\n",
                u.budget,
                a.name(),
                u.energy(a),
                u.top1,
                best.act_bits.unwrap_or(0),
                best.r.unwrap_or(f64::NAN),
                best.top1,
                best.top1 - float,
                per.join(" ")
            );
        }
    }
    s += "(* = over budget: PANN's smallest R on the grid already spends more than the budget)\n";
    for a in Accounting::ALL {
        let errs: Vec<f64> = c
            .points
            .iter()
            .filter(|p| p.budget_fj.is_none())
            .flat_map(|p| p.layers.iter())
            .filter_map(|l| l.energy.model_rel_err(a))
            .collect();
        if !errs.is_empty() {
            let max = errs.iter().fold(0.0f64, |m, e| m.max(e.abs()));
            let mean = errs.iter().map(|e| e.abs()).sum::<f64>() / errs.len() as f64;
            s += &format!(
                "power models vs simulation ({}), per layer: mean |err| {:.1} %, max |err| {:.1} % over {} layer measurements\n",
                a.name(),
                100.0 * mean,
                100.0 * max,
                errs.len()
            );
        }
    }
    s
}

/// Columns of [`budget_rows`].
pub const BUDGET_COLUMNS: [&str; 10] = [
    "budget",
    "accounting",
    "budget fJ/inference",
    "uniform top-1 %",
    "PANN b̃x",
    "PANN R",
    "PANN fJ/inference",
    "PANN top-1 %",
    "PANN − float",
    "PANN − uniform",
];

/// The key numbers of a curve, one row per b-bit budget and accounting: the uniform network,
/// the PANN network the held-out split chose at its energy ([`BUDGET_COLUMNS`]). An R marked
/// `*` is the smallest of the grid and already over budget.
pub fn budget_rows(c: &Curve) -> Vec<Vec<String>> {
    let float = c
        .points
        .iter()
        .find(|p| p.method == "float")
        .map_or(f64::NAN, |p| p.top1);
    let mut rows = Vec::new();
    for u in c.points.iter().filter(|p| p.method.starts_with("uniform")) {
        for a in Accounting::ALL {
            let Some(best) = c.points.iter().find(|p| {
                p.method == "pann" && p.chosen && p.budget == u.budget && p.accounting == Some(a)
            }) else {
                continue;
            };
            let over = if best.energy(a) > 1.01 * u.energy(a) {
                "*"
            } else {
                ""
            };
            rows.push(vec![
                u.budget.clone(),
                a.name().to_string(),
                format!("{:.0}", u.energy(a)),
                format!("{:.2}", u.top1),
                opt(best.act_bits),
                format!("{:.3}{over}", best.r.unwrap_or(f64::NAN)),
                format!("{:.0}", best.energy(a)),
                format!("{:.2}", best.top1),
                format!("{:+.2}", best.top1 - float),
                format!("{:+.2}", best.top1 - u.top1),
            ]);
        }
    }
    rows
}
