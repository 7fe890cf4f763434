//! SVG plots of a `pann simulate` report, for people who would rather look than read:
//! toggles and energy per operation by component (zero-delay next to timed, so the glitch
//! share is the difference between the bars) and, for timed runs, the same toggles by cell
//! kind and how the cycles' settle times are distributed against the clock period.
//!
//! Figures are SVG (text kept as text) or PNG; both lay text out with the embedded DejaVu
//! Sans (see `data/fonts/SOURCE.md`), which the PNG also draws with. The title names the circuit, stream, seed, delay model and cell
//! library, so a figure can be traced to its run.

use crate::experiment::Report as SimReport;
use crate::netlist::Component;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// File formats a figure can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotFormat {
    /// Scalable vector graphics.
    Svg,
    /// Portable network graphics (RGB, 8 bits).
    Png,
}

impl PlotFormat {
    /// The format named by a file's extension (`.svg` or `.png`), if any.
    pub fn from_path(p: &Path) -> Option<PlotFormat> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(PlotFormat::Svg),
            "png" => Some(PlotFormat::Png),
            _ => None,
        }
    }
}

static FONT: &[u8] = include_bytes!("../data/fonts/DejaVuSans.ttf");

pub(crate) fn register_font() -> Result<(), String> {
    static ONCE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "plot: the embedded font does not load".to_string())
    })
    .clone()
}

/// The bytes of a figure of `size` pixels in `format`, drawn by `draw(area)` (a closure over
/// a backend-generic drawing function, expanded once per backend), text laid out with the
/// embedded font. Shared by every figure of the crate.
macro_rules! render {
    ($format:expr, $size:expr, $draw:expr) => {{
        use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};
        $crate::plot::register_font()?;
        let size: (u32, u32) = $size;
        match $format {
            $crate::plot::PlotFormat::Svg => {
                let mut svg = String::new();
                $draw(SVGBackend::with_string(&mut svg, size).into_drawing_area())?;
                Ok(svg.into_bytes())
            }
            $crate::plot::PlotFormat::Png => {
                let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
                $draw(BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area())?;
                $crate::plot::encode_png(&rgb, size)
            }
        }
    }};
}
pub(crate) use render;

/// An RGB buffer of `size` pixels as PNG bytes.
pub(crate) fn encode_png(rgb: &[u8], size: (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, size.0, size.1);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(rgb).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}

/// The report drawn in `format`: the file's bytes.
pub fn simulate_plot(r: &SimReport, format: PlotFormat) -> Result<Vec<u8>, String> {
    render!(format, figure_size(r), |area| draw(area, r))
}

fn panels(r: &SimReport) -> u32 {
    1 + r.energy_fj_per_op.is_some() as u32 + 2 * r.glitches.is_some() as u32
}

fn figure_size(r: &SimReport) -> (u32, u32) {
    (PANEL.0 * panels(r), PANEL.1 + 40)
}

const ZERO: RGBColor = RGBColor(0x4c, 0x72, 0xb0);
const TIMED: RGBColor = RGBColor(0xdd, 0x84, 0x52);
const PANEL: (u32, u32) = (440, 400);

fn err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

/// One bar group per category: (label, zero-delay value, timed value if any).
type Groups = Vec<(String, f64, Option<f64>)>;

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, r: &SimReport) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let ops = r.operations.max(1) as f64;
    let timed_of = |key: &str| {
        r.glitches.as_ref().and_then(|g| {
            g.rows
                .iter()
                .find(|row| row.component.key() == key)
                .map(|row| row.timed as f64 / ops)
        })
    };
    // Report order: the datapath from operands to accumulator, then clock and leakage.
    let order: Vec<&str> = Component::ALL
        .iter()
        .map(|c| c.key())
        .chain(["clock", "leakage"])
        .collect();
    let toggles: Groups = order
        .iter()
        .filter_map(|&k| {
            r.toggles_per_op
                .get(k)
                .map(|&v| (k.to_string(), v, timed_of(k)))
        })
        .collect();
    let energy: Option<Groups> = r.energy_fj_per_op.as_ref().map(|e| {
        let zero = r.energy_fj_per_op_zero_delay.as_ref();
        order
            .iter()
            .filter_map(|&k| {
                let v = *e.get(k)?;
                Some(match zero {
                    Some(z) => (k.to_string(), z.get(k).copied().unwrap_or(0.0), Some(v)),
                    None => (k.to_string(), v, None),
                })
            })
            .collect()
    });
    let panels = panels(r);
    {
        root.fill(&WHITE).map_err(err)?;
        let lib = r.energy.as_ref().map_or(String::new(), |e| {
            format!(", {} at {} ns", e.library, e.options.clock_ns)
        });
        let title = format!(
            "{} | {}, seed {}, {} ops, delay {}{}",
            r.circuit, r.config.stream, r.config.seed, r.operations, r.delay, lib
        );
        let (head, body) = root.split_vertically(40);
        head.draw(&Text::new(
            title,
            (10, 12),
            ("sans-serif", 14).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        let areas = body.split_evenly((1, panels as usize));
        let mut it = areas.iter();
        let timed = r.glitches.is_some();
        bars(
            it.next().expect("panel"),
            &toggles,
            "Toggles per operation",
            "toggles/op",
            timed,
        )?;
        if let Some(e) = &energy {
            bars(
                it.next().expect("panel"),
                e,
                "Energy per operation",
                "fJ/op",
                timed,
            )?;
        }
        if let Some(g) = &r.glitches {
            let kinds: Groups = g
                .by_kind
                .iter()
                .map(|k| {
                    (
                        k.kind.to_string(),
                        k.zero_delay as f64 / ops,
                        Some(k.timed as f64 / ops),
                    )
                })
                .collect();
            bars(
                it.next().expect("panel"),
                &kinds,
                "Toggles per operation by cell kind",
                "toggles/op",
                true,
            )?;
            let clock = r.energy.as_ref().map(|e| e.options.clock_ns);
            settle(
                it.next().expect("panel"),
                &g.settle_histogram,
                g.tick_ns,
                clock,
            )?;
        }
        root.present().map_err(err)?;
    }
    Ok(())
}

/// Grouped bars: zero-delay (blue) and, when timed, timed (orange) per category.
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &Groups,
    title: &str,
    unit: &str,
    timed: bool,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let n = groups.len().max(1) as f64;
    let top = groups
        .iter()
        .map(|g| g.1.max(g.2.unwrap_or(0.0)))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.12;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..n, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(unit)
        .draw()
        .map_err(err)?;
    let (w0, w1) = if timed { (0.42, 0.42) } else { (0.7, 0.0) };
    for (i, (name, zero, t)) in groups.iter().enumerate() {
        let x = i as f64 + (1.0 - w0 - w1) / 2.0;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x, 0.0), (x + w0, *zero)],
                ZERO.filled(),
            )))
            .map_err(err)?;
        if let Some(t) = t {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + w0, 0.0), (x + w0 + w1, *t)],
                    TIMED.filled(),
                )))
                .map_err(err)?;
        }
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        let (ox, oy) = area.get_base_pixel();
        area.draw(&Text::new(
            name.clone(),
            (px - ox, py - oy + 6),
            ("sans-serif", 11)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
    }
    let legend: &[(&str, RGBColor)] = if timed {
        &[("zero-delay", ZERO), ("timed (with glitches)", TIMED)]
    } else {
        &[("zero-delay", ZERO)]
    };
    for (k, (label, color)) in legend.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, top));
        let (ox, oy) = area.get_base_pixel();
        let (x, y) = (px - ox + 8, py - oy + 6 + 16 * k as i32);
        area.draw(&Rectangle::new([(x, y), (x + 10, y + 10)], color.filled()))
            .map_err(err)?;
        area.draw(&Text::new(
            label.to_string(),
            (x + 14, y),
            ("sans-serif", 11).into_font().color(&BLACK),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Share of cycles by settle time (ns), with the clock period as a vertical line.
fn settle<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    hist: &[u64],
    tick_ns: f64,
    clock_ns: Option<f64>,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let total: u64 = hist.iter().sum();
    let last = hist.iter().rposition(|&c| c > 0).unwrap_or(0);
    let span = (last + 1) as f64 * tick_ns;
    let xmax = clock_ns.map_or(span, |c| c.max(span)) * 1.05;
    // Group ticks into at most 60 bins.
    let per = (last + 1).div_ceil(60).max(1);
    let bins: Vec<(f64, f64)> = hist[..=last]
        .chunks(per)
        .enumerate()
        .map(|(b, c)| {
            let share = c.iter().sum::<u64>() as f64 / total.max(1) as f64;
            ((b * per) as f64 * tick_ns, share)
        })
        .collect();
    let top = bins.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1e-9) * 1.12;
    let mut chart = ChartBuilder::on(area)
        .caption("Settle time per cycle", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..xmax, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("ns after the clock edge")
        .y_desc("share of cycles")
        .draw()
        .map_err(err)?;
    let width = per as f64 * tick_ns;
    chart
        .draw_series(
            bins.iter()
                .map(|&(x, h)| Rectangle::new([(x, 0.0), (x + width * 0.9, h)], TIMED.filled())),
        )
        .map_err(err)?;
    if let Some(c) = clock_ns {
        chart
            .draw_series(LineSeries::new([(c, 0.0), (c, top)], BLACK.stroke_width(2)))
            .map_err(err)?
            .label(format!("clock {c} ns"));
        let (px, py) = chart.backend_coord(&(c, top));
        let (ox, oy) = area.get_base_pixel();
        area.draw(&Text::new(
            format!("clock {c} ns"),
            (px - ox - 4, py - oy + 4),
            ("sans-serif", 11)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(err)?;
    }
    Ok(())
}
