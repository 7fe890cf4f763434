//! Minimal reader for PyTorch `torch.save` zip files holding a `state_dict` of float32 tensors.
//!
//! Only what the ccexam checkpoint needs: a zip with *stored* (uncompressed) members
//! (`<top>/data.pkl`, `<top>/data/<k>`), each storage a contiguous little-endian `f32` array.
//! The pickle is not executed: its `BINUNICODE` strings are scanned in order, and each
//! state-dict key (`…weight` / `…bias`) is paired with the next string that is a storage key
//! (a decimal number). Shapes are not read from the pickle; the caller checks every storage's
//! element count against the architecture.

use super::error::{NnError, Result};
use std::path::Path;

/// One member of a zip archive: name and its stored bytes (as a range into the archive).
#[derive(Debug, Clone)]
pub struct ZipMember {
    /// Path inside the archive.
    pub name: String,
    /// Byte range of the (uncompressed) data inside the archive.
    pub data: std::ops::Range<usize>,
}

fn u16le(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
}
fn u32le(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
}

/// List the members of a zip archive whose members are all stored (method 0); CRC-32 checked.
pub fn zip_members(path: &Path, b: &[u8]) -> Result<Vec<ZipMember>> {
    let bad = |what: &str| NnError::corrupt(path, format!("zip: {what}"));
    // End of central directory: signature 0x06054b50, at least 22 bytes from the end.
    let eocd = (0..=b.len().saturating_sub(22))
        .rev()
        .find(|&i| b[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(|| bad("no end-of-central-directory record"))?;
    let count = u16le(b, eocd + 10).ok_or_else(|| bad("short EOCD"))?;
    let mut p = u32le(b, eocd + 16).ok_or_else(|| bad("short EOCD"))?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if b.get(p..p + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return Err(bad("bad central directory entry"));
        }
        let field = |off: usize, w: usize| {
            if w == 2 {
                u16le(b, p + off)
            } else {
                u32le(b, p + off)
            }
            .ok_or_else(|| bad("truncated central directory"))
        };
        let method = field(10, 2)?;
        let crc = field(16, 4)? as u32;
        let csize = field(20, 4)?;
        let usize_ = field(24, 4)?;
        let (nlen, xlen, clen) = (field(28, 2)?, field(30, 2)?, field(32, 2)?);
        let local = field(42, 4)?;
        let name = b
            .get(p + 46..p + 46 + nlen)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .ok_or_else(|| bad("truncated name"))?;
        if method != 0 || csize != usize_ {
            return Err(bad(&format!(
                "member {name} is compressed (method {method})"
            )));
        }
        let lname = u16le(b, local + 26).ok_or_else(|| bad("truncated local header"))?;
        let lextra = u16le(b, local + 28).ok_or_else(|| bad("truncated local header"))?;
        let start = local + 30 + lname + lextra;
        let data = b
            .get(start..start + csize)
            .ok_or_else(|| bad(&format!("member {name} runs past the end")))?;
        let mut c = flate2::Crc::new();
        c.update(data);
        if c.sum() != crc {
            return Err(bad(&format!("member {name} fails its CRC-32")));
        }
        out.push(ZipMember {
            name,
            data: start..start + csize,
        });
        p += 46 + nlen + xlen + clen;
    }
    Ok(out)
}

/// Scan a protocol-2 pickle for `BINUNICODE` (`X`, u32 length) and `SHORT_BINUNICODE` strings.
fn pickle_strings(pkl: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pkl.len() {
        if pkl[i] == b'X' {
            if let Some(n) = u32le(pkl, i + 1) {
                if let Some(s) = pkl.get(i + 5..i + 5 + n) {
                    if let Ok(s) = std::str::from_utf8(s) {
                        out.push(s.to_string());
                        i += 5 + n;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    out
}

/// A float32 state dict in file order: `(key, values)`.
pub type StateDict = Vec<(String, Vec<f32>)>;

/// Read every `f32` tensor of a PyTorch zip checkpoint, in the pickle's key order.
pub fn read_pth(path: &Path) -> Result<StateDict> {
    let b = std::fs::read(path).map_err(|e| NnError::io(path, e))?;
    let members = zip_members(path, &b)?;
    let find = |suffix: &str| members.iter().find(|m| m.name.ends_with(suffix));
    let pkl = find("/data.pkl").ok_or_else(|| NnError::corrupt(path, "no data.pkl member"))?;
    let top = pkl.name.trim_end_matches("data.pkl").to_string();
    let strings = pickle_strings(&b[pkl.data.clone()]);
    let is_key = |s: &str| s.ends_with(".weight") || s.ends_with(".bias");
    let mut out = Vec::new();
    let mut it = strings.iter().peekable();
    while let Some(s) = it.next() {
        if !is_key(s) {
            continue;
        }
        let storage = it
            .by_ref()
            .find(|t| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| NnError::corrupt(path, format!("no storage for `{s}`")))?;
        let name = format!("{top}data/{storage}");
        let m = members
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| NnError::corrupt(path, format!("missing member {name}")))?;
        let raw = &b[m.data.clone()];
        if raw.len() % 4 != 0 {
            return Err(NnError::corrupt(
                path,
                format!("{name}: size not a multiple of 4"),
            ));
        }
        let vals = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push((s.clone(), vals));
    }
    Ok(out)
}
