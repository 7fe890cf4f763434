//! `pann compare`: fJ/op of int8/int32 add and multiply next to published figures.

use super::args::EnergyArgs;
use super::cells::out_text;
use clap::Args;
use pann::circuits::{AdderArch, MultArch};
use std::path::PathBuf;

/// Arguments of `pann compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// Cell library id (see `pann cells list`).
    #[arg(long, default_value = pann::energy::DEFAULT_LIBRARY)]
    pub cells: String,
    /// Operations simulated per unit.
    #[arg(long, default_value_t = 20000)]
    pub ops: usize,
    /// Seed of the operand stream.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub energy: EnergyArgs,
    /// Adder architecture.
    #[arg(long, value_enum, default_value_t = AdderArch::Ripple)]
    pub adder: AdderArch,
    /// Multiplier architecture.
    #[arg(long, value_enum, default_value_t = MultArch::Dadda)]
    pub mult: MultArch,
    /// Also write the table as CSV here.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
}

/// Run `pann compare`.
pub fn compare(a: CompareArgs) -> anyhow::Result<()> {
    use pann::energy::compare::{compare, CompareOptions};
    let o = CompareOptions {
        library: a.cells,
        ops: a.ops,
        seed: a.seed,
        energy: a.energy.options()?,
        adder: a.adder,
        mult: a.mult,
    };
    anyhow::ensure!(o.ops >= 2, "--ops {}: must be at least 2", o.ops);
    if let Some(p) = &a.out {
        pann::report::check_target(p)?;
    }
    let rows = compare(&o)?;
    let r0 = &rows[0];
    let mut t = format!(
        "energy per operation, fJ  [{} {} V, node {} nm; {}; clock {} ns, wire {} fF/fan-out]\n",
        r0.library, r0.voltage_v, r0.node_nm, r0.data, r0.clock_ns, r0.wire_cap_ff
    );
    t += &format!(
        "{:<10} {:>12} {:>14} {:>12} {:>16}  pann method\n",
        "op", "pann", "Horowitz 45nm", "qtools", "scaled to node"
    );
    for r in &rows {
        let hz = r
            .horowitz_45nm_fj
            .map_or("-".to_string(), |v| format!("{v:.1}"));
        t += &format!(
            "{:<10} {:>12.1} {:>14} {:>12.1} {:>16.1}  {}\n",
            r.op, r.pann_fj, hz, r.qtools_fj, r.scaled_fj, r.pann_how
        );
    }
    out_text(&t);
    if let Some(out) = a.out {
        pann::report::write_atomic::<_, anyhow::Error>(&out, |w| {
            let mut wr = csv::Writer::from_writer(w);
            for r in &rows {
                wr.serialize(r)?;
            }
            wr.flush()?;
            Ok(())
        })?;
    }
    Ok(())
}
