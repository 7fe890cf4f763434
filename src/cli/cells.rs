//! `pann cells import|list`: cell libraries from Liberty, and the shipped ones.

use anyhow::Context;
use clap::{Args, Subcommand};
use pann::energy::{CellLibrary, Liberty};
use std::path::PathBuf;

/// `pann cells ...`
#[derive(Subcommand)]
pub enum CellsCmd {
    /// Import one corner from Liberty into a per-primitive CSV (data/cells/<library>_<corner>.csv).
    Import(ImportArgs),
    /// List the cell libraries shipped with pann (embedded) and in ./data/cells.
    List,
}

/// Arguments of `pann cells import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Liberty file(s) of one corner (.lib or .lib.gz); repeat for split libraries
    /// (ASAP7 SIMPLE + INVBUF + SEQ, or a GF180 header + per-cell files).
    #[arg(long, required = true)]
    pub liberty: Vec<PathBuf>,
    /// Output CSV; default data/cells/<id>.csv.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
}

/// Run `pann cells ...`.
pub fn cells(cmd: CellsCmd) -> anyhow::Result<()> {
    match cmd {
        CellsCmd::Import(a) => {
            let lib = Liberty::read(&a.liberty)?;
            let cl = CellLibrary::from_liberty(&lib)?;
            let out = a
                .out
                .unwrap_or_else(|| PathBuf::from(format!("data/cells/{}.csv", cl.id)));
            pann::report::write_atomic::<_, anyhow::Error>(&out, |w| Ok(cl.write_csv(w)?))
                .with_context(|| format!("writing {}", out.display()))?;
            out_line(&format!(
                "{}: {} ({} V, {} °C) -> {}",
                cl.id,
                cl.library,
                cl.voltage_v,
                cl.temperature_c,
                out.display()
            ));
            Ok(())
        }
        CellsCmd::List => {
            let mut t = format!("{:<28} {:>7} {:>8}  library\n", "id", "V", "T (°C)");
            for id in CellLibrary::list() {
                let l = CellLibrary::load(&id)?;
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
