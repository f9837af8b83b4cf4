//! The example `mpi_logreg` under `mpirun -n 2`: two processes train the logistic regression on
//! half of the rows each, and the example itself asserts that they end bit for bit alike and
//! equal, to rounding, a single process on all the rows.
//!
//! It needs the feature `mpi` (`cargo test --workspace --all-features` turns it on) and `mpirun` on
//! `PATH`. Without either it passes, saying on stderr (even under the test harness's capture) that
//! it was skipped and why.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Far above the few seconds the run takes, so that a hung MPI job fails the test instead of CI.
const TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn logistic_regression_on_two_ranks_matches_one_process() {
    if !cfg!(feature = "mpi") {
        return skip(
            "grad-tests was built without the feature `mpi` \
             (run `cargo test -p grad-tests --features mpi --test mpi`)",
        );
    }
    let Some(mpirun) = on_path("mpirun") else {
        return skip(
            "`mpirun` is not on PATH (Debian: `apt-get install openmpi-bin libopenmpi-dev`)",
        );
    };
    let example = build_example();

    let mut command = Command::new(&mpirun);
    if is_open_mpi(&mpirun) {
        // CI runs as root, which Open MPI refuses unless told; a container may offer fewer slots
        // than cores.
        command.args(["--allow-run-as-root", "--oversubscribe"]);
    }
    command.args(["-n", "2"]).arg(&example);
    let (status, stdout, stderr) = run(command, TIMEOUT);
    eprintln!(
        "{} -n 2 {}:\n{stdout}{stderr}",
        mpirun.display(),
        example.display()
    );

    assert!(
        status == Some(true),
        "mpirun {}:\n{stdout}\n{stderr}",
        match status {
            None => format!("did not finish within {TIMEOUT:?}"),
            Some(_) => "failed".to_string(),
        }
    );
    for line in [
        "rank 0 of 2: rows 0..5000,",
        "rank 1 of 2: rows 5000..10000,",
        "ranks 0..2 agree bit for bit",
        "mpi_logreg: OK",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "no line `{line}` in the output:\n{stdout}\n{stderr}"
        );
    }
}

/// Says on stderr, past the harness's capture (which takes only `print!` and `eprint!`), that
/// the test was skipped, and why.
fn skip(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "test mpi::logistic_regression_on_two_ranks_matches_one_process: SKIPPED: {why}"
    );
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

fn is_open_mpi(mpirun: &Path) -> bool {
    Command::new(mpirun)
        .arg("--version")
        .output()
        .is_ok_and(|out| {
            let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
            text.contains("Open MPI") || text.contains("OpenRTE")
        })
}

/// Builds the example with this test's profile and features, in this test's target directory
/// (nothing to do when `cargo test` has just built it), and returns its path.
fn build_example() -> PathBuf {
    let features: Vec<&str> = [
        ("mpi", cfg!(feature = "mpi")),
        ("progress", cfg!(feature = "progress")),
        ("argmin", cfg!(feature = "argmin")),
        ("argmin-ndarray", cfg!(feature = "argmin-ndarray")),
        ("argmin-nalgebra", cfg!(feature = "argmin-nalgebra")),
        ("rand", cfg!(feature = "rand")),
        ("serde", cfg!(feature = "serde")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    // target/<profile>/deps/mpi-<hash>: the example goes to target/<profile>/examples.
    let test = std::env::current_exe().expect("the test's own path");
    let profile_dir = test
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("<target>/<profile>");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            "grad-tests",
            "--example",
            "mpi_logreg",
        ])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--features")
        .arg(features.join(","))
        .arg("--target-dir")
        .arg(target_dir);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let status = command.status().expect("run cargo build");
    assert!(
        status.success(),
        "cargo build of the example mpi_logreg failed"
    );
    let example = profile_dir
        .join("examples")
        .join(format!("mpi_logreg{}", std::env::consts::EXE_SUFFIX));
    assert!(example.is_file(), "no {}", example.display());
    example
}

/// Runs `command` to completion or until `timeout`; its success (`None` on a time-out), stdout
/// and stderr.
fn run(mut command: Command, timeout: Duration) -> (Option<bool>, String, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mpirun");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait(&mut child, timeout);
    let text = |h: JoinHandle<String>| h.join().unwrap_or_default();
    (status, text(stdout), text(stderr))
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Waits for `child`; past `timeout`, asks it to stop (mpirun then stops its ranks), kills it
/// if it does not, and returns `None`.
fn wait(child: &mut Child, timeout: Duration) -> Option<bool> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for mpirun") {
            return Some(status.success());
        }
        if start.elapsed() > timeout {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            thread::sleep(Duration::from_secs(5));
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(50));
    }
}
