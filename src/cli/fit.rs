//! `pann fit`: a designed sweep through the library ([`pann::fit::sweep`]), every component's
//! power model fitted per representation and library, a tidy coefficients CSV
//! ([`pann::fit::output::write_coefficients_csv`]) and a summary table.
//!
//! The optional voltage model (`--voltage`) goes into the same CSV as rows with component
//! `dynamic_vs_voltage` (terms `ln(a)`, `alpha` of `E = a·V^α`, one model per corner, its
//! corner in the `corner` column and its leave-one-voltage-out error in `holdout_rel_err`).

use super::args::EnergyArgs;
use anyhow::{Context, Result};
use clap::Args;
use pann::circuits::Repr;
use pann::energy::CellLibrary;
use pann::experiment::condition::DEFAULT_SEED;
use pann::experiment::DelayKind;
use pann::fit::output::{write_coefficients_csv, write_sweep_csv, FittedRowSource};
use pann::fit::shard::{merge, ShardSpec, Slice, SLICE_FORMAT};
use pann::fit::sweep::{dynamic_across_libraries, measure, Convergence, Provenance, SweepDesign};
use pann::fit::voltage::{fit_corners, FittedVoltageModel, VoltageForm};
use pann::fit::{fit_all, run_sweep, Dataset, FittedPowerModel, SweepRow};
use pann::report::{check_target, write_atomic};
use pann::stream::Dist;
use std::path::PathBuf;

/// `pann fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// Cell libraries to fit under (`pann cells list`, or cells CSV files); repeatable or a
    /// comma-separated list. One model per component, representation and library.
    #[arg(long, value_delimiter = ',', default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: Vec<String>,
    #[command(flatten)]
    pub energy: EnergyArgs,
    /// Base seed of the sweep's synthetic streams.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// The small `quick` design (tests, CI; under a minute): per representation b_x, b_w in
    /// 2..=8 at B = 32 under uniform, gauss and relu:0.5 data (441 points) and three real
    /// layer streams in both dataflows at b = 4, 8 (36 points), plus two PANN addition
    /// streams on the unsigned MAC, 3 to 6 chunks of 10,000
    /// cycles per point. Default: the full designed grid (see `pann::fit::sweep`).
    #[arg(long)]
    pub quick: bool,
    /// Delay model of every point (timed models are slower and count glitches).
    #[arg(long, value_enum, default_value_t = DelayKind::Zero)]
    pub delay: DelayKind,
    /// Measure each point until the standard error of the mean fJ/op of every component (and
    /// of the total) is below this fraction of its mean (or the chunk limit is reached;
    /// recorded as `converged`, with the worst component's `worst_rel_se`).
    #[arg(long, default_value_t = 0.01)]
    pub max_rel_se: f64,
    /// Coefficients CSV to write (atomically): one row per component, representation,
    /// library and term, with fit quality and provenance columns.
    #[arg(short = 'o', long, alias = "output")]
    pub out: PathBuf,
    /// Also write the raw sweep here: one row per point and component (fJ/op, its standard
    /// error, the stream statistics).
    #[arg(long)]
    pub sweep_out: Option<PathBuf>,
    /// Also fit dynamic energy against supply voltage (E = a·V^alpha) for every shipped
    /// corner with 3+ voltages (8×8 two's complement MAC, B = 32, uniform data), as rows with
    /// component `dynamic_vs_voltage` in the same CSV.
    #[arg(long)]
    pub voltage: bool,
    /// Also write a readable report here (a directory, created if missing): report.md with
    /// the summary, the real-stream errors and the figures energy_vs_width, parity and (with
    /// --voltage) voltage, each as PNG and SVG.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Hide the progress bar and the summary line on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// Measure only shard K of N (0 ≤ K < N; point i belongs to shard i mod N) and write
    /// its measurements to -o as a slice file (JSON) for `--merge`; no fit. Shard 0 also
    /// runs the `--voltage` reference runs. Every other flag as for the whole run.
    #[arg(long, value_name = "K/N", conflicts_with = "merge")]
    pub shard: Option<String>,
    /// Join the slice files of every shard (`--shard K/N` runs with the same flags) and fit:
    /// writes exactly the file a one-process run writes. No simulation.
    #[arg(long, value_name = "FILES", num_args = 1..)]
    pub merge: Vec<PathBuf>,
}

/// One fitted component model with what it was fitted on.
struct Fitted {
    /// The library as the sweep points name it.
    lib: String,
    repr: Repr,
    provenance: Provenance,
    model: FittedPowerModel,
}

/// Run `pann fit`.
pub fn run_fit(a: FitArgs) -> Result<()> {
    check_target(&a.out)?;
    anyhow::ensure!(
        a.report.is_none() || a.shard.is_none(),
        "--report: a --shard run fits nothing (give --report to the --merge run)"
    );
    if let Some(p) = &a.sweep_out {
        check_target(p)?;
    }
    anyhow::ensure!(
        a.max_rel_se.is_finite() && a.max_rel_se > 0.0,
        "--max-rel-se {}: must be a positive fraction",
        a.max_rel_se
    );
    let opts = a.energy.options()?;
    for l in &a.cells {
        CellLibrary::load(l).with_context(|| format!("--cells {l}"))?;
    }
    let name = if a.quick { "quick" } else { "grid" };
    let points: Vec<_> = a
        .cells
        .iter()
        .flat_map(|l| {
            let d = SweepDesign {
                library: l.clone(),
                clock_ns: opts.clock_ns,
                wire_cap_ff: opts.wire_cap_ff,
                seed: a.seed,
                name: name.into(),
                delay: a.delay,
                ..SweepDesign::default()
            };
            if a.quick {
                let mut p = d.quick_grid();
                p.extend(d.quick_real());
                p
            } else {
                d.grid()
            }
        })
        .collect();
    let conv = if a.quick {
        Convergence::quick(a.max_rel_se)
    } else {
        Convergence {
            target_rel_se: a.max_rel_se,
            ..Convergence::default()
        }
    };
    let fingerprint = format!(
        "design={name} points={} cells={} seed={} delay={} max_rel_se={} clock_ns={} wire_cap_ff={} voltage={} model={} energy={} pann={} git={}",
        points.len(),
        a.cells.join(","),
        a.seed,
        a.delay.model_name(),
        a.max_rel_se,
        opts.clock_ns,
        opts.wire_cap_ff,
        a.voltage,
        pann::fit::model::POWER_MODEL_VERSION,
        pann::energy::ENERGY_MODEL_VERSION,
        env!("CARGO_PKG_VERSION"),
        pann::experiment::report::GIT_REV,
    );
    let start = std::time::Instant::now();
    let measure_points = |pts: &[pann::fit::SweepPoint]| -> Result<Vec<SweepRow>> {
        let pb = super::args::count_bar(pts.len() as u64, "points", a.quiet);
        let rows = run_sweep(pts, |p| measure(p, &conv), &|d, _| {
            pb.set_position(d as u64)
        })?;
        pb.finish_and_clear();
        Ok(rows)
    };
    if let Some(spec) = &a.shard {
        let shard: ShardSpec = spec.parse().map_err(anyhow::Error::msg)?;
        let idx = shard.indices(points.len());
        let mine: Vec<_> = idx.iter().map(|&i| points[i].clone()).collect();
        let rows = measure_points(&mine)?;
        let voltage = if a.voltage && shard.k == 0 {
            Some(measure_voltage(&a, opts.clock_ns, opts.wire_cap_ff)?)
        } else {
            None
        };
        let slice = Slice {
            format: SLICE_FORMAT.into(),
            fingerprint,
            shard: shard.k,
            shards: shard.n,
            points: points.len(),
            rows: idx
                .into_iter()
                .zip(rows.into_iter().map(|r| r.measurement))
                .collect(),
            voltage,
        };
        write_atomic::<_, anyhow::Error>(&a.out, |w| Ok(serde_json::to_writer(w, &slice)?))
            .with_context(|| format!("writing {}", a.out.display()))?;
        if !a.quiet {
            eprintln!(
                "shard {shard}: {} of {} points, {:.1} s; slice in {}",
                slice.rows.len(),
                points.len(),
                start.elapsed().as_secs_f64(),
                a.out.display()
            );
        }
        return Ok(());
    }
    let (rows, voltage_runs) = if a.merge.is_empty() {
        let rows = measure_points(&points)?;
        let v = if a.voltage {
            Some(measure_voltage(&a, opts.clock_ns, opts.wire_cap_ff)?)
        } else {
            None
        };
        (rows, v)
    } else {
        let slices = a
            .merge
            .iter()
            .map(|p| Ok((p.clone(), Slice::read(p)?)))
            .collect::<Result<Vec<_>>>()?;
        merge(&points, &fingerprint, &slices)?
    };
    let fitted = fit_groups(&rows)?;
    let voltage = match (&voltage_runs, a.voltage) {
        (Some(pts), true) => fit_voltage(&a, opts.clock_ns, opts.wire_cap_ff, pts)?,
        (None, true) => {
            anyhow::bail!("--merge --voltage: the slice of shard 0 has no voltage runs")
        }
        _ => Vec::new(),
    };
    let mut sources: Vec<FittedRowSource> = fitted
        .iter()
        .map(|f| FittedRowSource::Component(&f.model, f.repr, &f.provenance))
        .collect();
    sources.extend(
        voltage
            .iter()
            .map(|(m, p)| FittedRowSource::Voltage(m, Repr::Twos, p)),
    );
    write_atomic::<_, anyhow::Error>(&a.out, |w| Ok(write_coefficients_csv(&sources, w)?))
        .with_context(|| format!("writing {}", a.out.display()))?;
    if let Some(p) = &a.sweep_out {
        write_atomic::<_, anyhow::Error>(p, |w| Ok(write_sweep_csv(&rows, w)?))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if !a.quiet {
        let converged = rows.iter().filter(|r| r.measurement.converged).count();
        let cycles: u64 = rows.iter().map(|r| r.measurement.cycles).sum();
        let worst = rows
            .iter()
            .map(|r| r.measurement.worst_rel_se)
            .fold(0.0, f64::max);
        eprintln!(
            "{name} design: {} points ({converged} met --max-rel-se {} on every component; worst {:.2}%), {cycles} cycles, {:.1} s, peak memory {:.0} MB; coefficients in {}",
            rows.len(),
            a.max_rel_se,
            100.0 * worst,
            start.elapsed().as_secs_f64(),
            pann::bench::peak_rss_mb(),
            a.out.display()
        );
    }
    let table = summary(&fitted, &voltage, a.cells.len() > 1);
    if let Some(dir) = &a.report {
        write_report(
            dir,
            &a,
            &rows,
            &fitted,
            &voltage,
            voltage_runs.as_deref(),
            &table,
        )?;
    }
    print!("{table}");
    Ok(())
}

/// `--report DIR`: report.md and its figures (PNG and SVG).
fn write_report(
    dir: &std::path::Path,
    a: &FitArgs,
    rows: &[SweepRow],
    fitted: &[Fitted],
    voltage: &[(FittedVoltageModel, Provenance)],
    voltage_runs: Option<&[(String, f64, f64)]>,
    table: &str,
) -> Result<()> {
    use pann::fit::plot::{glitch_plot, parity_plot, parity_points, voltage_plot, width_plot};
    use pann::fit::sweep::{glitch_factors, write_glitch_csv};
    use pann::plot::PlotFormat;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let models: Vec<(&str, Repr, &FittedPowerModel)> = fitted
        .iter()
        .map(|f| (f.lib.as_str(), f.repr, &f.model))
        .collect();
    let parity = parity_points(rows, &models);
    let vms: Vec<FittedVoltageModel> = voltage.iter().map(|v| v.0.clone()).collect();
    let opts = a.energy.options()?;
    let glitch_design = SweepDesign {
        library: a.cells[0].clone(),
        wire_cap_ff: opts.wire_cap_ff,
        seed: a.seed,
        ..SweepDesign::default()
    };
    let glitch = glitch_factors(&glitch_design, if a.quick { 1_000 } else { 5_000 })?;
    let mut figures = vec!["energy_vs_width", "parity", "glitch"];
    if voltage_runs.is_some() {
        figures.push("voltage");
    }
    for name in &figures {
        for (ext, format) in [("png", PlotFormat::Png), ("svg", PlotFormat::Svg)] {
            let bytes = match *name {
                "energy_vs_width" => width_plot(rows, format),
                "parity" => parity_plot(&parity, format),
                "glitch" => glitch_plot(&glitch, format),
                _ => voltage_plot(voltage_runs.unwrap_or(&[]), &vms, format),
            }
            .map_err(anyhow::Error::msg)?;
            let path = dir.join(format!("{name}.{ext}"));
            write_atomic::<_, anyhow::Error>(&path, |w| Ok(w.write_all(&bytes)?))
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let path = dir.join("glitch.csv");
    write_atomic::<_, anyhow::Error>(&path, |w| Ok(write_glitch_csv(&glitch, w)?))
        .with_context(|| format!("writing {}", path.display()))?;
    let path = dir.join("parity.csv");
    write_atomic::<_, anyhow::Error>(&path, |w| {
        Ok(pann::fit::plot::write_parity_csv(&parity, w)?)
    })
    .with_context(|| format!("writing {}", path.display()))?;
    if let Some(runs) = voltage_runs {
        let path = dir.join("voltage_runs.csv");
        let mut text = String::from(
            "library,corner,voltage_v,dynamic_fj_per_op
",
        );
        for (id, v, e) in runs {
            text += &format!(
                "{id},{},{v},{e}
",
                pann::fit::voltage::corner_of(id)
            );
        }
        write_atomic::<_, anyhow::Error>(&path, |w| Ok(w.write_all(text.as_bytes())?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    // Held-out (stream-group) error on the real layer streams, per component and repr.
    let mut real = String::from(
        "| component | repr | real-stream points | mean | max |\n|---|---|---|---|---|\n",
    );
    for f in fitted {
        let key = f.model.component.key();
        let errs: Vec<f64> = rows
            .iter()
            .filter(|r| r.point.spec.repr == f.repr && r.point.library == f.lib)
            .filter(|r| r.measurement.observation.fj_per_op.contains_key(key))
            .zip(&f.model.holdout_errs)
            .filter(|(r, _)| r.point.nn.is_some())
            .map(|(_, e)| e.abs())
            .collect();
        if errs.is_empty() {
            continue;
        }
        real += &format!(
            "| {key} | {} | {} | {:.2} % | {:.2} % |\n",
            f.repr,
            errs.len(),
            100.0 * errs.iter().sum::<f64>() / errs.len() as f64,
            100.0 * errs.iter().cloned().fold(0.0, f64::max)
        );
    }
    let converged = rows.iter().filter(|r| r.measurement.converged).count();
    let cycles: u64 = rows.iter().map(|r| r.measurement.cycles).sum();
    let mut md = format!(
        "# Power models (`pann fit`)\n\n{} design, {} points ({converged} met the {} standard-error target on every component), {cycles} cycles; seed {}, delay model {}, cells {}; model version {}.\n\n\
         Held-out error: every component's model refitted without one stream group at a time \
         (a synthetic distribution, or a whole network: every layer, both dataflows) and \
         evaluated on the group left out; mean / max relative error.\n\n```\n{table}```\n\n\
         ## Real layer streams, held out by network\n\n{real}\n## Figures\n\n",
        if a.quick { "quick" } else { "grid" },
        rows.len(),
        a.max_rel_se,
        a.seed,
        a.delay.model_name(),
        a.cells.join(", "),
        pann::fit::model::POWER_MODEL_VERSION,
    );
    for name in &figures {
        md += &format!("![{name}]({name}.svg) ([PNG]({name}.png))\n\n");
    }
    md += &format!(
        "Glitch factor (`glitch.csv`): an 8×8 two's complement MAC, uniform data, B = 32, {} cycles under {} at a {} ns clock (every architecture settles under cell delays), each multiplier architecture (ripple accumulator) and each accumulator-adder architecture (Dadda multiplier); the varied unit's fJ/op under unit and cell delays over its zero-delay fJ/op.\n",
        if a.quick { 1_000 } else { 5_000 },
        glitch_design.library,
        pann::fit::sweep::GLITCH_CLOCK_NS
    );
    let path = dir.join("report.md");
    write_atomic::<_, anyhow::Error>(&path, |w| Ok(w.write_all(md.as_bytes())?))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Fit every component per (library, representation), in sweep order.
fn fit_groups(rows: &[SweepRow]) -> Result<Vec<Fitted>> {
    let mut keys: Vec<(String, Repr)> = Vec::new();
    for r in rows {
        let k = (r.point.library.clone(), r.point.spec.repr);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    for (lib, repr) in keys {
        let group: Vec<&SweepRow> = rows
            .iter()
            .filter(|r| r.point.library == lib && r.point.spec.repr == repr)
            .collect();
        let data = Dataset {
            obs: group
                .iter()
                .map(|r| r.measurement.observation.clone())
                .collect(),
        };
        for (c, m) in fit_all(&data, repr) {
            let model = m.with_context(|| {
                format!(
                    "fitting the {} model of {repr} MACs under {lib} ({} points)",
                    c.key(),
                    group.len()
                )
            })?;
            out.push(Fitted {
                lib: lib.clone(),
                repr,
                provenance: group[0].measurement.provenance.clone(),
                model,
            });
        }
    }
    Ok(out)
}

/// Cycles of the voltage model's one reference run.
fn voltage_cycles(quick: bool) -> u64 {
    if quick {
        20_000
    } else {
        100_000
    }
}

/// The voltage model's reference runs: dynamic fJ/op of the 8×8 two's complement MAC
/// under every shipped library.
fn measure_voltage(
    a: &FitArgs,
    clock_ns: f64,
    wire_cap_ff: f64,
) -> Result<Vec<(String, f64, f64)>> {
    let d = SweepDesign {
        clock_ns,
        wire_cap_ff,
        seed: a.seed,
        delay: a.delay,
        ..SweepDesign::default()
    };
    let p = d
        .point(Repr::Twos, 8, 8, 32, Dist::Uniform)
        .expect("8x8 two's complement MAC is valid");
    let libs = CellLibrary::list();
    Ok(dynamic_across_libraries(
        &p,
        voltage_cycles(a.quick),
        &libs,
    )?)
}

/// The power-law voltage model of every shipped corner with 3+ voltages, fitted on the
/// reference runs `pts` ([`measure_voltage`]).
fn fit_voltage(
    a: &FitArgs,
    clock_ns: f64,
    wire_cap_ff: f64,
    pts: &[(String, f64, f64)],
) -> Result<Vec<(FittedVoltageModel, Provenance)>> {
    let cycles = voltage_cycles(a.quick);
    let fits = fit_corners(pts, 3, VoltageForm::PowerLaw)?;
    fits.into_iter()
        .map(|m| {
            let ids: Vec<&str> = pts
                .iter()
                .filter(|(id, _, _)| pann::fit::voltage::corner_of(id) == m.corner)
                .map(|(id, _, _)| id.as_str())
                .collect();
            let lib = CellLibrary::load(ids[0])?;
            let prov = Provenance {
                library: ids.join(" "),
                corner: m.corner.clone(),
                voltage_v: f64::NAN,
                temperature_c: lib.temperature_c,
                clock_ns,
                delay: a.delay.model_name().into(),
                wire_cap_ff,
                energy_model: pann::energy::ENERGY_MODEL_VERSION.into(),
                pann_version: env!("CARGO_PKG_VERSION").into(),
                git_rev: pann::experiment::report::GIT_REV.into(),
                seed: a.seed,
                design: format!("voltage: twos 8x8 B=32 uniform, {cycles} cycles"),
            };
            Ok((m, prov))
        })
        .collect()
}

/// The summary table: one line per fitted model.
fn summary(
    fitted: &[Fitted],
    voltage: &[(FittedVoltageModel, Provenance)],
    with_library: bool,
) -> String {
    let mut rows: Vec<Vec<String>> = fitted
        .iter()
        .map(|f| {
            let mut r = vec![f.model.component.key().to_string(), f.repr.to_string()];
            if with_library {
                r.push(f.provenance.library.clone());
            }
            r.extend([
                f.model.terms.len().to_string(),
                format!("{:.4}", f.model.fit.r2),
                format!(
                    "{:.2}% / {:.2}%",
                    100.0 * f.model.holdout_rel_err,
                    100.0 * f.model.holdout_max_rel_err
                ),
                f.model.points.to_string(),
            ]);
            r
        })
        .collect();
    for (m, _) in voltage {
        let mut r = vec!["voltage".to_string(), m.corner.clone()];
        if with_library {
            r.push(String::new());
        }
        r.extend([
            format!("2 (alpha {:.2})", m.fit.coef[1]),
            format!("{:.4}", m.fit.r2),
            format!(
                "{:.2}% / {:.2}% (LOO)",
                100.0 * m.loo_rel_err,
                100.0 * m.loo_rel_errs.iter().map(|e| e.abs()).fold(0.0, f64::max)
            ),
            m.voltages.len().to_string(),
        ]);
        rows.push(r);
    }
    let mut header = vec!["component", "repr"];
    if with_library {
        header.push("library");
    }
    header.extend(["terms", "R2", "held-out err mean / max", "points"]);
    table(&header, &rows)
}

/// A left-aligned text table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let s: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect();
        s.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out += &line(r.iter().map(|s| s.as_str()).collect());
    }
    out
}
