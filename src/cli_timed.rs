//! The timed part of `pann simulate`: `--delay`, `--clock-ns`, `--vcd`, `--saif` (glue only).

use crate::cli_sim::SimulateArgs;
use anyhow::{Context, Result};
use pann::energy::CellLibrary;
use pann::glitch::{check_clock, TimedOutcome};
use pann::netlist::Netlist;
use pann::report::write_atomic;
use pann::sim::delay::DelayModel;
use pann::sim::event::{self, baseline_values};
use pann::sim::reference::PortValues;
use pann::sim::saif::SaifWriter;
use pann::sim::vcd::VcdWriter;
use pann::simulate::{open_stream, SimConfig};

/// Parse `--delay`; `cells` takes its per-kind delays from the cell library.
pub fn delay_model(s: &str, lib: &CellLibrary) -> Result<DelayModel> {
    Ok(match s {
        "zero" => DelayModel::Zero,
        "unit" => DelayModel::Unit,
        "cells" => DelayModel::Cells(lib.delay_table()),
        d => anyhow::bail!("unknown --delay '{d}' (expected zero, unit or cells)"),
    })
}

/// Clock period (ns) the energy report assumes when `--clock-ns` is not given.
pub const DEFAULT_CLOCK_NS: f64 = 10.0;

/// Check `--clock-ns` against the settle time of a timed run and write VCD/SAIF if asked.
pub fn timed_checks(
    n: &Netlist,
    cfg: &SimConfig,
    model: &DelayModel,
    out: Option<&TimedOutcome>,
    a: &SimulateArgs,
) -> Result<()> {
    if let Some(c) = a.clock_ns {
        if c <= 0.0 {
            anyhow::bail!("--clock-ns must be positive, got {c}");
        }
    }
    let Some(out) = out else {
        if a.vcd.is_some() || a.saif.is_some() {
            anyhow::bail!("--vcd and --saif need --delay unit or cells");
        }
        return Ok(());
    };
    match a.clock_ns {
        Some(c) => check_clock(&out.timed, model, c)?,
        None => {
            // The energy report assumes the default clock; say so when the run cannot meet it.
            let settle_ns = out.timed.max_settle() as f64 * model.tick_ns();
            if settle_ns > DEFAULT_CLOCK_NS && !a.quiet {
                eprintln!(
                    "warning: the circuit settles in {settle_ns:.3} ns, longer than the default \
                     {DEFAULT_CLOCK_NS} ns clock the energy figures assume; pass --clock-ns"
                );
            }
        }
    }
    if let Some(p) = &a.saif {
        // From the fast run itself: any stream length.
        let period = clock_ticks(a, model, out.timed.max_settle());
        let saif = SaifWriter::from_levels(
            &out.timed.levels,
            &out.timed.activity.toggles,
            period,
            tick_ps(model),
            out.timed.activity.cycles,
        );
        write_atomic::<_, anyhow::Error>(p, |w| Ok(saif.write("pann", w)?))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if a.vcd.is_some() {
        write_vcd(n, cfg, model, a, out.timed.max_settle())?;
    }
    Ok(())
}

/// VCD/SAIF time unit: one tick in ps.
fn tick_ps(model: &DelayModel) -> u64 {
    (model.tick_ns() * 1000.0).round().max(1.0) as u64
}

/// The waveform clock period in ticks: `--clock-ns` (at least the settle time + 1), or the
/// settle time + 1.
fn clock_ticks(a: &SimulateArgs, model: &DelayModel, settle: u32) -> u32 {
    match a.clock_ns {
        Some(c) => ((c / model.tick_ns()).floor() as u32).max(settle + 1),
        None => settle + 1,
    }
}

fn write_vcd(
    n: &Netlist,
    cfg: &SimConfig,
    model: &DelayModel,
    a: &SimulateArgs,
    settle: u32,
) -> Result<()> {
    let spec = &cfg.spec;
    let mut stream = open_stream(cfg)?;
    let (mut pairs, mut more) = (Vec::new(), Vec::new());
    loop {
        stream.next_batch(&mut more, 1 << 16)?;
        if more.is_empty() {
            break;
        }
        pairs.extend_from_slice(&more);
    }
    let vecs: Vec<PortValues> = pairs
        .iter()
        .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
        .collect();
    if vecs.is_empty() {
        return Ok(());
    }
    let tick_ps = tick_ps(model);
    let period = clock_ticks(a, model, settle);
    let initial = baseline_values(n, &vecs[0]);
    let d = model.per_net(n);
    let vcd_tmp = match &a.vcd {
        Some(p) => Some(tempfile::NamedTempFile::new_in(
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new(".")),
        )?),
        None => None,
    };
    let mut vcd = match &vcd_tmp {
        Some(f) => Some(VcdWriter::new(
            std::io::BufWriter::new(f.reopen()?),
            n,
            &initial,
            period,
            tick_ps,
        )?),
        None => None,
    };
    if let Some(v) = vcd.as_mut() {
        event::simulate(n, &d, &vecs, v);
    }
    if let (Some(v), Some(f), Some(p)) = (vcd, vcd_tmp, &a.vcd) {
        v.finish()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        f.persist(p)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}
