//! Energy per operation from a coefficients CSV ([`super::output::write_coefficients_csv`],
//! what `pann fit` writes): read the table back ([`CoefficientTable::read`]), pick the models
//! of one representation and library, and evaluate them on a MAC's [`Features`]
//! ([`CoefficientTable::predict`]).
//!
//! Rows of the voltage model (`dynamic_vs_voltage`) are read and kept apart: they scale a
//! prediction across supply voltage, they do not predict at the fitted condition.

use super::model::{Features, PowerComponent, Term};
use super::FitError;
use crate::circuits::Repr;
use std::collections::HashMap;
use std::path::Path;

/// One component's model as read from the file.
#[derive(Clone, Debug, PartialEq)]
pub struct TableModel {
    /// The component.
    pub component: PowerComponent,
    /// Representation of the MACs it was fitted on.
    pub repr: Repr,
    /// Cell library id it was fitted under.
    pub library: String,
    /// Clock period of the fit (ns); leakage scales with it.
    pub clock_ns: f64,
    /// Wire capacitance per fan-out pin of the fit (fF).
    pub wire_cap_ff: f64,
    /// Terms and coefficients (fJ per term unit), in file order.
    pub terms: Vec<(Term, f64)>,
    /// R² of the fit.
    pub r2: f64,
    /// Mean held-out relative error of the fit.
    pub holdout_rel_err: f64,
}

impl TableModel {
    /// Predicted energy per operation (fJ) at `f`.
    pub fn predict(&self, f: &Features) -> f64 {
        self.terms.iter().map(|(t, c)| (t.eval)(f) * c).sum()
    }
}

/// A coefficients CSV, read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CoefficientTable {
    /// Component models, in file order.
    pub models: Vec<TableModel>,
    /// Rows of other models (the voltage model): `(component, corner, term, coefficient)`.
    pub other: Vec<(String, String, String, f64)>,
}

/// The columns [`CoefficientTable::read`] needs.
pub const REQUIRED_COLUMNS: [&str; 10] = [
    "component",
    "repr",
    "term",
    "coefficient",
    "r2",
    "holdout_rel_err",
    "library",
    "clock_ns",
    "wire_cap_ff",
    "model_version",
];

fn bad(path: &Path, line: u64, field: &str, value: &str, why: &str) -> FitError {
    FitError::Coefficients {
        path: path.display().to_string(),
        line,
        field: field.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    }
}

fn number(path: &Path, line: u64, field: &str, v: &str) -> Result<f64, FitError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| bad(path, line, field, v, "not a finite number"))
}

impl CoefficientTable {
    /// Read `path`; errors name the file, the line (1 = header), the field and its value.
    pub fn read(path: &Path) -> Result<CoefficientTable, FitError> {
        let text = std::fs::read_to_string(path).map_err(|cause| FitError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        Self::parse(path, &text)
    }

    /// Parse CSV `text` read from `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<CoefficientTable, FitError> {
        let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            bad(path, line, "csv", "", &e.to_string())
        };
        let header = r.headers().map_err(csv_err)?.clone();
        let col = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                let have: Vec<&str> = header.iter().collect();
                let why = format!("no `{name}` column (not a `pann fit` coefficients file?)");
                bad(path, 1, "header", &have.join(","), &why)
            })
        };
        let idx: Vec<usize> = REQUIRED_COLUMNS
            .iter()
            .map(|c| col(c))
            .collect::<Result<_, _>>()?;
        let mut table = CoefficientTable::default();
        let mut by_key: HashMap<(PowerComponent, Repr, String), usize> = HashMap::new();
        for rec in r.records() {
            let rec = rec.map_err(csv_err)?;
            let line = rec.position().map_or(0, |p| p.line());
            let get = |k: usize| rec.get(idx[k]).unwrap_or("");
            let (component, term) = (get(0), get(2));
            let version = get(9);
            if version != super::model::POWER_MODEL_VERSION {
                return Err(bad(
                    path,
                    line,
                    "model_version",
                    version,
                    &format!(
                        "this pann reads model version {} (regenerate the file with `pann fit`)",
                        super::model::POWER_MODEL_VERSION
                    ),
                ));
            }
            let coef = number(path, line, "coefficient", get(3))?;
            let Some(c) = PowerComponent::from_key(component) else {
                if component == "dynamic_vs_voltage" {
                    let corner = header
                        .iter()
                        .position(|h| h == "corner")
                        .and_then(|i| rec.get(i))
                        .unwrap_or("");
                    table
                        .other
                        .push((component.into(), corner.into(), term.into(), coef));
                    continue;
                }
                return Err(bad(path, line, "component", component, "unknown component"));
            };
            let repr: Repr = get(1)
                .parse()
                .map_err(|_| bad(path, line, "repr", get(1), "unknown representation"))?;
            let t = Term::by_name(term)
                .ok_or_else(|| bad(path, line, "term", term, "unknown model term"))?;
            let library = get(6).to_string();
            let key = (c, repr, library.clone());
            let i = match by_key.get(&key) {
                Some(&i) => i,
                None => {
                    table.models.push(TableModel {
                        component: c,
                        repr,
                        library,
                        clock_ns: number(path, line, "clock_ns", get(7))?,
                        wire_cap_ff: number(path, line, "wire_cap_ff", get(8))?,
                        terms: Vec::new(),
                        r2: number(path, line, "r2", get(4))?,
                        holdout_rel_err: get(5).trim().parse().unwrap_or(f64::NAN),
                    });
                    by_key.insert(key, table.models.len() - 1);
                    table.models.len() - 1
                }
            };
            let m = &mut table.models[i];
            if m.terms.iter().any(|(u, _)| *u == t) {
                return Err(bad(path, line, "term", term, "listed twice for this model"));
            }
            m.terms.push((t, coef));
        }
        if table.models.is_empty() {
            return Err(bad(
                path,
                1,
                "component",
                "",
                "no component model in the file",
            ));
        }
        Ok(table)
    }

    /// Libraries with models of `repr`, sorted.
    pub fn libraries(&self, repr: Repr) -> Vec<String> {
        let mut v: Vec<String> = self
            .models
            .iter()
            .filter(|m| m.repr == repr)
            .map(|m| m.library.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The models of `repr` under `library` (`None`: the only library the file has for
    /// `repr`), one per component in [`PowerComponent::ALL`] order; every component must
    /// have one.
    pub fn select(&self, repr: Repr, library: Option<&str>) -> Result<Vec<&TableModel>, FitError> {
        self.select_of(repr, library, &PowerComponent::ALL)
    }

    /// The models of the clock-gated (`--clock-gating acc`) MAC of `repr` under `library`,
    /// one per component in [`PowerComponent::GATED_MAC`] order (predicting
    /// [`PowerComponent::report_key`]); every one must be in the file.
    pub fn select_gated(
        &self,
        repr: Repr,
        library: Option<&str>,
    ) -> Result<Vec<&TableModel>, FitError> {
        self.select_of(repr, library, &PowerComponent::GATED_MAC)
    }

    fn select_of(
        &self,
        repr: Repr,
        library: Option<&str>,
        components: &[PowerComponent],
    ) -> Result<Vec<&TableModel>, FitError> {
        let libs = self.libraries(repr);
        let lib = match library {
            Some(l) if libs.iter().any(|x| x == l) => l.to_string(),
            Some(l) => {
                return Err(FitError::Select(format!(
                    "no models of {repr} MACs under library {l} (the file has: {})",
                    list(&libs)
                )))
            }
            None if libs.len() == 1 => libs[0].clone(),
            None => {
                return Err(FitError::Select(format!(
                    "models of {repr} MACs under {} libraries ({}); choose one with --cells",
                    libs.len(),
                    list(&libs)
                )))
            }
        };
        components
            .iter()
            .map(|&c| {
                self.models
                    .iter()
                    .find(|m| m.component == c && m.repr == repr && m.library == lib)
                    .ok_or_else(|| {
                        FitError::Select(format!(
                            "no {} model of {repr} MACs under {lib} in the file (regenerate it with `pann fit`)",
                            c.key()
                        ))
                    })
            })
            .collect()
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "component,repr,term,coefficient,r2,holdout_rel_err,library,clock_ns,wire_cap_ff,model_version\n";

    fn parse(body: &str) -> Result<CoefficientTable, FitError> {
        CoefficientTable::parse(Path::new("m.csv"), &format!("{HEADER}{body}"))
    }

    #[test]
    fn models_read_back_evaluate_their_terms() {
        let t = parse(
            "clock,twos,flip_flops,2.5,1,0,lib,10,0.3,pann-power-3\n\
             leakage,twos,cells*clock_ns,0.01,1,0,lib,10,0.3,pann-power-3\n",
        )
        .unwrap();
        let f = Features {
            flip_flops: 10,
            cells: 100,
            clock_ns: 10.0,
            ..Features::default()
        };
        assert_eq!(t.models[0].predict(&f), 25.0);
        assert!((t.models[1].predict(&f) - 10.0).abs() < 1e-12);
        assert!(t.select(Repr::Twos, None).is_err(), "multiplier missing");
    }

    #[test]
    fn a_bad_number_names_file_line_field_and_value() {
        let e =
            parse("clock,twos,flip_flops,2.5,1,0,lib,10,0.3,pann-power-3\nclock,twos,x,abc,1,0,lib,10,0.3,pann-power-3\n")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("m.csv")
                && e.contains("line 3")
                && e.contains("coefficient")
                && e.contains("abc"),
            "{e}"
        );
    }

    #[test]
    fn a_file_of_another_model_version_is_refused_by_name() {
        // Version 2 (partial-product multiplier terms) is refused since version 3.
        for old in ["pann-power-1", "pann-power-2"] {
            let e = parse(&format!("clock,twos,flip_flops,2.5,1,0,lib,10,0.3,{old}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("line 2") && e.contains("model_version") && e.contains(old),
                "{e}"
            );
        }
    }
}
