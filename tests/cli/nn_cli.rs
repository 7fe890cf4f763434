//! The CLI of the nn side: output formats, and bad input → one-line error, exit code 2.
use super::common::{assert_error, pann, streams_then_simulate_with};
use std::process::Command;

#[test]
fn eval_json_has_top1_in_percent() {
    let o = pann(&[
        "eval",
        "--model",
        "ccexam-cnn",
        "--limit",
        "50",
        "--format",
        "json",
        "--calib-size",
        "32",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let top1 = v["top1"].as_f64().unwrap();
    assert!((90.0..=100.0).contains(&top1), "{top1}");
    assert_eq!(v["layers"].as_array().unwrap().len(), 4);
    assert_eq!(v["config"]["repr"], "twos");
}

#[test]
fn eval_csv_has_one_row_per_layer() {
    let o = pann(&[
        "eval",
        "--model",
        "ccexam-cnn",
        "--float",
        "--limit",
        "20",
        "--format",
        "csv",
    ]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 5);
    assert!(text.starts_with("model,dataset,mode,"));
}

#[test]
fn bad_inputs_exit_with_code_2_and_one_line() {
    assert_error(
        &[
            "streams",
            "--model",
            "ccexam-cnn",
            "--layer",
            "conv7",
            "--images",
            "1",
            "--calib-size",
            "8",
        ],
        "unknown layer `conv7`",
    );
    assert_error(&["eval", "--model", "resnet"], "unknown model `resnet`");
    let o = pann(&["eval", "--model", "ccexam-cnn", "--repr", "ones"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("[possible values: twos, unsigned, signmag]"),
        "{err}"
    );
    assert_error(&["eval", "--model", "ccexam-cnn", "--wbits", "1"], "wbits");
    assert_error(
        &[
            "eval",
            "--model",
            "ccexam-cnn",
            "--data-dir",
            "/nonexistent",
        ],
        "/nonexistent",
    );
    assert_error(
        &[
            "eval",
            "--model",
            "ccexam-cnn",
            "--dataset",
            "fashion-mnist",
        ],
        "mnist only",
    );
}

#[test]
fn streams_writes_csv_and_prints_stats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fc2.csv");
    let v = streams_then_simulate_with(
        &[
            "--model",
            "ccexam-cnn",
            "--layer",
            "fc2",
            "--images",
            "2",
            "--dataflow",
            "weight-stationary",
            "--calib-size",
            "16",
            "--out",
            out.to_str().unwrap(),
        ],
        // The file is accepted by the MAC the report names, in the same representation.
        "pann simulate --repr twos --bx 9 --bw 8",
    );
    assert_eq!(v["stats"]["pairs"], 2560);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2561);
}

#[test]
fn streams_in_unsigned_representation_run_on_an_unsigned_8x8_mac() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("conv2.csv");
    streams_then_simulate_with(
        &[
            "--model",
            "ccexam-cnn",
            "--layer",
            "conv2",
            "--images",
            "1",
            "--calib-size",
            "16",
            "--repr",
            "unsigned",
            "--max-pairs",
            "5000",
            "--out",
            out.to_str().unwrap(),
        ],
        "pann simulate --repr unsigned --bx 8 --bw 8",
    );
}

#[test]
fn zero_work_and_oversized_calibration_are_refused_naming_the_flag() {
    let streams = |extra: &[&str], needle: &str| {
        let mut a = vec!["streams", "--model", "ccexam-cnn", "--layer", "fc2"];
        a.extend_from_slice(extra);
        assert_error(&a, needle);
    };
    streams(&["--images", "0"], "images = 0");
    streams(&["--max-pairs", "0"], "--max-pairs 0");
    streams(&["--calib-size", "60001"], "calib-size = 60001");
    assert_error(
        &["eval", "--model", "ccexam-cnn", "--limit", "0"],
        "--limit 0",
    );
    assert_error(
        &["eval", "--model", "ccexam-cnn", "--calib-size", "1000000"],
        "training set mnist/train has only 60000 images",
    );
    // A negative number is clap's (multi-line) message naming the flag.
    let o = pann(&["eval", "--model", "ccexam-cnn", "--calib-size", "-3"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid value '-3' for '--calib-size"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_named_once_with_its_cause() {
    let o = pann(&[
        "eval",
        "--model",
        "ccexam-cnn",
        "--data-dir",
        "/nonexistent",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn eval_and_streams_outputs_are_byte_identical_at_1_2_and_7_threads() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("s{threads}.csv"));
        let go = |args: &[&str]| {
            let o = Command::new(env!("CARGO_BIN_EXE_pann"))
                .args(args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        let eval = go(&[
            "eval",
            "--model",
            "ccexam-cnn",
            "--limit",
            "200",
            "--calib-size",
            "64",
            "--format",
            "csv",
        ]);
        let stats = go(&[
            "streams",
            "--model",
            "ccexam-cnn",
            "--layer",
            "conv2",
            "--images",
            "3",
            "--calib-size",
            "64",
            "--out",
            out.to_str().unwrap(),
        ]);
        // The report names its own output file (`simulate_with`); everything else must match.
        let mut stats: serde_json::Value = serde_json::from_slice(&stats).unwrap();
        stats.as_object_mut().unwrap().remove("simulate_with");
        (eval, stats, std::fs::read(&out).unwrap())
    };
    let one = run("1");
    assert!(!one.0.is_empty() && one.2.len() > 1000);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("7"));
}

/// `pann train --pann | --uniform` (feature `train`): bad input fails before any training.
#[cfg(feature = "train")]
#[test]
fn fine_tuning_refuses_bad_r_missing_or_foreign_weights_in_one_line() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("ft.safetensors");
    let out = out.to_str().unwrap();
    let base = [
        "train",
        "--model",
        "lenet5",
        "--dataset",
        "fashion-mnist",
        "--out",
        out,
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>, needle: &str| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_error(&a, needle);
        assert!(!std::path::Path::new(out).exists(), "nothing written");
    };
    run(with(&["--pann", "--r", "0", "--act-bits", "3"]), "--r 0");
    run(
        with(&["--pann", "--r", "-1", "--act-bits", "3"]),
        "positive",
    );
    run(with(&["--pann", "--r", "1", "--act-bits", "9"]), "act-bits");
    run(with(&["--pann", "--act-bits", "3"]), "--r");
    run(with(&["--uniform", "--bits", "1"]), "bits");
    run(
        with(&[
            "--pann",
            "--r",
            "1",
            "--act-bits",
            "3",
            "--from",
            "/nonexistent/w.safetensors",
        ]),
        "--from /nonexistent/w.safetensors",
    );
    run(
        with(&[
            "--pann",
            "--r",
            "1",
            "--act-bits",
            "3",
            "--from",
            "data/weights/mlp_fashion-mnist.safetensors",
        ]),
        "not lenet5 weights",
    );
}

/// The default build has no candle: `cargo tree` without features lists no candle crate (and
/// without the feature the binary has no `train` subcommand).
#[test]
fn default_build_is_free_of_candle() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tree = String::from_utf8_lossy(&o.stdout);
    assert!(tree.lines().any(|l| l.starts_with("pann ")), "{tree}");
    assert!(!tree.contains("candle"), "{tree}");
    if !cfg!(feature = "train") {
        let help = pann(&["--help"]);
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("train ")),
            "{text}"
        );
    }
}
