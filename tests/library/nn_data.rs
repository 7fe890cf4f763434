//! Data integrity and bad-input errors of the nn module (one clear message, never a panic).
use pann::nn::{idx, model::ModelId, NnError};
use pann::report::sha256_hex;
use std::io::Write;
use std::path::Path;

fn data_dir() -> std::path::PathBuf {
    pann::nn::default_data_dir()
}

#[test]
fn every_file_matches_data_sha256sums() {
    let dir = data_dir();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let mut n = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, file) = line.split_once("  ").expect("`<sha256>  <path>` lines");
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(sha256_hex(&bytes), hash, "{file}");
        n += 1;
    }
    assert!(n >= 15, "only {n} entries");
}

/// Every file under data/ (cell tables and results included) has its line in SHA256SUMS
/// (`data/sums.sh` regenerates the list).
#[test]
fn sha256sums_covers_every_file_under_data() {
    let dir = data_dir();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let listed: std::collections::BTreeSet<&str> = sums
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, f)| f))
        .collect();
    let mut stack = vec![dir.clone()];
    let mut missing = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel != "SHA256SUMS" && !listed.contains(rel.as_str()) {
                missing.push(rel);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in data/SHA256SUMS (run data/sums.sh): {missing:?}"
    );
}

#[test]
fn datasets_have_the_documented_sizes() {
    use idx::{DatasetId::*, Split::*};
    let dir = data_dir();
    for (id, split, n) in [
        (Mnist, Test, 10_000),
        (FashionMnist, Test, 10_000),
        (Digits, Test, 1797),
    ] {
        let d = id.load(&dir, split).unwrap();
        assert_eq!(d.len(), n, "{}", id.name());
        assert_eq!(d.images.len(), n * d.rows * d.cols);
    }
    let digits = Digits.load(&dir, Test).unwrap();
    assert_eq!(digits.labels[0], 0);
    assert_eq!(&digits.image(0)[..4], &[0, 0, 5, 13]);
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::File::create(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

#[test]
fn missing_idx_file_names_the_path() {
    let e = idx::load_idx_pair(
        "x",
        Path::new("/nonexistent/a.gz"),
        Path::new("/nonexistent/b.gz"),
    )
    .unwrap_err();
    assert!(matches!(e, NnError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/a.gz"), "{e}");
}

#[test]
fn labels_file_given_as_images_is_a_wrong_magic() {
    let dir = data_dir().join("datasets/mnist");
    let lbl = dir.join("t10k-labels-idx1-ubyte.gz");
    let e = idx::load_idx_pair("x", &lbl, &lbl).unwrap_err();
    assert!(
        matches!(
            e,
            NnError::BadMagic {
                found: 0x801,
                expected: 0x803,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn corrupt_gzip_is_reported_not_panicked() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("bad.gz");
    write(&p, &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]);
    let e = idx::read_maybe_gz(&p).unwrap_err();
    assert!(matches!(e, NnError::Corrupt { .. }), "{e}");
}

#[test]
fn truncated_idx_is_corrupt() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("imgs");
    let mut b = 0x803u32.to_be_bytes().to_vec();
    for d in [10u32, 28, 28] {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(&[0; 100]);
    write(&p, &b);
    let e = idx::load_idx_pair("x", &p, &p).unwrap_err();
    assert!(e.to_string().contains("7840"), "{e}");
}

#[test]
fn weights_of_another_architecture_are_a_shape_mismatch() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("w.safetensors");
    // LeNet-5 tensor names exist in an MLP-shaped file? Save an MLP, then ask LeNet for it.
    let mut mlp = ModelId::Mlp.architecture();
    if let pann::nn::model::Layer::Linear(l) = &mut mlp.layers[1] {
        l.key = "conv1".into();
    }
    mlp.save_safetensors(&p, &[]).unwrap();
    let mut lenet = ModelId::Lenet5.architecture();
    let e = lenet.load_safetensors(&p).unwrap_err();
    assert!(
        matches!(&e, NnError::ShapeMismatch { name, .. } if name == "conv1.weight"),
        "{e}"
    );
    // And a file that lacks the tensors entirely names the missing one.
    let e = ModelId::CcexamCnn
        .architecture()
        .load_safetensors(&p)
        .unwrap_err();
    assert!(matches!(e, NnError::MissingTensor { .. }), "{e}");
}

#[test]
fn unknown_layer_lists_the_valid_ones() {
    let net = ModelId::CcexamCnn.architecture();
    let e = net.layer_index("conv9").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown layer `conv9` in ccexam-cnn; layers with MACs are: conv1, conv2, fc1, fc2"
    );
}
