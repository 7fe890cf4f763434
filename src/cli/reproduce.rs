//! `pann reproduce`: the paper's claims measured as commands ([`pann::tradeoff::claims`]),
//! with the power–accuracy curves they need, written into one folder: `index.html` and
//! `index.md` (what was run, provenance, timings, tables, figures, verdicts), `claims.md`,
//! `claims.csv` and one `curve-<model>-<dataset>/` folder per network.

use super::args::{command_line, count_bar};
use super::curve::{compute_timed, prepare_dir, write_curve, write_file, CurveArgs, PtqArgs};
use anyhow::{Context, Result};
use clap::Args;
use pann::tradeoff::claims::{self, claims_markdown, claims_rows, Claim, CLAIM_COLUMNS};
use pann::tradeoff::index::{code, link, text, Block, Inline, Page};
use pann::tradeoff::output::{budget_rows, budget_table, csv_text, BUDGET_COLUMNS};
use pann::tradeoff::{Curve, CurveConfig};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `pann reproduce`.
#[derive(Args, Debug)]
pub struct ReproduceArgs {
    /// Output folder (created; must not be a file).
    #[arg(long)]
    pub out: PathBuf,
    /// CI settings: ccexam-cnn on MNIST only, 300 test and 300 held-out images, quick
    /// sample and R grid.
    #[arg(long)]
    pub quick: bool,
    /// Networks as MODEL:DATASET, comma-separated (default: ccexam-cnn:mnist, and
    /// lenet5:fashion-mnist without --quick).
    #[arg(long, value_delimiter = ',')]
    pub network: Option<Vec<String>>,
    /// Coefficients CSV of `pann fit` (default: the quick design fitted on the fly).
    #[arg(long)]
    pub models: Option<PathBuf>,
    /// Evaluate only the first N test images (default: all; 300 with --quick).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Held-out training images choosing b̃x and R (default: 2000; 300 with --quick).
    #[arg(long)]
    pub heldout: Option<usize>,
    #[command(flatten)]
    pub ptq: PtqArgs,
    /// Data directory (default: ./data, else the crate's data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Top-1 gap to float claim 5 allows (points): 1 on MNIST, 2 on Fashion-MNIST.
fn allowed_gap(dataset: &str) -> f64 {
    if dataset == "mnist" {
        1.0
    } else {
        2.0
    }
}

/// Networks the claims are measured on: (model, dataset).
fn networks(a: &ReproduceArgs) -> Result<Vec<(String, String)>> {
    let Some(list) = &a.network else {
        let mut v = vec![("ccexam-cnn".to_string(), "mnist".to_string())];
        if !a.quick {
            v.push(("lenet5".into(), "fashion-mnist".into()));
        }
        return Ok(v);
    };
    list.iter()
        .map(|n| {
            let (m, d) = n
                .split_once(':')
                .with_context(|| format!("--network {n}: expected MODEL:DATASET"))?;
            Ok((m.to_string(), d.to_string()))
        })
        .collect()
}

/// The `pann curve` command line equivalent to one network of the run.
fn curve_command(ca: &CurveArgs) -> String {
    let mut s = format!("pann curve --model {} --dataset {}", ca.model, ca.dataset);
    if ca.quick {
        s += " --quick";
    }
    if let Some(n) = ca.limit {
        s += &format!(" --limit {n}");
    }
    if let Some(n) = ca.heldout {
        s += &format!(" --heldout {n}");
    }
    s += &ca.ptq.flags();
    if let Some(m) = &ca.models {
        s += &format!(" --models {}", m.display());
    }
    if let Some(d) = &ca.data_dir {
        s += &format!(" --data-dir {}", d.display());
    }
    s + &format!(" --out {}", ca.out.display())
}

fn sha256_file(p: &Path) -> String {
    match std::fs::read(p) {
        Ok(b) => format!("{:x}", sha2::Sha256::digest(&b)),
        Err(_) => "unreadable".into(),
    }
}

/// Wall time of each stage, with a spinner for stages without inner progress.
struct Stages {
    quiet: bool,
    times: Vec<(String, f64)>,
}

impl Stages {
    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let pb = count_bar(1, name, self.quiet);
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        let t = Instant::now();
        let v = f()?;
        pb.set_position(1);
        pb.finish();
        self.times
            .push((name.to_string(), t.elapsed().as_secs_f64()));
        Ok(v)
    }
}

/// One network of the run.
struct Net {
    args: CurveArgs,
    config: CurveConfig,
    curve: Option<Curve>,
}

/// Run `pann reproduce`.
pub fn run(a: ReproduceArgs) -> Result<()> {
    anyhow::ensure!(
        !a.out.exists() || a.out.is_dir(),
        "--out {}: exists and is not a folder",
        a.out.display()
    );
    let start = Instant::now();
    let mut st = Stages {
        quiet: a.quiet,
        times: Vec::new(),
    };
    let mut nets = Vec::new();
    for (model, dataset) in networks(&a)? {
        let args = CurveArgs {
            out: a.out.join(format!("curve-{model}-{dataset}")),
            model,
            dataset,
            limit: a.limit.or(a.quick.then_some(300)),
            heldout: a.heldout.or(a.quick.then_some(300)),
            quick: a.quick,
            models: a.models.clone(),
            cells: pann::energy::DEFAULT_LIBRARY.into(),
            energy: super::args::EnergyArgs {
                clock_ns: None,
                wire_cap_ff: pann::experiment::condition::DEFAULT_WIRE_CAP_FF,
            },
            ptq: a.ptq.clone(),
            seed: 0,
            data_dir: a.data_dir.clone(),
            quiet: a.quiet,
        };
        let what = if a.models.is_some() {
            "load power models"
        } else {
            "fit power models (quick design)"
        };
        let config = st.run(
            &format!("{} on {}: check inputs, {what}", args.model, args.dataset),
            || args.config(),
        )?;
        nets.push(Net {
            args,
            config,
            curve: None,
        });
    }
    anyhow::ensure!(
        !nets.is_empty(),
        "--network: give at least one MODEL:DATASET"
    );
    let src = nets[0].config.source.clone();
    let seed = pann::experiment::condition::DEFAULT_SEED;
    let claim1 = st.run("claim 1: accumulator toggles (synthetic)", || {
        Ok(claims::claim1(&src, seed)?)
    })?;
    let claim3 = st.run("claim 3: unsigned conversion (synthetic)", || {
        Ok(claims::claim3(&src, seed)?)
    })?;
    for n in &mut nets {
        let label = format!("{} on {}: ", n.args.model, n.args.dataset);
        let (curve, times) = compute_timed(&n.config, a.quiet, &label)?;
        st.times
            .extend(times.into_iter().map(|(s, t)| (format!("{label}{s}"), t)));
        n.curve = Some(curve);
    }
    let curves: Vec<(&Net, &Curve)> = nets
        .iter()
        .map(|n| (n, n.curve.as_ref().expect("computed")))
        .collect();
    let first = curves[0].1;
    let claim2 = st.run("claim 2: real streams", || {
        Ok(claims::claim2(&src, first, seed)?)
    })?;
    let mut list: Vec<Claim> = vec![claim1, claim2, claim3];
    for (_, curve) in &curves {
        let tag = |mut c: Claim| {
            c.claim = format!("[{} on {}] {}", curve.model, curve.dataset, c.claim);
            c
        };
        list.push(tag(claims::claim4(curve)));
        list.push(tag(claims::claim5(curve, allowed_gap(&curve.dataset), 0.5)));
        list.push(tag(claims::claim6(curve, 0.5)));
        list.push(tag(claims::claim7(curve)));
        list.push(tag(claims::claim8(curve)));
    }

    let write_start = Instant::now();
    prepare_dir(&a.out)?;
    let mut header = format!(
        "Command: `{}`. Library {}, clock {} ns, B = 32, zero-delay gate-level simulation of sampled real streams ({} pairs per layer on {} test images); power models: {}. See index.html for timings and provenance.\n",
        command_line(),
        src.cells,
        src.clock_ns,
        nets[0].config.sample.pairs(),
        nets[0].config.sample.images,
        a.models
            .as_ref()
            .map_or("quick design fitted on the fly".to_string(), |p| p.display().to_string()),
    );
    for (n, curve) in &curves {
        header += &format!(
            "\n`{}`\n\n```\n{}```\n",
            curve_command(&n.args),
            budget_table(curve)
        );
        prepare_dir(&n.args.out)?;
        write_curve(&n.args.out, curve)?;
    }
    let md = claims_markdown(&list, &header);
    write_file(&a.out.join("claims.md"), md.as_bytes())?;
    let csv = csv_text(&CLAIM_COLUMNS, &claims_rows(&list))?;
    write_file(&a.out.join("claims.csv"), csv.as_bytes())?;
    st.times.push((
        "write tables and figures".into(),
        write_start.elapsed().as_secs_f64(),
    ));
    let secs = start.elapsed().as_secs_f64();
    let page = index_page(&a, &curves, &list, &st.times, secs)?;
    // index.md is written next (with the page itself).
    let mut missing = page.missing_targets(&a.out);
    missing.retain(|t| t != "index.md");
    anyhow::ensure!(
        missing.is_empty(),
        "index: links to files that were not written: {}",
        missing.join(", ")
    );
    write_file(&a.out.join("index.md"), page.markdown().as_bytes())?;
    write_file(&a.out.join("index.html"), page.html().as_bytes())?;
    for c in &list {
        println!("claim {}: {} — {}", c.id, c.verdict, c.measured);
    }
    if !a.quiet {
        eprintln!(
            "{} claims in {secs:.1} s; open {}",
            list.len(),
            a.out.join("index.html").display()
        );
    }
    Ok(())
}

/// Path of `p` relative to the output folder `out`.
fn rel(out: &Path, p: &Path) -> String {
    p.strip_prefix(out)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

fn cells(row: Vec<String>) -> Vec<Vec<Inline>> {
    row.into_iter().map(|c| vec![text(c)]).collect()
}

/// The index page of the run.
fn index_page(
    a: &ReproduceArgs,
    curves: &[(&Net, &Curve)],
    claims: &[Claim],
    times: &[(String, f64)],
    secs: f64,
) -> Result<Page> {
    let title = "pann reproduce: PANN claims, power–accuracy curves".to_string();
    let mut b = vec![Block::Heading(1, title.clone())];
    let src = &curves[0].0.config.source;
    let lib = pann::energy::CellLibrary::load(&src.cells)
        .with_context(|| format!("--cells {}", src.cells))?;
    let data_dir = &curves[0].0.config.data_dir;

    b.push(Block::Heading(2, "What was run".into()));
    b.push(Block::Para(vec![text(format!(
        "One command, {:.0} s wall time on {} threads:",
        secs,
        rayon::current_num_threads()
    ))]));
    b.push(Block::Pre(command_line()));
    b.push(Block::Para(vec![text(
        "It measured claims 1 and 3 on synthetic operand streams and, for each network below, ran the equivalent of:",
    )]));
    b.push(Block::Pre(
        curves
            .iter()
            .map(|(n, _)| curve_command(&n.args))
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let q = curves[0].0.config.clone();
    let mut prov = vec![
        vec![
            text("pann "),
            code(format!(
                "{} (git {})",
                env!("CARGO_PKG_VERSION"),
                pann::experiment::report::GIT_REV
            )),
        ],
        vec![text(format!(
            "Cell library {} (Liberty {}; corner: process {}, {} V, {} °C), clock {} ns, wire load {} fF per fan-out, accumulators B = 32 bits, zero-delay gate-level simulation",
            lib.id, lib.library, lib.process, lib.voltage_v, lib.temperature_c, src.clock_ns, src.wire_cap_ff
        ))],
        vec![text(match &a.models {
            Some(p) => format!(
                "Power models: {} (sha256 {})",
                p.display(),
                sha256_file(p)
            ),
            None => format!(
                "Power models: the quick design fitted on the fly (seed {})",
                q.seed
            ),
        })],
        vec![text(format!(
            "Seeds: {} for the calibration ({} images) and held-out ({} images) splits of the training set and the quick fit; {} for the synthetic streams of claims 1–3",
            q.seed,
            q.calib_size,
            q.heldout,
            pann::experiment::condition::DEFAULT_SEED
        ))],
        vec![text(format!(
            "Post-training quantization: {} (PANN Δw granularity; activation clipping and bias correction of every quantized network)",
            q.ptq.name()
        ))],
        vec![text(format!(
            "Energy: every layer's own real stream sampled ({} pairs per layer from the first {} test images) and simulated gate by gate",
            q.sample.pairs(),
            q.sample.images
        ))],
    ];
    for (n, c) in curves {
        let w = data_dir.join(n.config.model.weights_file(n.config.dataset));
        prov.push(vec![
            text(format!("Model {} on {}: weights ", c.model, c.dataset)),
            code(rel(data_dir, &w)),
            text(format!(
                " (sha256 {}), {} test images, {} held-out images",
                sha256_file(&w),
                c.images,
                c.heldout_images
            )),
        ]);
    }
    b.push(Block::List(prov));

    b.push(Block::Heading(2, "Timings per stage".into()));
    let mut rows: Vec<Vec<Vec<Inline>>> = times
        .iter()
        .map(|(s, t)| cells(vec![s.clone(), format!("{t:.1}")]))
        .collect();
    rows.push(cells(vec!["total".into(), format!("{secs:.1}")]));
    b.push(Block::Table {
        header: vec!["stage".into(), "seconds".into()],
        rows,
    });

    b.push(Block::Heading(2, "Claims and verdicts".into()));
    b.push(Block::Para(vec![
        text("Tables: "),
        link("claims.csv", "claims.csv"),
        text(" (one row per measured number), "),
        link("claims.md", "claims.md"),
        text(". Statements from the paper (../shared/PAPER.md); each verdict is computed from the numbers below."),
    ]));
    b.push(Block::Table {
        header: vec![
            "#".into(),
            "claim".into(),
            "verdict".into(),
            "measured".into(),
        ],
        rows: claims
            .iter()
            .map(|c| {
                vec![
                    vec![text(c.id.to_string())],
                    vec![text(c.claim.clone())],
                    vec![Inline::Strong(c.verdict.clone())],
                    vec![text(c.measured.clone())],
                ]
            })
            .collect(),
    });

    for (n, c) in curves {
        let dir = rel(&a.out, &n.args.out);
        let float = c
            .points
            .iter()
            .find(|p| p.method == "float")
            .map_or(f64::NAN, |p| p.top1);
        b.push(Block::Heading(2, format!("{} on {}", c.model, c.dataset)));
        b.push(Block::Pre(curve_command(&n.args)));
        b.push(Block::Para(vec![
            text(format!(
                "Float top-1 {float:.2} % on {} test images. Tables: ",
                c.images
            )),
            link("curve.csv", format!("{dir}/curve.csv")),
            text(" (every network, one row per accounting), "),
            link("layers.csv", format!("{dir}/layers.csv")),
            text(" (per layer and component). At each b-bit budget (the energy of the uniform b-bit network), the PANN network whose b̃x and R the held-out split chose:"),
        ]));
        b.push(Block::Table {
            header: BUDGET_COLUMNS.iter().map(|s| s.to_string()).collect(),
            rows: budget_rows(c).into_iter().map(cells).collect(),
        });
        b.push(Block::Para(vec![text(
            "R marked * is the smallest R of the grid, already over the budget.",
        )]));
        b.push(Block::Figure {
            src: format!("{dir}/curve.png"),
            caption: format!(
                "{} on {}: top-1 against energy per inference, both accountings",
                c.model, c.dataset
            ),
            also: vec![("SVG".into(), format!("{dir}/curve.svg"))],
        });
    }
    b.push(Block::Para(vec![
        text("This page as Markdown: "),
        link("index.md", "index.md"),
        text("."),
    ]));
    Ok(Page { title, blocks: b })
}
