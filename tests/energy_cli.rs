//! `pann cells import|list` and `pann compare` through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pann(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pann"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn fixture() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/liberty/tiny.lib"
    ))
    .unwrap()
}

fn shared() -> Option<PathBuf> {
    let d = std::env::var("PANN_LIBERTY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/liberty"))
        });
    d.is_dir().then_some(d)
}

/// Run an import that must fail: exit 2, one `error:` line containing every `needles`, and
/// nothing left in the output directory.
fn import_fails(lib_text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("in.lib");
    std::fs::write(&lib, lib_text).unwrap();
    let outdir = dir.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let out = outdir.join("x.csv");
    let o = pann(&[
        "cells",
        "import",
        "--liberty",
        lib.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "missing {n:?} in {err}");
    }
    assert_eq!(
        std::fs::read_dir(&outdir).unwrap().count(),
        0,
        "partial output left"
    );
}

#[test]
fn truncated_liberty_is_one_line_exit_2_and_no_csv() {
    let t = fixture();
    import_fails(&t[..t.len() / 2], &["in.lib", "truncated"]);
}

#[test]
fn unknown_unit_names_file_and_attribute() {
    let t = fixture().replace("\"1nW\"", "\"1 horsepower\"");
    import_fails(&t, &["in.lib", "leakage_power_unit", "horsepower"]);
}

#[test]
fn missing_cell_names_the_cell() {
    let t = fixture().replace(
        "library (tiny_fixture)",
        "library (sky130_fd_sc_hd__tt_fixture)",
    );
    import_fails(&t, &["in.lib", "sky130_fd_sc_hd__inv_1", "missing"]);
}

#[test]
fn import_reproduces_the_shipped_csv_byte_for_byte() {
    let Some(d) = shared() else {
        eprintln!("SKIPPED: ../shared/liberty not found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sky.csv");
    let lib = d.join("sky130_fd_sc_hd/basic/sky130_fd_sc_hd__tt_025C_1v80.lib.gz");
    let o = pann(&[
        "cells",
        "import",
        "--liberty",
        lib.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cells/sky130_tt_025C_1v80.csv");
    assert!(std::fs::read(out).unwrap() == std::fs::read(shipped).unwrap());
}

#[test]
fn list_shows_every_library_and_the_default() {
    let o = pann(&["cells", "list"]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.lines().count(), 35, "{s}");
    assert!(s.contains("sky130_tt_025C_1v80") && s.contains("(default)"));
}

#[test]
fn compare_writes_a_table_naming_its_condition() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp.csv");
    let o = pann(&["compare", "--ops", "500", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out).unwrap();
    assert_eq!(csv.lines().count(), 6);
    for k in [
        "int8_add",
        "int32_add",
        "int8_mul",
        "int32_mul",
        "seed 1",
        "sky130_tt_025C_1v80",
        "extrapolated",
    ] {
        assert!(csv.contains(k), "{k}");
    }
    let o = pann(&["compare", "--cells", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}
