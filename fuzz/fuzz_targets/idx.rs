//! IDX reader (images and labels, plain or gzip): any bytes give data or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pann::nn::idx::{parse_idx, IMAGES_MAGIC, LABELS_MAGIC};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let p = Path::new("fuzz.idx");
    for magic in [IMAGES_MAGIC, LABELS_MAGIC] {
        if let Ok((dims, bytes)) = parse_idx(p, data, magic) {
            assert_eq!(dims.iter().product::<usize>(), bytes.len());
        }
    }
    // The gzip path, through a file as the loader sees it.
    let f = scratch_dir().join(format!("pann-fuzz-idx-{}", std::process::id()));
    std::fs::write(&f, data).unwrap();
    let _ = pann::nn::idx::read_maybe_gz(&f);
});

/// A RAM-backed directory when there is one (a disk-backed one costs 100x the executions).
fn scratch_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}
