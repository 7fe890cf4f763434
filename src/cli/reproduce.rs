//! `pann reproduce`: the paper's claims measured as commands ([`pann::tradeoff::claims`]),
//! with the power–accuracy curves they need, written into one folder: `claims.md`,
//! `claims.csv` and one `curve-<model>-<dataset>/` folder per network.

use super::args::command_line;
use super::curve::{compute, prepare_dir, write_curve, write_file, CurveArgs};
use anyhow::Result;
use clap::Args;
use pann::tradeoff::claims::{self, claims_markdown, claims_rows, Claim, CLAIM_COLUMNS};
use pann::tradeoff::output::{budget_table, csv_text};
use std::path::PathBuf;

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
    /// Coefficients CSV of `pann fit` (default: the quick design fitted on the fly).
    #[arg(long)]
    pub models: Option<PathBuf>,
    /// Evaluate only the first N test images (default: all; 300 with --quick).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Data directory (default: ./data, else the crate's data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Networks the claims are measured on, with the top-1 gap claim 5 allows (points).
fn networks(quick: bool) -> Vec<(&'static str, &'static str, f64)> {
    let mut v = vec![("ccexam-cnn", "mnist", 1.0)];
    if !quick {
        v.push(("lenet5", "fashion-mnist", 2.0));
    }
    v
}

/// Run `pann reproduce`.
pub fn run(a: ReproduceArgs) -> Result<()> {
    anyhow::ensure!(
        !a.out.exists() || a.out.is_dir(),
        "--out {}: exists and is not a folder",
        a.out.display()
    );
    let start = std::time::Instant::now();
    let mut configs = Vec::new();
    for (model, dataset, gap) in networks(a.quick) {
        let ca = CurveArgs {
            model: model.into(),
            dataset: dataset.into(),
            out: a.out.join(format!("curve-{model}-{dataset}")),
            limit: a.limit.or(a.quick.then_some(300)),
            quick: a.quick,
            models: a.models.clone(),
            cells: pann::energy::DEFAULT_LIBRARY.into(),
            energy: super::args::EnergyArgs {
                clock_ns: None,
                wire_cap_ff: pann::experiment::condition::DEFAULT_WIRE_CAP_FF,
            },
            r: None,
            act_bits: None,
            seed: 0,
            data_dir: a.data_dir.clone(),
            quiet: a.quiet,
        };
        let mut c = ca.config()?;
        if a.quick {
            c.heldout = 300;
        }
        configs.push((ca, c, gap));
    }
    let src = configs[0].1.source.clone();
    let seed = pann::experiment::condition::DEFAULT_SEED;
    let mut list: Vec<Claim> = vec![claims::claim1(&src, seed)?];
    let claim3 = claims::claim3(&src, seed)?;
    let mut curves = Vec::new();
    for (ca, c, gap) in &configs {
        let curve = compute(c, a.quiet)?;
        curves.push((ca.out.clone(), curve, *gap));
    }
    let (_, first, _) = &curves[0];
    list.push(claims::claim2(&src, first, seed)?);
    list.push(claim3);
    for (_, curve, gap) in &curves {
        let tag = |mut c: Claim| {
            c.claim = format!("[{} on {}] {}", curve.model, curve.dataset, c.claim);
            c
        };
        list.push(tag(claims::claim4(curve)));
        list.push(tag(claims::claim5(curve, *gap, 0.5)));
        list.push(tag(claims::claim6(curve, 0.5)));
        list.push(tag(claims::claim7(curve)));
    }
    list.push(claims::claim8());
    let secs = start.elapsed().as_secs_f64();
    let mut header = format!(
        "Command: `{}` ({:.0} s). Library {}, clock {} ns, B = 32, zero-delay gate-level simulation of sampled real streams ({} pairs per layer on {} test images); power models: {}.\n",
        command_line(),
        secs,
        src.cells,
        src.clock_ns,
        configs[0].1.sample.pairs(),
        configs[0].1.sample.images,
        a.models.as_ref().map_or("quick design fitted on the fly".to_string(), |p| p.display().to_string()),
    );
    for (dir, curve, _) in &curves {
        header += &format!(
            "\n`{}`: `pann curve --model {} --dataset {} --out {}{}`\n\n```\n{}```\n",
            dir.display(),
            curve.model,
            curve.dataset,
            dir.display(),
            if a.quick { " --quick --limit 300" } else { "" },
            budget_table(curve)
        );
    }
    prepare_dir(&a.out)?;
    for (dir, curve, _) in &curves {
        prepare_dir(dir)?;
        write_curve(dir, curve)?;
    }
    let md = claims_markdown(&list, &header);
    write_file(&a.out.join("claims.md"), md.as_bytes())?;
    let csv = csv_text(&CLAIM_COLUMNS, &claims_rows(&list))?;
    write_file(&a.out.join("claims.csv"), csv.as_bytes())?;
    for c in &list {
        println!("claim {}: {} — {}", c.id, c.verdict, c.measured);
    }
    if !a.quiet {
        eprintln!(
            "{} claims in {secs:.1} s; wrote claims.md, claims.csv in {}",
            list.len(),
            a.out.display()
        );
    }
    Ok(())
}
