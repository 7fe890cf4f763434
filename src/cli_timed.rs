//! The timed part of `pann simulate`: `--delay`, `--clock-ns`, `--vcd`, `--saif` (glue only).

use crate::cli_sim::SimulateArgs;
use anyhow::{Context, Result};
use pann::energy::CellLibrary;
use pann::glitch::{check_clock, TimedOutcome};
use pann::netlist::Netlist;
use pann::report::{write_atomic, AtomicFile};
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

/// `--settle FILE.csv`: `cycle,settle_ticks,settle_ns`, streamed batch by batch into a
/// temporary file that [`SettleList::commit`] puts in place.
pub struct SettleList {
    path: std::path::PathBuf,
    file: AtomicFile,
    tick_ns: f64,
    cycle: u64,
    failed: Option<std::io::Error>,
}

impl SettleList {
    /// Start the list (header written).
    pub fn create(path: &std::path::Path, tick_ns: f64) -> Result<SettleList> {
        use std::io::Write;
        let mut file = AtomicFile::create(path)?;
        writeln!(file, "cycle,settle_ticks,settle_ns")
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(SettleList {
            path: path.to_path_buf(),
            file,
            tick_ns,
            cycle: 0,
            failed: None,
        })
    }

    /// The settle times (ticks) of the next cycles.
    pub fn push(&mut self, settle: &[u32]) {
        use std::io::Write;
        for &t in settle {
            self.cycle += 1;
            if self.failed.is_none() {
                let row = writeln!(
                    self.file,
                    "{},{t},{:.3}",
                    self.cycle,
                    t as f64 * self.tick_ns
                );
                self.failed = row.err();
            }
        }
    }

    /// Put the file in place (or report the first write error; then nothing is left).
    pub fn commit(self) -> Result<()> {
        if let Some(e) = self.failed {
            return Err(e).with_context(|| format!("writing {}", self.path.display()));
        }
        self.file.commit()?;
        Ok(())
    }
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
            model.tick_ps(),
            out.timed.activity.cycles,
        );
        write_atomic::<_, anyhow::Error>(p, |w| Ok(saif.write("pann", w)?))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &a.vcd {
        write_vcd(n, cfg, model, a, out.timed.max_settle(), p)?;
    }
    Ok(())
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
    path: &std::path::Path,
) -> Result<()> {
    let (first, last) = vcd_window(a)?;
    let spec = &cfg.spec;
    // Cycles 0 ..= last: the event reference runs from reset up to the window's end.
    let pairs = open_stream(cfg)?.take_pairs(last.saturating_add(1).min(cfg.cycles))?;
    let vecs: Vec<PortValues> = pairs
        .iter()
        .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
        .collect();
    if vecs.is_empty() {
        return Ok(());
    }
    if first >= vecs.len() as u64 {
        anyhow::bail!(
            "--vcd-cycles {}: the stream has cycles 1 to {} only",
            a.vcd_cycles.as_deref().unwrap_or(""),
            vecs.len() - 1
        );
    }
    let initial = baseline_values(n, &vecs[0]);
    let d = model.per_net(n);
    let mut file = AtomicFile::create(path)?;
    let mut vcd = VcdWriter::with_window(
        &mut file,
        n,
        &initial,
        clock_ticks(a, model, settle),
        model.tick_ps(),
        first,
        last,
    )?;
    event::simulate(n, &d, &vecs, &mut vcd);
    vcd.finish()
        .with_context(|| format!("writing {}", path.display()))?;
    file.commit()?;
    Ok(())
}

/// `--vcd-cycles FIRST:LAST` (all cycles when absent).
pub fn vcd_window(a: &SimulateArgs) -> Result<(u64, u64)> {
    let Some(text) = &a.vcd_cycles else {
        return Ok((0, u64::MAX));
    };
    let parsed = text
        .split_once(':')
        .and_then(|(f, l)| Some((f.trim().parse::<u64>().ok()?, l.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((f, l)) if 1 <= f && f <= l => Ok((f, l)),
        _ => anyhow::bail!("--vcd-cycles {text}: expected FIRST:LAST with 1 <= FIRST <= LAST"),
    }
}
