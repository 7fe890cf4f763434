//! The power–accuracy figure of a [`Curve`]: top-1 against energy per inference (log scale),
//! one panel per accounting; uniform b-bit networks on a two's-complement and on an unsigned
//! MAC, the PANN traversal over R (at the b̃x the held-out split chose most often)
//! and PANN at each budget (the chosen b̃x), float as a horizontal line; fine-tuned networks
//! when the curve has them (uniform b-bit, PANN at its budget and over R).

use super::curve::{Curve, Point};
use super::energy::Accounting;
use crate::plot::PlotFormat;
use plotters::coord::Shift;
use plotters::prelude::*;

const SIZE: (u32, u32) = (1100, 520);
const TWOS: RGBColor = RGBColor(0xc4, 0x4e, 0x52);
const UNS: RGBColor = RGBColor(0xdd, 0x84, 0x52);
const PANN: RGBColor = RGBColor(0x4c, 0x72, 0xb0);
const BUDGET: RGBColor = RGBColor(0x55, 0xa8, 0x68);
const PANN_QAT: RGBColor = RGBColor(0x81, 0x72, 0xb3);
const UNIFORM_QAT: RGBColor = RGBColor(0x8c, 0x1c, 0x13);
const PANN_QAT_BUDGET: RGBColor = RGBColor(0x3b, 0x1f, 0x6e);

fn err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

/// The b̃x of the curve drawn: the one the held-out split chose most often over all budgets
/// (ties: the larger).
pub fn curve_act_bits(c: &Curve) -> Option<u32> {
    let mut count = std::collections::BTreeMap::new();
    for p in c.points.iter().filter(|p| p.chosen) {
        *count.entry(p.act_bits?).or_insert(0) += 1;
    }
    count
        .into_iter()
        .max_by_key(|&(b, n)| (n, b))
        .map(|(b, _)| b)
        .or_else(|| {
            c.points
                .iter()
                .find(|p| p.method == "pann")
                .and_then(|p| p.act_bits)
        })
}

/// The figure's bytes in `format`.
pub fn curve_plot(c: &Curve, format: PlotFormat) -> Result<Vec<u8>, String> {
    crate::plot::render!(format, SIZE, |area| draw(area, c))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, c: &Curve) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let (head, body) = root.split_vertically(36);
    head.draw(&Text::new(
        format!(
            "{} on {}: top-1 vs energy per inference ({} test images, {}, clock {} ns, B = 32)",
            c.model, c.dataset, c.images, c.library, c.clock_ns
        ),
        (10, 10),
        ("sans-serif", 15).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    let panels = body.split_evenly((1, 2));
    for (area, a) in panels.iter().zip(Accounting::ALL) {
        panel(area, c, a)?;
    }
    root.present().map_err(err)
}

/// A series: points, colour, legend label, joined by a line.
type Style<'a> = (&'a Vec<(f64, f64)>, RGBColor, &'a str, bool);

fn series(c: &Curve, a: Accounting, keep: impl Fn(&Point) -> bool) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|p| keep(p))
        .filter(|p| p.accounting.is_none_or(|x| x == a))
        .map(|p| (p.energy(a), p.top1))
        .collect();
    v.sort_by(|x, y| x.0.partial_cmp(&y.0).expect("finite"));
    v
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Curve,
    a: Accounting,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let ab = curve_act_bits(c);
    let twos = series(c, a, |p| p.method == "uniform");
    let uns = series(c, a, |p| p.method == "uniform-unsigned");
    let curve = series(c, a, |p| {
        p.method == "pann" && p.budget == "curve" && p.act_bits == ab
    });
    let budget = series(c, a, |p| p.method == "pann" && p.chosen);
    // Fine-tuned networks: uniform b-bit, PANN at its budget, PANN traversals over R.
    let uqat = series(c, a, |p| p.method == "uniform-qat");
    let pqat = series(c, a, |p| {
        p.method == "pann-qat" && !p.budget.starts_with("curve")
    });
    let mut tags: Vec<&str> = c
        .points
        .iter()
        .filter(|p| p.method == "pann-qat")
        .filter_map(|p| p.budget.strip_prefix("curve:"))
        .collect();
    tags.dedup();
    let traversals: Vec<(String, Vec<(f64, f64)>)> = tags
        .iter()
        .map(|t| {
            let b = format!("curve:{t}");
            let v = series(c, a, |p| p.method == "pann-qat" && p.budget == b);
            (format!("PANN fine-tuned at {t}, over R"), v)
        })
        .collect();
    let float = c
        .points
        .iter()
        .find(|p| p.method == "float")
        .map(|p| p.top1);
    let all: Vec<&(f64, f64)> = twos
        .iter()
        .chain(&uns)
        .chain(&curve)
        .chain(&budget)
        .chain(&uqat)
        .chain(&pqat)
        .chain(traversals.iter().flat_map(|t| &t.1))
        .collect();
    let xmin = all
        .iter()
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min)
        .max(1e-3)
        / 1.3;
    let xmax = all.iter().map(|p| p.0).fold(0.0, f64::max).max(xmin * 2.0) * 1.3;
    let ymin = all
        .iter()
        .map(|p| p.1)
        .fold(100.0, f64::min)
        .min(float.unwrap_or(100.0));
    let ymin = (ymin - 3.0).max(0.0);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} accounting", a.name()), ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(52)
        .build_cartesian_2d(
            (xmin..xmax)
                .log_scale()
                .with_key_points(log_ticks(xmin, xmax)),
            ymin..100.5,
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("energy per inference (fJ, log; k = 10³, M = 10⁶, G = 10⁹)")
        .y_desc("top-1 (%)")
        .x_label_formatter(&|v| si(*v))
        .draw()
        .map_err(err)?;
    if let Some(f) = float {
        chart
            .draw_series(LineSeries::new(
                [(xmin, f), (xmax, f)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?
            .label(format!("float {f:.2} %"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    }
    let mut styles: Vec<Style<'_>> = vec![
        (&twos, TWOS, "uniform b-bit, two's-compl. MAC", true),
        (&uns, UNS, "uniform b-bit, unsigned MAC", true),
        (&curve, PANN, "PANN over R", true),
        (&budget, BUDGET, "PANN at each budget (chosen b̃x)", false),
    ];
    const TRAVERSAL: [RGBColor; 3] = [
        PANN_QAT,
        RGBColor(0xda, 0x8b, 0xc3),
        RGBColor(0x93, 0x78, 0x60),
    ];
    for (i, (label, pts)) in traversals.iter().enumerate() {
        styles.push((pts, TRAVERSAL[i % TRAVERSAL.len()], label.as_str(), true));
    }
    styles.push((
        &pqat,
        PANN_QAT_BUDGET,
        "PANN fine-tuned, at its budget",
        false,
    ));
    styles.push((&uqat, UNIFORM_QAT, "uniform b-bit fine-tuned", true));
    for (pts, color, label, line) in styles {
        if pts.is_empty() {
            continue;
        }
        if line {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(err)?;
        }
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
            .map_err(err)?
            .label(match (label, ab) {
                ("PANN over R", Some(b)) => format!("PANN over R (b̃x = {b})"),
                _ => label.to_string(),
            })
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Tick values 1, 2 and 5 × 10^k within `lo..=hi` (a log axis labelled at readable values).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut k = lo.max(f64::MIN_POSITIVE).log10().floor() as i32;
    while 10f64.powi(k) <= hi {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(k);
            if v >= lo && v <= hi {
                out.push(v);
            }
        }
        k += 1;
    }
    out
}

/// `v` with an SI prefix: `200M`, `1.5G`.
fn si(v: f64) -> String {
    let (d, p) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(d, _)| v.abs() >= *d)
        .unwrap_or((1.0, ""));
    let x = v / d;
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}{p}")
    } else {
        format!("{x:.1}{p}")
    }
}

#[cfg(test)]
mod axis_tests {
    use super::{log_ticks, si};

    #[test]
    fn log_ticks_are_1_2_5_per_decade_within_the_range() {
        assert_eq!(log_ticks(1.5e8, 1.2e9), vec![2e8, 5e8, 1e9]);
        assert_eq!(log_ticks(1.0, 10.0), vec![1.0, 2.0, 5.0, 10.0]);
        assert_eq!(si(2e8), "200M");
        assert_eq!(si(1.5e9), "1.5G");
        assert_eq!(si(5e3), "5k");
    }
}
