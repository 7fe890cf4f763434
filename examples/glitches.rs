//! The timed simulator from the library, without the CLI: an 8×8 radix-4 Booth multiplier
//! with SKY130 tt cell delays on uniform operands, functional against timed toggles by cell
//! kind, the settle time, and a SAIF file for a power tool.
//!
//! `cargo run --release --example glitches [cycles] [out.saif]`
use pann::circuits::{build, MacSpec, MultArch, Repr, Unit};
use pann::energy::{CellLibrary, DEFAULT_LIBRARY};
use pann::glitch::{by_kind, kind_table};
use pann::sim::delay::DelayModel;
use pann::sim::saif::SaifWriter;
use pann::sim::timed::TimedSim;
use pann::sim::{PortVectors, ZeroDelaySim};
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cycles: usize = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    let spec = MacSpec {
        unit: Unit::Mult,
        mult: MultArch::BoothDadda,
        repr: Repr::Twos,
        ..MacSpec::default()
    }
    .validate()?;
    let n = build(&spec);
    // Uniform 8-bit operands, seed 1, encoded as the circuit's ports expect.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let (xr, wr) = (spec.x_range(), spec.w_range());
    let vecs: Vec<Vec<u128>> = (0..cycles)
        .map(|_| {
            let x = spec.encode_x(rng.gen_range(xr.0..=xr.1));
            let w = spec.encode_w(rng.gen_range(wr.0..=wr.1));
            vec![x as u128, w as u128]
        })
        .collect();
    let drv = PortVectors::new(&n, vecs);
    let lib = CellLibrary::load(DEFAULT_LIBRARY)?;
    let model = DelayModel::Cells(lib.delay_table());
    let (zero, _) = ZeroDelaySim::new(&n).run(&drv);
    let timed = TimedSim::new(&n, &model).with_levels(true).run(&drv);
    println!(
        "{} ({} cells), {} with {} delays, {} vectors",
        spec.describe(),
        n.cell_count(),
        model.name(),
        DEFAULT_LIBRARY,
        cycles
    );
    print!(
        "{}",
        kind_table(&by_kind(&n, &zero, &timed.activity), cycles as u64 - 1)
    );
    let settle = timed.max_settle();
    println!(
        "settle: max {settle} ticks = {:.2} ns",
        settle as f64 * model.tick_ns()
    );
    if let Some(path) = std::env::args().nth(2) {
        let saif = SaifWriter::from_levels(
            &timed.levels,
            &timed.activity.toggles,
            settle + 1,
            model.tick_ps(),
            cycles as u64,
        );
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        saif.write("pann", &mut f)?;
        println!("wrote {path}");
    }
    Ok(())
}
