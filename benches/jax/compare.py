#!/usr/bin/env python3
"""Prints the side-by-side tables of BENCHMARKS.md ("Measured against JAX side by side") from one
Rust run and one JAX run. Standard library only.

    CARGO_TARGET_DIR=target cargo bench -p grad-tests --bench benchmarks -- "B[1-6]_.*/(generated|hand|plain)$|JVP|HVP"
    benches/jax/run.sh -- --json target/jax-bench.json
    python3 benches/jax/compare.py [--criterion target/criterion] [--jax target/jax-bench.json ...]

With several --jax files, the first fills both tables and every further one adds a
`value_and_grad` column to the first table (e.g. a run pinned to one core with `taskset -c 1`
next to one on all cores).

Rust times are criterion's median point estimates (target/criterion/<group>/<entry>/new/
estimates.json), JAX times the medians bench.py reports.
"""

import argparse
import json
import os


def fmt(ns):
    if ns is None:
        return "—"
    if ns < 1e3:
        return f"{ns:.3g} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns / 1e6:.3g} ms"


def ratio(a, b):
    if a is None or b is None:
        return "—"
    r = a / b
    if r >= 100:
        return f"{r:.0f}×"
    return f"{r:.3g}×" if r >= 0.01 else f"{r:.1e}×"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", default="target/criterion")
    ap.add_argument("--jax", action="append", help="bench.py --json output (repeatable)")
    a = ap.parse_args()
    a.jax = a.jax or ["target/jax-bench.json"]

    def rust(group, entry):
        p = os.path.join(a.criterion, group, entry, "new", "estimates.json")
        try:
            with open(p) as fh:
                return json.load(fh)["median"]["point_estimate"]
        except FileNotFoundError:
            return None

    runs = []
    for path in a.jax:
        with open(path) as fh:
            jx = json.load(fh)
        runs.append((jx["meta"], {(r["problem"], r["operation"]): r["median_us"] * 1e3 for r in jx["results"]}))
    jx_meta, jres = runs[0]
    j = lambda p, op: jres.get((p, op))  # noqa: E731

    def label(meta):
        allowed = meta.get("cpus_allowed")
        n = len(allowed) if allowed else meta.get("cpus")
        return f"{n} core{'s' if n != 1 else ''}" + (", 1 thread" if meta.get("single_thread") else "")

    groups = {"B1": "B1_rosen2", "B2": "B2_rosen_n", "B3": "B3_linreg", "B4": "B4_logreg",
              "B5": "B5_mlp", "B6": "B6_rnn"}
    for meta, _ in runs:
        print(f"JAX {meta['jax']}, {meta['date']}, {label(meta)}")
    print()
    extra = "".join(f" JAX `value_and_grad` ({label(m)}) |" for m, _ in runs[1:])
    print(f"| | Rust plain | Rust hand | Rust generated | JAX `jit(f)` | JAX `value_and_grad` ({label(jx_meta)}) "
          f"| JAX ÷ generated | JAX ÷ hand |{extra}")
    print("|---|---|---|---|---|---|---|---|" + "---|" * (len(runs) - 1))
    for p, g in groups.items():
        pl, h, ge, jv, jg = rust(g, "plain"), rust(g, "hand"), rust(g, "generated"), j(p, "value"), j(p, "grad")
        more = "".join(f" {fmt(r.get((p, 'grad')))} |" for _, r in runs[1:])
        print(f"| {g.replace('_', ' ', 1)} | {fmt(pl)} | {fmt(h)} | **{fmt(ge)}** | {fmt(jv)} | **{fmt(jg)}** "
              f"| {ratio(jg, ge)} | {ratio(jg, h)} |{more}")
    print()
    print(f"| | operation: Rust / JAX ({label(jx_meta)}) | Rust | JAX | JAX ÷ Rust |")
    print("|---|---|---|---|---|")
    rows = []
    for p in ("B1", "B2", "B3", "B4"):
        rows.append((p, "`NAME_jvp` / `jax.jvp` (value, ∇f·v)", rust("JVP_" + groups[p], "jvp"), j(p, "jvp")))
    for p in ("B1", "B2"):
        rows.append((p, "`NAME_hvp` / `jvp` of `value_and_grad` (value, ∇f, H·v)", rust("HVP_" + groups[p], "hvp"),
                     j(p, "hvp")))
        rows.append((p, "`NAME_hessian` (dense) / `jax.hessian`", rust("HVP_" + groups[p], "hessian"),
                     j(p, "hessian")))
        banded = rust("HVP_" + groups[p], "hessian_banded")
        if banded is not None:
            rows.append((p, "banded `HessianPattern` (3 HVPs) / `jax.hessian`",
                         banded, j(p, "hessian")))
        rows.append((p, "hand-written Hessian / `jax.hessian`",
                     rust("HVP_" + groups[p], "hessian_hand"), j(p, "hessian")))
    for p, op, r, jj in rows:
        print(f"| {groups[p].replace('_', ' ', 1)} | {op} | {fmt(r)} | {fmt(jj)} | {ratio(jj, r)} |")


if __name__ == "__main__":
    main()
