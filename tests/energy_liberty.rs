//! Liberty import on a hand-written fixture with numbers worked out by hand.

use pann::energy::{EnergyError, Liberty};
use std::io::Write;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/liberty/tiny.lib";
/// Tolerance for values that are exact up to float rounding.
const EXACT: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EXACT * (1.0 + b.abs())
}

fn fixture_text() -> String {
    std::fs::read_to_string(FIXTURE).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn units_and_operating_conditions_come_from_the_header() {
    let lib = Liberty::read(&[FIXTURE]).unwrap();
    assert_eq!(lib.name, "tiny_fixture");
    assert!(
        close(lib.voltage_v, 2.0),
        "operating_conditions beat nom_voltage"
    );
    assert!(close(lib.temperature_c, 25.0));
    assert!(lib.split_model);
    assert_eq!(lib.sources[0].sha256.len(), 64);
}

#[test]
fn split_model_term_is_removed_point_by_point_and_negatives_are_kept() {
    let c = Liberty::read(&[FIXTURE]).unwrap().cell("INVX").unwrap();
    let arc = &c.output("Y").unwrap().arcs[0];
    // rise table 10,14 / 20,24 fJ minus ½·C·V² = 2 fJ (1 fF), 6 fJ (3 fF).
    assert_eq!(arc.e_rise[0].values, vec![8.0, 8.0, 18.0, 18.0]);
    // fall table −2,−6 / 8,4 fJ plus 2, 6 fJ.
    assert_eq!(arc.e_fall[0].values, vec![0.0, 0.0, 10.0, 10.0]);
    // Input-pin tables: negative fall energy is kept, not clamped.
    let a = c.input("A").unwrap();
    assert!(close(a.e_fall[0].eval(0.2, 0.0), -1.0));
}

#[test]
fn bilinear_interpolation_and_linear_extrapolation() {
    let c = Liberty::read(&[FIXTURE]).unwrap().cell("INVX").unwrap();
    let arc = &c.output("Y").unwrap().arcs[0];
    assert!(close(arc.e_rise[0].eval(0.2, 2.0), 13.0));
    assert!(close(arc.e_fall[0].eval(0.2, 2.0), 5.0));
    assert!(
        close(arc.e_rise[0].eval(0.4, 2.0), 23.0),
        "extrapolated beyond the slew axis"
    );
    // cell_rise template is (load × slew): transposed on import. load 1 fF, slew 0.3 ns → 0.2.
    let d = arc.d_rise.as_ref().unwrap();
    assert!(close(d.eval(0.3, 1.0), 0.2));
    assert!(close(d.eval(0.1, 3.0), 0.3));
    assert!(close(d.eval(0.2, 2.0), 0.25));
    assert!(
        close(arc.d_fall.as_ref().unwrap().eval(1.0, 100.0), 0.05),
        "scalar table"
    );
}

#[test]
fn pin_caps_leakage_and_input_energy_in_pann_units() {
    let c = Liberty::read(&[FIXTURE]).unwrap().cell("INVX").unwrap();
    let a = c.input("A").unwrap();
    assert!(
        close(a.cap_ff, 2.5),
        "worst edge of capacitance / rise / fall, in fF"
    );
    assert!(close(a.e_rise[0].eval(0.2, 0.0), 2.0));
    assert!(
        close(c.leakage_nw, 2.0),
        "mean over when-states, not cell_leakage_power"
    );
}

#[test]
fn other_units_scale_tables() {
    // Same numbers in ps / fF / pW: time axes ×1e-3, caps ×1, energies fF·V² = fJ.
    let t = fixture_text()
        .replace("time_unit : 1ns", "time_unit : 1ps")
        .replace("(1, pf)", "(1, ff)")
        .replace("\"1nW\"", "\"1pW\"");
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ps.lib", &t);
    let c = Liberty::read(&[p]).unwrap().cell("INVX").unwrap();
    let a = c.input("A").unwrap();
    assert!(close(a.cap_ff, 0.0025));
    assert!(close(a.e_rise[0].slew_ns[0], 0.0001));
    assert!(close(a.e_rise[0].values[0], 0.001));
    assert!(close(c.leakage_nw, 0.002));
}

#[test]
fn gzip_input_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tiny.lib.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&p).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(fixture_text().as_bytes()).unwrap();
    gz.finish().unwrap();
    let a = Liberty::read(&[FIXTURE]).unwrap().cell("INVX").unwrap();
    let b = Liberty::read(&[p]).unwrap().cell("INVX").unwrap();
    assert_eq!(a, b);
}

#[test]
fn per_cell_file_without_header_loads_with_the_header_file() {
    let t = fixture_text();
    let cut = t.find("  cell (INVX)").unwrap();
    let end = t.rfind('}').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let header = write(dir.path(), "header.lib", &format!("{}}}\n", &t[..cut]));
    let cell = write(dir.path(), "invx.lib", &t[cut..end]);
    let a = Liberty::read(&[FIXTURE]).unwrap().cell("INVX").unwrap();
    let b = Liberty::read(&[header, cell.clone()])
        .unwrap()
        .cell("INVX")
        .unwrap();
    assert_eq!(a, b);
    let e = Liberty::read(&[cell]).unwrap_err().to_string();
    assert!(e.contains("no library header"), "{e}");
}

#[test]
fn bad_input_names_file_cell_and_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let t = fixture_text();
    let trunc = write(dir.path(), "trunc.lib", &t[..t.find("timing ()").unwrap()]);
    let e = Liberty::read(&[&trunc]).unwrap_err().to_string();
    assert!(
        e.contains("trunc.lib") && e.contains("truncated") && e.contains("pin(Y)"),
        "{e}"
    );

    let unit = write(
        dir.path(),
        "unit.lib",
        &t.replace("time_unit : 1ns", "time_unit : 1fortnight"),
    );
    let e = Liberty::read(&[&unit]).unwrap_err();
    assert!(matches!(e, EnergyError::Attribute { .. }));
    let e = e.to_string();
    assert!(
        e.contains("unit.lib") && e.contains("time_unit") && e.contains("fortnight"),
        "{e}"
    );

    let e = Liberty::read(&[FIXTURE])
        .unwrap()
        .cell("NAND9")
        .unwrap_err()
        .to_string();
    assert!(e.contains("tiny.lib") && e.contains("NAND9"), "{e}");

    let bad = write(
        dir.path(),
        "bad.lib",
        &t.replace("\"0.010, 0.014\"", "\"0.010, zz\""),
    );
    let e = Liberty::read(&[&bad])
        .unwrap()
        .cell("INVX")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.lib") && e.contains("INVX") && e.contains("rise_power"),
        "{e}"
    );
}

/// Every Liberty file shipped in `../shared/liberty` (SKY130 full and basic, GF180, ASAP7
/// SIMPLE CCS and NLDM, INVBUF without `;` after `area`, SEQ with multi-line `statetable`)
/// loads, and every cell in it extracts.
#[test]
fn every_shared_liberty_file_loads_and_every_cell_extracts() {
    let dir = std::env::var("PANN_LIBERTY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/liberty"))
        });
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: {} not found (set PANN_LIBERTY_DIR)",
            dir.display()
        );
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".lib.gz") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 45,
        "expected the 45 shared files, found {}",
        files.len()
    );
    for f in &files {
        let lib = Liberty::read(&[f]).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = lib.cell_names().map(String::from).collect();
        assert!(!names.is_empty(), "{}: no cells", f.display());
        for n in &names {
            lib.cell(n).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(
            lib.voltage_v > 0.5 && lib.voltage_v < 6.0,
            "{}",
            f.display()
        );
    }
}
