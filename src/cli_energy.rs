//! CLI glue for the energy stage: `pann cells import|list`, `pann compare`.

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
    #[arg(long)]
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
            println!(
                "{}: {} ({} V, {} °C) -> {}",
                cl.id,
                cl.library,
                cl.voltage_v,
                cl.temperature_c,
                out.display()
            );
            Ok(())
        }
        CellsCmd::List => {
            println!("{:<28} {:>7} {:>8}  library", "id", "V", "T (°C)");
            for id in CellLibrary::list() {
                let l = CellLibrary::load(&id)?;
                let def = if id == pann::energy::DEFAULT_LIBRARY {
                    " (default)"
                } else {
                    ""
                };
                println!(
                    "{:<28} {:>7.3} {:>8.1}  {}{def}",
                    l.id, l.voltage_v, l.temperature_c, l.library
                );
            }
            Ok(())
        }
    }
}
