//! Every input parser on arbitrary bytes and on mutations of shipped files: a value or an
//! error, never a panic or a stack overflow (the stable-Rust twin of the `fuzz/` targets, and
//! the home of every crash input the fuzzers found).

use pann::energy::Liberty;
use pann::netlist::yosys::{import_json, ImportOptions};
use pann::nn::idx::{parse_idx, IMAGES_MAGIC, LABELS_MAGIC};
use pann::stream::{FileStream, OperandStream, Ranges};
use proptest::prelude::*;
use std::path::Path;

fn liberty(data: &[u8]) {
    let files = vec![("p.lib".to_string(), data.to_vec(), data.to_vec())];
    if let Ok(lib) = Liberty::from_texts(&files) {
        let names: Vec<String> = lib.cell_names().map(str::to_string).collect();
        for n in names {
            let _ = lib.cell_logic(&n);
        }
    }
}

fn yosys(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = import_json(text, &ImportOptions::default());
        let ports = ImportOptions {
            top: None,
            inputs: vec!["a".into(), "b".into()],
            outputs: vec!["y".into()],
        };
        let _ = import_json(text, &ports);
    }
}

fn idx(data: &[u8]) {
    for magic in [IMAGES_MAGIC, LABELS_MAGIC] {
        if let Ok((dims, bytes)) = parse_idx(Path::new("p.idx"), data, magic) {
            assert_eq!(dims.iter().product::<usize>(), bytes.len());
        }
    }
}

fn vector_csv(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v.csv");
    std::fs::write(&f, data).unwrap();
    let ranges = Ranges {
        x: (0, 255),
        w: (-127, 127),
    };
    let Ok(mut s) = FileStream::open(&f, ranges, 1000) else {
        return;
    };
    let mut out = Vec::new();
    while let Ok(()) = s.next_batch(&mut out, 7) {
        if out.is_empty() {
            break;
        }
        for &(x, w) in &out {
            assert!((0..=255).contains(&x) && (-127..=127).contains(&w));
        }
    }
}

fn shipped(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// `base` with up to eight edits: a byte replaced, a slice deleted or duplicated.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let n = base.len().max(1);
    prop::collection::vec((0..n, 0..n, any::<u8>(), 0..3u8), 0..8).prop_map(move |edits| {
        let mut v = base.clone();
        for (i, j, b, op) in edits {
            if v.is_empty() {
                break;
            }
            let (i, j) = (i % v.len(), j % v.len());
            let (lo, hi) = (i.min(j), i.max(j));
            match op {
                0 => v[i] = b,
                1 => {
                    v.drain(lo..hi);
                }
                _ => {
                    let piece = v[lo..hi.min(lo + 4096)].to_vec();
                    v.splice(lo..lo, piece);
                }
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn parsers_survive_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        liberty(&data);
        yosys(&data);
        idx(&data);
        vector_csv(&data);
    }

    #[test]
    fn liberty_survives_mutations_of_the_shipped_fixture(
        data in mutated(shipped("tests/fixtures/liberty/tiny.lib"))
    ) {
        liberty(&data);
    }

    #[test]
    fn yosys_import_survives_mutations_of_a_synthesised_netlist(
        data in mutated(shipped("fuzz/corpus/yosys_json/small.json"))
    ) {
        yosys(&data);
    }

    #[test]
    fn idx_survives_mutations_of_a_small_file(data in mutated(shipped("fuzz/corpus/idx/images"))) {
        idx(&data);
    }

    #[test]
    fn vector_csv_survives_mutations(data in mutated(shipped("fuzz/corpus/vector_csv/basic.csv"))) {
        vector_csv(&data);
    }
}

/// Crash inputs found by fuzzing and by hand, each a regression test.
#[test]
fn crash_inputs_found_so_far_are_errors() {
    // Liberty: 20,000 nested groups overflowed the stack.
    liberty(format!("library(x){{{}", "g(x){".repeat(20_000)).as_bytes());
    // IDX: dimensions whose product overflows.
    let mut b = IMAGES_MAGIC.to_be_bytes().to_vec();
    for _ in 0..3 {
        b.extend_from_slice(&u32::MAX.to_be_bytes());
    }
    idx(&b);
    // Yosys: `cells` of the wrong JSON type; an output bit nothing drives.
    yosys(br#"{"modules":{"m":{"ports":{"y":{"direction":"output","bits":[2]}},"cells":[1,2]}}}"#);
}
