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
    /// Streams to time alone and end to end (zero delay), repeatable: `uniform`, `laplace`,
    /// `gauss`, `relu:P`, `file:PATH` (CSV, .npy, .npz). Default: uniform.
    #[arg(long = "stream")]
    pub streams: Vec<pann::stream::StreamSpec>,
    /// Also append the rows, with the CPU model and the time, to this CSV record (e.g.
    /// data/results/bench.csv). Nothing is recorded without it.
    #[arg(long)]
    pub record: Option<std::path::PathBuf>,
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
        streams: a.streams.clone(),
    });
    if let Some(p) = &a.record {
        pann::bench::record(p, &rows)
            .map_err(|e| anyhow::anyhow!("cannot append to {}: {e}", p.display()))?;
    }
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
                "{:<17} {:<10} {:>10} {:>9} {:>10} {:>10} {:>9} {:>8} {:>8} {:>7}  note\n",
                "engine",
                "stream",
                "vectors",
                "seconds",
                "vectors/s",
                "gate-ev/s",
                "x icarus",
                "x veril",
                "x kernel",
                "peak MB"
            );
            for r in &rows {
                s += &format!(
                    "{:<17} {:<10} {:>10} {:>9.4} {:>10.3e} {:>10.3e} {:>9.1} {:>8.2} {:>8.3} {:>7.0}  {}\n",
                    r.engine,
                    short(&r.stream),
                    r.vectors,
                    r.seconds,
                    r.vectors_per_s,
                    r.gate_evals_per_s,
                    r.vs_icarus,
                    r.vs_verilator,
                    r.vs_kernel,
                    r.peak_mb,
                    r.note
                );
            }
            s
        }
    };
    emit(&a.output.out, &text)
}

/// A stream name short enough for the table (`file:` paths by their file name).
fn short(stream: &str) -> String {
    match stream.strip_prefix("file:") {
        Some(p) => format!(
            "file:{}",
            std::path::Path::new(p)
                .file_name()
                .map_or(p.into(), |f| f.to_string_lossy())
        ),
        None => stream.to_string(),
    }
}
