//! `pann bench`: throughput of the simulator next to Icarus Verilog and Verilator.

use super::args::{emit, CircuitArgs, Format, LibraryArgs, OutputArgs};
use anyhow::Result;
use clap::Args;

/// `pann bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Delay model and the library whose delays `--delay cells` uses.
    #[command(flatten)]
    pub library: LibraryArgs,
    /// Vectors for pann.
    #[arg(long, default_value_t = 1 << 24)]
    pub cycles: u64,
    /// Vectors for Icarus and Verilator.
    #[arg(long, default_value_t = 20_000)]
    pub ref_cycles: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Best of this many pann runs.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Run `pann bench`.
pub fn run_bench(a: BenchArgs) -> Result<()> {
    let spec = a.circuit.spec()?;
    a.output.check()?;
    anyhow::ensure!(
        a.cycles >= 2,
        "--cycles {}: a run needs at least 2 cycles",
        a.cycles
    );
    anyhow::ensure!(
        a.ref_cycles >= 2,
        "--ref-cycles {}: a run needs at least 2 cycles",
        a.ref_cycles
    );
    anyhow::ensure!(a.repeats >= 1, "--repeats 0: at least one run is needed");
    let lib = pann::energy::CellLibrary::load(&a.library.cells)?;
    let rows = pann::bench::run(&pann::bench::BenchConfig {
        spec,
        delay: a.library.delay.model(&lib),
        cycles: a.cycles,
        ref_cycles: a.ref_cycles,
        seed: a.seed,
        repeats: a.repeats,
    });
    let text = match a.output.format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in &rows {
                w.serialize(r)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let mut s = format!(
                "circuit {} ({} cells), delay {}\n",
                rows[0].circuit, rows[0].cells, rows[0].delay
            );
            s += &format!(
                "{:<16} {:>10} {:>10} {:>12} {:>12} {:>10}  note\n",
                "engine", "vectors", "seconds", "vectors/s", "gate-evals/s", "x icarus"
            );
            for r in &rows {
                s += &format!(
                    "{:<16} {:>10} {:>10.4} {:>12.3e} {:>12.3e} {:>10.1}  {}\n",
                    r.engine,
                    r.vectors,
                    r.seconds,
                    r.vectors_per_s,
                    r.gate_evals_per_s,
                    r.vs_icarus,
                    r.note
                );
            }
            s
        }
    };
    emit(&a.output.out, &text)
}
