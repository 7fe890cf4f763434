//! `scripts/slurm/fit.sbatch` on a real single-node Slurm started by the test (Debian
//! `slurm-wlm`, recipe in ../shared/ORACLES.md): the job array's slices, merged, give the
//! one-process `pann fit --quick` coefficients byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A TCP port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The daemons this test started, stopped by their pids when it ends (pass or fail).
struct Daemons {
    pid_files: Vec<PathBuf>,
}

impl Drop for Daemons {
    fn drop(&mut self) {
        for f in &self.pid_files {
            if let Ok(pid) = std::fs::read_to_string(f) {
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
    }
}

fn run(c: &mut Command) -> std::process::Output {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{c:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn munge_works() -> bool {
    Command::new("sh")
        .args(["-c", "munge -n | unmunge"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..600 {
        if ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{what} did not come up within a minute");
}

#[test]
fn slurm_job_array_slices_merge_into_the_one_process_coefficients() {
    let tools = ["sbatch", "sinfo", "slurmctld", "slurmd", "munged", "munge"];
    if let Some(t) = tools.iter().find(|t| !have(t)) {
        eprintln!("skipped: `{t}` not found (Slurm test needs Debian slurm-wlm: apt-get install slurm-wlm)");
        return;
    }
    let uid = String::from_utf8(run(Command::new("id").arg("-u")).stdout).unwrap();
    if uid.trim() != "0" {
        eprintln!("skipped: the single-node Slurm recipe runs its daemons as root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut daemons = Daemons {
        pid_files: Vec::new(),
    };
    if !munge_works() {
        std::fs::create_dir_all("/run/munge").unwrap();
        let pid = d.join("munged.pid");
        run(Command::new("munged")
            .arg("--force")
            .arg(format!("--pid-file={}", pid.display())));
        daemons.pid_files.push(pid);
        wait_for("munged", munge_works);
    }
    let host = String::from_utf8(run(Command::new("hostname").arg("-s")).stdout)
        .unwrap()
        .trim()
        .to_string();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    for sub in ["spool", "state"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let conf = d.join("slurm.conf");
    let p = |f: &str| d.join(f).display().to_string();
    std::fs::write(
        &conf,
        format!(
            "ClusterName=panntest\nSlurmctldHost={host}\nSlurmctldPort={}\nSlurmdPort={}\n\
             AuthType=auth/munge\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
             SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\nSlurmUser=root\n\
             SlurmctldPidFile={}\nSlurmdPidFile={}\nSlurmdSpoolDir={}\nStateSaveLocation={}\n\
             ReturnToService=2\nNodeName={host} CPUs={cpus} State=UNKNOWN\n\
             PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
            free_port(),
            free_port(),
            p("ctld.pid"),
            p("d.pid"),
            p("spool"),
            p("state"),
        ),
    )
    .unwrap();
    let slurm = |cmd: &str| {
        let mut c = Command::new(cmd);
        c.env("SLURM_CONF", &conf).current_dir(d);
        c
    };
    daemons.pid_files.push(d.join("ctld.pid"));
    run(&mut slurm("slurmctld"));
    daemons.pid_files.push(d.join("d.pid"));
    run(&mut slurm("slurmd"));
    wait_for("the Slurm node", || {
        slurm("sinfo")
            .args(["-h", "-o", "%t"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
    });

    let pann = env!("CARGO_BIN_EXE_pann");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm/fit.sbatch");
    let slices = d.join("slices");
    run(slurm("sbatch")
        .env("PANN", pann)
        .args(["--wait", "--array=0-2", "--quiet"])
        .arg(&script)
        .arg(&slices)
        .arg("--quick"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&slices)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");

    let merged = d.join("merged.csv");
    run(Command::new(pann)
        .args(["fit", "--quick", "--quiet", "-o"])
        .arg(&merged)
        .arg("--merge")
        .args(&files));
    // The one-process `pann fit --quick --quiet` run the other fit tests share.
    let one = crate::cli::quick_coefficients();
    let (a, b) = (std::fs::read(&merged).unwrap(), std::fs::read(one).unwrap());
    assert!(a == b, "merged slices differ from the one-process run");
    drop(daemons);
}
