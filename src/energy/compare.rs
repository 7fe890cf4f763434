//! Side-by-side energy per operation: pann's gate-level numbers for int8/int32 add and multiply
//! against the literature models people use instead.
//!
//! - **Horowitz 45 nm** (ISSCC 2014, 0.9 V): int8 add 0.03 pJ, int32 add 0.1 pJ, int8 multiply
//!   0.2 pJ, int32 multiply 3.1 pJ.
//! - **QKeras qtools** (`qtools/qenergy`, `config_public.py`, process `horowitz`): add
//!   `0.003125·b` pJ, multiply `0.002994791667·b² + 0.001041666667·b` pJ (fits to Horowitz).
//! - **Node/voltage scaling** (the Dennard-style rule Accelergy- and Aladdin-style estimators
//!   apply to move a reference energy to another technology): `E = E_45nm · (L/45 nm) ·
//!   (V/0.9 V)²`, L and V of the selected library (SKY130 130 nm, GF180 180 nm, ASAP7 7 nm).
//!
//! pann's numbers: the generated combinational adder / multiplier, simulated zero-delay on a
//! seeded uniform random operand stream (functional toggles only: glitches would add more),
//! energy from the selected cell library, leakage charged per `clock_ns`. The generator stops
//! at 16-bit operands, so int32 multiply is the measured 16×16 figure × (32/16)² and is
//! labelled as extrapolated.

use super::library::CellLibrary;
use super::mapping::Family;
use super::meter::{EnergyMeter, EnergyOptions};
use crate::circuits::{build, AdderArch, MacSpec, MultArch, Unit};
use crate::sim::{PortVectors, ZeroDelaySim};
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Settings of a comparison run.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Cell library id.
    pub library: String,
    /// Operations simulated per unit.
    pub ops: usize,
    /// Seed of the operand stream.
    pub seed: u64,
    /// Energy options (clock period for leakage, wire capacitance).
    pub energy: EnergyOptions,
    /// Adder architecture.
    pub adder: AdderArch,
    /// Multiplier architecture (two's complement).
    pub mult: MultArch,
}

/// One row of the comparison. Energies in fJ per operation.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    /// `int8_add`, `int32_add`, `int8_mul`, `int16_mul`, `int32_mul`.
    pub op: String,
    /// Operand width, bits.
    pub bits: u32,
    /// pann's figure, fJ/op.
    pub pann_fj: f64,
    /// How pann's figure was obtained.
    pub pann_how: String,
    /// Horowitz 45 nm, fJ/op (empty where the paper gives none).
    pub horowitz_45nm_fj: Option<f64>,
    /// QKeras qtools formula, fJ/op.
    pub qtools_fj: f64,
    /// Horowitz/qtools scaled to the library's node and supply, fJ/op.
    pub scaled_fj: f64,
    /// Cell library id.
    pub library: String,
    /// Supply, V.
    pub voltage_v: f64,
    /// Technology node used for scaling, nm.
    pub node_nm: f64,
    /// Data condition.
    pub data: String,
    /// Clock period used for leakage, ns.
    pub clock_ns: f64,
    /// Wire capacitance per fan-out, fF.
    pub wire_cap_ff: f64,
    /// Stream seed.
    pub seed: u64,
    /// Operations simulated.
    pub ops: usize,
}

/// QKeras qtools adder energy, fJ.
pub fn qtools_add_fj(bits: u32) -> f64 {
    1e3 * 0.003125 * bits as f64
}

/// QKeras qtools multiplier energy for a b×b multiply, fJ.
pub fn qtools_mul_fj(bits: u32) -> f64 {
    let b = bits as f64;
    1e3 * (0.002994791667 * b * b + 0.001041666667 * b)
}

fn node_nm(f: Family) -> f64 {
    match f {
        Family::Sky130 => 130.0,
        Family::Gf180 => 180.0,
        Family::Asap7 => 7.0,
    }
}

/// Simulate one combinational unit on uniform random operands; fJ/op.
fn measure_unit(spec: MacSpec, lib: &CellLibrary, o: &CompareOptions) -> f64 {
    let spec = spec.validate().expect("compare uses valid specs");
    let n = build(&spec);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(o.seed);
    let (wx, ww) = match spec.unit {
        Unit::Adder => (spec.acc, spec.acc),
        _ => (spec.bx, spec.bw),
    };
    let mask = |w: u32| if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
    let vecs: Vec<Vec<u128>> = (0..o.ops)
        .map(|_| {
            vec![
                (rng.gen::<u64>() & mask(wx)) as u128,
                (rng.gen::<u64>() & mask(ww)) as u128,
            ]
        })
        .collect();
    let open = super::mapped::open_output_toggles(&n, lib, &vecs, None)
        .expect("compare's libraries map every primitive");
    let act = ZeroDelaySim::new(&n).run(&PortVectors::new(&n, vecs)).0;
    EnergyMeter::new(&n, lib, o.energy)
        .measure_with_open(&act, open.as_deref())
        .total_fj_per_op
}

/// Run the comparison.
pub fn compare(o: &CompareOptions) -> Result<Vec<CompareRow>, super::EnergyError> {
    let lib = CellLibrary::load(&o.library)?;
    let fam = Family::detect(&lib.library).unwrap_or(Family::Sky130);
    let node = node_nm(fam);
    let scale = (node / 45.0) * (lib.voltage_v / 0.9).powi(2);
    let data = format!(
        "uniform random operands (two's complement), zero-delay, seed {}, {} ops",
        o.seed, o.ops
    );
    let adder = |bits| MacSpec {
        unit: Unit::Adder,
        adder: o.adder,
        acc: bits,
        ..MacSpec::default()
    };
    let mult = |bits| MacSpec {
        unit: Unit::Mult,
        mult: o.mult,
        bx: bits,
        bw: bits,
        ..MacSpec::default()
    };
    let a8 = measure_unit(adder(8), &lib, o);
    let a32 = measure_unit(adder(32), &lib, o);
    let m8 = measure_unit(mult(8), &lib, o);
    let m16 = measure_unit(mult(16), &lib, o);
    let rows = [
        (
            "int8_add",
            8,
            a8,
            format!("measured: 8-bit {} adder", o.adder),
            Some(30.0),
            qtools_add_fj(8),
        ),
        (
            "int32_add",
            32,
            a32,
            format!("measured: 32-bit {} adder", o.adder),
            Some(100.0),
            qtools_add_fj(32),
        ),
        (
            "int8_mul",
            8,
            m8,
            format!("measured: 8x8 {} multiplier", o.mult),
            Some(200.0),
            qtools_mul_fj(8),
        ),
        (
            "int16_mul",
            16,
            m16,
            format!("measured: 16x16 {} multiplier", o.mult),
            None,
            qtools_mul_fj(16),
        ),
        (
            "int32_mul",
            32,
            m16 * 4.0,
            format!(
                "extrapolated: 16x16 {} multiplier x (32/16)^2 (generator limit 16 bits)",
                o.mult
            ),
            Some(3100.0),
            qtools_mul_fj(32),
        ),
    ];
    Ok(rows
        .into_iter()
        .map(|(op, bits, pann, how, hz, qt)| CompareRow {
            op: op.to_string(),
            bits,
            pann_fj: pann,
            pann_how: how,
            horowitz_45nm_fj: hz,
            qtools_fj: qt,
            scaled_fj: hz.unwrap_or(qt) * scale,
            library: lib.id.clone(),
            voltage_v: lib.voltage_v,
            node_nm: node,
            data: data.clone(),
            clock_ns: o.energy.clock_ns,
            wire_cap_ff: o.energy.wire_cap_ff,
            seed: o.seed,
            ops: o.ops,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qtools_formula_reproduces_horowitz_at_8_and_32_bits() {
        assert!((qtools_mul_fj(8) - 200.0).abs() < 0.1);
        assert!((qtools_mul_fj(32) - 3100.0).abs() < 0.1);
        assert!((qtools_add_fj(32) - 100.0).abs() < 1e-9);
    }
}
