//! `pann cells import|list`: cell libraries from Liberty, and the shipped ones.

use anyhow::Context;
use clap::{Args, Subcommand};
use pann::energy::{CellLibrary, ImportOptions, Liberty, UserMap};
use std::path::PathBuf;

/// `pann cells ...`
#[derive(Subcommand)]
pub enum CellsCmd {
    /// Import one corner from Liberty into a per-primitive CSV (<dir>/<id>.csv).
    ///
    /// Each primitive (inv, and2, andnot, mux2, maj3, dff, ...) gets, first match wins: the
    /// --map entry; for SKY130, GF180 and ASAP7 the built-in name table; else the cell whose
    /// Liberty `function` (or `ff` group) computes it, smallest area first (compositions such as
    /// inverter + AND2 when cheaper or when no single cell exists).
    Import(ImportArgs),
    /// List the cell libraries: embedded, in the user cells directory ($PANN_CELLS_DIR or
    /// ~/.local/share/pann/cells) and in ./data/cells.
    List,
    /// Import the integrated clock-gating cell of one corner (<dir>/icg/<id>.json), used by
    /// `--clock-gating` (without it a latch + AND2 of the library's primitives is charged).
    ///
    /// The cell: one with the Liberty `clock_gating_integrated_cell` attribute, a plain
    /// `latch_posedge` before a precontrol one, smallest area first. The id is the one `pann
    /// cells import` gives the same files.
    ImportIcg(ImportArgs),
}

/// Arguments of `pann cells import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Liberty file(s) of one corner (.lib or .lib.gz); repeat for split libraries
    /// (ASAP7 SIMPLE + INVBUF + SEQ, or a GF180 header + per-cell files).
    #[arg(long, required = true)]
    pub liberty: Vec<PathBuf>,
    /// Output CSV; default <dir>/<id>.csv with <dir> = $PANN_CELLS_DIR if set, else
    /// ~/.local/share/pann/cells (never the shipped data/cells). Libraries there are found by
    /// id by `pann cells list` and `--cells <id>`.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
    /// Library id (the CSV file stem); default <family>_<corner> for SKY130, GF180, ASAP7,
    /// else the Liberty library name.
    #[arg(long)]
    pub id: Option<String>,
    /// Mapping file, CSV lines `kind,cell[,pins[,out]]` (pins: the cell's input pins for slots
    /// a b c, space-separated); its entries win over the automatic mapping.
    #[arg(long)]
    pub map: Option<PathBuf>,
}

/// Run `pann cells ...`.
pub fn cells(cmd: CellsCmd) -> anyhow::Result<()> {
    match cmd {
        CellsCmd::Import(a) => {
            if let Some(p) = &a.out {
                pann::report::check_target(p)?;
            }
            let lib = Liberty::read(&a.liberty)?;
            let opts = ImportOptions {
                id: a.id,
                map: a.map.as_deref().map(UserMap::read).transpose()?,
                by_function_only: false,
            };
            let cl = CellLibrary::import(&lib, &opts)?;
            let out = match a.out {
                Some(p) => p,
                None => {
                    let dir = CellLibrary::user_dir().context(
                        "no user cells directory: set PANN_CELLS_DIR or HOME, or give --out",
                    )?;
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    dir.join(format!("{}.csv", cl.id))
                }
            };
            pann::report::write_atomic::<_, anyhow::Error>(&out, |w| Ok(cl.write_csv(w)?))?;
            out_line(&format!(
                "{}: {} ({} V, {} °C) -> {}",
                cl.id,
                cl.library,
                cl.voltage_v,
                cl.temperature_c,
                out.display()
            ));
            for k in pann::netlist::GateKind::ALL {
                if let Some(p) = cl.prim(k) {
                    out_line(&format!("  {:<7} {}", k.name(), p.recipe.describe()));
                }
            }
            Ok(())
        }
        CellsCmd::ImportIcg(a) => {
            if let Some(p) = &a.out {
                pann::report::check_target(p)?;
            }
            let lib = Liberty::read(&a.liberty)?;
            let opts = ImportOptions {
                id: a.id,
                map: a.map.as_deref().map(UserMap::read).transpose()?,
                by_function_only: false,
            };
            let id = CellLibrary::import(&lib, &opts)?.id;
            let Some(icg) = pann::energy::icg::IcgCell::from_liberty(&lib, &id)? else {
                anyhow::bail!(
                    "{}: no cell with a clock_gating_integrated_cell attribute",
                    a.liberty
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            let out = match a.out {
                Some(p) => p,
                None => {
                    let dir = CellLibrary::user_dir()
                        .context(
                            "no user cells directory: set PANN_CELLS_DIR or HOME, or give --out",
                        )?
                        .join("icg");
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    dir.join(format!("{id}.json"))
                }
            };
            let mut text = serde_json::to_string_pretty(&icg)?;
            text.push('\n');
            pann::report::write_atomic::<_, anyhow::Error>(&out, |w| {
                Ok(w.write_all(text.as_bytes())?)
            })?;
            out_line(&format!(
                "{id}: {} ({}) -> {}",
                icg.cell.name,
                icg.kind,
                out.display()
            ));
            Ok(())
        }
        CellsCmd::List => {
            let mut t = format!("{:<28} {:>7} {:>8}  library\n", "id", "V", "T (°C)");
            for id in CellLibrary::list() {
                // A stray CSV in a user directory is reported, not fatal.
                let l = match CellLibrary::load(&id) {
                    Ok(l) => l,
                    Err(e) => {
                        t += &format!("{id:<28} (unreadable: {e})\n");
                        continue;
                    }
                };
                let def = if id == pann::energy::DEFAULT_LIBRARY {
                    " (default)"
                } else {
                    ""
                };
                t += &format!(
                    "{:<28} {:>7.3} {:>8.1}  {}{def}\n",
                    l.id, l.voltage_v, l.temperature_c, l.library
                );
            }
            out_text(&t);
            Ok(())
        }
    }
}

/// Print to stdout; a closed pipe (`| head`) ends output quietly instead of panicking.
pub fn out_text(s: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}

fn out_line(s: &str) {
    out_text(&format!("{s}\n"));
}
