//! Scale-out of a sweep: `pann fit --shard K/N` measures one deterministic slice of the
//! design's points (point i belongs to shard `i mod N`) and writes them as a [`Slice`] (JSON,
//! every float written so it reads back to the same bits); `pann fit --merge` reads the N
//! slices, checks that they come from the same design and cover every point exactly once,
//! and hands back the rows in design order — exactly what a one-process run measures, so
//! the coefficients written from them are byte-identical.

use super::sweep::{Measurement, SweepPoint, SweepRow};
use super::FitError;
use std::path::Path;

/// Format tag of a slice file.
pub const SLICE_FORMAT: &str = "pann-fit-slice-1";

/// `K/N`: shard K (0-based) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, `0 ≤ k < n`.
    pub k: usize,
    /// Shards in all (≥ 1).
    pub n: usize,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("--shard {s:?}: {why}");
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| bad("expected K/N (shard K of N, 0 ≤ K < N)"))?;
        let k: usize = k
            .trim()
            .parse()
            .map_err(|_| bad("K is not a non-negative integer"))?;
        let n: usize = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a positive integer"))?;
        if n == 0 {
            return Err(bad("N must be at least 1"));
        }
        if k >= n {
            return Err(bad(&format!("K must be below N (shards are 0..{n})")));
        }
        Ok(ShardSpec { k, n })
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl ShardSpec {
    /// Indices of the design's `points` points this shard measures.
    pub fn indices(&self, points: usize) -> Vec<usize> {
        (self.k..points).step_by(self.n).collect()
    }
}

/// One shard's measurements.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Slice {
    /// [`SLICE_FORMAT`].
    pub format: String,
    /// What the design was (every flag that changes a measurement, and the binary's
    /// version): slices merge only with the same fingerprint.
    pub fingerprint: String,
    /// This shard.
    pub shard: usize,
    /// Shards in all.
    pub shards: usize,
    /// Points of the whole design.
    pub points: usize,
    /// `(point index, measurement)`, in index order.
    pub rows: Vec<(usize, Measurement)>,
    /// Extra runs that belong to shard 0 only (the voltage model's reference runs:
    /// `(library id, supply V, fJ/op)`).
    pub voltage: Option<Vec<(String, f64, f64)>>,
}

fn slice_err(path: &Path, field: &str, value: &str, why: &str) -> FitError {
    FitError::Slice {
        path: path.display().to_string(),
        field: field.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    }
}

impl Slice {
    /// Read a slice file.
    pub fn read(path: &Path) -> Result<Slice, FitError> {
        let text = std::fs::read_to_string(path).map_err(|cause| FitError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        let s: Slice = serde_json::from_str(&text).map_err(|e| {
            slice_err(
                path,
                "json",
                "",
                &format!("not a `pann fit --shard` slice: {e}"),
            )
        })?;
        if s.format != SLICE_FORMAT {
            return Err(slice_err(
                path,
                "format",
                &s.format,
                &format!("expected {SLICE_FORMAT}"),
            ));
        }
        Ok(s)
    }
}

/// Join `slices` (read from `paths`, same order) of a design with `points` and
/// `fingerprint` into the rows a one-process run gives, in point order, plus the voltage
/// runs of shard 0. Refuses slices of another design, a shard given twice or missing, and a
/// point measured twice or never.
#[allow(clippy::type_complexity)]
pub fn merge(
    points: &[SweepPoint],
    fingerprint: &str,
    slices: &[(std::path::PathBuf, Slice)],
) -> Result<(Vec<SweepRow>, Option<Vec<(String, f64, f64)>>), FitError> {
    let first = match slices.first() {
        Some(s) => &s.1,
        None => return Err(FitError::Select("--merge: no slice files given".into())),
    };
    let n = first.shards;
    let mut seen_shard = vec![false; n];
    let mut got: Vec<Option<Measurement>> = vec![None; points.len()];
    let mut voltage = None;
    for (path, s) in slices {
        if s.fingerprint != fingerprint {
            return Err(slice_err(
                path,
                "fingerprint",
                &s.fingerprint,
                &format!("another design than this merge's ({fingerprint}): give the same flags as the shards"),
            ));
        }
        if s.shards != n || s.shard >= n {
            return Err(slice_err(
                path,
                "shard",
                &format!("{}/{}", s.shard, s.shards),
                &format!("the first slice is one of {n} shards"),
            ));
        }
        if s.points != points.len() {
            return Err(slice_err(
                path,
                "points",
                &s.points.to_string(),
                &format!("the design has {} points", points.len()),
            ));
        }
        if std::mem::replace(&mut seen_shard[s.shard], true) {
            return Err(slice_err(
                path,
                "shard",
                &format!("{}/{}", s.shard, s.shards),
                "given twice",
            ));
        }
        let want = ShardSpec { k: s.shard, n }.indices(points.len());
        let have: Vec<usize> = s.rows.iter().map(|r| r.0).collect();
        if have != want {
            return Err(slice_err(
                path,
                "rows",
                &format!("{} rows", have.len()),
                &format!("shard {}/{n} measures {} points", s.shard, want.len()),
            ));
        }
        for (i, m) in &s.rows {
            got[*i] = Some(m.clone());
        }
        if s.shard == 0 {
            voltage = s.voltage.clone();
        }
    }
    if let Some(k) = seen_shard.iter().position(|s| !s) {
        return Err(FitError::Select(format!(
            "--merge: shard {k}/{n} is missing ({} of {n} slices given)",
            slices.len()
        )));
    }
    let rows = points
        .iter()
        .zip(got)
        .map(|(p, m)| SweepRow {
            point: p.clone(),
            measurement: m.expect("every shard present covers every point"),
        })
        .collect();
    Ok((rows, voltage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_bad_ones_say_why() {
        assert_eq!("1/4".parse::<ShardSpec>(), Ok(ShardSpec { k: 1, n: 4 }));
        for bad in ["3/2", "2/2", "0/0", "x/2", "1", "-1/2"] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(e.contains(bad) && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn shards_partition_the_points() {
        let mut all: Vec<usize> = (0..3)
            .flat_map(|k| ShardSpec { k, n: 3 }.indices(10))
            .collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(ShardSpec { k: 4, n: 5 }.indices(3).is_empty());
    }
}
