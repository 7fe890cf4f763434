//! `pann cells import|list` and `pann compare` through the binary.

use super::common::{pann, pann_cmd};
use std::path::{Path, PathBuf};
use std::process::Output;

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
    // The fixture's INVX computes `!A`, so `inv` maps by function; `buf` is the first
    // primitive with neither the named cell nor a cell computing it.
    import_fails(
        &t,
        &[
            "in.lib",
            "sky130_fd_sc_hd__buf_1",
            "missing",
            "buf",
            "--map",
        ],
    );
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

/// The shared SKY130 tt library under another library name (`acme_tt`), so no name table
/// applies and every primitive is mapped by function; written to `dir/acme.lib`.
fn acme_library(dir: &Path) -> Option<PathBuf> {
    use std::io::Read;
    let d = shared()?;
    let f = d.join("sky130_fd_sc_hd/basic/sky130_fd_sc_hd__tt_025C_1v80.lib.gz");
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(f).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    let s = s.replacen(
        "library (\"sky130_fd_sc_hd__tt_025C_1v80\")",
        "library (\"acme_tt\")",
        1,
    );
    assert!(s.contains("library (\"acme_tt\")"));
    let p = dir.join("acme.lib");
    std::fs::write(&p, s).unwrap();
    Some(p)
}

fn pann_env(args: &[&str], cells_dir: &Path) -> Output {
    pann_cmd(args)
        .env("PANN_CELLS_DIR", cells_dir)
        .output()
        .unwrap()
}

#[test]
fn unknown_family_imports_by_function_into_pann_cells_dir_and_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lib) = acme_library(dir.path()) else {
        eprintln!("SKIPPED: ../shared/liberty not found");
        return;
    };
    let cells = dir.path().join("cells");
    std::fs::create_dir(&cells).unwrap();
    let o = pann_env(
        &[
            "cells",
            "import",
            "--liberty",
            lib.to_str().unwrap(),
            "--id",
            "acme_tt_025C",
        ],
        &cells,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = cells.join("acme_tt_025C.csv");
    assert!(csv.is_file());
    let o = pann_env(&["cells", "list"], &cells);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(s.lines().count(), 36, "{s}");
    assert!(s.contains("acme_tt_025C") && s.contains("acme_tt"), "{s}");
    // Same cells as the shipped SKY130 corner, so the same per-primitive models.
    let acme = pann::energy::CellLibrary::load(csv.to_str().unwrap()).unwrap();
    let sky = pann::energy::CellLibrary::load("sky130_tt_025C_1v80").unwrap();
    for k in pann::netlist::GateKind::ALL {
        assert_eq!(acme.reference_model(k), sky.reference_model(k), "{k:?}");
    }
}

/// Import `acme.lib` with a mapping file; the result or the error text.
fn import_with_map(map: &str) -> Option<Result<pann::energy::CellLibrary, String>> {
    let dir = tempfile::tempdir().unwrap();
    let lib = acme_library(dir.path())?;
    let m = dir.path().join("map.csv");
    std::fs::write(&m, map).unwrap();
    let out = dir.path().join("out.csv");
    let o = pann(&[
        "cells",
        "import",
        "--liberty",
        lib.to_str().unwrap(),
        "--map",
        m.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    Some(if o.status.success() {
        Ok(pann::energy::CellLibrary::load(out.to_str().unwrap()).unwrap())
    } else {
        assert_eq!(o.status.code(), Some(2), "{err}");
        Err(err)
    })
}

#[test]
fn map_file_entries_win_over_mapping_by_function() {
    let map = "# kind,cell,pins,out\nkind,cell,pins,out\n\nmaj3,sky130_fd_sc_hd__fa_1\n\
               xor2,sky130_fd_sc_hd__ha_1,B A,SUM\n";
    let Some(r) = import_with_map(map) else {
        eprintln!("SKIPPED: ../shared/liberty not found");
        return;
    };
    let l = r.unwrap();
    let cells = |k| l.prim(k).unwrap().recipe.cells().join(",");
    use pann::netlist::GateKind::*;
    assert_eq!(cells(Maj3), "sky130_fd_sc_hd__fa_1");
    assert_eq!(cells(Xor2), "sky130_fd_sc_hd__ha_1");
    assert_eq!(cells(And2), "sky130_fd_sc_hd__and2_1");
}

macro_rules! map_rejects {
    ($name:ident, $map:expr, [$($needle:expr),*]) => {
        #[test]
        fn $name() {
            let Some(r) = import_with_map($map) else {
                eprintln!("SKIPPED: ../shared/liberty not found");
                return;
            };
            let e = r.err().expect("import must fail");
            for n in [$($needle),*] {
                assert!(e.contains(n), "missing {n:?} in {e}");
            }
        }
    };
}

map_rejects!(
    map_unknown_kind,
    "inv,sky130_fd_sc_hd__inv_1\nnand9,x\n",
    ["map.csv:2", "kind", "\"nand9\""]
);
map_rejects!(
    map_unknown_cell,
    "and2,no_such_cell\n",
    ["map.csv:1", "cell", "\"no_such_cell\"", "acme_tt"]
);
map_rejects!(
    map_pin_count,
    "and2,sky130_fd_sc_hd__and2_1,A\n",
    ["map.csv:1", "pins", "\"A\"", "needs 2"]
);
map_rejects!(
    map_unknown_pin,
    "and2,sky130_fd_sc_hd__and2_1,A Q\n",
    ["map.csv:1", "pins", "\"Q\""]
);
map_rejects!(
    map_wrong_function,
    "and2,sky130_fd_sc_hd__or2_1\n",
    ["map.csv:1", "cell", "or2_1", "and2"]
);
map_rejects!(
    map_swapped_mux_pins,
    "mux2,sky130_fd_sc_hd__mux2_1,A1 A0 S\n",
    ["map.csv:1", "pins", "\"A1 A0 S\""]
);
map_rejects!(
    map_twice,
    "inv,sky130_fd_sc_hd__inv_1\ninv,sky130_fd_sc_hd__inv_1\n",
    ["map.csv:2", "twice", "line 1"]
);

#[test]
fn liberty_nested_20000_deep_is_one_line_not_a_stack_overflow() {
    let deep = format!("library(x) {{{}", "g(x) {".repeat(20_000));
    import_fails(&deep, &["in.lib", "nested deeper than 64"]);
}

#[test]
fn garbage_bytes_in_liberty_are_escaped_and_cut_in_the_message() {
    let garbage = format!("library(x) {{\u{1b}[31m\u{7} {} ; }}", "A".repeat(5000));
    import_fails(&garbage, &["in.lib", "\\u{1b}[31m", "(5000 bytes)"]);
}

#[test]
fn compare_to_a_full_device_names_it_once_as_a_full_disk() {
    let o = pann(&["compare", "--ops", "50", "--out", "/dev/full"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim_end(),
        "error: cannot write /dev/full: no space left on device"
    );
}
