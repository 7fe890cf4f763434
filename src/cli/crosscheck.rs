//! `pann crosscheck`: one `pann simulate` run checked against OpenSTA. The circuit is written
//! as library cells (`pann netlist --cells`), the run's activity as a pin-level SAIF or VCD
//! (`--vcd-style pins`), both into a temporary directory; `sta` reads them with the cells'
//! Liberty files and its `report_power` is printed beside pann's per component: what
//! OpenSTA charges the instances of each component (instances are named after it) against
//! what pann charges the same cells (`total_cells` and its split by component: no switching
//! of port-driven nets, clock pins and leakage with their flip-flops and cells).

use super::args::{emit, CircuitArgs, ImportArgs, RunArgs};
use anyhow::{bail, Context, Result};
use clap::Args;
use pann::energy::mapped::MappedNetlist;
use pann::energy::CellLibrary;
use pann::experiment::{run, NameStyle, Outputs, Request};
use pann::netlist::{GateKind, Netlist};
use pann::stream::{Dataflow, StreamSpec};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the `sta` binary (after `--sta`, before `PATH`).
pub const STA_ENV: &str = "PANN_STA";
/// Environment variable naming a directory searched (recursively) for Liberty files.
pub const LIBERTY_DIR_ENV: &str = "PANN_LIBERTY_DIR";

/// How the activity is handed to OpenSTA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityFile {
    /// Backward SAIF (`read_saif`): any run length.
    Saif,
    /// Pin-level VCD (`read_vcd`): every transition; large for long runs.
    Vcd,
}

/// Output format.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CrossFormat {
    /// Human-readable table.
    Table,
    /// Tidy CSV.
    Csv,
    /// One JSON object.
    Json,
}

/// `pann crosscheck`.
#[derive(Args, Debug)]
pub struct CrosscheckArgs {
    #[command(flatten)]
    pub circuit: CircuitArgs,
    /// Operand stream (as `pann simulate --stream`).
    #[arg(long, default_value = "uniform")]
    pub stream: StreamSpec,
    /// Dataflow (as `pann simulate --dataflow`).
    #[arg(long, default_value = "output-stationary")]
    pub dataflow: Dataflow,
    /// Cycles to simulate (one operand pair each, at least 2).
    #[arg(long, default_value_t = 2000)]
    pub cycles: u64,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub import: ImportArgs,
    /// The OpenSTA binary (default: $PANN_STA, else `sta` on PATH). Needs OpenSTA ≥ 3 (VCD
    /// and SAIF power).
    #[arg(long)]
    pub sta: Option<PathBuf>,
    /// Liberty file(s) of the --cells library (repeat for several); default: the library's
    /// source files, found by name under $PANN_LIBERTY_DIR, ./liberty or ../shared/liberty
    /// and checked against their recorded SHA-256.
    #[arg(long)]
    pub liberty: Vec<PathBuf>,
    /// Activity file handed to OpenSTA.
    #[arg(long, value_enum, default_value_t = ActivityFile::Saif)]
    pub activity: ActivityFile,
    /// Keep the netlist, activity, Tcl script and OpenSTA log in this directory (created)
    /// instead of a temporary one.
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CrossFormat::Table)]
    pub format: CrossFormat,
    /// Write the report here (atomically) instead of standard output.
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
}

/// One row: a component or the total.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Component key (instance-name prefix) or `total`.
    pub component: String,
    /// pann, fJ/op.
    pub pann_fj_per_op: f64,
    /// OpenSTA, fJ/op (power × clock period).
    pub opensta_fj_per_op: f64,
    /// pann / OpenSTA − 1, percent.
    pub diff_pct: f64,
}

/// The whole comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Crosscheck {
    /// The circuit.
    pub circuit: String,
    /// Cell library id.
    pub library: String,
    /// Delay model of the pann run.
    pub delay: String,
    /// Clock period, ns.
    pub clock_ns: f64,
    /// Operations simulated.
    pub operations: u64,
    /// Activity file type.
    pub activity: ActivityFile,
    /// OpenSTA's version line.
    pub sta_version: String,
    /// Pins OpenSTA annotated from the file, and left unannotated.
    pub annotated_pins: u64,
    /// Pins left unannotated (0 when every pin was found).
    pub unannotated_pins: u64,
    /// The command line.
    pub command: String,
    /// Per component, then `total`.
    pub rows: Vec<Row>,
}

/// The `sta` binary: `--sta`, `$PANN_STA`, else `sta` on `PATH`; an error if none runs.
fn find_sta(given: &Option<PathBuf>) -> Result<(PathBuf, String)> {
    let (p, from) = match (given, std::env::var_os(STA_ENV)) {
        (Some(p), _) => (p.clone(), "--sta"),
        (None, Some(p)) => (PathBuf::from(p), "$PANN_STA"),
        (None, None) => (PathBuf::from("sta"), "PATH"),
    };
    let out = Command::new(&p).arg("-version").output();
    match out {
        Ok(o) if o.status.success() => {
            let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
            // OpenSTA before 3 (Debian's 2.0.17) has no read_vcd/read_saif.
            let major = v
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|m| m.parse::<u32>().ok());
            if major.is_some_and(|m| m < 3) {
                bail!(
                    "OpenSTA {v} at {} (from {from}) reads no VCD or SAIF; crosscheck needs OpenSTA 3 or later: pass --sta PATH or set {STA_ENV}",
                    p.display()
                );
            }
            Ok((p, v))
        }
        _ => bail!(
            "OpenSTA not found: {} (from {from}) does not run; install OpenSTA 3 or pass --sta PATH",
            p.display()
        ),
    }
}

/// Files named `name` under `dir`, recursively.
fn find_named(dir: &Path, name: &str, found: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            find_named(&p, name, found);
        } else if p.file_name().is_some_and(|f| f == name) {
            found.push(p);
        }
    }
}

/// The Liberty files of `lib`: `given`, else its recorded sources found by name (and SHA-256).
fn liberty_files(lib: &CellLibrary, given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        for p in given {
            if !p.is_file() {
                bail!("--liberty {}: no such file", p.display());
            }
        }
        return Ok(given.to_vec());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os(LIBERTY_DIR_ENV)
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.extend([PathBuf::from("liberty"), PathBuf::from("../shared/liberty")]);
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/liberty"));
    let mut out = Vec::new();
    for s in &lib.sources {
        let name = Path::new(&s.path)
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_else(|| s.path.clone());
        let mut found = Vec::new();
        for d in &dirs {
            find_named(d, &name, &mut found);
        }
        let hit = found
            .into_iter()
            .find(|p| std::fs::read(p).is_ok_and(|b| pann::energy::sha256_hex(&b) == s.sha256));
        match hit {
            Some(p) => out.push(p),
            None => bail!(
                "--cells {}: its Liberty source {name} (sha256 {}) is not under ${LIBERTY_DIR_ENV}, \
                 ./liberty or ../shared/liberty; pass --liberty PATH",
                lib.id,
                &s.sha256[..12.min(s.sha256.len())]
            ),
        }
    }
    if out.is_empty() {
        bail!(
            "--cells {}: the library records no Liberty source; pass --liberty PATH",
            lib.id
        );
    }
    Ok(out)
}

/// `set_load` per net as pann loads it: `wire_cap_ff` per fan-out (the pins' own capacitance
/// OpenSTA takes from the Liberty file), pF.
fn loads_tcl(n: &Netlist, wire_cap_ff: f64) -> String {
    let mut fanout = vec![0usize; n.len()];
    for g in n.gates() {
        for x in g.inputs() {
            fanout[x.idx()] += 1;
        }
    }
    let mut s = String::new();
    for (i, g) in n.gates().iter().enumerate() {
        let named = !matches!(g.kind, GateKind::Const0 | GateKind::Const1);
        if named && fanout[i] > 0 && wire_cap_ff > 0.0 {
            let pf = 1e-3 * wire_cap_ff * fanout[i] as f64;
            s += &format!("set_load {pf} [get_nets n{i}]\n");
        }
    }
    s
}

/// The component an instance name (`multiplier_n57_inv_b`) belongs to.
fn component_of(inst: &str) -> &str {
    inst.match_indices("_n")
        .find(|(i, _)| inst[i + 2..].starts_with(|c: char| c.is_ascii_digit()))
        .map_or(inst, |(i, _)| &inst[..i])
}

/// Run `pann crosscheck`.
pub fn run_crosscheck(a: CrosscheckArgs) -> Result<()> {
    if let Some(p) = &a.out {
        pann::report::check_target(p)?;
    }
    let (sta, sta_version) = find_sta(&a.sta)?;
    let lib = CellLibrary::load(&a.run.library.cells)?;
    let liberty = liberty_files(&lib, &a.liberty)?;
    let tmp = tempfile::tempdir()?;
    let dir = match &a.keep {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("--keep {}", d.display()))?;
            d.clone()
        }
        None => tmp.path().to_path_buf(),
    };
    let circuit = a.import.circuit(&a.circuit)?;
    let act_file = dir.join(match a.activity {
        ActivityFile::Saif => "activity.saif",
        ActivityFile::Vcd => "activity.vcd",
    });
    let mut outputs = Outputs {
        names: NameStyle::Pins,
        ..Outputs::default()
    };
    match a.activity {
        ActivityFile::Saif => outputs.saif = Some(act_file.clone()),
        ActivityFile::Vcd => outputs.vcd = Some(act_file.clone()),
    }
    let req = Request {
        outputs,
        ..a.run
            .request(circuit, &a.stream, a.dataflow, Some(a.cycles))
    };
    let report = run(&req, &mut |_| {})?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let e = report
        .energy
        .as_ref()
        .context("the run has no energy report")?;
    let clock_ns = e.options.clock_ns;
    let n = req.circuit.netlist();
    let mut v = Vec::new();
    MappedNetlist::new(n, &lib, "pann")?.write_verilog(n, &mut v)?;
    std::fs::write(dir.join("pann.v"), v)?;
    std::fs::write(dir.join("loads.tcl"), loads_tcl(n, req.wire_cap_ff))?;
    let read = match a.activity {
        ActivityFile::Saif => "read_saif -scope pann activity.saif",
        ActivityFile::Vcd => "read_vcd -scope pann activity.vcd",
    };
    let clock = if n.is_sequential() {
        format!("create_clock -name clk -period {clock_ns} [get_ports clk]")
    } else {
        format!("create_clock -name clk -period {clock_ns}")
    };
    let mut tcl = String::new();
    for l in &liberty {
        let abs = std::fs::canonicalize(l).unwrap_or_else(|_| l.clone());
        tcl += &format!("read_liberty {{{}}}\n", abs.display());
    }
    tcl += &format!(
        "read_verilog pann.v\nlink_design pann\n{clock}\nsource loads.tcl\n{read}\n\
         report_activity_annotation\nputs BEGIN_JSON\n\
         report_power -instances [get_cells *] -format json -digits 9\nputs END_JSON\nexit\n"
    );
    std::fs::write(dir.join("crosscheck.tcl"), &tcl)?;
    let o = Command::new(&sta)
        .args(["-no_init", "-exit", "crosscheck.tcl"])
        .current_dir(&dir)
        .output()
        .with_context(|| format!("running {}", sta.display()))?;
    let log = String::from_utf8_lossy(&o.stdout).to_string();
    std::fs::write(dir.join("sta.log"), &log)?;
    if !o.status.success() {
        bail!(
            "{} failed (exit {:?}): {}",
            sta.display(),
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
    }
    let count = |key: &str| -> u64 {
        log.lines()
            .find_map(|l| {
                let mut t = l.split_whitespace();
                (t.next()? == key).then(|| t.next()?.parse().ok())?
            })
            .unwrap_or(0)
    };
    let json = log
        .split("BEGIN_JSON")
        .nth(1)
        .and_then(|s| s.split("END_JSON").next())
        .context("no report_power output from OpenSTA")?;
    let insts: Vec<serde_json::Value> =
        serde_json::from_str(json.trim()).context("OpenSTA's report_power JSON")?;
    let mut sta_by: BTreeMap<String, f64> = BTreeMap::new();
    for i in &insts {
        let name = i["name"].as_str().unwrap_or("");
        let w = i["total"].as_f64().unwrap_or(0.0);
        *sta_by.entry(component_of(name).to_string()).or_default() += w * clock_ns * 1e6;
    }
    let row = |c: &str, p: f64, s: f64| Row {
        component: c.to_string(),
        pann_fj_per_op: p,
        opensta_fj_per_op: s,
        diff_pct: 100.0 * (p / s - 1.0),
    };
    let mut rows: Vec<Row> = e
        .cells_fj_per_op_by_component
        .iter()
        .filter(|(c, p)| **p > 0.0 || sta_by.contains_key(*c))
        .map(|(c, p)| row(c, *p, sta_by.get(c).copied().unwrap_or(0.0)))
        .collect();
    for (c, s) in &sta_by {
        if !e.cells_fj_per_op_by_component.contains_key(c) {
            rows.push(row(c, 0.0, *s));
        }
    }
    rows.push(row(
        "total",
        e.cells_total_fj_per_op(),
        sta_by.values().sum(),
    ));
    let cc = Crosscheck {
        circuit: report.circuit.clone(),
        library: lib.id.clone(),
        delay: report.delay.clone(),
        clock_ns,
        operations: report.operations,
        activity: a.activity,
        sta_version,
        annotated_pins: count("vcd").max(count("saif")),
        unannotated_pins: count("unannotated"),
        command: req.command.clone(),
        rows,
    };
    if cc.unannotated_pins > 0 {
        eprintln!(
            "warning: OpenSTA left {} pins unannotated (default activity)",
            cc.unannotated_pins
        );
    }
    let text = match a.format {
        CrossFormat::Json => serde_json::to_string_pretty(&cc)? + "\n",
        CrossFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "circuit",
                "library",
                "delay",
                "clock_ns",
                "operations",
                "activity",
                "component",
                "pann_fj_per_op",
                "opensta_fj_per_op",
                "diff_pct",
            ])?;
            for r in &cc.rows {
                w.write_record([
                    cc.circuit.clone(),
                    cc.library.clone(),
                    cc.delay.clone(),
                    cc.clock_ns.to_string(),
                    cc.operations.to_string(),
                    format!("{:?}", cc.activity).to_lowercase(),
                    r.component.clone(),
                    format!("{:.6}", r.pann_fj_per_op),
                    format!("{:.6}", r.opensta_fj_per_op),
                    format!("{:.4}", r.diff_pct),
                ])?;
            }
            String::from_utf8(w.into_inner().map_err(|e| e.into_error())?)?
        }
        CrossFormat::Table => {
            let mut s = format!(
                "circuit   {}\ncells     {}, delay {}, clock {} ns, {} operations\n\
                 opensta   {} ({} pins annotated from the {}, {} not)\n",
                cc.circuit,
                cc.library,
                cc.delay,
                cc.clock_ns,
                cc.operations,
                cc.sta_version,
                cc.annotated_pins,
                format!("{:?}", cc.activity).to_uppercase(),
                cc.unannotated_pins
            );
            s += &format!(
                "{:<14} {:>14} {:>14} {:>9}\n",
                "component", "pann fJ/op", "OpenSTA fJ/op", "diff"
            );
            for r in &cc.rows {
                s += &format!(
                    "{:<14} {:>14.2} {:>14.2} {:>8.2}%\n",
                    r.component, r.pann_fj_per_op, r.opensta_fj_per_op, r.diff_pct
                );
            }
            s += "(pann: energy of the cells as sign-off tools count it, i.e. without the \
                  switching of nets driven by ports; clock pins and leakage with their cells)\n";
            s
        }
    };
    emit(&a.out, &text)
}
