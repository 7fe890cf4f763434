//! A small VCD reader for Icarus dumps of `pann` netlists: scalar wires named `n<id>` are
//! nets; value changes are counted only when the value really changes (Icarus may dump the
//! same value again at one timestamp), and only from the first clock period on.

use super::OracleError;
use crate::netlist::NetId;

/// Counts read from a VCD.
#[derive(Clone, Debug, Default)]
pub struct VcdCounts {
    /// Per-net toggles at or after time `period`.
    pub toggles: Vec<u64>,
    /// Per cycle, the settled value of each net in `snapshot` order.
    pub values: Vec<Vec<bool>>,
    /// Per cycle, the last tick within the cycle at which any net changed.
    pub settle: Vec<u32>,
    /// Transitions to or from `x`/`z` seen after the baseline (should be 0).
    pub unknown: u64,
}

/// Femtoseconds in a `$timescale` such as `1ps`, `10 ns`.
fn timescale_fs(s: &str) -> Option<u64> {
    let s: String = s.split_whitespace().collect();
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = &s[digits.len()..];
    let mult = match unit {
        "s" => 1_000_000_000_000_000,
        "ms" => 1_000_000_000_000,
        "us" => 1_000_000_000,
        "ns" => 1_000_000,
        "ps" => 1_000,
        "fs" => 1,
        _ => return None,
    };
    Some(digits.parse::<u64>().ok()? * mult)
}

/// Read `text` (a VCD of a netlist with `nets` nets, ticks of 1 ns) for a run of `cycles`
/// cycles of `period` ticks; snapshot the nets in `snapshot` at the end of every cycle.
pub fn parse_vcd(
    text: &str,
    nets: usize,
    period: u32,
    cycles: usize,
    snapshot: &[NetId],
) -> Result<VcdCounts, OracleError> {
    let bad = |m: String| OracleError::Vcd(m);
    let mut codes: std::collections::HashMap<String, Vec<usize>> = Default::default();
    let mut toks = text.split_ascii_whitespace();
    let mut per_tick_fs = 1_000_000u64; // 1 ns ticks
    let mut unit_fs = 1_000u64;
    // Header.
    while let Some(t) = toks.next() {
        match t {
            "$timescale" => {
                let mut s = String::new();
                for x in toks.by_ref() {
                    if x == "$end" {
                        break;
                    }
                    s.push_str(x);
                }
                unit_fs = timescale_fs(&s).ok_or_else(|| bad(format!("timescale `{s}`")))?;
            }
            "$var" => {
                let v: Vec<&str> = toks.by_ref().take_while(|x| *x != "$end").collect();
                if v.len() >= 4 && v[1] == "1" {
                    if let Some(id) = v[3].strip_prefix('n').and_then(|x| x.parse::<usize>().ok()) {
                        if id < nets {
                            codes.entry(v[2].to_string()).or_default().push(id);
                        }
                    }
                }
            }
            "$enddefinitions" => break,
            _ => {}
        }
    }
    if unit_fs == 0 || !per_tick_fs.is_multiple_of(unit_fs) {
        return Err(bad(format!(
            "timescale of {unit_fs} fs does not divide 1 ns"
        )));
    }
    per_tick_fs /= unit_fs; // VCD units per tick
    let mut val = vec![2u8; nets]; // 0, 1, 2 = x/z
    let mut out = VcdCounts {
        toggles: vec![0; nets],
        values: Vec::with_capacity(cycles),
        settle: vec![0; cycles],
        unknown: 0,
    };
    let p = period as u64;
    let mut now = 0u64; // ticks
    let mut cycle = 0usize;
    let snap = |val: &[u8]| {
        snapshot
            .iter()
            .map(|n| val[n.idx()] == 1)
            .collect::<Vec<bool>>()
    };
    let apply = |code: &str, v: u8, now: u64, val: &mut [u8], out: &mut VcdCounts| {
        let Some(ids) = codes.get(code) else { return };
        for &i in ids {
            let old = val[i];
            if old == v {
                continue;
            }
            val[i] = v;
            if now >= p {
                if old == 2 || v == 2 {
                    out.unknown += 1;
                } else {
                    out.toggles[i] += 1;
                }
                let c = (now / p) as usize;
                if c < out.settle.len() {
                    out.settle[c] = out.settle[c].max((now % p) as u32);
                }
            }
        }
    };
    while let Some(t) = toks.next() {
        let b = t.as_bytes();
        match b[0] {
            b'#' => {
                let raw: u64 = t[1..].parse().map_err(|_| bad(format!("time `{t}`")))?;
                if !raw.is_multiple_of(per_tick_fs) {
                    return Err(bad(format!("time {raw} is not a whole tick")));
                }
                now = raw / per_tick_fs;
                while cycle < cycles && now >= (cycle as u64 + 1) * p {
                    out.values.push(snap(&val));
                    cycle += 1;
                }
            }
            b'0' | b'1' | b'x' | b'X' | b'z' | b'Z' => {
                let v = match b[0] {
                    b'0' => 0,
                    b'1' => 1,
                    _ => 2,
                };
                apply(&t[1..], v, now, &mut val, &mut out);
            }
            b'b' | b'B' | b'r' | b'R' => {
                // Vector value: only ports, never an `n<id>` net; skip its code.
                toks.next();
            }
            b'$' => {
                // $dumpvars / $end / $comment ... markers: values inside are read normally.
                if t == "$comment" {
                    for x in toks.by_ref() {
                        if x == "$end" {
                            break;
                        }
                    }
                }
            }
            _ => return Err(bad(format!("unexpected token `{t}`"))),
        }
    }
    while cycle < cycles {
        out.values.push(snap(&val));
        cycle += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_same_value_records_are_not_toggles() {
        let text = "$timescale 1ps $end $scope module dut $end $var wire 1 ! n0 $end \
                    $var wire 1 \" n1 $end $upscope $end $enddefinitions $end \
                    #0 $dumpvars 0! x\" $end #1000 1\" #10000 1! #10000 1! #11000 0! #12000 0\"";
        let c = parse_vcd(text, 2, 10, 3, &[NetId(0), NetId(1)]).unwrap();
        assert_eq!(c.toggles, vec![2, 1]);
        assert_eq!(
            c.values,
            vec![vec![false, true], vec![false, false], vec![false, false]]
        );
        assert_eq!(c.settle, vec![0, 2, 0]);
        assert_eq!(c.unknown, 0);
    }
}
