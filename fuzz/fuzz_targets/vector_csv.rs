//! Vector CSV reader: any bytes give pairs within the ranges or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pann::stream::{FileStream, OperandStream, Ranges};

fuzz_target!(|data: &[u8]| {
    let f = scratch_dir().join(format!("pann-fuzz-csv-{}", std::process::id()));
    std::fs::write(&f, data).unwrap();
    let ranges = Ranges {
        x: (0, 255),
        w: (-127, 127),
    };
    let Ok(mut s) = FileStream::open(&f, ranges, 1000) else {
        return;
    };
    let mut out = Vec::new();
    loop {
        match s.next_batch(&mut out, 7) {
            Ok(()) if out.is_empty() => break,
            Ok(()) => {
                for &(x, w) in &out {
                    assert!((0..=255).contains(&x) && (-127..=127).contains(&w));
                }
            }
            Err(_) => break,
        }
    }
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
