//! Vector files: `x,w` CSV read by a streaming, allocation-free parser (its slow twin, the
//! `csv` crate reader, is [`CsvReference`]), and NumPy `.npy` / `.npz` arrays.
//!
//! NumPy input: an `N×2` integer array (column 0 = `x`, column 1 = `w`) in a `.npy` file or as
//! the only array of a `.npz`, or two 1-D arrays named `x` and `w` of one length in a `.npz`
//! (`np.savez(path, x=..., w=...)`, compressed or not). Any integer dtype of 1–8 bytes,
//! either byte order. Values are range-checked exactly as CSV values are; a bad value names
//! its row (0-based index into the array) and column.

use super::{OperandStream, Ranges, StreamError};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes read from a CSV file at a time.
const CSV_BUFFER: usize = 1 << 20;

fn io_err(path: &str) -> impl Fn(std::io::Error) -> StreamError + '_ {
    move |cause| StreamError::Io {
        path: path.to_string(),
        cause,
    }
}

fn npy_err(path: &str, row: u64, field: &str, why: String) -> StreamError {
    StreamError::Element {
        path: path.to_string(),
        row,
        field: field.to_string(),
        why,
    }
}

fn row_err(path: &str, line: u64, field: &str, why: String) -> StreamError {
    StreamError::Row {
        path: path.to_string(),
        line,
        field: field.to_string(),
        why,
    }
}

/// A value checked against `lo..=hi`, or the error naming it.
fn in_range(v: i64, (lo, hi): (i64, i64)) -> Result<i64, String> {
    if v < lo || v > hi {
        Err(format!("value {v} is outside the unit's range {lo}..={hi}"))
    } else {
        Ok(v)
    }
}

/// Decimal `i64` exactly as `str::parse::<i64>` accepts it (optional sign, digits, no
/// overflow).
#[inline]
pub fn parse_i64(t: &[u8]) -> Option<i64> {
    let (neg, digits) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d as i64)?
        } else {
            v.checked_add(d as i64)?
        };
    }
    Some(v)
}

/// The fields of one CSV line that the stream needs: their count and the `x`, `w` texts
/// (trimmed), or `None` when the line needs the full CSV grammar (quotes).
fn split_line(line: &[u8], xi: usize, wi: usize) -> Option<(usize, &[u8], &[u8])> {
    if memchr::memchr(b'"', line).is_some() {
        return None;
    }
    let (mut x, mut w, mut n) = (&[][..], &[][..], 0);
    for f in line.split(|&b| b == b',') {
        if n == xi {
            x = f.trim_ascii();
        }
        if n == wi {
            w = f.trim_ascii();
        }
        n += 1;
    }
    Some((n, x, w))
}

/// `x,w` CSV pairs, parsed in place from a reused buffer. Same rules as the `csv` crate
/// reader it replaces ([`CsvReference`]): a header naming columns `x` and `w` (others
/// ignored), fields trimmed, empty lines skipped, every record as long as the header, quoted
/// fields allowed (within one line).
pub struct CsvStream {
    path: String,
    file: File,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// 1-based number of the line last returned.
    line: u64,
    fields: usize,
    xi: usize,
    wi: usize,
    ranges: Ranges,
    limit: u64,
    read: u64,
}

impl CsvStream {
    /// Open `path`; at most `limit` pairs are read.
    pub fn open(path: &Path, ranges: Ranges, limit: u64) -> Result<CsvStream, StreamError> {
        let p = path.display().to_string();
        let file = File::open(path).map_err(io_err(&p))?;
        let mut s = CsvStream {
            path: p,
            file,
            buf: vec![0; CSV_BUFFER],
            pos: 0,
            end: 0,
            eof: false,
            line: 0,
            fields: 0,
            xi: 0,
            wi: 0,
            ranges,
            limit,
            read: 0,
        };
        let header: Vec<String> = match s.next_line()? {
            None => Vec::new(),
            Some((a, b)) => {
                let mut h = &s.buf[a..b];
                if h.starts_with(b"\xEF\xBB\xBF") {
                    h = &h[3..];
                }
                let rec = full_record(&s.path, s.line, h)?;
                rec.iter().map(str::to_string).collect()
            }
        };
        let col = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                row_err(
                    &s.path,
                    1,
                    name,
                    format!("missing column '{name}' (header must name columns x,w)"),
                )
            })
        };
        (s.xi, s.wi) = (col("x")?, col("w")?);
        s.fields = header.len();
        Ok(s)
    }

    /// The next non-empty line as a range of `buf` (without its terminator).
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, StreamError> {
        loop {
            match memchr::memchr(b'\n', &self.buf[self.pos..self.end]) {
                Some(i) => {
                    let (a, mut b) = (self.pos, self.pos + i);
                    self.pos = b + 1;
                    self.line += 1;
                    if b > a && self.buf[b - 1] == b'\r' {
                        b -= 1;
                    }
                    if b > a {
                        return Ok(Some((a, b)));
                    }
                }
                None if self.eof => {
                    let (a, mut b) = (self.pos, self.end);
                    self.pos = self.end;
                    if b > a && self.buf[b - 1] == b'\r' {
                        b -= 1;
                    }
                    if b > a {
                        self.line += 1;
                        return Ok(Some((a, b)));
                    }
                    return Ok(None);
                }
                None => self.refill()?,
            }
        }
    }

    /// Move the unread tail to the front and read more (growing only for a line longer
    /// than the buffer).
    fn refill(&mut self) -> Result<(), StreamError> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.end == self.buf.len() {
            self.buf.resize(2 * self.buf.len(), 0);
        }
        let n = self
            .file
            .read(&mut self.buf[self.end..])
            .map_err(io_err(&self.path))?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    fn pair(&self, line: &[u8]) -> Result<(i64, i64), StreamError> {
        let quoted;
        let (n, x, w) = match split_line(line, self.xi, self.wi) {
            Some(f) => f,
            None => {
                quoted = full_record(&self.path, self.line, line)?;
                let get = |i| quoted.get(i).unwrap_or("").as_bytes();
                (quoted.len(), get(self.xi), get(self.wi))
            }
        };
        if n != self.fields {
            return Err(row_err(
                &self.path,
                self.line,
                "row",
                format!(
                    "found record with {n} fields, but the header has {} fields",
                    self.fields
                ),
            ));
        }
        let field = |t: &[u8], name: &str, r: (i64, i64)| {
            let err = |why| row_err(&self.path, self.line, name, why);
            let v = parse_i64(t).ok_or_else(|| {
                err(format!(
                    "'{}' is not an integer",
                    crate::report::quote(&String::from_utf8_lossy(t))
                ))
            })?;
            in_range(v, r).map_err(err)
        };
        Ok((field(x, "x", self.ranges.x)?, field(w, "w", self.ranges.w)?))
    }
}

/// One line under the full CSV grammar (quotes), trimmed.
fn full_record(path: &str, line: u64, text: &[u8]) -> Result<csv::StringRecord, StreamError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(text);
    let mut rec = csv::StringRecord::new();
    match r.read_record(&mut rec) {
        Ok(true) => Ok(rec),
        Ok(false) => Ok(csv::StringRecord::new()),
        Err(e) => Err(row_err(path, line, "row", e.to_string())),
    }
}

/// A decimal integer of at most 18 digits with an optional `-` at `b[*i..]`, advancing `i`
/// (the quick path's grammar; anything else falls back to the general path).
#[inline(always)]
fn quick_int(b: &[u8], i: &mut usize) -> Option<i64> {
    let neg = *b.get(*i)? == b'-';
    *i += neg as usize;
    let start = *i;
    let mut v = 0i64;
    while let Some(&c) = b.get(*i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + d as i64;
        *i += 1;
    }
    let len = *i - start;
    (len > 0 && len <= 18).then_some(if neg { -v } else { v })
}

/// The quick path: a whole line `INT,INT\n` (or `\r\n`) at the start of `b`, as the two
/// values and the bytes it spans; `None` for anything else (spaces, quotes, more columns, an
/// empty line, a line not yet in the buffer).
#[inline(always)]
fn quick_pair(b: &[u8]) -> Option<(i64, i64, usize)> {
    let mut i = 0;
    let x = quick_int(b, &mut i)?;
    if *b.get(i)? != b',' {
        return None;
    }
    i += 1;
    let w = quick_int(b, &mut i)?;
    match *b.get(i)? {
        b'\n' => Some((x, w, i + 1)),
        b'\r' if b.get(i + 1) == Some(&b'\n') => Some((x, w, i + 2)),
        _ => None,
    }
}

impl OperandStream for CsvStream {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        out.clear();
        let quick = self.fields == 2;
        let (rx, rw) = (self.ranges.x, self.ranges.w);
        while out.len() < max && self.read < self.limit {
            if quick {
                if let Some((a, b, used)) = quick_pair(&self.buf[self.pos..self.end]) {
                    let (x, w) = if self.xi == 0 { (a, b) } else { (b, a) };
                    if x >= rx.0 && x <= rx.1 && w >= rw.0 && w <= rw.1 {
                        self.pos += used;
                        self.line += 1;
                        self.read += 1;
                        out.push((x, w));
                        continue;
                    }
                }
            }
            // General path: refills, empty lines, quotes, spaces, errors.
            let Some((a, b)) = self.next_line()? else {
                break;
            };
            let p = self.pair(&self.buf[a..b])?;
            out.push(p);
            self.read += 1;
        }
        Ok(())
    }
}

/// Slow twin of [`CsvStream`]: the `csv` crate's reader, one `StringRecord` per row.
pub struct CsvReference {
    path: String,
    reader: csv::Reader<File>,
    xi: usize,
    wi: usize,
    ranges: Ranges,
    limit: u64,
    read: u64,
}

impl CsvReference {
    /// Open `path`; at most `limit` pairs are read.
    pub fn open(path: &Path, ranges: Ranges, limit: u64) -> Result<CsvReference, StreamError> {
        let p = path.display().to_string();
        let file = File::open(path).map_err(io_err(&p))?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| row_err(&p, 1, "header", e.to_string()))?;
        let col = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                row_err(
                    &p,
                    1,
                    name,
                    format!("missing column '{name}' (header must name columns x,w)"),
                )
            })
        };
        let (xi, wi) = (col("x")?, col("w")?);
        Ok(CsvReference {
            path: p,
            reader,
            xi,
            wi,
            ranges,
            limit,
            read: 0,
        })
    }
}

impl OperandStream for CsvReference {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        out.clear();
        let mut rec = csv::StringRecord::new();
        while out.len() < max && self.read < self.limit {
            let more = self
                .reader
                .read_record(&mut rec)
                .map_err(|e| row_err(&self.path, self.read + 2, "row", e.to_string()))?;
            if !more {
                break;
            }
            let line = rec.position().map_or(self.read + 2, |p| p.line());
            let field = |i: usize, name: &str, r: (i64, i64)| -> Result<i64, StreamError> {
                let text = rec.get(i).unwrap_or("");
                let err = |why: String| row_err(&self.path, line, name, why);
                let v: i64 = text.parse().map_err(|_| {
                    err(format!(
                        "'{}' is not an integer",
                        crate::report::quote(text)
                    ))
                })?;
                in_range(v, r).map_err(err)
            };
            let x = field(self.xi, "x", self.ranges.x)?;
            let w = field(self.wi, "w", self.ranges.w)?;
            out.push((x, w));
            self.read += 1;
        }
        Ok(())
    }
}

/// An integer NumPy dtype.
#[derive(Clone, Copy, Debug)]
struct IntType {
    bytes: usize,
    signed: bool,
    big_endian: bool,
}

impl IntType {
    fn of(path: &str, dtype: &npyz::DType) -> Result<IntType, StreamError> {
        let bad = || {
            npy_err(
                path,
                0,
                "dtype",
                format!("dtype {} is not an integer type", dtype.descr()),
            )
        };
        let npyz::DType::Plain(ts) = dtype else {
            return Err(bad());
        };
        let text = ts.to_string();
        let b = text.as_bytes();
        if b.len() < 3 || !matches!(b[1], b'i' | b'u') {
            return Err(bad());
        }
        let bytes: usize = text[2..].parse().map_err(|_| bad())?;
        if !matches!(bytes, 1 | 2 | 4 | 8) {
            return Err(bad());
        }
        Ok(IntType {
            bytes,
            signed: b[1] == b'i',
            big_endian: b[0] == b'>',
        })
    }

    /// Value of one element's bytes; `None` for a `u64` above `i64::MAX`.
    #[inline(always)]
    fn decode(&self, e: &[u8]) -> Option<i64> {
        let mut raw = [0u8; 8];
        if self.big_endian {
            for (r, &c) in raw.iter_mut().zip(e.iter().rev()) {
                *r = c;
            }
        } else {
            raw[..self.bytes].copy_from_slice(e);
        }
        let u = u64::from_le_bytes(raw);
        let shift = 64 - 8 * self.bytes as u32;
        if self.signed {
            Some(((u << shift) as i64) >> shift)
        } else {
            i64::try_from(u).ok()
        }
    }
}

/// Elements of one integer array read in chunks.
struct Column {
    reader: Box<dyn Read + Send>,
    ty: IntType,
    buf: Vec<u8>,
}

impl Column {
    /// Read exactly `n` elements' bytes into the buffer.
    fn fill(&mut self, path: &str, n: usize) -> Result<&[u8], StreamError> {
        self.buf.resize(n * self.ty.bytes, 0);
        self.reader
            .read_exact(&mut self.buf)
            .map_err(io_err(path))?;
        Ok(&self.buf)
    }
}

/// How the operands sit in the arrays.
enum Layout {
    /// One `N×2` C-order array: `x, w` interleaved.
    Pairs(Column),
    /// Two length-`N` arrays (or the two columns of a Fortran-order `N×2` array).
    Columns(Column, Column),
}

/// Operand pairs from NumPy arrays (`.npy` or `.npz`), read in chunks.
pub struct NpyStream {
    path: String,
    layout: Layout,
    rows: u64,
    ranges: Ranges,
    limit: u64,
    read: u64,
    /// Scratch: decoded elements of one batch.
    vals: Vec<i64>,
}

/// One array's header and a reader positioned at its first element.
fn open_array(
    path: &str,
    reader: Box<dyn Read + Send>,
) -> Result<(npyz::NpyHeader, Box<dyn Read + Send>), StreamError> {
    let f = npyz::NpyFile::new(reader).map_err(|e| npy_err(path, 0, "header", e.to_string()))?;
    let h = f.header().clone();
    Ok((h, f.into_inner()))
}

fn column(reader: Box<dyn Read + Send>, ty: IntType) -> Column {
    Column {
        reader,
        ty,
        buf: Vec::new(),
    }
}

/// A `.npy` file (or a stored zip entry) opened at byte `offset`, buffered.
fn file_at(path: &Path, shown: &str, offset: u64) -> Result<Box<dyn Read + Send>, StreamError> {
    let mut f = File::open(path).map_err(io_err(shown))?;
    f.seek(SeekFrom::Start(offset)).map_err(io_err(shown))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, f)))
}

impl NpyStream {
    /// Open a `.npy` or `.npz` file; at most `limit` pairs are read.
    pub fn open(path: &Path, ranges: Ranges, limit: u64) -> Result<NpyStream, StreamError> {
        let p = path.display().to_string();
        let npz = path.extension().is_some_and(|e| e == "npz");
        let (layout, rows) = if npz {
            open_npz(path, &p)?
        } else {
            let (h, r) = open_array(&p, file_at(path, &p, 0)?)?;
            let header_len = npy_header_len(path, &p)?;
            pairs_layout(&p, &h, r, |col_offset| {
                file_at(path, &p, header_len + col_offset)
            })?
        };
        Ok(NpyStream {
            path: p,
            layout,
            rows,
            ranges,
            limit,
            read: 0,
            vals: Vec::new(),
        })
    }
}

/// Bytes before the first element of a `.npy` file.
fn npy_header_len(path: &Path, shown: &str) -> Result<u64, StreamError> {
    let mut f = File::open(path).map_err(io_err(shown))?;
    let mut h = [0u8; 12];
    f.read_exact(&mut h).map_err(io_err(shown))?;
    Ok(match h[6] {
        1 => 10 + u16::from_le_bytes([h[8], h[9]]) as u64,
        _ => 12 + u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as u64,
    })
}

/// The layout of one `N×2` array; `reopen(offset)` opens another reader `offset` bytes into
/// its data (for the second column of a Fortran-order array).
fn pairs_layout(
    path: &str,
    h: &npyz::NpyHeader,
    r: Box<dyn Read + Send>,
    reopen: impl Fn(u64) -> Result<Box<dyn Read + Send>, StreamError>,
) -> Result<(Layout, u64), StreamError> {
    let ty = IntType::of(path, &h.dtype())?;
    let shape = h.shape();
    if shape.len() != 2 || shape[1] != 2 {
        return Err(npy_err(
            path,
            0,
            "shape",
            format!("expected an N×2 array (columns x, w), found shape {shape:?}"),
        ));
    }
    let n = shape[0];
    Ok(match h.order() {
        npyz::Order::C => (Layout::Pairs(column(r, ty)), n),
        npyz::Order::Fortran => (
            Layout::Columns(column(r, ty), column(reopen(n * ty.bytes as u64)?, ty)),
            n,
        ),
    })
}

/// Byte offset of a zip entry's data, and whether it is stored (else deflated).
fn zip_entry(
    path: &Path,
    shown: &str,
    name: &str,
) -> Result<Option<(u64, u64, bool)>, StreamError> {
    let f = File::open(path).map_err(io_err(shown))?;
    let bad = |e: zip::result::ZipError| npy_err(shown, 0, "npz", e.to_string());
    let mut z = zip::ZipArchive::new(f).map_err(bad)?;
    let e = match z.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(bad(e)),
    };
    let stored = match e.compression() {
        zip::CompressionMethod::Stored => true,
        zip::CompressionMethod::Deflated => false,
        m => {
            return Err(npy_err(
                shown,
                0,
                "npz",
                format!("entry {name}: compression {m} is not supported (use np.savez or np.savez_compressed)"),
            ))
        }
    };
    let (start, size) = (e.header_start(), e.compressed_size());
    drop(e);
    let mut f = File::open(path).map_err(io_err(shown))?;
    let mut local = [0u8; 30];
    f.seek(SeekFrom::Start(start)).map_err(io_err(shown))?;
    f.read_exact(&mut local).map_err(io_err(shown))?;
    let skip = 30
        + u16::from_le_bytes([local[26], local[27]]) as u64
        + u16::from_le_bytes([local[28], local[29]]) as u64;
    Ok(Some((start + skip, size, stored)))
}

/// A reader of a zip entry's uncompressed bytes.
fn entry_reader(
    path: &Path,
    shown: &str,
    at: (u64, u64, bool),
) -> Result<Box<dyn Read + Send>, StreamError> {
    let (offset, size, stored) = at;
    let raw = file_at(path, shown, offset)?.take(size);
    Ok(if stored {
        Box::new(raw)
    } else {
        Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            flate2::read::DeflateDecoder::new(raw),
        ))
    })
}

fn open_npz(path: &Path, p: &str) -> Result<(Layout, u64), StreamError> {
    let (x, w) = (zip_entry(path, p, "x.npy")?, zip_entry(path, p, "w.npy")?);
    if let (Some(x), Some(w)) = (x, w) {
        let (hx, rx) = open_array(p, entry_reader(path, p, x)?)?;
        let (hw, rw) = open_array(p, entry_reader(path, p, w)?)?;
        let (tx, tw) = (IntType::of(p, &hx.dtype())?, IntType::of(p, &hw.dtype())?);
        let (sx, sw) = (hx.shape().to_vec(), hw.shape().to_vec());
        if sx.len() != 1 || sx != sw {
            return Err(npy_err(
                p,
                0,
                "shape",
                format!("arrays x and w must be 1-D of one length, found shapes {sx:?} and {sw:?}"),
            ));
        }
        return Ok((Layout::Columns(column(rx, tx), column(rw, tw)), sx[0]));
    }
    let names: Vec<String> = {
        let f = File::open(path).map_err(io_err(p))?;
        let z = zip::ZipArchive::new(f).map_err(|e| npy_err(p, 0, "npz", e.to_string()))?;
        z.file_names()
            .map(|n| n.map(|n| n.to_string()))
            .collect::<Result<_, _>>()
            .map_err(|e| npy_err(p, 0, "npz", e.to_string()))?
    };
    let [only] = names.as_slice() else {
        return Err(npy_err(
            p,
            0,
            "npz",
            format!("expected arrays x and w, or one N×2 array; found {names:?}"),
        ));
    };
    let at = zip_entry(path, p, only)?.expect("listed entry");
    let (h, r) = open_array(p, entry_reader(path, p, at)?)?;
    pairs_layout(p, &h, r, |_| {
        Err(npy_err(
            p,
            0,
            "order",
            "a Fortran-order N×2 array inside an .npz is not supported; save it C-ordered".into(),
        ))
    })
}

/// Decode `bytes` (whole elements of `ty`) into `vals`; `Err(i)` names the first element
/// that fits no `i64` (a `u64` above `i64::MAX`). Common dtypes get a loop of their own.
fn decode_all(ty: IntType, bytes: &[u8], vals: &mut Vec<i64>) -> Result<(), usize> {
    vals.clear();
    match (ty.bytes, ty.signed, ty.big_endian) {
        (1, true, _) => vals.extend(bytes.iter().map(|&b| b as i8 as i64)),
        (1, false, _) => vals.extend(bytes.iter().map(|&b| b as i64)),
        (2, true, false) => vals.extend(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as i64),
        ),
        (4, true, false) => vals.extend(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64),
        ),
        (8, true, false) => vals.extend(
            bytes
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))),
        ),
        _ => {
            for (i, e) in bytes.chunks_exact(ty.bytes).enumerate() {
                vals.push(ty.decode(e).ok_or(i)?);
            }
        }
    }
    Ok(())
}

impl NpyStream {
    /// The range error for element `i` of this batch (`field` = `x` or `w`).
    fn bad(&self, i: usize, field: &str, v: i64, r: (i64, i64)) -> StreamError {
        let why = in_range(v, r).err().unwrap_or_default();
        npy_err(&self.path, self.read + i as u64, field, why)
    }

    /// The first out-of-range pair of `out` as an error.
    fn check(&self, out: &[(i64, i64)]) -> Result<(), StreamError> {
        let (rx, rw) = (self.ranges.x, self.ranges.w);
        let inside = |v: i64, r: (i64, i64)| v >= r.0 && v <= r.1;
        if out.iter().all(|&(x, w)| inside(x, rx) & inside(w, rw)) {
            return Ok(());
        }
        let (i, &(x, w)) = out
            .iter()
            .enumerate()
            .find(|(_, &(x, w))| !(inside(x, rx) && inside(w, rw)))
            .expect("some pair is out of range");
        Err(match inside(x, rx) {
            false => self.bad(i, "x", x, rx),
            true => self.bad(i, "w", w, rw),
        })
    }
}

impl OperandStream for NpyStream {
    fn next_batch(&mut self, out: &mut Vec<(i64, i64)>, max: usize) -> Result<(), StreamError> {
        out.clear();
        let n = (self.rows.min(self.limit) - self.read.min(self.limit)).min(max as u64) as usize;
        if n == 0 {
            return Ok(());
        }
        let mut vals = std::mem::take(&mut self.vals);
        let (path, r0) = (self.path.as_str(), self.read);
        let too_big = |i: usize, field: &str| {
            let why = "value does not fit in a 64-bit signed integer".to_string();
            npy_err(path, r0 + i as u64, field, why)
        };
        match &mut self.layout {
            Layout::Pairs(c) => {
                let ty = c.ty;
                decode_all(ty, c.fill(path, 2 * n)?, &mut vals)
                    .map_err(|i| too_big(i / 2, ["x", "w"][i % 2]))?;
                out.extend(vals.chunks_exact(2).map(|v| (v[0], v[1])));
            }
            Layout::Columns(cx, cw) => {
                let (tx, tw) = (cx.ty, cw.ty);
                decode_all(tx, cx.fill(path, n)?, &mut vals).map_err(|i| too_big(i, "x"))?;
                out.extend(vals.iter().map(|&x| (x, 0)));
                decode_all(tw, cw.fill(path, n)?, &mut vals).map_err(|i| too_big(i, "w"))?;
                for (o, &w) in out.iter_mut().zip(&vals) {
                    o.1 = w;
                }
            }
        }
        self.vals = vals;
        self.check(out)?;
        self.read += n as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Ranges = Ranges {
        x: (-128, 127),
        w: (-127, 127),
    };

    type Pairs = Result<Vec<(i64, i64)>, String>;

    fn all(mut s: impl OperandStream, batch: usize) -> Pairs {
        let (mut v, mut b) = (Vec::new(), Vec::new());
        loop {
            s.next_batch(&mut b, batch).map_err(|e| e.to_string())?;
            if b.is_empty() {
                return Ok(v);
            }
            v.extend_from_slice(&b);
        }
    }

    fn both(text: &str, limit: u64) -> (Pairs, Pairs) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.csv");
        std::fs::write(&p, text).unwrap();
        let fast = CsvStream::open(&p, R, limit)
            .map_err(|e| e.to_string())
            .and_then(|s| all(s, 7));
        let slow = CsvReference::open(&p, R, limit)
            .map_err(|e| e.to_string())
            .and_then(|s| all(s, 7));
        (fast, slow)
    }

    #[test]
    fn parse_i64_accepts_exactly_what_str_parse_accepts() {
        for t in [
            "0",
            "-0",
            "+7",
            "-128",
            "127",
            "",
            "+",
            "-",
            "1.0",
            "1e3",
            " 1",
            "0x10",
            "--1",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "00012",
            "١",
        ] {
            assert_eq!(parse_i64(t.as_bytes()), t.parse::<i64>().ok(), "{t:?}");
        }
    }

    #[test]
    fn fast_csv_reader_equals_the_csv_crate_reader() {
        let mut big = String::from("w, x ,note\n");
        for t in 0..5000i64 {
            big += &format!(
                "{} , {},r{t}\r\n",
                (t * 91) % 255 - 127,
                (t * 37) % 256 - 128
            );
            if t % 777 == 0 {
                big += "\n";
            }
        }
        for (text, limit) in [
            ("x,w\n1,2\n3,4\n", u64::MAX),
            ("w,x\r\n1,2\r\n-3,4\r\n\r\n5,-0\r\n", u64::MAX),
            ("x,w\n1,2\n-,4\n", u64::MAX),
            ("x,w\n1,2\n-00000000000000000000000000001,4\n", u64::MAX),
            ("x,w\n1,2\n3,4", u64::MAX),
            ("x,w\n1,2\n3,4\n5,6\n", 2),
            ("\u{feff}x,w\n-5,+6\n", u64::MAX),
            ("x,w\n\"1\",\" 2\"\n", u64::MAX),
            ("x,w\n", u64::MAX),
            (big.as_str(), u64::MAX),
        ] {
            let (fast, slow) = both(text, limit);
            assert_eq!(fast, slow, "{text:?}");
            assert!(fast.is_ok() || text.contains("-,"), "{fast:?}");
        }
    }

    #[test]
    fn fast_csv_errors_name_the_same_line_and_field() {
        for (text, line, field, what) in [
            ("x,w\n1,2\n3,abc\n", 3, "'w'", "abc"),
            ("x,w\n1,2\n\n999,2\n", 4, "'x'", "0..=255"),
            ("x,w\n1,2\n3,4,5\n", 3, "'row'", "fields"),
            ("x,w\n1,\n", 2, "'w'", "''"),
        ] {
            let (fast, _) = both(text, u64::MAX);
            let e = fast.unwrap_err();
            let what = if what == "0..=255" {
                "-128..=127"
            } else {
                what
            };
            assert!(
                e.contains(&format!("line {line}")) && e.contains(field) && e.contains(what),
                "{text:?}: {e}"
            );
        }
        let (fast, slow) = both("a,b\n1,2\n", u64::MAX);
        assert!(fast.unwrap_err().contains("missing column 'x'") && slow.is_err());
    }

    /// A `.npy` file's bytes: header dict, then `data` (already in the dtype's layout).
    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + dict.len() + 1) % 64 != 0 {
            dict.push(' ');
        }
        dict.push('\n');
        let mut v = b"\x93NUMPY\x01\x00".to_vec();
        v.extend((dict.len() as u16).to_le_bytes());
        v.extend(dict.as_bytes());
        v.extend(data);
        v
    }

    fn pairs() -> Vec<(i64, i64)> {
        (0..3000i64)
            .map(|t| ((t * 37) % 256 - 128, (t * 91) % 255 - 127))
            .collect()
    }

    fn read(name: &str, bytes: &[u8]) -> Result<Vec<(i64, i64)>, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        NpyStream::open(&p, R, u64::MAX)
            .map_err(|e| e.to_string())
            .and_then(|s| all(s, 1000))
    }

    fn npz(entries: &[(&str, Vec<u8>)], deflate: bool) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let method = if deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in entries {
            z.start_file(*name, opts).unwrap();
            std::io::Write::write_all(&mut z, data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn npy_and_npz_layouts_give_the_same_pairs() {
        let p = pairs();
        let n = p.len();
        let c_i16: Vec<u8> = p
            .iter()
            .flat_map(|&(x, w)| [(x as i16).to_le_bytes(), (w as i16).to_le_bytes()])
            .flatten()
            .collect();
        let f_i64be: Vec<u8> = p
            .iter()
            .map(|q| q.0)
            .chain(p.iter().map(|q| q.1))
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let x_i8: Vec<u8> = p.iter().map(|q| q.0 as i8 as u8).collect();
        let w_i32: Vec<u8> = p.iter().flat_map(|q| (q.1 as i32).to_le_bytes()).collect();
        let shape2 = format!("({n}, 2)");
        let shape1 = format!("({n},)");
        let a = npy("<i2", false, &shape2, &c_i16);
        assert_eq!(read("a.npy", &a).unwrap(), p);
        assert_eq!(
            read("f.npy", &npy(">i8", true, &shape2, &f_i64be)).unwrap(),
            p
        );
        for deflate in [false, true] {
            let two = npz(
                &[
                    ("x.npy", npy("|i1", false, &shape1, &x_i8)),
                    ("w.npy", npy("<i4", false, &shape1, &w_i32)),
                ],
                deflate,
            );
            assert_eq!(read("two.npz", &two).unwrap(), p);
            assert_eq!(
                read("one.npz", &npz(&[("arr_0.npy", a.clone())], deflate)).unwrap(),
                p
            );
        }
    }

    #[test]
    fn npy_errors_name_row_column_dtype_and_shape() {
        let bad = npy("<i2", false, "(2, 2)", &[1, 0, 2, 0, 3, 0, 0x2c, 1]);
        let e = read("b.npy", &bad).unwrap_err();
        assert!(
            e.contains("row 1") && e.contains("'w'") && e.contains("300"),
            "{e}"
        );
        let e = read("f.npy", &npy("<f8", false, "(1, 2)", &[0; 16])).unwrap_err();
        assert!(e.contains("dtype") && e.contains("f8"), "{e}");
        let e = read("s.npy", &npy("<i1", false, "(2, 3)", &[0; 6])).unwrap_err();
        assert!(e.contains("N×2"), "{e}");
        let e = read("u.npy", &npy("<u8", false, "(1, 2)", &[0xff; 16])).unwrap_err();
        assert!(e.contains("row 0") && e.contains("'x'"), "{e}");
    }
}
