//! Helpers shared by the CLI tests: running the binary, and the checks many tests repeat.

use std::process::{Command, Output};

/// `pann args` as a command, run in the crate's directory (relative paths such as `data/`
/// resolve there).
pub fn pann_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pann"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Run `pann args` (see [`pann_cmd`]).
pub fn pann(args: &[&str]) -> Output {
    pann_cmd(args).output().expect("run pann")
}

/// Run `pann args`, which must succeed (its stderr is the failure message).
pub fn pann_ok(args: &[&str]) -> Output {
    let o = pann(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Bad input: exit code 2 and one line on stderr that contains `needle`.
pub fn assert_error(args: &[&str], needle: &str) {
    let o = pann(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// Run `pann streams args` (which must succeed), check that the `simulate_with` command
/// line of its JSON report starts with `prefix`, and run that command, which must succeed
/// too; returns the report.
pub fn streams_then_simulate_with(args: &[&str], prefix: &str) -> serde_json::Value {
    let mut a = vec!["streams"];
    a.extend_from_slice(args);
    let o = pann_ok(&a);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cmd = v["simulate_with"].as_str().unwrap();
    assert!(cmd.starts_with(prefix), "{cmd}");
    let args: Vec<&str> = cmd.split(' ').skip(1).collect();
    pann_ok(&args);
    v
}
