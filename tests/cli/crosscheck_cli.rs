//! `pann crosscheck`: a run through OpenSTA beside pann, with the prebuilt OpenSTA 3.1
//! (`../shared/tools/opensta/sta`, as the oracle tests use it); skipped if it does not run.

use super::common::pann_cmd;
use std::path::PathBuf;
use std::process::Command;

fn sta31() -> Option<PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/opensta/sta");
    let ok = Command::new(&p)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: {} does not run (needs tcl8.6)", p.display());
    }
    ok.then_some(p)
}

fn pann(args: &[&str]) -> std::process::Output {
    pann_cmd(args).env_remove("PANN_STA").output().unwrap()
}

#[test]
fn crosscheck_prints_pann_and_opensta_side_by_side_within_1_percent() {
    let Some(sta) = sta31() else {
        return;
    };
    let sta = sta.to_str().unwrap();
    for (extra, activity) in [
        (&["--cells", "sky130_tt_025C_1v80"][..], "saif"),
        (
            &[
                "--cells",
                "gf180_tt_025C_5v00",
                "--mult",
                "booth-dadda",
                "--delay",
                "cells",
                "--clock-ns",
                "30",
            ][..],
            "vcd",
        ),
    ] {
        let mut args = vec!["crosscheck", "--sta", sta, "--cycles", "400"];
        args.extend(["--activity", activity, "--format", "json"]);
        args.extend(extra);
        let o = pann(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["unannotated_pins"], 0, "{v}");
        assert!(v["annotated_pins"].as_u64().unwrap() > 1000, "{v}");
        let rows = v["rows"].as_array().unwrap();
        let names: Vec<&str> = rows
            .iter()
            .map(|r| r["component"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "acc_adder",
                "acc_reg",
                "multiplier",
                "operand_regs",
                "total"
            ]
        );
        // The components add up to the total on both sides.
        for side in ["pann_fj_per_op", "opensta_fj_per_op"] {
            let parts: f64 = rows[..4].iter().map(|r| r[side].as_f64().unwrap()).sum();
            let total = rows[4][side].as_f64().unwrap();
            assert!((parts - total).abs() < 1e-6 * total, "{side}: {v}");
        }
        for r in rows {
            let tol = if r["component"] == "total" { 1.0 } else { 2.0 };
            let d = r["diff_pct"].as_f64().unwrap();
            assert!(d.abs() < tol, "{activity} {extra:?}: {r}");
        }
    }
}

#[test]
fn crosscheck_without_opensta_is_one_line_exit_2() {
    let o = pann(&["crosscheck", "--sta", "/nonexistent/sta", "--cycles", "10"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("OpenSTA not found: /nonexistent/sta"), "{err}");
}

#[test]
fn crosscheck_refuses_an_opensta_older_than_3_in_one_line() {
    // A stand-in that answers `-version` as Debian's OpenSTA 2.0.17 does.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("sta");
    std::fs::write(&fake, "#!/bin/sh\necho 2.0.17\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = pann(&[
        "crosscheck",
        "--sta",
        fake.to_str().unwrap(),
        "--cycles",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("OpenSTA 2.0.17") && err.contains("OpenSTA 3"),
        "{err}"
    );
}
