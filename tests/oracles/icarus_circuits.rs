//! Icarus Verilog on the exported Verilog of every generated multiplier (4×4 and 8×8, every
//! valid architecture × representation), every 16-bit adder and small MACs gives, over a
//! 1,000-vector stream, exactly `pann`'s outputs and per-net toggle counts: zero-delay
//! against [`ZeroDelaySim`], unit and cell delays against [`TimedSim`] on the default export
//! (multi-level cells as function calls) and against [`icarus_order`] on the plain-expression
//! export.
use pann::netlist::random::random_vectors;

use pann::circuits::{build, AdderArch, MacSpec, MultArch, Repr, Unit};
use pann::energy::{CellLibrary, DEFAULT_LIBRARY};
use pann::netlist::{GateStyle, Netlist};
use pann::oracle::{icarus_available, IcarusSim};
use pann::sim::delay::{DelayModel, DelayTable};
use pann::sim::icarus_order;
use pann::sim::reference::PortValues;
use pann::sim::timed::TimedSim;
use pann::sim::zero_delay::output_values;
use pann::sim::{NoSink, PortVectors, ZeroDelaySim};
use pann::stream::OperandStream;

const VECTORS: usize = 1000;

/// Compare all delay models with Icarus; returns toggle totals (zero, unit, cells) and the
/// number of delay models under which the plain-expression export differs from the default.
fn agree_with_icarus(n: &Netlist, vecs: &[PortValues], what: &str) -> ([u64; 3], usize) {
    let drv = PortVectors::new(n, vecs.to_vec());
    let zd = ZeroDelaySim::new(n);
    let mut outs = Vec::new();
    let (zero, _) = zd.run_observed(&drv, &mut |_, valid, v| {
        outs.extend(output_values(n, valid, v))
    });
    let ic = IcarusSim::compile(n, None, vecs.len())
        .unwrap()
        .run(vecs)
        .unwrap();
    assert_eq!(ic.outputs, outs, "{what}: zero-delay outputs");
    assert_eq!(
        ic.toggles, zero.toggles,
        "{what}: zero-delay toggles per net"
    );
    let mut totals = [zero.total(), 0, 0];
    let mut differing = 0;
    // Unit delay, the documented default cell table, and the delays `pann simulate --delay
    // cells` takes from the default cell library (SKY130 tt: 10 to 40 ticks of 10 ps).
    let lib = CellLibrary::load(DEFAULT_LIBRARY).unwrap();
    let models = [
        DelayModel::Unit,
        DelayModel::Cells(DelayTable::default_cells()),
        DelayModel::Cells(lib.delay_table()),
    ];
    for (k, model) in models.iter().enumerate() {
        let d = model.per_net(n);
        let name = format!("{} {}", model.name(), d.iter().max().unwrap());
        // Default export: multi-level cells are function calls, one evaluation per time step.
        let ic = IcarusSim::compile(n, Some(&d), vecs.len())
            .unwrap()
            .run(vecs)
            .unwrap();
        assert_eq!(ic.outputs, outs, "{what} {name}: outputs");
        let got = TimedSim::new(n, model).run(&drv);
        let icarus_max = ic.settle.iter().copied().max().unwrap_or(0);
        assert_eq!(icarus_max, got.max_settle(), "{what} {name}: max settle");
        assert_eq!(
            ic.toggles, got.activity.toggles,
            "{what} {name}: toggles per net"
        );
        // Plain-expression export: Icarus's functor trees, reproduced by `icarus_order`.
        let ic = IcarusSim::compile_styled(n, Some(&d), GateStyle::Expression, vecs.len())
            .unwrap()
            .run(vecs)
            .unwrap();
        let (exact, exact_out) = icarus_order::simulate(n, &d, vecs, &mut NoSink);
        assert_eq!(exact_out, outs, "{what} {name}: icarus-order outputs");
        assert_eq!(
            ic.toggles, exact.activity.toggles,
            "{what} {name}: expression export, icarus-order toggles per net"
        );
        assert_eq!(
            exact.max_settle(),
            ic.settle.iter().copied().max().unwrap_or(0),
            "{what} {name}: icarus-order max settle"
        );
        let diff: u64 = (0..n.len())
            .map(|i| ic.toggles[i].abs_diff(got.activity.toggles[i]))
            .sum();
        if diff > 0 {
            differing += 1;
            eprintln!(
                "{what} {name}: expression export differs from the cell model by {diff} of {} toggles",
                got.activity.total()
            );
        }
        if k < 2 {
            totals[k + 1] = got.activity.total();
        }
    }
    eprintln!(
        "{what}: zero {} unit {} ({:.2}x) cells {} ({:.2}x)",
        totals[0],
        totals[1],
        totals[1] as f64 / totals[0] as f64,
        totals[2],
        totals[2] as f64 / totals[0] as f64
    );
    (totals, differing)
}

fn multipliers(bits: u32) {
    if !icarus_available() {
        eprintln!("iverilog/vvp not installed: skipped (CI installs them)");
        return;
    }
    let mut checked = 0;
    let mut differing = 0;
    for &arch in MultArch::ALL {
        for &repr in Repr::ALL {
            let spec = MacSpec {
                unit: Unit::Mult,
                mult: arch,
                bx: bits,
                bw: bits,
                repr,
                ..MacSpec::default()
            };
            let Ok(spec) = spec.validate() else { continue };
            let n = build(&spec);
            let vecs = random_vectors(bits as u64, &n, VECTORS);
            let (_, d) = agree_with_icarus(&n, &vecs, &format!("mult {bits}x{bits} {arch} {repr}"));
            differing += d;
            checked += 1;
        }
    }
    assert!(checked >= MultArch::ALL.len());
    // The export style matters: on these multipliers Icarus counts differently when the
    // multi-level cells are plain expressions (their functor trees), so the exact agreement
    // of the default export above is not an accident of the circuits.
    assert!(
        differing > 0,
        "{bits}x{bits}: no multiplier distinguishes the two exports"
    );
}

#[test]
fn icarus_agrees_per_net_on_every_4x4_multiplier() {
    multipliers(4);
}

#[test]
fn icarus_agrees_per_net_on_every_8x8_multiplier() {
    multipliers(8);
}

#[test]
fn icarus_agrees_per_net_on_every_16_bit_adder() {
    if !icarus_available() {
        return;
    }
    for &arch in AdderArch::ALL {
        let spec = MacSpec {
            unit: Unit::Adder,
            adder: arch,
            acc: 16,
            ..MacSpec::default()
        };
        let n = build(&spec.validate().unwrap());
        let vecs = random_vectors(16, &n, VECTORS);
        agree_with_icarus(&n, &vecs, &format!("adder 16 {arch}"));
    }
}

#[test]
fn icarus_agrees_per_net_on_sequential_macs() {
    if !icarus_available() {
        return;
    }
    for &repr in Repr::ALL {
        let spec = MacSpec {
            unit: Unit::Mac,
            mult: MultArch::Dadda,
            bx: 4,
            bw: 4,
            acc: 12,
            repr,
            ..MacSpec::default()
        };
        let n = build(&spec.validate().unwrap());
        let vecs = random_vectors(7, &n, VECTORS);
        agree_with_icarus(&n, &vecs, &format!("mac 4x4 acc12 dadda {repr}"));
    }
    // The circuit `pann simulate` runs by default: 8×8 MAC, 32-bit ripple accumulator.
    let n = build(&MacSpec::default().validate().unwrap());
    let vecs = random_vectors(8, &n, 500);
    agree_with_icarus(&n, &vecs, "default mac 8x8 acc32");
}

/// `pann simulate --delay unit --per-net` (the CLI, through the experiment layer) writes, for
/// every 8×8 multiplier, exactly Icarus Verilog's per-net toggle counts on the same vectors,
/// and the zero-delay counts beside them.
#[test]
fn cli_per_net_under_unit_delay_equals_icarus_for_every_8x8_multiplier() {
    if !icarus_available() {
        eprintln!("iverilog/vvp not installed: skipped (CI installs them)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for &arch in MultArch::ALL {
        for &repr in Repr::ALL {
            let spec = MacSpec {
                unit: Unit::Mult,
                mult: arch,
                bx: 8,
                bw: 8,
                repr,
                ..MacSpec::default()
            };
            let Ok(spec) = spec.validate() else { continue };
            let n = build(&spec);
            let pairs = pann::stream::Synthetic::new(
                pann::stream::Dist::Uniform,
                pann::stream::Dataflow::OutputStationary,
                pann::stream::Ranges {
                    x: spec.x_range(),
                    w: spec.w_range(),
                },
                5,
                400,
            )
            .take_pairs(400)
            .unwrap();
            let file = dir.path().join("v.csv");
            let mut text = String::from("x,w\n");
            for (x, w) in &pairs {
                text += &format!("{x},{w}\n");
            }
            std::fs::write(&file, text).unwrap();
            let per_net = dir.path().join("per_net.csv");
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_pann"))
                .args([
                    "simulate", "--unit", "mult", "--bx", "8", "--bw", "8", "--delay", "unit",
                ])
                .args(["--mult", arch.name(), "--repr", repr.name(), "--quiet"])
                .arg(format!("--stream=file:{}", file.display()))
                .arg("--per-net")
                .arg(&per_net)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let vecs: Vec<PortValues> = pairs
                .iter()
                .map(|&(x, w)| vec![spec.encode_x(x) as u128, spec.encode_w(w) as u128])
                .collect();
            let d = DelayModel::Unit.per_net(&n);
            let ic = IcarusSim::compile(&n, Some(&d), vecs.len())
                .unwrap()
                .run(&vecs)
                .unwrap();
            let zero = ZeroDelaySim::new(&n).run(&PortVectors::new(&n, vecs.clone()));
            let text = std::fs::read_to_string(&per_net).unwrap();
            let mut lines = text.lines();
            assert_eq!(
                lines.next().unwrap(),
                "net,toggles,rises,kind,component,zero_delay_toggles,zero_delay_rises"
            );
            for (i, line) in lines.enumerate() {
                let f: Vec<&str> = line.split(',').collect();
                assert_eq!(f[0], format!("n{i}"));
                assert_eq!(
                    f[1].parse::<u64>().unwrap(),
                    ic.toggles[i],
                    "{arch} {repr} n{i}"
                );
                assert_eq!(
                    f[5].parse::<u64>().unwrap(),
                    zero.0.toggles[i],
                    "{arch} {repr} n{i} zd"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= MultArch::ALL.len());
}
