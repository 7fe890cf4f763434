//! Energy across supply voltage: `E(V) = a·V² + b·V` per process corner.
//!
//! Switching energy is `½·C·V²` per toggle, so the dynamic energy per operation is ∝ V² to
//! first order; the `b·V` term absorbs what does not scale as V² (internal short-circuit
//! energy, which the Liberty tables give per corner and which grows more slowly, and
//! slew-dependent effects). The form stays linear in its coefficients, so it is fitted by the
//! same least squares as the component models, and with only three voltages per corner in
//! the shipped libraries a third coefficient (e.g. a free exponent α in a·V^α) would leave
//! no point to check it against. Quality is measured by leave-one-voltage-out: fit the other
//! voltages of the same corner, predict the held-out one.

use super::lsq;
use super::FitError;

/// The corner of a library id: the id without its trailing voltage
/// (`sky130_ss_n40C_1v28` → `sky130_ss_n40C`); ids without a voltage are their own corner.
pub fn corner_of(id: &str) -> String {
    match id.rsplit_once('_') {
        Some((head, v)) if v.contains('v') && v.starts_with(|c: char| c.is_ascii_digit()) => {
            head.to_string()
        }
        _ => id.to_string(),
    }
}

/// One corner's voltage model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FittedVoltageModel {
    /// Corner (library, process, temperature).
    pub corner: String,
    /// `[a, b]` of `E = a·V² + b·V` (fJ/V², fJ/V).
    pub fit: lsq::LsqFit,
    /// Voltages fitted (V).
    pub voltages: Vec<f64>,
    /// Mean |Ê − E|/E over leave-one-voltage-out predictions (NaN with fewer than 3 voltages).
    pub loo_rel_err: f64,
    /// Largest leave-one-voltage-out relative error.
    pub loo_max_rel_err: f64,
}

impl FittedVoltageModel {
    /// Predicted energy (fJ/op) at `v` volts.
    pub fn predict(&self, v: f64) -> f64 {
        self.fit.coef[0] * v * v + self.fit.coef[1] * v
    }
}

/// Term names of the voltage model, in coefficient order.
pub const VOLTAGE_TERMS: [&str; 2] = ["V^2", "V"];

/// Fit `E = a·V² + b·V` to `(V, E)` points of one corner.
pub fn fit_voltage(corner: &str, points: &[(f64, f64)]) -> Result<FittedVoltageModel, FitError> {
    let rows: Vec<Vec<f64>> = points.iter().map(|(v, _)| vec![v * v, *v]).collect();
    let y: Vec<f64> = points.iter().map(|p| p.1).collect();
    let w: Vec<f64> = y.iter().map(|e| 1.0 / (e * e)).collect();
    let fit = lsq::ols(&rows, &y, Some(&w))?;
    let errs: Vec<f64> = if points.len() >= 3 {
        (0..points.len())
            .map(|k| lsq::holdout_rel_err(&rows, &y, Some(&w), &|i| i == k))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(FittedVoltageModel {
        corner: corner.to_string(),
        fit,
        voltages: points.iter().map(|p| p.0).collect(),
        loo_rel_err: if errs.is_empty() {
            f64::NAN
        } else {
            errs.iter().sum::<f64>() / errs.len() as f64
        },
        loo_max_rel_err: errs.iter().cloned().fold(f64::NAN, f64::max),
    })
}

/// Group `(library id, V, E)` measurements by corner and fit each corner with at least
/// `min_voltages` distinct voltages (corners in sorted order).
pub fn fit_corners(
    points: &[(String, f64, f64)],
    min_voltages: usize,
) -> Result<Vec<FittedVoltageModel>, FitError> {
    let mut by: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for (id, v, e) in points {
        by.entry(corner_of(id)).or_default().push((*v, *e));
    }
    by.into_iter()
        .filter(|(_, p)| p.len() >= min_voltages.max(2))
        .map(|(c, mut p)| {
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            fit_voltage(&c, &p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_drops_only_the_voltage() {
        assert_eq!(corner_of("sky130_ss_n40C_1v28"), "sky130_ss_n40C");
        assert_eq!(corner_of("gf180_tt_025C_5v00"), "gf180_tt_025C");
        assert_eq!(corner_of("asap7_rvt_tt"), "asap7_rvt_tt");
    }

    #[test]
    fn exact_quadratic_in_voltage_is_recovered_and_predicts_held_out_voltages() {
        let pts: Vec<(f64, f64)> = [1.2, 1.5, 1.8, 2.1]
            .iter()
            .map(|v| (*v, 30.0 * v * v + 4.0 * v))
            .collect();
        let m = fit_voltage("x", &pts).unwrap();
        assert!((m.fit.coef[0] - 30.0).abs() < 1e-9 && (m.fit.coef[1] - 4.0).abs() < 1e-9);
        assert!(m.loo_max_rel_err < 1e-9);
    }
}
