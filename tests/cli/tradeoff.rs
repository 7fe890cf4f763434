//! Accuracy against energy (`pann::tradeoff`, `pann curve`): PANN energy is linear in R and
//! the fitted power models agree with the simulation, the unsigned conversion keeps every
//! prediction and costs less, the CLI writes what it documents, bad input → one line, exit 2.

use super::common::pann;
use pann::circuits::Repr;
use pann::nn::idx::{DatasetId, Split};
use pann::nn::model::ModelId;
use pann::nn::pann::{PannConfig, PannNet};
use pann::nn::qnet::{calibration_slice, QuantNet};
use pann::nn::quant::QuantConfig;
use pann::tradeoff::energy::{mac, quick_models, Accounting, EnergySource};
use pann::tradeoff::output::CURVE_COLUMNS;
use pann::tradeoff::sample::{addition_pairs, mac_pairs, SampleSize};

/// Energy per inference ÷ R may vary this much across R ∈ {2, 4, 8} under the `total`
/// accounting (clock and leakage: the same every addition). Under `datapath` the fJ per
/// addition falls with R (each input repeats |q| times and a repeat toggles nothing), so
/// the datapath energy grows with R, but sub-linearly: that is asserted, not linearity.
const LINEARITY_TOLERANCE: f64 = 0.10;
/// Fitted models (quick design) against simulation, `total` accounting, per layer.
const MODEL_TOLERANCE_TOTAL: f64 = 0.20;

fn source(models: bool) -> EnergySource {
    let cells = pann::energy::DEFAULT_LIBRARY;
    EnergySource {
        cells: cells.into(),
        clock_ns: 10.0,
        wire_cap_ff: 0.3,
        models: models.then(|| quick_models(cells, 10.0, 0.3, 0).unwrap()),
    }
}

const SAMPLE: SampleSize = SampleSize {
    images: 1,
    windows: 4,
    window: 512,
};

#[test]
fn pann_energy_is_linear_in_r_and_the_models_agree_with_simulation() {
    let dir = pann::nn::default_data_dir();
    let net = ModelId::Mlp.load(&dir, DatasetId::Mnist).unwrap();
    let train = DatasetId::Mnist.load(&dir, Split::Train).unwrap();
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(1);
    let calib = calibration_slice(&train, 64, 0);
    let src = source(true);
    let spec = mac(8, 2, Repr::Unsigned).unwrap();
    let (mut per_r, mut datapath) = (Vec::new(), Vec::new());
    for r in [2.0, 4.0, 8.0] {
        let cfg = PannConfig {
            model: ModelId::Mlp,
            r,
            calib_size: 64,
            ..PannConfig::default()
        };
        let p = PannNet::build(&net, &cfg, &calib).unwrap();
        let m = 1; // the inner layer (fc2); fc1 and fc3 stay 8-bit MAC layers
        let e = src
            .measure(spec, &addition_pairs(&p, m, &test, SAMPLE))
            .unwrap();
        let adds = p.layers[m].additions_per_image as f64;
        let macs = p.layers[m].macs_per_image as f64;
        assert!(
            (adds / (p.layers[m].r_reached * macs) - 1.0).abs() < 1e-9,
            "additions = R·MACs"
        );
        let err = e.model_rel_err(Accounting::Total).unwrap();
        assert!(
            err.abs() <= MODEL_TOLERANCE_TOTAL,
            "R {r}: model error {err}"
        );
        let r_reached = p.layers[m].r_reached;
        per_r.push(adds * e.sim.get(Accounting::Total) / r_reached);
        datapath.push(adds * e.sim.get(Accounting::Datapath));
    }
    assert!(
        datapath.windows(2).all(|w| w[1] > w[0]),
        "datapath energy grows with R: {datapath:?}"
    );
    let (lo, hi) = per_r
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(
        (hi - lo) / lo <= LINEARITY_TOLERANCE,
        "total energy / R across R: {per_r:?}"
    );
}

#[test]
fn unsigned_conversion_keeps_every_prediction_and_costs_less_energy() {
    let dir = pann::nn::default_data_dir();
    let net = ModelId::Mlp.load(&dir, DatasetId::Mnist).unwrap();
    let train = DatasetId::Mnist.load(&dir, Split::Train).unwrap();
    let test = DatasetId::Mnist.load(&dir, Split::Test).unwrap().head(200);
    let calib = calibration_slice(&train, 64, 0);
    let src = source(false);
    for b in [2, 4] {
        let build = |repr| {
            let cfg = QuantConfig {
                wbits: b,
                abits: b,
                repr,
                calib_size: 64,
                ..QuantConfig::default()
            };
            QuantNet::build(&net, &cfg, &calib).unwrap()
        };
        let (t, u) = (build(Repr::Twos), build(Repr::Unsigned));
        assert_eq!(t.predict(&test).0, u.predict(&test).0, "b = {b}");
        let pairs = mac_pairs(&t, 1, &test.head(1), SAMPLE);
        assert_eq!(pairs, mac_pairs(&u, 1, &test.head(1), SAMPLE));
        let et = src
            .simulate(mac(b + 1, b, Repr::Twos).unwrap(), &pairs)
            .unwrap();
        let eu = src
            .simulate(mac(b, b, Repr::Unsigned).unwrap(), &pairs)
            .unwrap();
        assert!(eu.datapath < et.datapath, "b = {b}: {eu:?} vs {et:?}");
    }
}

#[test]
fn curve_quick_writes_csv_svg_png_with_the_documented_columns() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("c");
    let o = pann(&[
        "curve",
        "--model",
        "mlp",
        "--dataset",
        "mnist",
        "--quick",
        "--limit",
        "100",
        "--act-bits",
        "4,8",
        "--r",
        "0.5,2,8",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(dir.join("curve.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, CURVE_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let methods: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[2]).collect();
    for m in ["float", "uniform", "uniform-unsigned", "pann"] {
        assert!(methods.contains(m), "{m} missing: {methods:?}");
    }
    assert!(rows.iter().all(|r| r[26] == *env!("CARGO_PKG_VERSION")));
    let svg = std::fs::read_to_string(dir.join("curve.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    let png = std::fs::read(dir.join("curve.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(dir.join("layers.csv").exists());
}

#[test]
fn curve_has_rows_of_the_shipped_fine_tuned_networks() {
    let out = tempfile::tempdir().unwrap();
    let run = |name: &str, ptq: &[&str]| {
        let dir = out.path().join(name);
        let mut args = vec![
            "curve",
            "--model",
            "lenet5",
            "--dataset",
            "fashion-mnist",
            "--quick",
            "--limit",
            "100",
            "--act-bits",
            "3",
            "--r",
            "0.5,2",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ];
        args.extend_from_slice(ptq);
        let o = pann(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("pann-qat"), "{stdout}");
        let csv = std::fs::read_to_string(dir.join("curve.csv")).unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        r.records()
            .map(|x| x.unwrap())
            .collect::<Vec<csv::StringRecord>>()
    };
    let rows = run("c", &[]);
    let count = |method: &str, budget: &str| {
        rows.iter()
            .filter(|r| &r[2] == method && &r[7] == budget)
            .count()
    };
    for b in ["twos-2", "twos-3"] {
        // The budget point (one accounting) and the traversal over the grid (both).
        assert_eq!(count("pann-qat", b), 1, "pann-qat at {b}");
        assert_eq!(
            count("pann-qat", &format!("curve:{b}")),
            2 * 2,
            "traversal of {b}"
        );
        assert_eq!(count("uniform-qat", b), 2, "uniform-qat at {b}");
    }
    let qat = rows
        .iter()
        .find(|r| &r[2] == "pann-qat" && &r[7] == "twos-2")
        .unwrap();
    assert!(
        !qat[9].is_empty() && !qat[10].is_empty(),
        "budget and energy"
    );
    assert!(qat[14].parse::<f64>().unwrap() > 50.0, "top-1 {}", &qat[14]);
    // The fine-tuned networks are quantized as they were trained: the curve's post-training
    // options (clipping rule, bias correction) change the post-training rows, not these.
    let other = run("aciq", &["--act-quantizer", "aciq", "--bias-correction"]);
    // (R, budget, accounting, top-1) of every row of `method` (the energy of the 8-bit edge
    // layers, charged identically for every method, follows the options).
    let top1 = |rows: &[csv::StringRecord], method: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r[2].starts_with(method))
            .map(|r| [5, 7, 8, 14].map(|i| &r[i]).join(","))
            .collect()
    };
    assert_eq!(top1(&rows, "pann-qat"), top1(&other, "pann-qat"));
    assert_eq!(top1(&rows, "uniform-qat"), top1(&other, "uniform-qat"));
    assert_ne!(top1(&rows, "uniform"), top1(&other, "uniform"));
}

macro_rules! rejects {
    ($name:ident, [$($arg:expr),*], $needle:expr) => {
        #[test]
        fn $name() {
            let out = tempfile::tempdir().unwrap();
            let file = out.path().join("file");
            std::fs::write(&file, "x").unwrap();
            let dir = out.path().join("o");
            let args: Vec<String> = vec![$($arg.to_string()),*]
                .into_iter()
                .map(|a| a.replace("{file}", file.to_str().unwrap())
                          .replace("{dir}", dir.to_str().unwrap())
                          .replace("{empty}", out.path().to_str().unwrap()))
                .collect();
            let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
            let o = pann(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains($needle), "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            assert!(!dir.exists(), "nothing written on bad input");
        }
    };
}

rejects!(
    r_not_positive_is_refused,
    ["curve", "--model", "mlp", "--r", "0,1", "--out", "{dir}"],
    "R must be a positive"
);
rejects!(
    unknown_model_is_refused,
    ["curve", "--model", "vgg", "--out", "{dir}"],
    "vgg"
);
rejects!(
    missing_weights_are_refused,
    [
        "curve",
        "--model",
        "lenet5",
        "--data-dir",
        "{empty}",
        "--out",
        "{dir}"
    ],
    "--model"
);
rejects!(
    act_bits_out_of_range_are_refused,
    [
        "curve",
        "--model",
        "mlp",
        "--act-bits",
        "9",
        "--out",
        "{dir}"
    ],
    "2..=8"
);
rejects!(
    output_folder_that_is_a_file_is_refused,
    ["curve", "--model", "mlp", "--out", "{file}"],
    "not a folder"
);
rejects!(
    stale_models_file_is_refused,
    ["curve", "--model", "mlp", "--models", "{file}", "--out", "{dir}"],
    "file"
);

/// `total` is the clock-gated MAC simulated (`--clock-gating acc`), `total-ungated` the plain
/// one; the datapath is the plain MAC's. On a stream with zero activations, gating saves
/// clock energy, most of all for the unsigned split (one of its two accumulators idles).
#[test]
fn total_is_the_clock_gated_mac_and_total_ungated_the_plain_one() {
    let src = source(false);
    let pairs: Vec<(i64, i64)> = (0..3000i64)
        .map(|t| (if t % 3 == 0 { 0 } else { t % 4 }, (t * 7) % 3 - 1))
        .collect();
    for repr in [Repr::Twos, Repr::Unsigned] {
        let spec = mac(if repr == Repr::Twos { 3 } else { 2 }, 2, repr).unwrap();
        let e = src.simulate(spec, &pairs).unwrap();
        let plain = src.report(spec, &pairs).unwrap();
        let plain = plain.energy_fj_per_op.unwrap();
        assert!((e.total_ungated - plain["total"]).abs() < 1e-9 * plain["total"]);
        assert!((e.datapath - (plain["total"] - plain["clock"] - plain["leakage"])).abs() < 1e-6);
        assert!(e.gated_components["clock_gating"] > 0.0);
        assert!(e.total < e.total_ungated, "{repr}: {e:?}");
        assert_eq!(e.get(Accounting::TotalUngated), e.total_ungated);
        assert_eq!(e.get(Accounting::Total), e.total);
    }
}
