//! Optional output files of an experiment: every net's toggles (`--per-net`), every cycle's
//! settle time (`--settle`), a waveform (`--vcd`, with a cycle window) and switching activity
//! for power tools (`--saif`). All are written atomically; the settle list is streamed batch
//! by batch into its temporary file.
//!
//! VCD and SAIF name either pann's nets ([`NameStyle::Nets`], the default) or the pins of the
//! cell-mapped netlist `pann netlist --cells` writes ([`NameStyle::Pins`]: what OpenSTA and
//! PrimeTime annotate; the VCD then also carries the clock and starts at cycle 1, so its time
//! span is the run's operations × the clock period, as the SAIF's `DURATION`). Zero-delay
//! runs write the settled values at the start of each cycle.

use super::{DelayKind, ExperimentError};
use crate::energy::mapped::{self, MappedNetlist};
use crate::energy::CellLibrary;
use crate::glitch::TimedOutcome;
use crate::netlist::Netlist;
use crate::report::{check_target, write_atomic, AtomicFile, ReportError};
use crate::sim::delay::DelayModel;
use crate::sim::event::{self, baseline_values};
use crate::sim::pins::{DerivedActivity, PinNames};
use crate::sim::reference::{self, PortValues};
use crate::sim::saif::SaifWriter;
use crate::sim::vcd::VcdWriter;
use crate::sim::Activity;
use crate::simulate::{open_stream, SimConfig};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which output files to write.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    /// Every net's toggles: `net,toggles,rises,kind,component`; timed runs count every
    /// transition there and add `zero_delay_toggles,zero_delay_rises`.
    pub per_net: Option<PathBuf>,
    /// Every cycle's settle time: `cycle,settle_ticks,settle_ns` (timed runs).
    pub settle: Option<PathBuf>,
    /// A VCD of every net at tick resolution (timed runs; event-driven reference engine).
    pub vcd: Option<PathBuf>,
    /// Only cycles `FIRST..=LAST` (cycle 1 = the first operation) go into the VCD.
    pub vcd_cycles: Option<(u64, u64)>,
    /// A backward SAIF of the run, on the clock's time base.
    pub saif: Option<PathBuf>,
    /// Whose names the VCD and SAIF use.
    pub names: NameStyle,
}

/// Names in the VCD and SAIF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum NameStyle {
    /// pann's nets (`n57`) and port buses (`ports.x[3]`), for waveform viewers.
    #[default]
    Nets,
    /// Pins of the netlist `pann netlist --cells` writes (`multiplier_n57/A`, port bits
    /// `x[3]`, `clk`), which OpenSTA's `read_vcd`/`read_saif -scope pann` and PrimeTime
    /// annotate.
    Pins,
}

impl Outputs {
    /// The files, with the flag that names each.
    fn files(&self) -> [(&'static str, Option<&PathBuf>); 4] {
        [
            ("per-net", self.per_net.as_ref()),
            ("settle", self.settle.as_ref()),
            ("vcd", self.vcd.as_ref()),
            ("saif", self.saif.as_ref()),
        ]
    }

    /// Check, before simulating, that the outputs fit the delay model and the run, and that
    /// every output directory exists.
    pub fn validate(&self, delay: DelayKind, cycles: u64) -> Result<(), ExperimentError> {
        let input = |flag: &'static str, value: String, why: String| ExperimentError::Input {
            flag,
            value,
            why,
        };
        for (flag, p) in self.files() {
            if let Some(p) = p {
                check_target(p)?;
                if delay == DelayKind::Zero && flag == "settle" {
                    return Err(input(
                        flag,
                        p.display().to_string(),
                        "needs --delay unit or cells".into(),
                    ));
                }
            }
        }
        if let Some((first, last)) = self.vcd_cycles {
            let text = format!("{first}:{last}");
            if self.vcd.is_none() {
                return Err(input("vcd-cycles", text, "needs --vcd".into()));
            }
            if !(1 <= first && first <= last) {
                return Err(input(
                    "vcd-cycles",
                    text,
                    "expected FIRST:LAST with 1 <= FIRST <= LAST".into(),
                ));
            }
            if first >= cycles {
                return Err(input(
                    "vcd-cycles",
                    text,
                    format!("the run has cycles 1 to {} only", cycles.saturating_sub(1)),
                ));
            }
        }
        Ok(())
    }

    /// Start the settle list, if asked for.
    pub fn settle_list(&self, tick_ns: f64) -> Result<Option<SettleList>, ReportError> {
        self.settle
            .as_ref()
            .map(|p| SettleList::create(p, tick_ns))
            .transpose()
    }

    /// Write the per-net table, SAIF and VCD of a finished run (`act`: zero-delay activity;
    /// `timed`: the timed outcome of a timed run; `lib`: the cells of pin names).
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &self,
        n: &Netlist,
        cfg: &SimConfig,
        model: &DelayModel,
        lib: &CellLibrary,
        act: &Activity,
        timed: Option<&TimedOutcome>,
        clock_ns: f64,
    ) -> Result<(), ExperimentError> {
        if let Some(p) = &self.per_net {
            write_per_net(p, n, act, timed.map(|t| &t.timed.activity))?;
        }
        if self.saif.is_none() && self.vcd.is_none() {
            return Ok(());
        }
        let names = match self.names {
            NameStyle::Nets => None,
            NameStyle::Pins => Some(MappedNetlist::new(n, lib, "pann")?.pin_names(n)),
        };
        let settle = timed.map_or(0, |t| t.timed.max_settle());
        let period = clock_ticks(clock_ns, model, settle);
        if let Some(p) = &self.saif {
            let saif = match timed {
                // From the fast run itself: any stream length.
                Some(out) => SaifWriter::from_levels(
                    &out.timed.levels,
                    &out.timed.activity.toggles,
                    period,
                    model.tick_ps(),
                    out.timed.activity.cycles,
                ),
                None => {
                    let vecs = vectors(n, cfg, cfg.cycles)?;
                    let mut saif =
                        SaifWriter::new(&baseline_values(n, &vecs[0]), period, model.tick_ps());
                    reference::simulate_with(n, &vecs, &mut saif);
                    saif
                }
            };
            // Internal nodes that are not inverters of a net (a full adder's open sum): from a
            // second simulation of the run that follows them.
            let derived = match &names {
                Some(names) if names.derived.iter().any(|d| d.inverted_net().is_none()) => {
                    let vecs = vectors(n, cfg, cfg.cycles)?;
                    let mut d = DerivedActivity::new(names, &baseline_values(n, &vecs[0]), period);
                    if *model == DelayModel::Zero {
                        reference::simulate_with(n, &vecs, &mut d);
                    } else {
                        event::simulate(n, &model.per_net(n), &vecs, &mut d);
                    }
                    Some(d.records)
                }
                _ => None,
            };
            write_atomic::<_, ReportError>(p, |w| {
                match &names {
                    Some(names) => saif.write_pins(names, derived.as_deref(), w),
                    None => saif.write("pann", w),
                }
                .map_err(|cause| ReportError::Io {
                    path: p.display().to_string(),
                    cause,
                })
            })?;
        }
        if let Some(p) = &self.vcd {
            let first = if names.is_some() { 1 } else { 0 };
            let window = self.vcd_cycles.unwrap_or((first, u64::MAX));
            write_vcd(n, cfg, model, names.as_ref(), period, window, p)?;
        }
        Ok(())
    }
}

/// Toggles of open cell outputs per net (see [`open_output_toggles`]).
#[derive(Clone, Debug)]
pub struct OpenToggles {
    /// Zero delay.
    pub zero: Vec<u64>,
    /// Timed (`None` for a zero-delay run).
    pub timed: Option<Vec<u64>>,
}

/// Toggles of the cells' open outputs in a run (see
/// [`crate::energy::mapped::open_output_toggles`]): (zero delay, timed under `model` unless it
/// is zero delay); `None` when no cell of `n` under `lib` has an open output. A second pass
/// through the reference simulators over the whole stream: the reference twin of the counts
/// [`crate::experiment::run`] takes from its fast runs ([`crate::sim::Activity::open`]).
pub fn open_output_toggles(
    n: &Netlist,
    cfg: &SimConfig,
    model: &DelayModel,
    lib: &CellLibrary,
) -> Result<Option<OpenToggles>, ExperimentError> {
    if MappedNetlist::new(n, lib, "pann")?
        .open_outputs()
        .is_empty()
    {
        return Ok(None);
    }
    let vecs = vectors(n, cfg, cfg.cycles)?;
    let zero = mapped::open_output_toggles(n, lib, &vecs, None)?;
    let timed = match model {
        DelayModel::Zero => None,
        m => mapped::open_output_toggles(n, lib, &vecs, Some(&m.per_net(n)))?,
    };
    Ok(zero.map(|zero| OpenToggles { zero, timed }))
}

/// The clock period in ticks of `model`: `clock_ns` rounded down to whole ticks, at least the
/// settle time + 1 (a period the circuit cannot meet is refused or warned about before).
pub fn clock_ticks(clock_ns: f64, model: &DelayModel, settle: u32) -> u32 {
    let ticks = (clock_ns / model.tick_ns() + 1e-9).floor() as u32;
    ticks.max(settle + 1)
}

fn write_per_net(
    p: &Path,
    n: &Netlist,
    zero: &Activity,
    timed: Option<&Activity>,
) -> Result<(), ReportError> {
    let io = |cause| ReportError::Io {
        path: p.display().to_string(),
        cause,
    };
    write_atomic::<_, ReportError>(p, |w| {
        let main = timed.unwrap_or(zero);
        let extra = if timed.is_some() {
            ",zero_delay_toggles,zero_delay_rises"
        } else {
            ""
        };
        writeln!(w, "net,toggles,rises,kind,component{extra}").map_err(io)?;
        for (i, g) in n.gates().iter().enumerate() {
            write!(
                w,
                "n{i},{},{},{},{}",
                main.toggles[i],
                main.rises[i],
                g.kind.name(),
                n.components()[i].key()
            )
            .map_err(io)?;
            if timed.is_some() {
                write!(w, ",{},{}", zero.toggles[i], zero.rises[i]).map_err(io)?;
            }
            writeln!(w).map_err(io)?;
        }
        Ok(())
    })
}

/// The first `cycles` input vectors of the run's stream (in `n.inputs()` order: for an
/// imported netlist with its tied ports).
fn vectors(n: &Netlist, cfg: &SimConfig, cycles: u64) -> Result<Vec<PortValues>, ExperimentError> {
    let spec = &cfg.spec;
    let pairs = open_stream(cfg)
        .and_then(|mut s| s.take_pairs(cycles.min(cfg.cycles)))
        .map_err(crate::simulate::SimError::from)?;
    let operands: Vec<(u128, u128)> = pairs
        .iter()
        .map(|&(x, w)| (spec.encode_x(x) as u128, spec.encode_w(w) as u128))
        .collect();
    let drive = |e: crate::sim::drive::DriveError| crate::simulate::SimError::Drive(e.to_string());
    Ok(match &cfg.imported {
        Some(ports) => ports
            .plan(n)
            .map_err(drive)?
            .vectors(0, &operands)
            .map_err(drive)?,
        None => operands.iter().map(|&(x, w)| vec![x, w]).collect(),
    })
}

fn write_vcd(
    n: &Netlist,
    cfg: &SimConfig,
    model: &DelayModel,
    names: Option<&PinNames>,
    period: u32,
    (first, last): (u64, u64),
    path: &Path,
) -> Result<(), ExperimentError> {
    // Cycles 0 ..= last: the simulation runs from reset up to the window's end.
    let vecs = vectors(n, cfg, last.saturating_add(1))?;
    if vecs.is_empty() {
        return Ok(());
    }
    if first >= vecs.len() as u64 {
        return Err(ExperimentError::Input {
            flag: "vcd-cycles",
            value: format!("{first}:{last}"),
            why: format!("the stream has cycles 1 to {} only", vecs.len() - 1),
        });
    }
    let io = |cause| ReportError::Io {
        path: path.display().to_string(),
        cause,
    };
    let initial = baseline_values(n, &vecs[0]);
    let d = model.per_net(n);
    let mut file = AtomicFile::create(path)?;
    let tick_ps = model.tick_ps();
    let mut vcd = match names {
        Some(names) => {
            VcdWriter::with_pins(&mut file, n, names, &initial, period, tick_ps, first, last)
        }
        None => VcdWriter::with_window(&mut file, n, &initial, period, tick_ps, first, last),
    }
    .map_err(io)?;
    if *model == DelayModel::Zero {
        reference::simulate_with(n, &vecs, &mut vcd);
    } else {
        event::simulate(n, &d, &vecs, &mut vcd);
    }
    vcd.finish().map_err(io)?;
    file.commit()?;
    Ok(())
}

/// `--settle FILE.csv`: `cycle,settle_ticks,settle_ns`, streamed batch by batch into a
/// temporary file that [`SettleList::commit`] puts in place.
pub struct SettleList {
    path: PathBuf,
    file: AtomicFile,
    tick_ns: f64,
    cycle: u64,
    failed: Option<std::io::Error>,
}

impl SettleList {
    /// Start the list (header written).
    pub fn create(path: &Path, tick_ns: f64) -> Result<SettleList, ReportError> {
        let mut file = AtomicFile::create(path)?;
        writeln!(file, "cycle,settle_ticks,settle_ns").map_err(|cause| ReportError::Io {
            path: path.display().to_string(),
            cause,
        })?;
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
    pub fn commit(self) -> Result<(), ReportError> {
        if let Some(cause) = self.failed {
            return Err(ReportError::Io {
                path: self.path.display().to_string(),
                cause,
            });
        }
        self.file.commit()
    }
}
