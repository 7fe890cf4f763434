//! Ordinary and weighted least squares with coefficient uncertainty and fit quality.
//!
//! [`ols`] solves `min Σ w_i (y_i − x_i·β)²` by a column-pivot-free Householder QR of the
//! √w-scaled design (nalgebra), which avoids squaring the condition number;
//! [`solve_normal_equations`] is its plain twin (normal equations, Cholesky written out) and
//! tests compare them with [`TWIN_REL_TOL`]. Standard errors come from `σ̂²(XᵀWX)⁻¹` with
//! `σ̂² = Σ w r² / (n − p)`; confidence intervals are t-based (`statrs`), 95 %.

use super::FitError;
use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Relative tolerance between the QR solver and its normal-equation twin on well
/// conditioned problems.
pub const TWIN_REL_TOL: f64 = 1e-8;

/// Confidence level of the reported intervals.
pub const CONFIDENCE: f64 = 0.95;

/// A least-squares fit: coefficients with uncertainty and in-sample quality.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LsqFit {
    /// Coefficients β, one per design column (unit: y's unit per feature unit).
    pub coef: Vec<f64>,
    /// Standard error of each coefficient.
    pub se: Vec<f64>,
    /// Lower end of the 95 % t interval.
    pub ci_low: Vec<f64>,
    /// Upper end of the 95 % t interval.
    pub ci_high: Vec<f64>,
    /// Coefficient of determination, weighted, centred on the weighted mean of y (also for
    /// designs without an intercept column, so it compares with a constant model).
    pub r2: f64,
    /// Root mean square residual (unweighted, y's unit).
    pub rmse: f64,
    /// Residual degrees of freedom n − p.
    pub dof: usize,
}

fn check(rows: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> Result<usize, FitError> {
    let p = rows.first().map_or(0, |r| r.len());
    if p == 0 || rows.len() != y.len() || rows.iter().any(|r| r.len() != p) {
        return Err(FitError::Shape(format!(
            "{} rows of {} columns against {} observations",
            rows.len(),
            p,
            y.len()
        )));
    }
    if rows.len() < p {
        return Err(FitError::TooFewPoints {
            points: rows.len(),
            terms: p,
        });
    }
    if let Some(w) = w {
        if w.len() != y.len() || w.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(FitError::Shape(
                "weights must be positive, one per row".into(),
            ));
        }
    }
    Ok(p)
}

fn scaled(rows: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> (DMatrix<f64>, DVector<f64>) {
    let s = |i: usize| w.map_or(1.0, |w| w[i].sqrt());
    let p = rows[0].len();
    let x = DMatrix::from_fn(rows.len(), p, |i, j| rows[i][j] * s(i));
    let yv = DVector::from_fn(y.len(), |i, _| y[i] * s(i));
    (x, yv)
}

/// Coefficients only, by QR of the √w-scaled design.
pub fn solve_qr(rows: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> Result<Vec<f64>, FitError> {
    check(rows, y, w)?;
    let (x, yv) = scaled(rows, y, w);
    let qr = x.qr();
    let qty = qr.q().transpose() * yv;
    let r = qr.r();
    let b = r.solve_upper_triangular(&qty).ok_or(FitError::Singular)?;
    if b.iter().any(|v| !v.is_finite()) {
        return Err(FitError::Singular);
    }
    Ok(b.iter().copied().collect())
}

/// The plain twin: form `A = XᵀWX`, `c = XᵀWy`, factor `A = LLᵀ` by hand, solve.
pub fn solve_normal_equations(
    rows: &[Vec<f64>],
    y: &[f64],
    w: Option<&[f64]>,
) -> Result<Vec<f64>, FitError> {
    let p = check(rows, y, w)?;
    let mut a = vec![vec![0.0; p]; p];
    let mut c = vec![0.0; p];
    for (i, r) in rows.iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for j in 0..p {
            c[j] += wi * r[j] * y[i];
            for k in 0..p {
                a[j][k] += wi * r[j] * r[k];
            }
        }
    }
    let l = cholesky(&a).ok_or(FitError::Singular)?;
    // Forward: L z = c; backward: Lᵀ β = z.
    let mut z = vec![0.0; p];
    for i in 0..p {
        z[i] = (c[i] - (0..i).map(|k| l[i][k] * z[k]).sum::<f64>()) / l[i][i];
    }
    let mut b = vec![0.0; p];
    for i in (0..p).rev() {
        b[i] = (z[i] - (i + 1..p).map(|k| l[k][i] * b[k]).sum::<f64>()) / l[i][i];
    }
    Ok(b)
}

fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let p = a.len();
    let mut l = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Fit with standard errors, 95 % t intervals, R² and RMSE.
pub fn ols(rows: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> Result<LsqFit, FitError> {
    let coef = solve_qr(rows, y, w)?;
    let (n, p) = (rows.len(), coef.len());
    let (x, _) = scaled(rows, y, w);
    let xtx_inv = (x.transpose() * &x)
        .try_inverse()
        .ok_or(FitError::Singular)?;
    let wi = |i: usize| w.map_or(1.0, |w| w[i]);
    let resid: Vec<f64> = (0..n).map(|i| y[i] - dot(&rows[i], &coef)).collect();
    let wsum: f64 = (0..n).map(wi).sum();
    let ybar = (0..n).map(|i| wi(i) * y[i]).sum::<f64>() / wsum;
    let ss_res: f64 = (0..n).map(|i| wi(i) * resid[i] * resid[i]).sum();
    let ss_tot: f64 = (0..n).map(|i| wi(i) * (y[i] - ybar).powi(2)).sum();
    let dof = n - p;
    let sigma2 = if dof > 0 {
        ss_res / dof as f64
    } else {
        f64::NAN
    };
    let se: Vec<f64> = (0..p).map(|j| (sigma2 * xtx_inv[(j, j)]).sqrt()).collect();
    let t = t_quantile(dof);
    Ok(LsqFit {
        ci_low: (0..p).map(|j| coef[j] - t * se[j]).collect(),
        ci_high: (0..p).map(|j| coef[j] + t * se[j]).collect(),
        r2: if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            f64::NAN
        },
        rmse: (resid.iter().map(|r| r * r).sum::<f64>() / n as f64).sqrt(),
        coef,
        se,
        dof,
    })
}

/// Two-sided [`CONFIDENCE`] quantile of Student's t with `dof` degrees of freedom (NaN for 0).
pub fn t_quantile(dof: usize) -> f64 {
    match StudentsT::new(0.0, 1.0, dof as f64) {
        Ok(t) if dof > 0 => t.inverse_cdf(0.5 + CONFIDENCE / 2.0),
        _ => f64::NAN,
    }
}

/// `a · b`.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Held-out error: mean of |ŷ − y| / |y| over the rows whose `fold(i)` is true, the model
/// fitted on the others (weights as in the fit). Errors if the training part is too small.
pub fn holdout_rel_err(
    rows: &[Vec<f64>],
    y: &[f64],
    w: Option<&[f64]>,
    held: &dyn Fn(usize) -> bool,
) -> Result<f64, FitError> {
    let e = holdout_rel_errs(rows, y, w, held)?;
    Ok(e.iter().map(|(_, v)| v.abs()).sum::<f64>() / e.len() as f64)
}

/// Fit on the rows not `held`, predict the held rows: `(row index, (ŷ − y) / y)` per held
/// row, in row order.
pub fn holdout_rel_errs(
    rows: &[Vec<f64>],
    y: &[f64],
    w: Option<&[f64]>,
    held: &dyn Fn(usize) -> bool,
) -> Result<Vec<(usize, f64)>, FitError> {
    let pick = |keep: bool| -> Vec<usize> { (0..y.len()).filter(|&i| held(i) != keep).collect() };
    let (train, test) = (pick(true), pick(false));
    if test.is_empty() {
        return Err(FitError::Shape("the held-out set is empty".into()));
    }
    let tr_rows: Vec<Vec<f64>> = train.iter().map(|&i| rows[i].clone()).collect();
    let tr_y: Vec<f64> = train.iter().map(|&i| y[i]).collect();
    let tr_w: Option<Vec<f64>> = w.map(|w| train.iter().map(|&i| w[i]).collect());
    let b = solve_qr(&tr_rows, &tr_y, tr_w.as_deref())?;
    Ok(test
        .iter()
        .map(|&i| (i, (dot(&rows[i], &b) - y[i]) / y[i]))
        .collect())
}

/// k-fold cross-validated relative error: row i is in fold `i % k`; the mean over all
/// held-out rows of |ŷ − y| / |y|.
pub fn kfold_rel_err(
    rows: &[Vec<f64>],
    y: &[f64],
    w: Option<&[f64]>,
    k: usize,
) -> Result<f64, FitError> {
    let k = k.clamp(2, y.len().max(2));
    let mut total = 0.0;
    let mut count = 0usize;
    for f in 0..k {
        let held = |i: usize| i % k == f;
        let m = (0..y.len()).filter(|&i| held(i)).count();
        if m == 0 {
            continue;
        }
        total += holdout_rel_err(rows, y, w, &held)? * m as f64;
        count += m;
    }
    Ok(total / count.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Normal};

    fn design(n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| vec![1.0, r.gen_range(0.0..10.0), r.gen_range(-5.0..5.0)])
            .collect()
    }

    #[test]
    fn qr_solver_equals_normal_equation_twin() {
        let rows = design(40, 3);
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let y: Vec<f64> = rows
            .iter()
            .map(|x| 2.0 + 0.5 * x[1] - 3.0 * x[2] + r.gen_range(-1.0..1.0))
            .collect();
        let w: Vec<f64> = (0..40).map(|i| 1.0 + (i % 3) as f64).collect();
        for wt in [None, Some(&w[..])] {
            let a = solve_qr(&rows, &y, wt).unwrap();
            let b = solve_normal_equations(&rows, &y, wt).unwrap();
            for (a, b) in a.iter().zip(&b) {
                assert!(
                    (a - b).abs() <= TWIN_REL_TOL * a.abs().max(1.0),
                    "{a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn known_coefficients_plus_noise_lie_within_their_confidence_intervals() {
        let truth = [1.5, 0.8, -2.0];
        let rows = design(200, 11);
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        let noise = Normal::new(0.0, 0.5).unwrap();
        let y: Vec<f64> = rows
            .iter()
            .map(|x| dot(x, &truth) + noise.sample(&mut r))
            .collect();
        let f = ols(&rows, &y, None).unwrap();
        for (j, t) in truth.iter().enumerate() {
            assert!(
                f.ci_low[j] <= *t && *t <= f.ci_high[j],
                "β{j} = {t} not in [{}, {}]",
                f.ci_low[j],
                f.ci_high[j]
            );
        }
        assert!(f.r2 > 0.95, "r2 {}", f.r2);
        assert!((f.rmse - 0.5).abs() < 0.1, "rmse {}", f.rmse);
        assert!(kfold_rel_err(&rows, &y, None, 5).unwrap().is_finite());
    }

    #[test]
    fn t_quantile_matches_tables() {
        // t_{0.975} with 10 dof is 2.228; with many dof it tends to 1.960.
        assert!((t_quantile(10) - 2.228).abs() < 1e-3);
        assert!((t_quantile(100_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn rank_deficient_design_is_an_error() {
        let rows: Vec<Vec<f64>> = (0..5).map(|i| vec![i as f64, 2.0 * i as f64]).collect();
        let y = vec![1.0; 5];
        assert!(solve_normal_equations(&rows, &y, None).is_err());
    }
}
