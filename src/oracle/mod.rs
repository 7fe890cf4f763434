//! External oracle: Icarus Verilog (`iverilog` + `vvp`) simulates a netlist exported as
//! structural Verilog — zero-delay, or with an inertial `assign #d` per gate — under a
//! generated testbench, and its VCD is read back into per-net toggle counts, per-cycle output
//! values and per-cycle settle times, to compare with `pann`'s own simulators.
//!
//! Testbench timing (period `P` ticks of 1 ns, `P` longer than any path): vector 0 is applied
//! at time 0 and settles without counting; at time `c·P` the clock rises (flip-flops capture
//! the D values settled in cycle `c − 1`) and vector `c` is applied with non-blocking
//! assignments, so registers and inputs change together at tick 0 of the cycle, exactly as in
//! [`crate::sim`]. Only value changes at or after time `P` are counted.

mod vcd;

pub use vcd::{parse_vcd, VcdCounts};

use crate::netlist::{write_verilog, GateStyle, NetId, Netlist, VerilogOptions};
use crate::sim::reference::PortValues;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Errors of the Icarus oracle.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    /// Writing or reading a work file failed.
    #[error("oracle: {what}: {cause}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// `iverilog` or `vvp` failed or is not installed.
    #[error("oracle: `{tool}` failed: {message}")]
    Tool {
        /// The command.
        tool: String,
        /// Its stderr (or why it could not start).
        message: String,
    },
    /// The VCD could not be understood.
    #[error("oracle: bad VCD: {0}")]
    Vcd(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> OracleError {
    let what = what.into();
    move |cause| OracleError::Io { what, cause }
}

/// True if `iverilog` and `vvp` can be run. Under CI (`CI` set in the environment) a missing
/// Icarus is a failure, not a reason to skip: the oracle checks must run there.
pub fn icarus_available() -> bool {
    let ok = tool_available(&["iverilog", "vvp"]);
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI is set but Icarus Verilog (iverilog, vvp) is not installed: .ci/run must install it"
    );
    ok
}

/// True if Yosys can be run; under CI a missing Yosys is a failure, as for
/// [`icarus_available`].
pub fn yosys_available() -> bool {
    let ok = tool_available(&["yosys"]);
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI is set but yosys is not installed: .ci/run must install it"
    );
    ok
}

/// True if every tool in `tools` runs with `-V` and prints something.
pub fn tool_available(tools: &[&str]) -> bool {
    tools.iter().all(|t| {
        Command::new(t)
            .arg("-V")
            .output()
            .map(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
            .unwrap_or(false)
    })
}

/// The netlist as Verilog with per-net delays `delays` (ticks of 1 ns; `None` = zero delay),
/// an `assign #d` per gate, multi-level cells written in `style`.
pub fn export_verilog(n: &Netlist, delays: Option<&[u32]>, style: GateStyle) -> String {
    let opts = VerilogOptions {
        delays: delays.map(|d| d.to_vec()),
        style,
        ..VerilogOptions::default()
    };
    let mut buf = Vec::new();
    write_verilog(n, &opts, &mut buf).expect("write to memory");
    String::from_utf8(buf).expect("Verilog is ASCII")
}

/// A clock period (ticks) longer than any path of the netlist under `delays`.
pub fn safe_period(n: &Netlist, delays: Option<&[u32]>) -> u32 {
    let zero = vec![0; n.len()];
    let d = delays.unwrap_or(&zero);
    let w = crate::sim::delay::windows(n, d);
    let longest = w.iter().map(|x| x.1).max().unwrap_or(0);
    (longest + 2).max(4) * 2
}

/// Write the testbench `tb` driving module `pann` with `vectors` read from `<port>.hex`.
fn write_testbench(n: &Netlist, len: usize, period: u32, w: &mut dyn Write) -> std::io::Result<()> {
    let seq = n.is_sequential();
    let half = period / 2;
    writeln!(w, "`timescale 1ns/1ps\nmodule tb;")?;
    if seq {
        writeln!(w, "  reg clk = 0;")?;
    }
    let mut conns: Vec<String> = Vec::new();
    if seq {
        conns.push(".clk(clk)".into());
    }
    for p in n.inputs() {
        let wd = p.bits.len();
        writeln!(
            w,
            "  reg [{}:0] {}_mem [0:{}];",
            wd - 1,
            p.name,
            len.max(1) - 1
        )?;
        writeln!(w, "  reg [{}:0] {};", wd - 1, p.name)?;
        conns.push(format!(".{0}({0})", p.name));
    }
    for p in n.outputs() {
        writeln!(w, "  wire [{}:0] {};", p.bits.len() - 1, p.name)?;
        conns.push(format!(".{0}({0})", p.name));
    }
    writeln!(w, "  pann dut({});", conns.join(", "))?;
    writeln!(w, "  integer i;\n  initial begin")?;
    for p in n.inputs() {
        writeln!(w, "    $readmemh(\"{0}.hex\", {0}_mem);", p.name)?;
    }
    writeln!(w, "    $dumpfile(\"dump.vcd\");\n    $dumpvars(0, tb.dut);")?;
    for p in n.inputs() {
        writeln!(w, "    {0} = {0}_mem[0];", p.name)?;
    }
    writeln!(w, "    for (i = 1; i < {len}; i = i + 1) begin")?;
    if seq {
        writeln!(
            w,
            "      #{half} clk = 0;\n      #{} clk = 1;",
            period - half
        )?;
    } else {
        writeln!(w, "      #{period};")?;
    }
    for p in n.inputs() {
        writeln!(w, "      {0} <= {0}_mem[i];", p.name)?;
    }
    writeln!(w, "    end\n    #{period} $finish;\n  end\nendmodule")
}

/// What Icarus saw.
#[derive(Clone, Debug)]
pub struct IcarusRun {
    /// Per-net toggles after the baseline cycle, indexed by net id.
    pub toggles: Vec<u64>,
    /// Settled output-port values per cycle (ports in netlist order).
    pub outputs: Vec<PortValues>,
    /// Per cycle: last tick within the cycle at which a net changed (0 for cycle 0).
    pub settle: Vec<u32>,
    /// Clock period used, in ticks.
    pub period: u32,
    /// Wall time of `vvp` alone.
    pub vvp_time: Duration,
    /// Wall time of `iverilog` (compilation).
    pub compile_time: Duration,
}

/// A compiled Icarus simulation of one netlist and delay assignment, in its own directory;
/// [`IcarusSim::run`] may be called for several streams.
pub struct IcarusSim {
    dir: tempfile::TempDir,
    netlist: Netlist,
    period: u32,
    compile_time: Duration,
}

fn run_tool(cmd: &mut Command, name: &str) -> Result<(), OracleError> {
    let out = cmd.output().map_err(|e| OracleError::Tool {
        tool: name.into(),
        message: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(OracleError::Tool {
            tool: name.into(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

impl IcarusSim {
    /// Export `n` with `delays` (`None` = zero delay) and compile it for streams of `len`
    /// vectors ([`GateStyle::Function`], the default export).
    pub fn compile(
        n: &Netlist,
        delays: Option<&[u32]>,
        len: usize,
    ) -> Result<IcarusSim, OracleError> {
        Self::compile_styled(n, delays, GateStyle::Function, len)
    }

    /// [`IcarusSim::compile`] with multi-level cells written in `style`.
    pub fn compile_styled(
        n: &Netlist,
        delays: Option<&[u32]>,
        style: GateStyle,
        len: usize,
    ) -> Result<IcarusSim, OracleError> {
        let dir = tempfile::tempdir().map_err(io("create work directory"))?;
        let period = safe_period(n, delays);
        std::fs::write(dir.path().join("dut.v"), export_verilog(n, delays, style))
            .map_err(io("write dut.v"))?;
        let mut tb = Vec::new();
        write_testbench(n, len, period, &mut tb).map_err(io("write testbench"))?;
        std::fs::write(dir.path().join("tb.v"), tb).map_err(io("write tb.v"))?;
        let t0 = Instant::now();
        run_tool(
            Command::new("iverilog")
                .current_dir(dir.path())
                .args(["-o", "tb.vvp", "tb.v", "dut.v"]),
            "iverilog",
        )?;
        Ok(IcarusSim {
            dir,
            netlist: n.clone(),
            period,
            compile_time: t0.elapsed(),
        })
    }

    /// The work directory (Verilog, testbench, VCD).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Simulate `vectors` (exactly the compiled length) and read the VCD back.
    pub fn run(&self, vectors: &[PortValues]) -> Result<IcarusRun, OracleError> {
        let n = &self.netlist;
        for (k, p) in n.inputs().iter().enumerate() {
            let digits = p.bits.len().div_ceil(4);
            let mut s = String::with_capacity(vectors.len() * (digits + 1));
            for v in vectors {
                s.push_str(&format!("{:0digits$x}\n", v[k]));
            }
            std::fs::write(self.dir().join(format!("{}.hex", p.name)), s)
                .map_err(io("write vectors"))?;
        }
        let t0 = Instant::now();
        run_tool(
            Command::new("vvp")
                .current_dir(self.dir())
                .args(["-n", "tb.vvp"]),
            "vvp",
        )?;
        let vvp_time = t0.elapsed();
        let path: PathBuf = self.dir().join("dump.vcd");
        let text = std::fs::read_to_string(&path).map_err(io("read dump.vcd"))?;
        let snapshot: Vec<NetId> = n.outputs().iter().flat_map(|p| p.bits.clone()).collect();
        let c = parse_vcd(&text, n.len(), self.period, vectors.len(), &snapshot)?;
        if c.unknown > 0 {
            return Err(OracleError::Vcd(format!(
                "{} transitions to or from x after the baseline cycle",
                c.unknown
            )));
        }
        let outputs = c
            .values
            .iter()
            .map(|snap| {
                let mut bits = snap.iter();
                n.outputs()
                    .iter()
                    .map(|p| {
                        (0..p.bits.len())
                            .map(|i| (*bits.next().expect("snapshot bit") as u128) << i)
                            .sum()
                    })
                    .collect()
            })
            .collect();
        Ok(IcarusRun {
            toggles: c.toggles,
            outputs,
            settle: c.settle,
            period: self.period,
            vvp_time,
            compile_time: self.compile_time,
        })
    }
}

/// Compile and run in one call.
pub fn run_icarus(
    n: &Netlist,
    delays: Option<&[u32]>,
    vectors: &[PortValues],
) -> Result<IcarusRun, OracleError> {
    IcarusSim::compile(n, delays, vectors.len())?.run(vectors)
}
