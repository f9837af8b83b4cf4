#!/usr/bin/env python3
"""Build time of `#[gradient]` code (BENCHMARKS.md, "Build time"). Standard library only.

    python3 benches/compile_time/run.py [--runs N] [--only many|large|cold] [--json PATH]

What it measures:

  many, many_plain    a lib crate of 50 loss functions of varied shape (scalars; slices with loops
                      and reductions; a closure; a `#[gradient]` helper called by another; `jvp` on
                      some), with `#[gradient]` (many) and without it (many_plain, the baseline:
                      what the compiler needs for the functions themselves); all `pub`, and a
                      `pub fn` takes the address of each (and of each `NAME_grad`, `NAME_jvp`), so
                      that every one is compiled in the crate, small ones included
  large, large_plain  a lib crate of one function of 2000 straight-line statements (the shape of
                      grad-tests/tests/large_body.rs), with and without `#[gradient]`
  cold                `cargo build --release --example quickstart` in the workspace root with an
                      empty target directory (the README's first command)

The scratch crates are generated under target/compile-time/ (each its own workspace, depending on
`grad` by path, with a copy of the workspace's Cargo.lock so the same versions are used) and share
one target directory, target/compile-time/target. For each crate and each profile (debug,
release), one build compiles the dependencies (grad, grad-macro, grad-runtime and theirs), then N
rebuilds (default 5) are timed, each after touching the crate's src/lib.rs, so that only the
crate itself is compiled: macro expansion, type checking and code generation. Incremental
compilation is off for these builds (CARGO_INCREMENTAL=0), so a rebuild compiles the whole crate
instead of reusing the previous one. The runs of a crate and of its plain twin alternate, so
drift in the machine's load affects both alike. A timed rebuild that also compiled another
package (a source file of the workspace changed meanwhile) is discarded and done again.

The cold build is run N times (default 3), each with CARGO_TARGET_DIR set to a fresh, empty
target/compile-time/cold-<k>, removed afterwards. It compiles every dependency from source but
downloads nothing when the registry sources are already on the machine (the script reports it if
cargo downloaded anything).

Times are wall-clock seconds of the whole `cargo build` command (cargo's own start-up and
freshness checks included; the time of a build with nothing to do is printed for reference).
The output is a markdown table: crate, profile, median, min, max, and for many and large the
ratio of their median to the plain twin's. --json PATH also writes every run and the machine's
details ('-' for stdout). The scratch crates and their target directory stay under target/
(about what a debug and a release build of grad take); delete target/compile-time to remove them.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRATCH = os.path.join(ROOT, "target", "compile-time")
SCRATCH_TARGET = os.path.join(SCRATCH, "target")

PROFILES = ("debug", "release")
GROUPS = ("many", "large", "cold")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, metavar="N",
                    help="timed rebuilds per crate and profile (default 5) and cold builds (default 3)")
    ap.add_argument("--only", action="append", choices=GROUPS,
                    help="measure only this group (repeatable; default: all three)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-' = stdout)")
    a = ap.parse_args()
    if a.runs is not None and a.runs < 1:
        ap.error("--runs must be at least 1")
    a.only = a.only or list(GROUPS)
    return a


# ------------------------------------------------------------------------------------------------
# The 50 functions of `many`: eight templates of one function and one template of a pair (a
# `#[gradient]` helper and the loss that calls it), each instantiated five times with its own
# constants. `@GRAD(args)` marks where `#[gradient(args)]` goes; the plain twin drops that line.
# ------------------------------------------------------------------------------------------------

def lit(v):
    """A Rust f64 literal."""
    s = repr(float(v))
    return s if ("." in s or "e" in s or "inf" in s or "nan" in s) else s + ".0"


def tpl_rosen(k):
    a, b = lit(1.0 + 0.25 * k), lit(100.0 - 10.0 * k)
    jvp = "jvp" if k % 2 == 0 else ""
    return f"""
/// A Rosenbrock valley, its minimum at x = {a}, y = {a}².
@GRAD({jvp})
pub fn rosen_{k}(x: f64, y: f64) -> f64 {{
    ({a} - x).powi(2) + {b} * (y - x * x).powi(2)
}}
"""


def tpl_bump(k):
    a, b, c, d = lit(0.5 * k + 0.25), lit(1.0 + k), lit(2.0 + 0.5 * k), lit(0.1 * (k + 1))
    return f"""
/// A smooth bump on a bowl, in three scalars.
@GRAD()
pub fn bump_{k}(x: f64, y: f64, z: f64) -> f64 {{
    let r2 = x * x + {c} * y * y + z * z;
    let s = (r2 + 1.0).sqrt();
    let t = (-(x - {a}).powi(2) / {b}).exp();
    s * t + (y * z).sin() * {d} + x.atan2(1.0 + z * z)
}}
"""


def tpl_lsq(k):
    lam = lit(1e-3 * (k + 1))
    opts = "jvp, wrt(w)" if k % 2 == 1 else "wrt(w)"
    return f"""
/// Mean squared error of a linear model (`x` is `n × d` row-major) with an L2 penalty.
@GRAD({opts})
pub fn lsq_{k}(w: &[f64], x: &[f64], y: &[f64]) -> f64 {{
    let d = w.len();
    let mut loss = 0.0;
    for i in 0..y.len() {{
        let mut pred = 0.0;
        for j in 0..d {{
            pred += x[i * d + j] * w[j];
        }}
        let r = y[i] - pred;
        loss += r * r;
    }}
    loss / y.len() as f64 + {lam} * w.iter().map(|v| v * v).sum::<f64>()
}}
"""


def tpl_logit(k):
    s = lit(1.0 + 0.5 * k)
    return f"""
/// Logistic regression with a temperature, the link written as a closure.
@GRAD(wrt(w, b))
pub fn logit_{k}(w: &[f64], b: f64, x: &[f64], y: &[f64]) -> f64 {{
    let d = w.len();
    let softplus = |z: f64| ({s} * z).exp().ln_1p() / {s};
    let mut loss = 0.0;
    for i in 0..y.len() {{
        let mut z = b;
        for j in 0..d {{
            z += x[i * d + j] * w[j];
        }}
        loss += softplus(z) - y[i] * z;
    }}
    loss / y.len() as f64
}}
"""


def tpl_rnn(k):
    h0, g = lit(0.1 * k - 0.2), lit(0.01 * (k + 1))
    return f"""
/// A one-unit tanh RNN against a target sequence.
@GRAD(wrt(a, u, c))
pub fn rnn_{k}(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> f64 {{
    let mut h = {h0};
    let mut loss = 0.0;
    for t in 0..x.len() {{
        h = (a * h + u * x[t] + c).tanh();
        let e = h - y[t];
        loss += e * e;
    }}
    loss + {g} * (a * a + u * u)
}}
"""


def tpl_chain(k):
    a, b, c = lit(1.0 - 0.1 * k), lit(100.0 + 5.0 * k), lit(0.05 * (k + 1))
    return f"""
/// The chained Rosenbrock function plus a smoothness term over neighbours.
@GRAD(jvp)
pub fn chain_{k}(x: &[f64]) -> f64 {{
    let mut s = 0.0;
    for i in 0..x.len() - 1 {{
        s += ({a} - x[i]).powi(2) + {b} * (x[i + 1] - x[i] * x[i]).powi(2);
    }}
    s + {c} * x.windows(2).map(|p| (p[1] - p[0]).powi(2)).sum::<f64>()
}}
"""


def tpl_huber(k):
    delta = lit(0.5 + 0.25 * k)
    return f"""
/// Huber loss of a linear model, a branch per sample.
@GRAD(wrt(w))
pub fn huber_{k}(w: &[f64], x: &[f64], y: &[f64]) -> f64 {{
    let d = w.len();
    let mut loss = 0.0;
    for (i, &yi) in y.iter().enumerate() {{
        let mut pred = 0.0;
        for j in 0..d {{
            pred += x[i * d + j] * w[j];
        }}
        let r = (yi - pred).abs();
        if r <= {delta} {{
            loss += 0.5 * r * r;
        }} else {{
            loss += {delta} * (r - 0.5 * {delta});
        }}
    }}
    loss
}}
"""


def tpl_mlp(k):
    lam = lit(1e-4 * (k + 1))
    act = ["z.tanh()", "1.0 / (1.0 + (-z).exp())", "z.max(0.01 * z)",
           "z / (1.0 + z.abs())", "z.exp().ln_1p()"][k % 5]
    return f"""
/// A one-hidden-layer network (`w1` is `h × d` row-major), mean squared error.
@GRAD(wrt(w1, b1, w2, b2))
pub fn mlp_{k}(w1: &[f64], b1: &[f64], w2: &[f64], b2: f64, x: &[f64], y: &[f64]) -> f64 {{
    let h = b1.len();
    let d = w1.len() / h;
    let mut hidden = vec![0.0; h];
    let mut loss = 0.0;
    for i in 0..y.len() {{
        for k in 0..h {{
            let mut z = b1[k];
            for j in 0..d {{
                z += w1[k * d + j] * x[i * d + j];
            }}
            hidden[k] = {act};
        }}
        let mut out = b2;
        for k in 0..h {{
            out += w2[k] * hidden[k];
        }}
        let e = out - y[i];
        loss += e * e;
    }}
    loss / y.len() as f64 + {lam} * w1.iter().map(|v| v * v).sum::<f64>()
}}
"""


def tpl_helper_pair(k):
    eps, lam = lit(1e-6 * (k + 1)), lit(0.01 * (k + 1))
    return f"""
/// A smoothed L1 penalty, called by `ridge_{k}`.
@GRAD()
pub fn penalty_{k}(w: &[f64]) -> f64 {{
    {lam} * w.iter().map(|v| (v * v + {eps}).sqrt()).sum::<f64>()
}}

/// Sum of squared errors of a linear model plus `penalty_{k}`, through its gradient.
@GRAD(wrt(w))
pub fn ridge_{k}(w: &[f64], x: &[f64], y: &[f64]) -> f64 {{
    let d = w.len();
    let mut loss = 0.0;
    for i in 0..y.len() {{
        let mut pred = 0.0;
        for j in 0..d {{
            pred += x[i * d + j] * w[j];
        }}
        loss += (y[i] - pred).powi(2);
    }}
    loss + penalty_{k}(w)
}}
"""


SINGLE_TEMPLATES = (tpl_rosen, tpl_bump, tpl_lsq, tpl_logit, tpl_rnn, tpl_chain, tpl_huber, tpl_mlp)
INSTANCES = 5


def apply_attr(source, annotated):
    """Replaces each `@GRAD(args)` line by `#[gradient(args)]` (or `#[gradient]`), or drops it."""
    def repl(m):
        if not annotated:
            return ""
        args = m.group(2)
        return f"{m.group(1)}#[gradient({args})]\n" if args else f"{m.group(1)}#[gradient]\n"
    return re.sub(r"^( *)@GRAD\((.*)\)\n", repl, source, flags=re.M)


def many_source(annotated):
    parts = []
    for k in range(INSTANCES):
        for t in SINGLE_TEMPLATES:
            parts.append(t(k))
        parts.append(tpl_helper_pair(k))
    body = "".join(parts)
    count = body.count("@GRAD(")
    assert count == 50, count
    # Take every function's address in a `pub fn`, so that each is compiled in this crate: rustc
    # otherwise leaves small leaf functions (`rosen_k` and its gradient) to the crates that call them.
    names = []
    for args, name in re.findall(r"^@GRAD\((.*)\)\npub fn (\w+)\(", body, flags=re.M):
        names.append(name)
        if annotated:
            names.append(name + "_grad")
            if "jvp" in args:
                names.append(name + "_jvp")
    body += ("\n/// The address of every function"
             + (", `NAME_grad` and `NAME_jvp`" if annotated else "")
             + ", so that each is compiled here.\npub fn function_addresses() -> Vec<*const ()> {\n    vec![\n"
             + "".join(f"        {n} as *const (),\n" for n in names) + "    ]\n}\n")
    head = ("//! Generated by benches/compile_time/run.py: 50 loss functions"
            + (" with `#[gradient]`." if annotated else ", plain (the baseline).") + "\n\n"
            + "#![allow(clippy::all)]\n\n"
            + ("use grad::gradient;\n" if annotated else ""))
    return head + apply_attr(body, annotated)


# ------------------------------------------------------------------------------------------------
# The 2000-statement function of `large`: the statement shapes of grad-tests/tests/large_body.rs,
# operands drawn from the last 40 values by a seeded generator (the same text on every run).
# ------------------------------------------------------------------------------------------------

LARGE_STATEMENTS = 2000


def large_source(annotated):
    state = 0x2545F4914F6CDD1D

    def draw(n):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
        return (state >> 33) % n

    shapes = (
        "{p}.sin() + 0.1 * {q}",
        "{p}.max({q}) * 0.8",
        "{p} - 0.5 * {q}",
        "{p} * 0.9 + {q}.tanh()",
        "{p} * 0.7 + {q} * 0.2",
        "{p} * 0.5 + {q} * 0.4",
        "({p} * {p} + 1.0).sqrt() * 0.5 - {q} * 0.3",
    )
    lines = ["    let a0 = x * y + z;"]
    for i in range(1, LARGE_STATEMENTS):
        names = ["x", "y", "z"] if i < 40 else []
        names += [f"a{j}" for j in range(max(0, i - 40), i)]
        p, q = names[draw(len(names))], names[draw(len(names))]
        lines.append(f"    let a{i} = " + shapes[draw(len(shapes))].format(p=p, q=q) + ";")
    lines.append(f"    a{LARGE_STATEMENTS - 1}.tanh()")
    return ("//! Generated by benches/compile_time/run.py: one function of "
            f"{LARGE_STATEMENTS} straight-line statements"
            + (" with `#[gradient]`." if annotated else ", plain (the baseline).") + "\n\n"
            + "#![allow(unused_variables, clippy::all)]\n\n"
            + ("use grad::gradient;\n\n#[gradient]\n" if annotated else "")
            + "pub fn long_chain(x: f64, y: f64, z: f64) -> f64 {\n"
            + "\n".join(lines) + "\n}\n")


# ------------------------------------------------------------------------------------------------
# Scratch crates
# ------------------------------------------------------------------------------------------------

CRATES = {
    "many": lambda: many_source(True),
    "many_plain": lambda: many_source(False),
    "large": lambda: large_source(True),
    "large_plain": lambda: large_source(False),
}


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def generate(name):
    """Writes target/compile-time/NAME (Cargo.toml, Cargo.lock, src/lib.rs); returns its path."""
    d = os.path.join(SCRATCH, name)
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    grad_path = os.path.relpath(ROOT, d).replace(os.sep, "/")
    write_if_changed(os.path.join(d, "Cargo.toml"), f"""\
# Generated by benches/compile_time/run.py. Not a member of the grad workspace.
[package]
name = "ct_{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
grad = {{ path = "{grad_path}" }}

[workspace]
""")
    lock = os.path.join(ROOT, "Cargo.lock")
    if os.path.exists(lock):  # the workspace's versions, as they are now (cargo trims the copy)
        shutil.copyfile(lock, os.path.join(d, "Cargo.lock"))
    write_if_changed(os.path.join(d, "src", "lib.rs"), CRATES[name]())
    return d


# ------------------------------------------------------------------------------------------------
# Running cargo
# ------------------------------------------------------------------------------------------------

COMPILING = re.compile(r"^\s*Compiling (\S+) v", re.M)
DOWNLOADED = re.compile(r"^\s*Downloaded (\S+) v", re.M)


def cargo(args, cwd, target_dir, incremental_off=True):
    """Runs `cargo ARGS`; returns (wall seconds, names of the packages compiled, stderr)."""
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir, CARGO_TERM_COLOR="never",
               CARGO_TERM_PROGRESS_WHEN="never")
    if incremental_off:
        env["CARGO_INCREMENTAL"] = "0"
    t0 = time.perf_counter()
    p = subprocess.run(["cargo", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit(f"`cargo {' '.join(args)}` failed in {cwd} (exit {p.returncode})")
    return dt, COMPILING.findall(p.stderr), p.stderr


def build_args(profile):
    return ["build", "--lib"] + (["--release"] if profile == "release" else [])


def touch(path):
    os.utime(path, None)


def summary(times):
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": times}


def time_pair(pair, runs, log):
    """Times `runs` rebuilds of each crate of `pair` (annotated, plain) per profile, alternating."""
    results = []
    for profile in PROFILES:
        dirs = {name: generate(name) for name in pair}
        noop = {}
        for name in pair:
            log(f"{name} ({profile}): building the dependencies and the crate once")
            dt, compiled, _ = cargo(build_args(profile), dirs[name], SCRATCH_TARGET)
            log(f"    {dt:.1f} s, compiled {len(compiled)} package(s)")
            dt, compiled, _ = cargo(build_args(profile), dirs[name], SCRATCH_TARGET)
            if compiled:
                sys.exit(f"{name}: a second build compiled {compiled} again; cannot time rebuilds")
            noop[name] = dt
        times = {name: [] for name in pair}
        discarded = {name: 0 for name in pair}
        for i in range(runs):
            for name in pair:
                for _attempt in range(4):
                    touch(os.path.join(dirs[name], "src", "lib.rs"))
                    dt, compiled, _ = cargo(build_args(profile), dirs[name], SCRATCH_TARGET)
                    crate = f"ct_{name}"
                    if crate not in compiled:
                        sys.exit(f"{name}: touching src/lib.rs did not rebuild the crate ({compiled})")
                    if compiled == [crate]:
                        break
                    discarded[name] += 1
                    log(f"    {name}: run discarded, it also compiled {[c for c in compiled if c != crate]}")
                else:
                    sys.exit(f"{name}: the dependencies keep changing; stop other edits and rerun")
                times[name].append(dt)
                log(f"    {name} ({profile}) run {i + 1}/{runs}: {dt:.2f} s")
        for name in pair:
            r = {"crate": name, "profile": profile, **summary(times[name]),
                 "noop_seconds": noop[name], "discarded_runs": discarded[name]}
            results.append(r)
        base = next(r for r in results if r["crate"] == pair[1] and r["profile"] == profile)
        ann = next(r for r in results if r["crate"] == pair[0] and r["profile"] == profile)
        ann["ratio_to_plain"] = ann["median"] / base["median"]
    return results


def time_cold(runs, log):
    times, downloaded = [], []
    for k in range(runs):
        target = os.path.join(SCRATCH, f"cold-{k}")
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        log(f"cold build {k + 1}/{runs}: cargo build --release --example quickstart "
            f"(CARGO_TARGET_DIR={os.path.relpath(target, ROOT)})")
        try:
            dt, compiled, err = cargo(["build", "--release", "--example", "quickstart"], ROOT, target,
                                      incremental_off=False)
        finally:
            shutil.rmtree(target, ignore_errors=True)
        downloaded += DOWNLOADED.findall(err)
        times.append(dt)
        log(f"    {dt:.1f} s, {len(compiled)} packages compiled")
    r = {"crate": "quickstart (cold)", "profile": "release", **summary(times),
         "packages_compiled": len(compiled), "downloaded": sorted(set(downloaded))}
    return [r]


# ------------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------------

def machine():
    def out(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  cwd=ROOT).stdout.strip()
        except OSError:
            return None
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "rustc": out(["rustc", "-V"]),
        "cargo": out(["cargo", "-V"]),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def table(results):
    lines = ["| crate | profile | median | min | max | ÷ plain |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        ratio = f"{r['ratio_to_plain']:.2f}×" if "ratio_to_plain" in r else ""
        name = f"`{r['crate']}`" if "(" not in r["crate"] else r["crate"]
        lines.append(f"| {name} | {r['profile']} | {r['median']:.2f} s | {r['min']:.2f} s "
                     f"| {r['max']:.2f} s | {ratio} |")
    return "\n".join(lines)


def main():
    a = parse_args()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    meta = machine()
    os.makedirs(SCRATCH, exist_ok=True)
    results = []
    if "many" in a.only:
        results += time_pair(("many", "many_plain"), a.runs or 5, log)
    if "large" in a.only:
        results += time_pair(("large", "large_plain"), a.runs or 5, log)
    if "cold" in a.only:
        results += time_cold(a.runs or 3, log)
    meta["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    print()
    print(table(results))
    print()
    noops = [f"{r['crate']} {r['profile']} {r['noop_seconds']:.2f} s" for r in results if "noop_seconds" in r]
    if noops:
        print("A build with nothing to compile (cargo's own overhead, included above): " + ", ".join(noops) + ".")
    for r in results:
        if r.get("discarded_runs"):
            print(f"{r['crate']} {r['profile']}: {r['discarded_runs']} run(s) discarded "
                  "(another package was compiled too).")
        if "downloaded" in r:
            print("Cold build: " + (f"cargo downloaded {', '.join(r['downloaded'])}."
                                    if r["downloaded"] else
                                    f"nothing downloaded (registry sources already on the machine), "
                                    f"{r['packages_compiled']} packages compiled."))
    la0, la1 = meta["loadavg_start"], meta["loadavg_end"]
    if la0 and la1:
        print(f"{meta['rustc']}, {meta['cpus']} CPUs, load average {la0[0]:.2f} at the start, "
              f"{la1[0]:.2f} at the end.")

    if a.json:
        doc = {"meta": meta, "results": results}
        if a.json == "-":
            json.dump(doc, sys.stdout, indent=2)
            print()
        else:
            with open(a.json, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
                fh.write("\n")
            log(f"wrote {a.json}")


if __name__ == "__main__":
    main()
