//! IDX files (MNIST, Fashion-MNIST), gzipped or raw, and the 8×8 UCI digits CSV.
//!
//! IDX layout: big-endian `u32` magic `0x0000_08NN` (`08` = unsigned byte, `NN` = number of
//! dimensions), then one big-endian `u32` per dimension, then the data, row-major.

use super::error::{NnError, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Magic number of an IDX image file (u8 data, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX label file (u8 data, 1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// A labelled image set: `n` images of `rows × cols` unsigned 8-bit pixels.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Name, e.g. `mnist/test`.
    pub name: String,
    /// Pixels, `n × rows × cols`, row-major, values 0..=255 (digits: 0..=16).
    pub images: Vec<u8>,
    /// Class label of each image, 0..=9.
    pub labels: Vec<u8>,
    /// Image height in pixels.
    pub rows: usize,
    /// Image width in pixels.
    pub cols: usize,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// True when the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Pixels of image `i` (`rows × cols`, row-major).
    pub fn image(&self, i: usize) -> &[u8] {
        let sz = self.rows * self.cols;
        &self.images[i * sz..(i + 1) * sz]
    }
    /// The first `n` images (or all if fewer).
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        let sz = self.rows * self.cols;
        Dataset {
            name: self.name.clone(),
            images: self.images[..n * sz].to_vec(),
            labels: self.labels[..n].to_vec(),
            rows: self.rows,
            cols: self.cols,
        }
    }
}

/// Largest IDX data accepted, in bytes (MNIST's training images are 47 MB).
pub const MAX_IDX_BYTES: usize = 1 << 30;

/// Read a whole file, transparently gunzipping it if it starts with the gzip magic.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| NnError::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..])
            .take(MAX_IDX_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| NnError::corrupt(path, format!("gzip stream: {e}")))?;
        if out.len() > MAX_IDX_BYTES {
            return Err(NnError::corrupt(
                path,
                format!("unpacks to more than {MAX_IDX_BYTES} bytes"),
            ));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parse an IDX byte buffer: check the magic, return the dimensions and the data.
pub fn parse_idx<'a>(path: &Path, bytes: &'a [u8], magic: u32) -> Result<(Vec<usize>, &'a [u8])> {
    let word = |i: usize| -> Result<u32> {
        bytes
            .get(4 * i..4 * i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| NnError::corrupt(path, "truncated IDX header"))
    };
    let found = word(0)?;
    if found != magic {
        return Err(NnError::BadMagic {
            path: path.display().to_string(),
            found,
            expected: magic,
        });
    }
    let ndim = (magic & 0xff) as usize;
    let dims: Vec<usize> = (1..=ndim)
        .map(|i| word(i).map(|d| d as usize))
        .collect::<Result<_>>()?;
    let header = 4 * (ndim + 1);
    let expected = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_IDX_BYTES)
        .ok_or_else(|| {
            NnError::corrupt(
                path,
                format!("header says {dims:?}: more than {MAX_IDX_BYTES} bytes of data"),
            )
        })?;
    let data = &bytes[header..];
    if data.len() != expected {
        return Err(NnError::corrupt(
            path,
            format!(
                "header says {dims:?} = {expected} bytes of data, file has {}",
                data.len()
            ),
        ));
    }
    Ok((dims, data))
}

/// Load an image IDX file and its label IDX file.
pub fn load_idx_pair(name: &str, images: &Path, labels: &Path) -> Result<Dataset> {
    let ib = read_maybe_gz(images)?;
    let (idims, idata) = parse_idx(images, &ib, IMAGES_MAGIC)?;
    let lb = read_maybe_gz(labels)?;
    let (ldims, ldata) = parse_idx(labels, &lb, LABELS_MAGIC)?;
    if idims[0] != ldims[0] {
        return Err(NnError::corrupt(
            labels,
            format!("{} labels for {} images", ldims[0], idims[0]),
        ));
    }
    if let Some(bad) = ldata.iter().find(|&&l| l > 9) {
        return Err(NnError::corrupt(
            labels,
            format!("label {bad} outside 0..=9"),
        ));
    }
    Ok(Dataset {
        name: name.to_string(),
        images: idata.to_vec(),
        labels: ldata.to_vec(),
        rows: idims[1],
        cols: idims[2],
    })
}

/// Which split of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Training set (60,000 images for MNIST / Fashion-MNIST).
    Train,
    /// Test set (10,000 images).
    Test,
}

/// Known datasets stored under `data/datasets/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetId {
    /// MNIST handwritten digits, 28×28.
    Mnist,
    /// Fashion-MNIST (Zalando), 28×28.
    FashionMnist,
    /// UCI optical digits (sklearn `digits`), 8×8, values 0..=16, 1,797 images, one split.
    Digits,
}

impl DatasetId {
    /// Parse a CLI name: `mnist`, `fashion-mnist`, `digits`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "mnist" => Ok(Self::Mnist),
            "fashion-mnist" | "fashion" => Ok(Self::FashionMnist),
            "digits" => Ok(Self::Digits),
            _ => Err(NnError::UnknownName {
                what: "dataset",
                name: s.into(),
                known: "mnist, fashion-mnist, digits".into(),
            }),
        }
    }
    /// CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::FashionMnist => "fashion-mnist",
            Self::Digits => "digits",
        }
    }
    /// Load a split from `data_dir/datasets/<name>/` (digits ignore the split).
    pub fn load(self, data_dir: &Path, split: Split) -> Result<Dataset> {
        let dir: PathBuf = data_dir.join("datasets").join(self.name());
        let prefix = match split {
            Split::Train => "train",
            Split::Test => "t10k",
        };
        let label = format!(
            "{}/{}",
            self.name(),
            if split == Split::Train {
                "train"
            } else {
                "test"
            }
        );
        match self {
            Self::Digits => load_digits_csv(&dir.join("digits.csv.gz")),
            _ => load_idx_pair(
                &label,
                &dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
                &dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            ),
        }
    }
}

/// Load the gzipped sklearn digits CSV: 65 integer columns, 64 pixels (0..=16) then the label.
pub fn load_digits_csv(path: &Path) -> Result<Dataset> {
    let text = read_maybe_gz(path)?;
    let text = String::from_utf8(text).map_err(|_| NnError::corrupt(path, "not UTF-8 text"))?;
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let vals: Vec<u8> = line
            .split(',')
            .map(|v| v.trim().parse::<u8>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| NnError::corrupt(path, format!("line {}: {e}", line_no + 1)))?;
        if vals.len() != 65 || vals[64] > 9 || vals[..64].iter().any(|&p| p > 16) {
            return Err(NnError::corrupt(
                path,
                format!(
                    "line {}: need 64 pixels 0..=16 and a label 0..=9",
                    line_no + 1
                ),
            ));
        }
        images.extend_from_slice(&vals[..64]);
        labels.push(vals[64]);
    }
    Ok(Dataset {
        name: "digits".into(),
        images,
        labels,
        rows: 8,
        cols: 8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx_bytes(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parses_a_well_formed_idx_buffer() {
        let b = idx_bytes(IMAGES_MAGIC, &[2, 1, 2], &[1, 2, 3, 4]);
        let (dims, data) = parse_idx(Path::new("x"), &b, IMAGES_MAGIC).unwrap();
        assert_eq!(dims, vec![2, 1, 2]);
        assert_eq!(data, &[1, 2, 3, 4]);
    }

    #[test]
    fn wrong_magic_names_both_values() {
        let b = idx_bytes(LABELS_MAGIC, &[1], &[0]);
        let e = parse_idx(Path::new("f.idx"), &b, IMAGES_MAGIC).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("f.idx") && msg.contains("0x00000801") && msg.contains("0x00000803"));
    }

    #[test]
    fn truncated_data_is_corrupt() {
        let b = idx_bytes(IMAGES_MAGIC, &[2, 2, 2], &[0; 7]);
        let e = parse_idx(Path::new("t"), &b, IMAGES_MAGIC).unwrap_err();
        assert!(matches!(e, NnError::Corrupt { .. }), "{e}");
    }

    #[test]
    fn dimensions_whose_product_overflows_or_passes_the_limit_are_corrupt_not_a_panic() {
        for dims in [[u32::MAX; 3], [65536, 65536, 2]] {
            let b = idx_bytes(IMAGES_MAGIC, &dims, &[0; 4]);
            let e = parse_idx(Path::new("big.idx"), &b, IMAGES_MAGIC).unwrap_err();
            assert!(e.to_string().contains("more than"), "{e}");
        }
    }
}
