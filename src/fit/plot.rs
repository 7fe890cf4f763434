//! Figures of `pann fit` (PNG or SVG through [`crate::plot::render`]): energy per operation
//! against operand width per component, the models against the simulation (parity, with the
//! ±5 % band) and dynamic energy against supply voltage per corner.

use super::model::FittedPowerModel;
use super::sweep::SweepRow;
use super::voltage::FittedVoltageModel;
use crate::circuits::Repr;
use crate::plot::PlotFormat;
use crate::stream::Dist;
use plotters::coord::Shift;
use plotters::prelude::*;

fn err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

/// The legend box every figure here draws: at `pos`, on a translucent white background,
/// framed, in sans-serif of `font` px.
fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
    font: u32,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", font))
        .draw()
        .map_err(err)
}

/// The chart every figure here draws into: `caption` on top, a linear x range and a log
/// y range, both axes described.
#[allow(clippy::type_complexity)]
fn log_y_chart<'a, DB>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    (x_desc, y_desc): (&str, &str),
    (margin, x_area, y_area): (u32, u32, u32),
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<
            plotters::coord::types::RangedCoordf64,
            plotters::coord::combinators::LogCoord<f64>,
        >,
    >,
    String,
>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15))
        .margin(margin)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y.log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

const COLORS: [RGBColor; 6] = [
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0xc4, 0x4e, 0x52),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0xdd, 0x84, 0x52),
    RGBColor(0x81, 0x72, 0xb3),
    RGBColor(0x93, 0x78, 0x60),
];

/// Components drawn, in legend order.
pub const COMPONENTS: [&str; 6] = [
    "operand_regs",
    "multiplier",
    "acc_adder",
    "acc_reg",
    "clock",
    "leakage",
];

/// One model's fitted and held-out view of the points it was fitted on.
pub struct ParityPoint {
    /// Component key.
    pub component: &'static str,
    /// Simulated fJ/op.
    pub simulated: f64,
    /// Held-out prediction fJ/op (the model fitted without this point's stream group).
    pub predicted: f64,
    /// Whether the point is a real layer stream.
    pub real: bool,
    /// Representation.
    pub repr: Repr,
    /// The stream (`uniform`, `nn:...`) and dataflow.
    pub stream: String,
    /// Dataflow.
    pub dataflow: String,
    /// `(b_x, b_w, B)`.
    pub shape: (u32, u32, u32),
}

/// The parity points as tidy CSV (one row per point and component).
pub fn write_parity_csv<W: std::io::Write>(
    points: &[ParityPoint],
    out: W,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "component",
        "repr",
        "bx",
        "bw",
        "acc",
        "stream",
        "dataflow",
        "real",
        "simulated_fj_per_op",
        "heldout_fj_per_op",
        "rel_err",
    ])?;
    for p in points {
        w.write_record([
            p.component.to_string(),
            p.repr.to_string(),
            p.shape.0.to_string(),
            p.shape.1.to_string(),
            p.shape.2.to_string(),
            p.stream.clone(),
            p.dataflow.clone(),
            p.real.to_string(),
            p.simulated.to_string(),
            p.predicted.to_string(),
            ((p.predicted - p.simulated) / p.simulated).to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The held-out prediction of every point of every model: `models` are
/// `(library, representation, model)`, each fitted on the rows of that library (as the
/// points name it) and representation, in `rows` order.
pub fn parity_points(
    rows: &[SweepRow],
    models: &[(&str, Repr, &FittedPowerModel)],
) -> Vec<ParityPoint> {
    let mut out = Vec::new();
    for (lib, repr, m) in models {
        let key = m.component.key();
        let pts: Vec<&SweepRow> = rows
            .iter()
            .filter(|r| r.point.spec.repr == *repr && r.point.library == *lib)
            .filter(|r| r.measurement.observation.fj_per_op.contains_key(key))
            .collect();
        for (r, e) in pts.iter().zip(&m.holdout_errs) {
            let y = r.measurement.observation.fj_per_op[key];
            out.push(ParityPoint {
                component: key,
                simulated: y,
                predicted: y * (1.0 + e),
                real: r.point.nn.is_some(),
                repr: *repr,
                stream: r.point.stream_label(),
                dataflow: r.point.dataflow.to_string(),
                shape: (r.point.spec.bx, r.point.spec.bw, r.point.spec.acc),
            });
        }
    }
    out
}

/// Energy per operation of each component against the square operand width b (uniform data,
/// B = 32), one panel per representation.
pub fn width_plot(rows: &[SweepRow], format: PlotFormat) -> Result<Vec<u8>, String> {
    crate::plot::render!(format, (1200, 440), |area| draw_width(area, rows))
}

fn draw_width<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    rows: &[SweepRow],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((1, 3));
    for (area, repr) in panels
        .iter()
        .zip([Repr::Twos, Repr::Unsigned, Repr::Signmag])
    {
        let sel: Vec<&SweepRow> = rows
            .iter()
            .filter(|r| {
                let s = &r.point.spec;
                s.repr == repr
                    && s.bx == s.bw
                    && s.acc == 32
                    && r.point.nn.is_none()
                    && r.point.dist == Dist::Uniform
            })
            .collect();
        let series: Vec<(&str, Vec<(f64, f64)>)> = COMPONENTS
            .iter()
            .map(|&c| {
                let mut v: Vec<(f64, f64)> = sel
                    .iter()
                    .filter_map(|r| {
                        let e = *r.measurement.observation.fj_per_op.get(c)?;
                        (e > 0.0).then_some((r.point.spec.bx as f64, e))
                    })
                    .collect();
                v.sort_by(|a, b| a.0.total_cmp(&b.0));
                (c, v)
            })
            .collect();
        let all = series.iter().flat_map(|s| s.1.iter());
        let (ymin, ymax) = all.fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
        if !ymin.is_finite() {
            continue;
        }
        let xmax = series
            .iter()
            .flat_map(|s| s.1.iter())
            .map(|p| p.0)
            .fold(2.0, f64::max);
        let mut chart = log_y_chart(
            area,
            &format!("{repr} MAC, uniform data, B = 32"),
            0.5..xmax + 0.5,
            ymin / 1.5..ymax * 1.5,
            ("operand width b (b_x = b_w)", "fJ per operation (log)"),
            (10, 36, 56),
        )?;
        for (i, (name, pts)) in series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(err)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 11)?;
    }
    root.present().map_err(err)
}

/// Held-out prediction against simulation for every component (log–log), the ±5 % band
/// dashed; real layer streams drawn as triangles.
pub fn parity_plot(points: &[ParityPoint], format: PlotFormat) -> Result<Vec<u8>, String> {
    crate::plot::render!(format, (760, 700), |area| draw_parity(area, points))
}

fn draw_parity<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    points: &[ParityPoint],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let pos: Vec<&ParityPoint> = points
        .iter()
        .filter(|p| p.simulated > 0.0 && p.predicted > 0.0)
        .collect();
    let lo = pos
        .iter()
        .map(|p| p.simulated.min(p.predicted))
        .fold(f64::INFINITY, f64::min)
        .max(1e-6)
        / 1.3;
    let hi = pos
        .iter()
        .map(|p| p.simulated.max(p.predicted))
        .fold(0.0, f64::max)
        .max(lo * 10.0)
        * 1.3;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "power models held out by stream group vs gate-level simulation",
            ("sans-serif", 15),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("simulated fJ/op (log)")
        .y_desc("model fJ/op, held out (log)")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.stroke_width(1)))
        .map_err(err)?;
    for k in [0.95, 1.05] {
        chart
            .draw_series(DashedLineSeries::new(
                [(lo, lo * k), (hi, hi * k)],
                6,
                4,
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?;
    }
    for (i, c) in COMPONENTS.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mine: Vec<&&ParityPoint> = pos.iter().filter(|p| p.component == *c).collect();
        chart
            .draw_series(
                mine.iter()
                    .filter(|p| !p.real)
                    .map(|p| Circle::new((p.simulated, p.predicted), 2, color.filled())),
            )
            .map_err(err)?
            .label(*c)
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        chart
            .draw_series(
                mine.iter().filter(|p| p.real).map(|p| {
                    TriangleMarker::new((p.simulated, p.predicted), 5, color.stroke_width(1))
                }),
            )
            .map_err(err)?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
    root.present().map_err(err)
}

/// Dynamic energy per operation against supply voltage: the reference runs (`(library,
/// V, fJ/op)`) as points and each corner's fitted law as a line.
pub fn voltage_plot(
    runs: &[(String, f64, f64)],
    models: &[FittedVoltageModel],
    format: PlotFormat,
) -> Result<Vec<u8>, String> {
    crate::plot::render!(format, (900, 600), |area| draw_voltage(area, runs, models))
}

fn draw_voltage<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    runs: &[(String, f64, f64)],
    models: &[FittedVoltageModel],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let (vmin, vmax) = runs.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
        (a.min(r.1), b.max(r.1))
    });
    let (emin, emax) = runs.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
        (a.min(r.2), b.max(r.2))
    });
    if !vmin.is_finite() || emin <= 0.0 {
        return root.present().map_err(err);
    }
    let mut chart = log_y_chart(
        &root,
        "dynamic energy vs supply voltage (8×8 two's complement MAC, uniform, B = 32)",
        vmin * 0.9..vmax * 1.05,
        emin / 1.5..emax * 1.5,
        ("supply voltage (V)", "dynamic fJ per operation (log)"),
        (12, 40, 60),
    )?;
    for (i, m) in models.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(f64, f64)> = runs
            .iter()
            .filter(|r| super::voltage::corner_of(&r.0) == m.corner)
            .map(|r| (r.1, r.2))
            .collect();
        let (a, b) = pts.iter().fold((f64::INFINITY, 0.0f64), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let line: Vec<(f64, f64)> = (0..=40)
            .map(|k| {
                let v = a + (b - a) * k as f64 / 40.0;
                (v, m.predict(v))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(line, color.stroke_width(2)))
            .map_err(err)?
            .label(format!("{} (alpha {:.2})", m.corner, m.fit.coef[1]))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
            .map_err(err)?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 11)?;
    root.present().map_err(err)
}

/// Glitch factor by architecture ([`super::sweep::glitch_factors`]): one column per
/// multiplier and accumulator-adder architecture, the unit-delay and cell-delay energy of
/// that unit over its zero-delay energy as points (1 = no glitches, dashed).
pub fn glitch_plot(
    rows: &[super::sweep::GlitchRow],
    format: PlotFormat,
) -> Result<Vec<u8>, String> {
    crate::plot::render!(format, (900, 520), |area| draw_glitch(area, rows))
}

fn draw_glitch<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    rows: &[super::sweep::GlitchRow],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let mut archs: Vec<String> = Vec::new();
    for r in rows {
        let name = format!("{} {}", r.unit, r.arch);
        if !archs.contains(&name) {
            archs.push(name);
        }
    }
    let ymax = rows
        .iter()
        .map(|r| r.glitch_factor)
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max);
    if archs.is_empty() {
        return root.present().map_err(err);
    }
    let n = archs.len() as f64;
    // Short tick labels (`mult: dadda`, `acc: ripple`), horizontal, under each column.
    let labels: Vec<String> = archs
        .iter()
        .map(|a| {
            a.replacen("multiplier ", "mult: ", 1)
                .replacen("adder ", "acc: ", 1)
        })
        .collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "glitch factor by architecture (8×8 two's complement MAC, uniform, B = 32)",
            ("sans-serif", 15),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..ymax * 1.15)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(0)
        .x_desc("multiplier (ripple accumulator) | accumulator adder (Dadda multiplier)")
        .y_desc("unit energy / zero-delay energy")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(-0.5, 1.0), (n - 0.5, 1.0)],
            6,
            4,
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(err)?;
    for (i, delay) in ["unit", "cells"].into_iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let off = if i == 0 { -0.12 } else { 0.12 };
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.delay == delay && r.glitch_factor.is_finite())
            .filter_map(|r| {
                let name = format!("{} {}", r.unit, r.arch);
                let x = archs.iter().position(|a| *a == name)? as f64;
                Some((x + off, r.glitch_factor))
            })
            .collect();
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 5, color.filled())))
            .map_err(err)?
            .label(format!("{delay} delay"))
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
    // Tick labels drawn at each column's pixel position (categorical axis).
    for (i, l) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        let style = ("sans-serif", 10).into_font().color(&BLACK).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ),
        );
        root.draw(&Text::new(l.clone(), (x, y + 6), style))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voltage_figure_draws_its_axes_caption_and_points() {
        let runs = vec![
            ("sky130_tt_025C_1v60".to_string(), 1.6, 900.0),
            ("sky130_tt_025C_1v80".to_string(), 1.8, 1200.0),
        ];
        let svg = String::from_utf8(voltage_plot(&runs, &[], PlotFormat::Svg).unwrap()).unwrap();
        assert!(svg.contains("dynamic energy vs supply voltage"), "caption");
        assert!(svg.contains("supply voltage (V)"), "x axis description");
        assert!(
            svg.contains("dynamic fJ per operation (log)"),
            "y axis description"
        );
        let empty = String::from_utf8(voltage_plot(&[], &[], PlotFormat::Svg).unwrap()).unwrap();
        let rows: Vec<super::super::sweep::GlitchRow> = [
            ("multiplier", "dadda"),
            ("multiplier", "wallace"),
            ("adder", "ripple"),
            ("adder", "kogge-stone"),
        ]
        .into_iter()
        .map(|(unit, arch)| super::super::sweep::GlitchRow {
            unit,
            arch: arch.into(),
            delay: "unit",
            fj_per_op: 2.0,
            glitch_factor: 1.6,
        })
        .collect();
        let g = String::from_utf8(glitch_plot(&rows, PlotFormat::Svg).unwrap()).unwrap();
        assert!(
            g.contains("mult: dadda") && g.contains("acc: kogge-stone") && g.contains("unit delay"),
            "labels"
        );
        assert!(!empty.contains("supply voltage (V)"), "no runs, no axes");
    }
}
