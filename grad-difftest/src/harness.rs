//! The scratch-crate harness: writes a batch of units into a crate under
//! `<target>/difftest/<batch>/` that depends on `grad`, builds it with `cargo build` into the
//! persistent `<target>/difftest-target` (so dependencies compile once), runs it, and turns its
//! output into a [`Report`]. A batch that does not compile is bisected down to the units that do
//! not, each reported with its source and the compiler's error; the others still run.

use crate::gen::{Case, Float, Model, Pair, Param, ParamKind, Value, FLT};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One compiled check: items at module level and the body of `fn(h: &mut check::Stats)`.
#[derive(Clone, Debug)]
pub struct Unit {
    /// A short name for reports.
    pub label: String,
    /// Items (consts, `#[gradient]` functions), concrete types.
    pub items: String,
    /// The check code, run with `h: &mut check::Stats` and `u: usize` (the unit's index) in scope.
    pub check: String,
    /// The source shown in a report.
    pub source: String,
}

/// The lines of `src/main.rs` each unit occupies: (first, last, unit).
type Ranges = Vec<(usize, usize, usize)>;

/// Where the harness builds.
#[derive(Clone, Debug)]
pub struct Harness {
    /// The workspace root (the `grad` package).
    pub root: PathBuf,
    /// The cargo target directory of the test run.
    pub target: PathBuf,
}

/// The outcome of a batch.
#[derive(Default, Debug)]
pub struct Report {
    /// Units that compiled and ran.
    pub compiled: usize,
    /// Units that did not compile: (label, source, error).
    pub compile_failures: Vec<(String, String, String)>,
    /// Counters from the run (name, value), in the order `check::Stats::finish` prints them.
    pub stats: Vec<(String, usize)>,
    /// Each runtime failure, with the unit's source.
    pub failures: Vec<String>,
    /// The run itself failed (no statistics line): its output.
    pub crashed: Option<String>,
}

impl Report {
    /// Nothing failed.
    pub fn ok(&self) -> bool {
        self.compile_failures.is_empty() && self.failures.is_empty() && self.crashed.is_none()
    }

    /// A counter by name (0 if absent).
    pub fn stat(&self, name: &str) -> usize {
        self.stats.iter().find(|s| s.0 == name).map_or(0, |s| s.1)
    }

    /// Adds another batch's figures to these.
    pub fn absorb(&mut self, o: Report) {
        self.compiled += o.compiled;
        self.compile_failures.extend(o.compile_failures);
        self.failures.extend(o.failures);
        if o.crashed.is_some() {
            self.crashed = o.crashed;
        }
        for (k, v) in o.stats {
            match self.stats.iter_mut().find(|s| s.0 == k) {
                Some(s) => s.1 += v,
                None => self.stats.push((k, v)),
            }
        }
    }

    /// Every failure, in full, for a panic message.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (label, src, err) in &self.compile_failures {
            let _ = writeln!(
                s,
                "=== DOES NOT COMPILE: {label}\n{src}\n--- error:\n{err}\n"
            );
        }
        for f in &self.failures {
            let _ = writeln!(s, "{f}\n");
        }
        if let Some(c) = &self.crashed {
            let _ = writeln!(s, "=== the run crashed:\n{c}");
        }
        s
    }

    /// The figures, one line.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "compiled {} functions, {} did not compile",
            self.compiled,
            self.compile_failures.len()
        );
        for (k, v) in &self.stats {
            let _ = write!(s, ", {k} {v}");
        }
        s
    }
}

impl Harness {
    /// The harness for the workspace at `root` (where `grad`'s own `Cargo.toml` is): the target
    /// directory is `CARGO_TARGET_DIR`, else `<root>/target`.
    pub fn new(root: &str) -> Self {
        // `grad-tests/..` as the scratch crates' dependency path would read badly in their errors.
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| PathBuf::from(root));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let target = if target.is_relative() {
            root.join(target)
        } else {
            target
        };
        Harness { root, target }
    }

    fn crate_dir(&self, batch: &str) -> PathBuf {
        self.target.join("difftest").join(batch)
    }

    /// Writes the crate of `units` (only those of `keep`) for `batch`.
    fn write(&self, batch: &str, units: &[Unit], keep: &[usize]) -> (PathBuf, Ranges) {
        let dir = self.crate_dir(batch);
        std::fs::create_dir_all(dir.join("src")).expect("create the scratch crate");
        let manifest = format!(
            "[package]\nname = \"difftest-{batch}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ngrad = {{ path = {:?} }}\n# The generic twins' conversions (`num_traits::cast`).\nnum-traits = \"0.2\"\n\n# Not a member of the workspace it may sit in.\n[workspace]\n\n# A scratch binary of a thousand functions with full debug info takes gigabytes.\n[profile.dev]\ndebug = 0\n",
            self.root.display().to_string()
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        // The workspace's lock file pins the same dependency versions, so nothing is resolved
        // (or downloaded) again.
        let lock = dir.join("Cargo.lock");
        if !lock.exists() {
            let _ = std::fs::copy(self.root.join("Cargo.lock"), &lock);
        }
        let mut main =
            String::from("#![allow(warnings, clippy::all)]\nuse grad::gradient;\n\nmod check {\n");
        main.push_str(include_str!("check.rs"));
        main.push_str("}\n\n");
        let mut ranges = Vec::new();
        for &i in keep {
            let u = &units[i];
            let start = main.lines().count() + 1;
            let _ = writeln!(main, "// ---- unit {i}: {}\n{}", u.label, u.items);
            let _ = writeln!(
                main,
                "fn unit_{i}(h: &mut check::Stats) {{\n    let u = {i}usize;\n{}}}\n",
                u.check
            );
            ranges.push((start, main.lines().count(), i));
        }
        main.push_str("fn main() {\n    std::panic::set_hook(Box::new(|_| {}));\n    let mut h = check::Stats::default();\n");
        for &i in keep {
            let _ = writeln!(main, "    h.run({i}, unit_{i});");
        }
        main.push_str("    h.finish();\n}\n");
        write_if_changed(&dir.join("src/main.rs"), &main);
        (dir, ranges)
    }

    fn cargo(&self, dir: &Path) -> Command {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut c = Command::new(cargo);
        c.current_dir(dir)
            .env("CARGO_TARGET_DIR", self.target.join("difftest-target"))
            // Each batch is built once (or a few times while bisecting): incremental state
            // would only cost disk, gigabytes of it per batch.
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        c
    }

    /// Builds the crate of `keep`: `Err(compiler output)` if it does not compile.
    fn build(
        &self,
        batch: &str,
        units: &[Unit],
        keep: &[usize],
    ) -> Result<PathBuf, (String, Ranges)> {
        let (dir, ranges) = self.write(batch, units, keep);
        let out = self
            .cargo(&dir)
            .args(["build", "--offline", "--quiet", "--message-format", "short"])
            .output()
            .expect("run cargo build");
        if out.status.success() {
            Ok(dir)
        } else {
            Err((String::from_utf8_lossy(&out.stderr).into_owned(), ranges))
        }
    }

    /// The units of `keep` that do not compile on their own, with the errors, by bisection.
    fn bisect(
        &self,
        batch: &str,
        units: &[Unit],
        keep: &[usize],
        err: String,
        out: &mut Vec<(usize, String)>,
    ) {
        // The final build of the batch reports such a failure as a crash.
        if environment_failure(&err).is_some() {
            return;
        }
        if keep.len() == 1 {
            out.push((keep[0], trim_errors(&err)));
            return;
        }
        let (a, b) = keep.split_at(keep.len() / 2);
        for half in [a, b] {
            if let Err((e, _)) = self.build(batch, units, half) {
                self.bisect(batch, units, half, e, out);
            }
        }
    }

    /// Builds and runs `units` as the scratch crate `batch`.
    pub fn run(&self, batch: &str, units: &[Unit]) -> Report {
        let mut report = Report::default();
        let mut keep: Vec<usize> = (0..units.len()).collect();
        let mut bad: Vec<(usize, String)> = Vec::new();
        // Errors name lines of main.rs, hence units: drop those and build again (a later phase
        // of rustc may report more); bisect only errors that name no unit.
        for _ in 0..30 {
            let Err((e, ranges)) = self.build(batch, units, &keep) else {
                break;
            };
            let mut found: Vec<(usize, String)> = Vec::new();
            let text = std::fs::read_to_string(self.crate_dir(batch).join("src/main.rs"))
                .unwrap_or_default();
            let text: Vec<&str> = text.lines().collect();
            for line in e.lines() {
                let Some(n) = error_line(line) else { continue };
                // The line itself: a macro error points at the user's tokens.
                let line = &format!("{line}\n    | {}", text.get(n - 1).map_or("", |l| l.trim()));
                if let Some(&(_, _, i)) = ranges.iter().find(|r| r.0 <= n && n <= r.1) {
                    match found.iter_mut().find(|f| f.0 == i) {
                        Some(f) => {
                            f.1.push('\n');
                            f.1.push_str(line);
                        }
                        None => found.push((i, line.to_string())),
                    }
                }
            }
            if found.is_empty() {
                // A build that failed for a reason outside the code (a full disk, a killed
                // compiler) would fail in every half: bisecting it only repeats the failure.
                if let Some(why) = environment_failure(&e) {
                    report.crashed = Some(format!(
                        "the build failed outside the code ({why}):\n{}",
                        trim_errors(&e)
                    ));
                    return report;
                }
                let mut rest = Vec::new();
                self.bisect(batch, units, &keep, e, &mut rest);
                if rest.is_empty() {
                    break;
                }
                found = rest;
            }
            keep.retain(|i| !found.iter().any(|b| b.0 == *i));
            bad.extend(found);
        }
        for (i, err) in &bad {
            let u = &units[*i];
            report
                .compile_failures
                .push((u.label.clone(), u.source.clone(), err.clone()));
        }
        if let Err((e, _)) = self.build(batch, units, &keep) {
            report.crashed = Some(format!(
                "the batch still does not compile:\n{}",
                trim_errors(&e)
            ));
            return report;
        }
        report.compiled = keep.len();
        let dir = self.crate_dir(batch);
        let out = self
            .cargo(&dir)
            .args(["run", "--offline", "--quiet"])
            .output()
            .expect("run the scratch crate");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut saw_stats = false;
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("DIFFTEST-STATS ") {
                saw_stats = true;
                for kv in rest.split_whitespace() {
                    if let Some((k, v)) = kv.split_once('=') {
                        report.stats.push((k.to_string(), v.parse().unwrap_or(0)));
                    }
                }
            } else if let Some(rest) = line.strip_prefix("DIFFTEST-FAIL ") {
                let mut it = rest.splitn(3, ' ');
                let i: usize = it.next().and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
                let kind = it.next().unwrap_or("");
                let msg = it.next().unwrap_or("");
                let (label, src) = units
                    .get(i)
                    .map_or(("?", ""), |u| (u.label.as_str(), u.source.as_str()));
                report
                    .failures
                    .push(format!("=== {kind}: {label}\n{src}\n--- {msg}"));
            }
        }
        if !saw_stats {
            report.crashed = Some(format!(
                "status {}\n{}\n{}",
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        report
    }
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        if let Err(e) = std::fs::write(path, text) {
            panic!("cannot write the scratch crate {}: {e}", path.display());
        }
    }
}

/// What in a failed build's output says the machine, not the code, failed.
fn environment_failure(err: &str) -> Option<&'static str> {
    const SIGNS: [(&str, &str); 5] = [
        ("No space left on device", "the disk is full"),
        ("Disk quota exceeded", "the disk quota is exhausted"),
        (
            "signal: 9",
            "the compiler was killed, probably out of memory",
        ),
        ("SIGKILL", "the compiler was killed, probably out of memory"),
        ("memory allocation of", "the compiler ran out of memory"),
    ];
    SIGNS
        .iter()
        .find(|(s, _)| err.contains(s))
        .map(|(_, why)| *why)
}

/// The compiler's error lines (not warnings), at most 40.
fn trim_errors(err: &str) -> String {
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim_start().starts_with("warning") && !l.trim().is_empty())
        .take(40)
        .collect();
    lines.join("\n")
}

/// The line of `src/main.rs` an error (not a warning) of `--message-format short` names.
fn error_line(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("src/main.rs:")?;
    if !rest.contains(": error") {
        return None;
    }
    rest.split(':').next()?.parse().ok()
}

fn bits(v: f64) -> String {
    format!("f64::from_bits({:#x})", v.to_bits())
}

/// Whether the case's function also gets `jvp`: every case (calls of vector-valued helpers,
/// `NAME_vhK`, included).
fn has_jvp(_case: &Case) -> bool {
    true
}

/// Whether the case's function also gets `hvp` (and its helpers too, which it needs): every
/// function of scalars, slices and rows, and of a model (of numbers, sequences and rows) of numbers and sequences that is its only
/// differentiated parameter and is not passed whole to another function.
fn has_hvp(case: &Case) -> bool {
    // A custom rule without `hvp` has no second order.
    let model_ok = case.model.is_none() || !case.items.contains("_body_");
    // Second order does not follow calls of vector-valued helpers (`NAME_vhK`, a data
    // method's `lift`) yet, nor calls given data of a type the macro cannot see (`NAME__hvp_call`
    // has no form that takes a buffer per argument, as `NAME__dyn_grad` does).
    has_jvp(case)
        && !case.items.contains("_vh")
        && !case.items.contains("struct Ud")
        && !case.items.contains("fn lift(")
        && !case.wrapper
        && !case.items.contains("#[grad::custom_gradient]")
        && model_ok
}

/// `items` with `hvp` (or `hessian`) added to the `#[gradient]` attribute of every helper (the function under
/// test gets its modes from [`with_modes`]).
fn helpers_with_hvp(items: &str, fname: &str) -> String {
    let main = [format!("fn {fname}("), format!("fn {fname}<")];
    let mut out = String::new();
    for (k, part) in items.split("#[gradient").enumerate() {
        if k == 0 {
            out.push_str(part);
            continue;
        }
        let head = part.split('{').next().unwrap_or("");
        let is_main = main.iter().any(|m| head.contains(m));
        if is_main {
            out.push_str("#[gradient");
            out.push_str(part);
        } else if let Some(r) = part.strip_prefix(']') {
            // Every other helper by the other name of the same option.
            out.push_str(if k % 2 == 0 {
                "#[gradient(hessian)]"
            } else {
                "#[gradient(hvp)]"
            });
            out.push_str(r);
        } else if let Some(r) = part.strip_prefix('(') {
            out.push_str(if k % 2 == 0 {
                "#[gradient(hessian, "
            } else {
                "#[gradient(hvp, "
            });
            out.push_str(r);
        } else {
            out.push_str("#[gradient");
            out.push_str(part);
        }
    }
    out
}

/// `items` with `modes` (`jvp`, `jvp, hvp`) added to the `#[gradient]` attribute of `fname`.
fn with_modes(items: &str, fname: &str, modes: &str) -> String {
    // (`fn NAME<'a>(` under a lifetime.)
    let Some(at) = items
        .find(&format!("fn {fname}("))
        .or_else(|| items.find(&format!("fn {fname}<")))
    else {
        return items.to_string();
    };
    let Some(attr) = items[..at].rfind("#[gradient") else {
        return items.to_string();
    };
    let rest = &items[attr..];
    let rewritten = if let Some(r) = rest.strip_prefix("#[gradient]") {
        format!("#[gradient({modes})]{r}")
    } else if let Some(r) = rest.strip_prefix("#[gradient(") {
        format!("#[gradient({modes}, {r}")
    } else {
        return items.to_string();
    };
    format!("{}{rewritten}", &items[..attr])
}

/// The unit that checks a case: every point, and for an f32 case its f64 twin as well.
pub fn unit(case: &Case) -> Unit {
    let mut check = String::new();
    let render = |float: Float| {
        let items = case.render(float);
        let fname = format!("{}_{}", case.name, float.name());
        let items = if case.wrapper {
            // Plain wrappers of a `#[gradient]` core that give `NAME_jvp` themselves.
            items
        } else if has_hvp(case) {
            with_modes(&helpers_with_hvp(&items, &fname), &fname, "jvp, hvp")
        } else if has_jvp(case) {
            with_modes(&items, &fname, "jvp")
        } else {
            items
        };
        let mut items = case.finish(items, float);
        if has_plain(case) {
            items.push_str(&plain_copy(&items, &fname));
        }
        items
    };
    let mut items = render(case.float);
    if case.float == Float::F32 {
        items.push_str(&render(Float::F64));
    }
    for pt in &case.points {
        check.push_str("    {\n");
        check.push_str(&point_code(case, pt));
        check.push_str("    }\n");
    }
    Unit {
        label: format!("{}_{}", case.name, case.float.name()),
        items,
        check,
        source: case.source(),
    }
}

/// The function `fname` of `items` again, unannotated, as `fname_plain`: the value the user's
/// own code computes, against which `NAME_grad`'s is compared (the `#[gradient]` function is
/// re-emitted by the macro, rewritten in places, so a rewrite that changes its value would
/// otherwise go unseen).
fn plain_copy(items: &str, fname: &str) -> String {
    let at = items
        .find(&format!("fn {fname}("))
        .or_else(|| items.find(&format!("fn {fname}<")))
        .expect("the case's function");
    let open = at + items[at..].find('{').expect("a body");
    // The body's extent, braces inside string and char literals aside.
    let bytes = items.as_bytes();
    let (mut depth, mut i, mut in_str) = (0usize, open, false);
    let end = loop {
        let c = bytes[i];
        match (c, in_str) {
            (b'\\', true) => i += 1,
            (b'"', _) => in_str = !in_str,
            (b'\'', false) if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            (b'{', false) => depth += 1,
            (b'}', false) => {
                depth -= 1;
                if depth == 0 {
                    break i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    };
    let sig_and_body = &items[at + format!("fn {fname}").len()..end];
    format!("\n#[allow(dead_code)]\nfn {fname}_plain{sig_and_body}\n")
}

/// Whether the unit has a plain copy of its function (see [`plain_copy`]): not for a method, a
/// plain wrapper of a `#[gradient]` core, or a generic function.
fn has_plain(case: &Case) -> bool {
    case.model.is_none() && !case.wrapper && !case.generic
}

/// `NAME: VALUE` of a model field in the literal that builds the model, its differentiated
/// values read from the flat vector `src` (`pp` for the point, `vv` for the direction).
fn model_field(param: &crate::gen::Param, v: &Value, off: usize, ty: &str, src: &str) -> String {
    let value = match (v, param.active) {
        (Value::Float(_), true) => format!("{src}[{off}] as {ty}"),
        (Value::Slice(xs), true) => format!(
            "{src}[{off}..{}].iter().map(|&v| v as {ty}).collect()",
            off + xs.len()
        ),
        (Value::Int(i), _) => {
            let t = if matches!(param.kind, ParamKind::I32) {
                "i32"
            } else {
                "usize"
            };
            format!("{i}{t}")
        }
        (Value::Bool(b), _) => b.to_string(),
        _ => unreachable!("only differentiated floats and data move into a model"),
    };
    format!("{}: {value}", param.name)
}

/// Whether `param` is rows of borrowed slices (`&[&[T]]`).
fn slice_rows(param: &crate::gen::Param) -> bool {
    matches!(param.kind, ParamKind::Rows { slices: true, .. })
}

/// `vec![row, ..]` of rows parameter `param` with values `rs`, each element written by
/// `elem(flat offset, value)` (the rows start at offset `off` of the flat point); rows are
/// tuples, arrays or `Vec`s as the parameter's kind says.
fn rows_literal(
    param: &crate::gen::Param,
    rs: &[Vec<f64>],
    off: usize,
    elem: impl Fn(usize, f64) -> String,
) -> String {
    let mut at = off;
    let rows: Vec<String> = rs
        .iter()
        .map(|r| {
            let elems: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(k, &x)| elem(at + k, x))
                .collect();
            at += r.len();
            match param.kind {
                ParamKind::Rows {
                    width: Some(_),
                    tuple: true,
                    ..
                } => format!("({})", elems.join(", ")),
                ParamKind::Rows { width: Some(_), .. } => format!("[{}]", elems.join(", ")),
                _ => format!("vec![{}]", elems.join(", ")),
            }
        })
        .collect();
    if matches!(param.kind, ParamKind::Rows { count: Some(_), .. }) {
        // `&[[T; N]; M]`: an array of rows.
        format!("[{}]", rows.join(", "))
    } else {
        format!("vec![{}]", rows.join(", "))
    }
}

/// The literal of the case's model with `fields`, one struct deeper when nested.
fn model_literal(m: &crate::gen::Model, ty: &str, fields: &[String]) -> String {
    let ty_m = m.ty.replace(FLT, ty);
    if m.nested {
        format!(
            "{ty_m} {{ inner: MI{} {{ {} }} }}",
            &ty_m[1..],
            fields.join(", ")
        )
    } else {
        format!("{ty_m} {{ {} }}", fields.join(", "))
    }
}

/// The code of one point: constants, the flat closures, the check call(s).
fn point_code(case: &Case, pt: &[Value]) -> String {
    let mut s = String::new();
    // The flat point is laid out as the gradient is: differentiated scalars in declaration order,
    // then each differentiated slice.
    let mut p: Vec<f64> = Vec::new();
    let mut offs: Vec<usize> = vec![0; pt.len()];
    for pass in 0..2 {
        for (j, (param, v)) in case.params.iter().zip(pt).enumerate() {
            match (v, param.active, pass) {
                (Value::Float(x), true, 0) => {
                    offs[j] = p.len();
                    p.push(*x);
                }
                (Value::Slice(xs), true, 1) => {
                    offs[j] = p.len();
                    p.extend(xs);
                }
                (Value::Rows(rs), true, 1) => {
                    offs[j] = p.len();
                    p.extend(rs.iter().flatten());
                }
                _ => {}
            }
        }
    }
    // Per parameter: the argument in the function (`f` of type `ty`).
    let mut args_of = |ty: &str| -> (String, Vec<String>) {
        let mut pre = String::new();
        let mut args = Vec::new();
        // The model's fields, from the same arguments the parameters would get.
        let mut fields = Vec::new();
        for (j, (param, v)) in case.params.iter().zip(pt).enumerate() {
            let n = &param.name;
            let off = offs[j];
            if param.in_model {
                fields.push(model_field(param, v, off, ty, "pp"));
                continue;
            }
            match (v, param.active) {
                (Value::Float(_), true) if param.by_ref => {
                    args.push(format!("&(pp[{off}] as {ty})"));
                }
                (Value::Float(_), true) => match param.pair {
                    // `(x0, x1): (T, T)`: both in one argument, at the first.
                    Pair::First(b, by_ref) => {
                        let amp = if by_ref { "&" } else { "" };
                        args.push(format!("{amp}(pp[{off}] as {ty}, pp[{}] as {ty})", offs[b]));
                    }
                    Pair::Second(_) => {}
                    Pair::None => args.push(format!("pp[{off}] as {ty}")),
                },
                (Value::Slice(xs), true) => {
                    let _ = writeln!(
                        pre,
                        "let {n}: Vec<{ty}> = pp[{off}..{}].iter().map(|&v| v as {ty}).collect();",
                        off + xs.len()
                    );
                    args.push(format!("&{n}"));
                }
                (Value::Float(x), false) if param.by_ref => {
                    args.push(format!("&({} as {ty})", bits(*x)));
                }
                (Value::Float(x), false) => args.push(format!("({} as {ty})", bits(*x))),
                (Value::Slice(xs), false) => {
                    let vals: Vec<String> =
                        xs.iter().map(|x| format!("{} as {ty}", bits(*x))).collect();
                    let _ = writeln!(pre, "let {n}: Vec<{ty}> = vec![{}];", vals.join(", "));
                    args.push(format!("&{n}"));
                }
                (Value::Rows(rs), active) => {
                    let rows = rows_literal(param, rs, off, |at, x| {
                        if active {
                            format!("pp[{at}] as {ty}")
                        } else {
                            format!("{} as {ty}", bits(x))
                        }
                    });
                    if slice_rows(param) {
                        // `&[&[T]]`: borrowed views of owned rows.
                        let _ = writeln!(pre, "let {n}_rows = {rows}; let {n}: Vec<&[{ty}]> = {n}_rows.iter().map(|r| r.as_slice()).collect();");
                    } else {
                        let _ = writeln!(pre, "let {n} = {rows};");
                    }
                    if matches!(param.kind, ParamKind::Rows { by_value: true, .. }) {
                        args.push(n.clone());
                    } else {
                        args.push(format!("&{n}"));
                    }
                }
                (Value::Int(i), _) => {
                    let t = if matches!(param.kind, ParamKind::I32) {
                        "i32"
                    } else {
                        "usize"
                    };
                    args.push(format!("{i}{t}"));
                }
                (Value::Bool(b), _) => args.push(b.to_string()),
                // A generator of its own for each evaluation, from the same seed.
                (Value::Gen(seed), _) => {
                    let _ = writeln!(pre, "let mut {n}_gen = check::Lcg({seed});");
                    args.push(format!("&mut {n}_gen"));
                }
            }
        }
        if let Some(m) = &case.model {
            let _ = writeln!(pre, "let model = {};", model_literal(m, ty, &fields));
        }
        (pre, args)
    };
    let pv: Vec<String> = p.iter().map(|&x| bits(x)).collect();
    let _ = writeln!(s, "        let p: Vec<f64> = vec![{}];", pv.join(", "));
    let closures = |ty: &str,
                    args_of: &mut dyn FnMut(&str) -> (String, Vec<String>)|
     -> (String, String, String, String) {
        let (pre, args) = args_of(ty);
        let name = format!("{}_{ty}", case.name);
        // The model's fields, one struct deeper when nested.
        let inner = if case.model.as_ref().is_some_and(|m| m.nested) {
            "inner."
        } else {
            ""
        };
        // `f(&model, ..)`, or `model.f(..)` for a method.
        let plain_args = args.clone();
        let (call, grad_call, mut args) = match &case.model {
            Some(m) if m.method => (format!("model.{name}"), format!("model.{name}_grad"), args),
            Some(m) => {
                let mut a = vec![model_arg(m).to_string()];
                a.extend(args);
                (name.clone(), format!("{name}_grad"), a)
            }
            None if has_plain(case) => (format!("{name}_plain"), format!("{name}_grad"), args),
            None => (name.clone(), format!("{name}_grad"), args),
        };
        let f = format!(
            "|pp: &[f64]| -> f64 {{ {pre} {call}({}) as f64 }}",
            args.join(", ")
        );
        // The gradient: scalar components in declaration order, then each d_ buffer.
        let mut bufs = String::new();
        let mut extra = Vec::new();
        let mut scalars = Vec::new();
        if case.model.is_some() {
            bufs.push_str("let mut d_model = grad::runtime::Params::zeros_like(&model); ");
            extra.push("&mut d_model".to_string());
        }
        for (param, v) in case.params.iter().zip(pt) {
            if !param.active || param.in_model {
                continue;
            }
            match v {
                Value::Float(_) => match param.pair {
                    // A tuple pattern's gradient is a tuple, among the buffers.
                    Pair::First(..) => {
                        let d = pair_name(case, param, "d_");
                        let _ = write!(bufs, "let mut {d}: ({ty}, {ty}) = (0.0, 0.0); ");
                        extra.push(format!("&mut {d}"));
                    }
                    Pair::Second(_) => {}
                    Pair::None => scalars.push(format!("g{}", scalars.len())),
                },
                Value::Slice(xs) => {
                    let _ = write!(
                        bufs,
                        "let mut d_{}: Vec<{ty}> = vec![0.0; {}]; ",
                        param.name,
                        xs.len()
                    );
                    extra.push(format!("&mut d_{}", param.name));
                }
                Value::Rows(rs) => {
                    let (decl, arg) = rows_buffer(param, rs, &format!("d_{}", param.name), ty);
                    bufs.push_str(&decl);
                    extra.push(arg);
                }
                _ => {}
            }
        }
        let all = {
            args.extend(extra);
            args
        };
        let lhs = if scalars.is_empty() {
            "v".to_string()
        } else {
            format!("(v, [{}])", scalars.join(", "))
        };
        // Scalars in declaration order: a model's from `d_model`, the others from the array.
        let mut outer = scalars.iter();
        let scalar_grads: Vec<String> = case
            .params
            .iter()
            .zip(pt)
            .filter(|(p, v)| p.active && matches!(v, Value::Float(_)))
            .map(|(p, _)| {
                if p.in_model {
                    format!("d_model.{}{} as f64", inner, p.name)
                } else if let Some(part) = pair_part(case, p, "d_") {
                    format!("{part} as f64")
                } else {
                    format!("{} as f64", outer.next().expect("one slot per scalar"))
                }
            })
            .collect();
        let mut collect = format!("let mut gr: Vec<f64> = vec![{}];", scalar_grads.join(", "));
        for param in case
            .params
            .iter()
            .filter(|p| p.active && matches!(p.kind, ParamKind::Slice(..) | ParamKind::Rows { .. }))
        {
            // In declaration order, as the flat point is laid out.
            let flatten = flattened(param);
            let d = if param.in_model {
                format!("d_model.{}{}", inner, param.name)
            } else {
                format!("d_{}", param.name)
            };
            let _ = write!(collect, " gr.extend({d}.iter(){flatten});");
        }
        let g = format!(
            "|pp: &[f64]| -> (f64, Vec<f64>) {{ {pre} {bufs} let {lhs} = {grad_call}({}); {collect} (v as f64, gr) }}",
            all.join(", ")
        );
        let j = jvp_closure(case, pt, &offs, ty, &pre, &plain_args, &name);
        let hv = hvp_closure(case, pt, &offs, ty, &pre, &plain_args, &name);
        (f, g, j, hv)
    };
    let (f, g, j, hv) = closures(case.float.name(), &mut args_of);
    let _ = writeln!(s, "        let f = {f};\n        let g = {g};");
    let (jvp, hvp) = (has_jvp(case), has_hvp(case));
    if case.float == Float::F32 {
        let (f64f, f64g, f64j, f64hv) = closures("f64", &mut args_of);
        let _ = writeln!(s, "        let t = {f64f};\n        let tg = {f64g};");
        s.push_str(
            "        h.check(u, &p, &f, &g, Some(&t));\n        h.check(u, &p, &t, &tg, None);\n",
        );
        if jvp {
            let _ = writeln!(s, "        let j = {j};\n        let tj = {f64j};");
            s.push_str("        h.check_jvp(u, &p, &f, &g, &j, check::RTOL32);\n        h.check_jvp(u, &p, &t, &tg, &tj, check::JVP_RTOL64);\n");
        }
        if hvp {
            let _ = writeln!(s, "        let hv = {hv};\n        let thv = {f64hv};");
            s.push_str("        h.check_hvp(u, &p, &f, &g, &hv, &tg, check::RTOL32);\n        h.check_hvp(u, &p, &t, &tg, &thv, &tg, check::HVP_RTOL64);\n");
        }
    } else {
        s.push_str("        h.check(u, &p, &f, &g, None);\n");
        if jvp {
            let _ = writeln!(s, "        let j = {j};");
            s.push_str("        h.check_jvp(u, &p, &f, &g, &j, check::JVP_RTOL64);\n");
        }
        if hvp {
            let _ = writeln!(s, "        let hv = {hv};");
            s.push_str("        h.check_hvp(u, &p, &f, &g, &hv, &g, check::HVP_RTOL64);\n");
        }
    }
    s
}

/// A buffer `name` of the shape of rows `rs` (`d_w`, `hv_w`), declared, and the argument that
/// lends it (views of the owned rows for `&mut [&mut [T]]`, read after the call).
fn rows_buffer(param: &Param, rs: &[Vec<f64>], name: &str, ty: &str) -> (String, String) {
    let rows: Vec<String> = rs
        .iter()
        .map(|r| match param.kind {
            ParamKind::Rows {
                width: Some(w),
                tuple: true,
                ..
            } => format!("({})", vec!["0.0"; w].join(", ")),
            ParamKind::Rows { width: Some(w), .. } => format!("[0.0; {w}]"),
            _ => format!("vec![0.0; {}]", r.len()),
        })
        .collect();
    let decl = format!("let mut {name}: Vec<_> = vec![{}]; ", rows.join(", "));
    let arg = if slice_rows(param) {
        format!("&mut {name}.iter_mut().map(|r| r.as_mut_slice()).collect::<Vec<&mut [{ty}]>>()")
    } else {
        format!("&mut {name}")
    };
    (decl, arg)
}

/// What turns a buffer of the parameter's shape, iterated, into its `f64`s in the flat point's
/// order.
fn flattened(param: &Param) -> String {
    match param.kind {
        ParamKind::Rows {
            width: Some(w),
            tuple: true,
            ..
        } => {
            // Owned values: the `&d` of the other forms becomes `d`.
            let ks: Vec<String> = (0..w).map(|k| format!("t.{k}")).collect();
            format!(".flat_map(|t| [{}]).map(|d| d as f64)", ks.join(", "))
        }
        ParamKind::Rows { .. } => ".flatten().map(|&d| d as f64)".to_string(),
        _ => ".map(|&d| d as f64)".to_string(),
    }
}

/// `|pp, vv| NAME_hvp(args.., tangents.., d_.., hv_..)` returning the value, the gradient and
/// `H · v`, each flat as the point is laid out.
fn hvp_closure(
    case: &Case,
    pt: &[Value],
    offs: &[usize],
    ty: &str,
    pre: &str,
    args: &[String],
    name: &str,
) -> String {
    let mut pre = pre.to_string();
    let mut all = args.to_vec();
    if let Some(m) = &case.model {
        return model_hvp_closure(case, m, pt, offs, ty, &pre, args, name);
    }
    let (mut bufs, mut hvs) = (Vec::new(), Vec::new());
    let (mut gs, mut hs) = (Vec::new(), Vec::new());
    let mut collect = String::new();
    for (j, (param, v)) in case.params.iter().zip(pt).enumerate() {
        if !param.active {
            continue;
        }
        let off = offs[j];
        match v {
            Value::Float(_) => match param.pair {
                Pair::First(b, _) => {
                    let (d, hv) = (pair_name(case, param, "d_"), pair_name(case, param, "hv_"));
                    let _ = write!(
                        pre,
                        "let mut {d}: ({ty}, {ty}) = (0.0, 0.0); let mut {hv}: ({ty}, {ty}) = (0.0, 0.0); "
                    );
                    all.push(format!("&(vv[{off}] as {ty}, vv[{}] as {ty})", offs[b]));
                    bufs.push(format!("&mut {d}"));
                    hvs.push(format!("&mut {hv}"));
                }
                Pair::Second(_) => {}
                Pair::None => {
                    all.push(format!("vv[{off}] as {ty}"));
                    gs.push(format!("g{}", gs.len()));
                    hs.push(format!("h{}", hs.len()));
                }
            },
            Value::Slice(xs) => {
                let n = &param.name;
                let _ = write!(
                    pre,
                    "let v_{n}: Vec<{ty}> = vv[{off}..{}].iter().map(|&v| v as {ty}).collect(); let mut d_{n}: Vec<{ty}> = vec![0.0; {len}]; let mut hv_{n}: Vec<{ty}> = vec![0.0; {len}]; ",
                    off + xs.len(),
                    len = xs.len()
                );
                all.push(format!("&v_{n}"));
                bufs.push(format!("&mut d_{n}"));
                hvs.push(format!("&mut hv_{n}"));
                let _ = write!(
                    collect,
                    " gr.extend(d_{n}.iter().map(|&d| d as f64)); hr.extend(hv_{n}.iter().map(|&d| d as f64));"
                );
            }
            Value::Rows(rs) => {
                // The direction of the rows' shape, the gradient and `H · v` into buffers of it.
                let n = &param.name;
                let rows = rows_literal(param, rs, off, |at, _| format!("vv[{at}] as {ty}"));
                if slice_rows(param) {
                    let _ = write!(pre, "let v_{n}_rows = {rows}; let v_{n}: Vec<&[{ty}]> = v_{n}_rows.iter().map(|r| r.as_slice()).collect(); ");
                } else {
                    let _ = write!(pre, "let v_{n} = {rows}; ");
                }
                all.push(format!("&v_{n}"));
                for (prefix, out) in [("d", &mut bufs), ("hv", &mut hvs)] {
                    let (decl, arg) = rows_buffer(param, rs, &format!("{prefix}_{n}"), ty);
                    pre.push_str(&decl);
                    out.push(arg);
                }
                let flatten = flattened(param);
                let _ = write!(
                    collect,
                    " gr.extend(d_{n}.iter(){flatten}); hr.extend(hv_{n}.iter(){flatten});"
                );
            }
            _ => {}
        }
    }
    all.extend(bufs);
    all.extend(hvs);
    let lhs = if gs.is_empty() {
        "v".to_string()
    } else {
        format!("(v, [{}], [{}])", gs.join(", "), hs.join(", "))
    };
    // The scalars' gradient and product in declaration order: a tuple pattern's from its
    // buffers, the others from the returned arrays.
    let (mut g0, mut h0, mut k) = (Vec::new(), Vec::new(), 0);
    for (param, v) in case.params.iter().zip(pt) {
        if !param.active || !matches!(v, Value::Float(_)) {
            continue;
        }
        match (pair_part(case, param, "d_"), pair_part(case, param, "hv_")) {
            (Some(d), Some(hv)) => {
                g0.push(format!("{d} as f64"));
                h0.push(format!("{hv} as f64"));
            }
            _ => {
                g0.push(format!("{} as f64", gs[k]));
                h0.push(format!("{} as f64", hs[k]));
                k += 1;
            }
        }
    }
    format!(
        "|pp: &[f64], vv: &[f64]| -> (f64, Vec<f64>, Vec<f64>) {{ {pre} let {lhs} = {name}_hvp({}); let mut gr: Vec<f64> = vec![{}]; let mut hr: Vec<f64> = vec![{}];{collect} (v as f64, gr, hr) }}",
        all.join(", "),
        g0.join(", "),
        h0.join(", ")
    )
}

/// `|pp, vv| NAME_hvp(&model, args.., &v_model, &mut d_model, &mut hv_model)` (or the method)
/// for a function whose only differentiated parameter is the model: the direction model from
/// `vv`, the gradient and `H · v` read from the models' fields as the point is laid out
/// (scalars, then sequences, each in declaration order).
#[allow(clippy::too_many_arguments)]
fn model_hvp_closure(
    case: &Case,
    m: &crate::gen::Model,
    pt: &[Value],
    offs: &[usize],
    ty: &str,
    pre: &str,
    args: &[String],
    name: &str,
) -> String {
    let inner = if m.nested { "inner." } else { "" };
    let mut pre = pre.to_string();
    let mut fields = Vec::new();
    // The other differentiated parameters: their directions and buffers after the model's.
    let (mut tangents, mut bufs, mut hvs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut g0, mut h0, mut seqs) = (Vec::new(), Vec::new(), String::new());
    let mut others = 0;
    for (j, (param, v)) in case.params.iter().zip(pt).enumerate() {
        if param.in_model {
            fields.push(model_field(param, v, offs[j], ty, "vv"));
        }
        if !param.active {
            continue;
        }
        let (n, off) = (&param.name, offs[j]);
        match (v, param.in_model) {
            (Value::Float(_), true) => {
                g0.push(format!("d_model.{inner}{n} as f64"));
                h0.push(format!("hv_model.{inner}{n} as f64"));
            }
            (Value::Float(_), false) => {
                tangents.push(format!("vv[{off}] as {ty}"));
                g0.push(format!("go[{others}] as f64"));
                h0.push(format!("ho[{others}] as f64"));
                others += 1;
            }
            (Value::Slice(_) | Value::Rows(_), true) => {
                let flatten = flattened(param);
                let _ = write!(
                    seqs,
                    " gr.extend(d_model.{inner}{n}.iter(){flatten}); hr.extend(hv_model.{inner}{n}.iter(){flatten});"
                );
            }
            (Value::Slice(xs), false) => {
                let _ = write!(
                    pre,
                    "let v_{n}: Vec<{ty}> = vv[{off}..{}].iter().map(|&v| v as {ty}).collect(); let mut d_{n}: Vec<{ty}> = vec![0.0; {len}]; let mut hv_{n}: Vec<{ty}> = vec![0.0; {len}]; ",
                    off + xs.len(),
                    len = xs.len()
                );
                tangents.push(format!("&v_{n}"));
                bufs.push(format!("&mut d_{n}"));
                hvs.push(format!("&mut hv_{n}"));
                let _ = write!(
                    seqs,
                    " gr.extend(d_{n}.iter().map(|&d| d as f64)); hr.extend(hv_{n}.iter().map(|&d| d as f64));"
                );
            }
            (Value::Rows(rs), false) => {
                let rows = rows_literal(param, rs, off, |at, _| format!("vv[{at}] as {ty}"));
                if slice_rows(param) {
                    let _ = write!(pre, "let v_{n}_rows = {rows}; let v_{n}: Vec<&[{ty}]> = v_{n}_rows.iter().map(|r| r.as_slice()).collect(); ");
                } else {
                    let _ = write!(pre, "let v_{n} = {rows}; ");
                }
                tangents.push(format!("&v_{n}"));
                for (prefix, out) in [("d", &mut bufs), ("hv", &mut hvs)] {
                    let (decl, arg) = rows_buffer(param, rs, &format!("{prefix}_{n}"), ty);
                    pre.push_str(&decl);
                    out.push(arg);
                }
                let flatten = flattened(param);
                let _ = write!(
                    seqs,
                    " gr.extend(d_{n}.iter(){flatten}); hr.extend(hv_{n}.iter(){flatten});"
                );
            }
            _ => {}
        }
    }
    let _ = write!(
        pre,
        "let v_model = {}; let mut d_model = grad::runtime::Params::zeros_like(&model); let mut hv_model = grad::runtime::Params::zeros_like(&model); ",
        model_literal(m, ty, &fields)
    );
    let mut all = args.to_vec();
    let call = if m.method {
        format!("model.{name}_hvp")
    } else {
        all.insert(0, model_arg(m).to_string());
        format!("{name}_hvp")
    };
    all.push("&v_model".to_string());
    all.extend(tangents);
    all.push("&mut d_model".to_string());
    all.extend(bufs);
    all.push("&mut hv_model".to_string());
    all.extend(hvs);
    let lhs = if others == 0 { "v" } else { "(v, go, ho)" };
    format!(
        "|pp: &[f64], vv: &[f64]| -> (f64, Vec<f64>, Vec<f64>) {{ {pre} let {lhs} = {call}({}); let mut gr: Vec<f64> = vec![{}]; let mut hr: Vec<f64> = vec![{}];{seqs} (v as f64, gr, hr) }}",
        all.join(", "),
        g0.join(", "),
        h0.join(", ")
    )
}

/// `|pp, vv| NAME_jvp(args.., tangents..)`: the tangents of the differentiated parameters, in
/// declaration order, from the direction `vv` laid out as the flat point is.
fn jvp_closure(
    case: &Case,
    pt: &[Value],
    offs: &[usize],
    ty: &str,
    pre: &str,
    args: &[String],
    name: &str,
) -> String {
    let mut pre = pre.to_string();
    let mut tangents = Vec::new();
    // The tangent model: the model's literal with its differentiated fields from `vv`.
    let mut fields = Vec::new();
    for (j, (param, v)) in case.params.iter().zip(pt).enumerate() {
        let n = &param.name;
        let off = offs[j];
        if param.in_model {
            fields.push(model_field(param, v, off, ty, "vv"));
            continue;
        }
        if !param.active {
            continue;
        }
        match v {
            Value::Float(_) => match param.pair {
                Pair::First(b, _) => {
                    tangents.push(format!("&(vv[{off}] as {ty}, vv[{}] as {ty})", offs[b]));
                }
                Pair::Second(_) => {}
                Pair::None => tangents.push(format!("vv[{off}] as {ty}")),
            },
            Value::Slice(xs) => {
                let _ = write!(
                    pre,
                    "let v_{n}: Vec<{ty}> = vv[{off}..{}].iter().map(|&v| v as {ty}).collect(); ",
                    off + xs.len()
                );
                tangents.push(format!("&v_{n}"));
            }
            Value::Rows(rs) => {
                let rows = rows_literal(param, rs, off, |at, _| format!("vv[{at}] as {ty}"));
                if slice_rows(param) {
                    let _ = write!(pre, "let v_{n}_rows = {rows}; let v_{n}: Vec<&[{ty}]> = v_{n}_rows.iter().map(|r| r.as_slice()).collect(); ");
                } else {
                    let _ = write!(pre, "let v_{n} = {rows}; ");
                }
                tangents.push(format!("&v_{n}"));
            }
            _ => {}
        }
    }
    let mut all = args.to_vec();
    let call = match &case.model {
        Some(m) => {
            let _ = write!(pre, "let v_model = {}; ", model_literal(m, ty, &fields));
            // The tangent model comes first among the tangents: the model is the first
            // differentiated parameter.
            all.push("&v_model".to_string());
            if m.method {
                format!("model.{name}_jvp")
            } else {
                all.insert(0, model_arg(m).to_string());
                format!("{name}_jvp")
            }
        }
        None => format!("{name}_jvp"),
    };
    all.extend(tangents);
    format!(
        "|pp: &[f64], vv: &[f64]| -> (f64, f64) {{ {pre} let (v, t) = {call}({}); (v as f64, t as f64) }}",
        all.join(", ")
    )
}

/// The buffer (`prefix` `d_`, `hv_`) of the tuple pattern `(a, b)` that `param` stands in:
/// `d_a_b`, as the macro names the pattern's parameter `a_b`.
fn pair_name(case: &Case, param: &Param, prefix: &str) -> String {
    let (a, b) = match param.pair {
        Pair::First(o, _) => (&param.name, &case.params[o].name),
        Pair::Second(o) => (&case.params[o].name, &param.name),
        Pair::None => return String::new(),
    };
    format!("{prefix}{a}_{b}")
}

/// `d_a_b.0` or `d_a_b.1`: the component of a tuple pattern's buffer for `param`, if it is in
/// one.
fn pair_part(case: &Case, param: &Param, prefix: &str) -> Option<String> {
    let k = match param.pair {
        Pair::First(..) => 0,
        Pair::Second(_) => 1,
        Pair::None => return None,
    };
    Some(format!("{}.{k}", pair_name(case, param, prefix)))
}

/// How the function under test is handed its model.
fn model_arg(m: &Model) -> &'static str {
    if m.by_value {
        "model.clone()"
    } else {
        "&model"
    }
}

#[cfg(test)]
mod tests {
    use super::environment_failure;

    #[test]
    fn a_full_disk_is_not_a_compile_error() {
        let full = "error: failed to write `/t/deps/x.rlib`: No space left on device (os error 28)";
        assert_eq!(environment_failure(full), Some("the disk is full"));
        let code = "src/main.rs:40:9: error[E0308]: mismatched types";
        assert_eq!(environment_failure(code), None);
    }
}
