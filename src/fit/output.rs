//! Tidy CSV output: the raw sweep (one row per point and component) and the fitted
//! coefficients (one row per model term), each row with its provenance columns.

use super::model::FittedPowerModel;
use super::sweep::{Provenance, SweepRow};
use super::voltage::FittedVoltageModel;
use super::FitError;
use crate::circuits::Repr;
use std::io::Write;

/// Provenance column names, in output order.
pub const PROVENANCE_COLUMNS: [&str; 12] = [
    "library",
    "corner",
    "voltage_v",
    "temperature_c",
    "clock_ns",
    "delay",
    "wire_cap_ff",
    "energy_model",
    "pann_version",
    "git_rev",
    "seed",
    "design",
];

fn provenance(p: &Provenance) -> Vec<String> {
    vec![
        p.library.clone(),
        p.corner.clone(),
        p.voltage_v.to_string(),
        p.temperature_c.to_string(),
        p.clock_ns.to_string(),
        p.delay.clone(),
        p.wire_cap_ff.to_string(),
        p.energy_model.clone(),
        p.pann_version.clone(),
        p.git_rev.clone(),
        p.seed.to_string(),
        p.design.clone(),
    ]
}

fn csv_err(what: &'static str) -> impl Fn(csv::Error) -> FitError {
    move |cause| FitError::Write { what, cause }
}

/// Columns of the raw sweep CSV before the provenance columns.
pub const SWEEP_COLUMNS: [&str; 25] = [
    "repr",
    "mult",
    "adder",
    "bx",
    "bw",
    "acc",
    "product_bits",
    "stream",
    "dataflow",
    "flip_flops",
    "cells",
    "x_toggles",
    "w_toggles",
    "x_zero_frac",
    "w_zero_frac",
    "sign_change_rate",
    "product_toggles",
    "sext_toggles",
    "cycles",
    "chunks",
    "converged",
    "worst_rel_se",
    "component",
    "fj_per_op",
    "se_fj_per_op",
];

/// Write the raw sweep: one row per point and energy component (incl. `total`), fJ/op.
pub fn write_sweep_csv<W: Write>(rows: &[SweepRow], out: W) -> Result<(), FitError> {
    let e = csv_err("sweep CSV");
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = SWEEP_COLUMNS
        .iter()
        .chain(&PROVENANCE_COLUMNS)
        .copied()
        .collect();
    w.write_record(&header).map_err(&e)?;
    for r in rows {
        let (p, m) = (&r.point, &r.measurement);
        let (f, s) = (&m.observation.features, &m.observation.features.stats);
        let head = vec![
            p.spec.repr.to_string(),
            p.spec.mult.to_string(),
            p.spec.adder.to_string(),
            f.bx.to_string(),
            f.bw.to_string(),
            f.acc.to_string(),
            f.product_bits.to_string(),
            p.stream_label(),
            p.dataflow.to_string(),
            f.flip_flops.to_string(),
            f.cells.to_string(),
            s.x_toggles_per_cycle.to_string(),
            s.w_toggles_per_cycle.to_string(),
            s.x_zero_frac.to_string(),
            s.w_zero_frac.to_string(),
            s.product_sign_change_rate.to_string(),
            s.product_toggles_per_cycle.to_string(),
            s.sext_toggles_per_cycle.to_string(),
            m.cycles.to_string(),
            m.chunks.to_string(),
            m.converged.to_string(),
            m.worst_rel_se.to_string(),
        ];
        for (comp, v) in &m.observation.fj_per_op {
            let se = m
                .observation
                .se_fj_per_op
                .get(comp)
                .copied()
                .unwrap_or(f64::NAN);
            let mut rec = head.clone();
            rec.extend([comp.clone(), v.to_string(), se.to_string()]);
            rec.extend(provenance(&m.provenance));
            w.write_record(&rec).map_err(&e)?;
        }
    }
    w.flush().map_err(|x| FitError::Write {
        what: "sweep CSV",
        cause: x.into(),
    })
}

/// Columns of the coefficient CSV before the provenance columns.
pub const COEFFICIENT_COLUMNS: [&str; 15] = [
    "component",
    "repr",
    "term",
    "coefficient",
    "se",
    "ci_low",
    "ci_high",
    "r2",
    "rmse",
    "holdout",
    "holdout_rel_err",
    "holdout_max_rel_err",
    "points",
    "unit",
    "model_version",
];

/// One fitted model with the representation and condition it was fitted at.
pub enum FittedRowSource<'a> {
    /// A component model (coefficients in fJ per term unit) of MACs in one representation.
    Component(&'a FittedPowerModel, Repr, &'a Provenance),
    /// A voltage model (representation and provenance of the reference point; the corner
    /// column is the model's corner, the voltage column empty).
    Voltage(&'a FittedVoltageModel, Repr, &'a Provenance),
}

/// Write fitted coefficients: one row per model term.
pub fn write_coefficients_csv<W: Write>(
    models: &[FittedRowSource<'_>],
    out: W,
) -> Result<(), FitError> {
    let e = csv_err("coefficient CSV");
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = COEFFICIENT_COLUMNS
        .iter()
        .chain(&PROVENANCE_COLUMNS)
        .copied()
        .collect();
    w.write_record(&header).map_err(&e)?;
    for m in models {
        let (component, repr, terms, fit, holdout, err, max_err, points, unit, prov) = match m {
            FittedRowSource::Component(m, r, p) => (
                m.component.key().to_string(),
                r,
                m.term_names(),
                &m.fit,
                m.holdout.name(),
                m.holdout_rel_err,
                m.holdout_max_rel_err,
                m.points,
                "fJ/op per term unit",
                provenance(p),
            ),
            FittedRowSource::Voltage(m, r, p) => {
                let mut prov = provenance(p);
                prov[1] = m.corner.clone();
                prov[2] = String::new();
                (
                    "dynamic_vs_voltage".to_string(),
                    r,
                    m.form.terms().to_vec(),
                    &m.fit,
                    "leave-one-voltage-out".to_string(),
                    m.loo_rel_err,
                    m.loo_rel_errs.iter().map(|e| e.abs()).fold(0.0, f64::max),
                    m.voltages.len(),
                    "fJ/op (E = f(V) per term names)",
                    prov,
                )
            }
        };
        for (j, t) in terms.iter().enumerate() {
            let mut rec = vec![
                component.clone(),
                repr.to_string(),
                t.to_string(),
                fit.coef[j].to_string(),
                fit.se[j].to_string(),
                fit.ci_low[j].to_string(),
                fit.ci_high[j].to_string(),
                fit.r2.to_string(),
                fit.rmse.to_string(),
                holdout.clone(),
                err.to_string(),
                max_err.to_string(),
                points.to_string(),
                unit.to_string(),
                super::model::POWER_MODEL_VERSION.to_string(),
            ];
            rec.extend(prov.iter().cloned());
            w.write_record(&rec).map_err(&e)?;
        }
    }
    w.flush().map_err(|x| FitError::Write {
        what: "coefficient CSV",
        cause: x.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::model::{PowerComponent, PowerModelParams};
    use crate::fit::sweep::{measure, run_sweep, Convergence, SweepDesign};
    use crate::fit::Dataset;
    use crate::stream::Dist;

    #[test]
    fn sweep_and_coefficient_csvs_are_tidy_with_provenance() {
        let d = SweepDesign::default();
        let pts: Vec<_> = (2..=5)
            .filter_map(|b| d.point(Repr::Twos, b, b + 1, 32, Dist::Uniform))
            .collect();
        let conv = Convergence {
            chunk_cycles: 500,
            min_chunks: 2,
            max_chunks: 2,
            target_rel_se: 1.0,
        };
        let rows = run_sweep(&pts, |p| measure(p, &conv), &|_, _| {}).unwrap();
        let mut raw = Vec::new();
        write_sweep_csv(&rows, &mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let header = raw.lines().next().unwrap();
        assert!(
            header.ends_with("energy_model,pann_version,git_rev,seed,design"),
            "{header}"
        );
        // 4 points × (4 components + clock + leakage + total).
        assert_eq!(raw.lines().count(), 1 + 4 * 7);
        let data = Dataset {
            obs: rows
                .iter()
                .map(|r| r.measurement.observation.clone())
                .collect(),
        };
        let m = PowerModelParams::new(PowerComponent::Clock)
            .holdout(crate::fit::Holdout::KFold(2))
            .fit(&data)
            .unwrap();
        let prov = &rows[0].measurement.provenance;
        let mut out = Vec::new();
        write_coefficients_csv(
            &[FittedRowSource::Component(&m, Repr::Twos, prov)],
            &mut out,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let mut lines = out.lines();
        assert!(lines.next().unwrap().starts_with(
            "component,repr,term,coefficient,se,ci_low,ci_high,r2,rmse,holdout,holdout_rel_err"
        ));
        let row = lines.next().unwrap();
        assert!(row.starts_with("clock,twos,flip_flops,"), "{row}");
        assert!(
            row.contains("sky130_tt_025C_1v80,sky130_tt_025C,1.8"),
            "{row}"
        );
    }
}
