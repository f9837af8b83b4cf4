#!/usr/bin/env python3
"""JAX side of the B1–B6 benchmarks, timed the way the Rust side is (see BENCHMARKS.md).

Run through `benches/jax/run.sh` (which finds or installs JAX), or directly with a Python that has
JAX:

    python benches/jax/bench.py [--json OUT.json] [--filter REGEX] [--min-time SECONDS]
                                [--single-thread] [--no-check]

The data is built exactly as `grad-tests/benches/problems/mod.rs` builds it (the LCG of
`/work/shared/BENCH-SPEC.md` / BENCHMARKS.md "The problems", same seeds, sizes and evaluation
points), in float64. The directions for forward mode and Hessian–vector products are the Rust
bench's (`benches/benchmarks.rs`): B1 v = (0.3, -0.7); B2, B3 v_k = ((7k + 3) mod 11)/4 - 1.25;
B4 the same for w and 0.5 for b.

Operations (each one `jax.jit`-compiled, arguments already on the device, `block_until_ready` on
every output, median over many calls after warm-up):

    value       jit(f)                                   the loss alone (Rust `plain`)
    grad        jit(value_and_grad(f))                   B1–B6 (Rust `generated` / `hand`)
    jvp         jit(lambda p, v: jax.jvp(f, p, v))       B1–B4 (Rust `NAME_jvp`)
    hvp         forward over reverse: jax.jvp(value_and_grad(f), (p,), (v,)) -> value, gradient,
                H·v                                      B1, B2 (Rust `NAME_hvp`)
    hessian     jit(jax.hessian(f))                      B1, B2 n = 1000 (Rust `NAME_hessian`,
                which also returns the value and the gradient)

Before timing, each result is checked: the data against values the Rust tests pin
(grad-tests/tests/bench_problems.rs), the gradients of B1/B2 against closed forms, every JVP against the
gradient dotted with the direction, every HVP against the Hessian times the direction, and the
Hessians against the hand-written ones of benches/benchmarks.rs.
"""

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-' = stdout)")
    ap.add_argument("--filter", default="", help="only run 'PROBLEM/operation' names matching this regex")
    ap.add_argument("--min-time", type=float, default=1.0,
                    help="seconds of timed calls per entry (at least 50 calls; default 1.0)")
    ap.add_argument("--single-thread", action="store_true",
                    help="ask XLA for one intra-op (Eigen) thread; its runtime may still use a second thread, "
                         "so to confine JAX to one core run under `taskset -c 1` (see run.sh)")
    ap.add_argument("--no-check", action="store_true", help="skip the correctness checks")
    return ap.parse_args()


ARGS = parse_args()
if ARGS.single_thread:
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

# ------------------------------------------------------------------------------------------------
# Data: the suite's 64-bit LCG (bit-identical to grad-tests/benches/problems/mod.rs)
# ------------------------------------------------------------------------------------------------

LCG_MUL = 6364136223846793005
LCG_INC = 1442695040888963407
MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = (seed * LCG_MUL + LCG_INC) & MASK

    def next_f64(self):
        self.state = (self.state * LCG_MUL + LCG_INC) & MASK
        return (self.state >> 11) / float(1 << 53)  # exact: both sides are exact doubles

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next_f64()

    def uniform_vec(self, n, lo, hi):
        return [self.uniform(lo, hi) for _ in range(n)]


def dot_seq(a, b):
    """Sequential sum, the order of `dot` in grad-tests/benches/problems/mod.rs."""
    s = 0.0
    for ai, bi in zip(a, b):
        s += ai * bi
    return s


def sigmoid_py(z):
    return 1.0 / (1.0 + math.exp(-z))


def direction(n):
    return [((k * 7 + 3) % 11) / 4.0 - 1.25 for k in range(n)]


def make_data():
    data = {}
    # B1
    data["B1"] = dict(p=[-1.2, 1.0])
    # B2
    data["B2"] = dict(x=[-1.2 if i % 2 == 0 else 1.0 for i in range(1000)])
    # B3
    n, d = 10_000, 16
    rng = Lcg(42)
    x = rng.uniform_vec(n * d, -1.0, 1.0)
    w_true = rng.uniform_vec(d, -1.0, 1.0)
    noise = rng.uniform_vec(n, -0.1, 0.1)
    y = [dot_seq(x[i * d:(i + 1) * d], w_true) + noise[i] for i in range(n)]
    w = [0.01 * (j + 1) for j in range(d)]
    data["B3"] = dict(x=x, y=y, w=w, w_true=w_true, n=n, d=d)
    # B4
    rng = Lcg(43)
    x = rng.uniform_vec(n * d, -1.0, 1.0)
    w_true = rng.uniform_vec(d, -2.0, 2.0)
    y = []
    for i in range(n):
        u = rng.uniform(0.0, 1.0)
        y.append(1.0 if u < sigmoid_py(dot_seq(x[i * d:(i + 1) * d], w_true)) else 0.0)
    w = [0.05 * (j + 1) - 0.4 for j in range(d)]
    data["B4"] = dict(x=x, y=y, w=w, b=0.1, n=n, d=d)
    # B5
    n, d, h = 1000, 16, 32
    rng = Lcg(44)
    x = rng.uniform_vec(n * d, -1.0, 1.0)
    y = rng.uniform_vec(n, 0.0, 1.0)
    w1 = rng.uniform_vec(h * d, -0.5, 0.5)
    b1 = rng.uniform_vec(h, -0.1, 0.1)
    w2 = rng.uniform_vec(h, -0.5, 0.5)
    b2 = rng.uniform(-0.1, 0.1)
    data["B5"] = dict(x=x, y=y, w1=w1, b1=b1, w2=w2, b2=b2, n=n, d=d, h=h)
    # B6
    t = 10_000
    rng = Lcg(45)
    x = rng.uniform_vec(t, -1.0, 1.0)
    y = rng.uniform_vec(t, -0.5, 0.5)
    data["B6"] = dict(x=x, y=y, a=0.8, u=0.6, c=-0.1)
    return data


def check_data(data):
    """Values pinned by grad-tests/tests/bench_problems.rs (computed there by the Rust generator)."""
    rng = Lcg(42)
    assert [rng.next_f64() for _ in range(3)] == [0.2254634289477513, 0.41283831882951183, 0.6303980498395979]
    b3 = data["B3"]
    assert b3["x"][0] == -0.5490731421044974
    assert b3["w_true"][0] == 0.3800153322469366
    assert b3["y"][0] == -1.0049853877443207
    assert b3["y"][-1] == -0.0321594291580477
    assert (b3["w"][0], b3["w"][15]) == (0.01, 0.16)
    b4 = data["B4"]
    assert sum(b4["y"]) == 4987.0, sum(b4["y"])
    assert b4["y"][:10] == [0., 0., 0., 1., 1., 0., 1., 1., 1., 1.]
    assert data["B5"]["b2"] == 0.035538213046995476


# ------------------------------------------------------------------------------------------------
# The losses, written the way a JAX user writes them
# ------------------------------------------------------------------------------------------------

def rosen2(p):  # B1, p = (x, y)
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def rosen_n(x):  # B2
    a, b = x[:-1], x[1:]
    return jnp.sum((1.0 - a) ** 2 + 100.0 * (b - a * a) ** 2)


def linreg(w, X, y):  # B3
    r = y - X @ w
    return jnp.sum(r * r)


def logreg(w, b, X, y):  # B4
    z = X @ w + b
    return jnp.mean(jnp.log1p(jnp.exp(z)) - y * z)


def sig(z):
    return 1.0 / (1.0 + jnp.exp(-z))


def mlp(W1, b1, W2, b2, X, y):  # B5, W1 is h x d
    hidden = sig(X @ W1.T + b1)
    yhat = sig(hidden @ W2 + b2)
    return jnp.mean((yhat - y) ** 2)


def rnn(a, u, c, x, y):  # B6
    def step(h, xy):
        xt, yt = xy
        h = jnp.tanh(a * h + u * xt + c)
        return h, (h - yt) ** 2

    _, sq = jax.lax.scan(step, jnp.zeros((), x.dtype), (x, y))
    return jnp.sum(sq)


# ------------------------------------------------------------------------------------------------
# Entries
# ------------------------------------------------------------------------------------------------

def build_entries(data):
    A = lambda v: jax.device_put(jnp.asarray(v, dtype=jnp.float64))  # noqa: E731
    S = lambda v: jax.device_put(jnp.asarray(v, dtype=jnp.float64))  # noqa: E731  (0-d)
    E = []  # (problem, operation, jitted fn, args, checker or None)

    def vg(f, argnums):
        return jax.jit(jax.value_and_grad(f, argnums=argnums))

    def hvp_of(f):
        # Forward over reverse: value, gradient and H·v in one call.
        return jax.jit(lambda p, v: jax.jvp(jax.value_and_grad(f), (p,), (v,)))

    # B1
    p1, v1 = A(data["B1"]["p"]), A([0.3, -0.7])
    E.append(("B1", "value", jax.jit(rosen2), (p1,), None))
    E.append(("B1", "grad", vg(rosen2, 0), (p1,), "B1grad"))
    E.append(("B1", "jvp", jax.jit(lambda p, v: jax.jvp(rosen2, (p,), (v,))), (p1, v1), "jvp"))
    E.append(("B1", "hvp", hvp_of(rosen2), (p1, v1), "hvp"))
    E.append(("B1", "hessian", jax.jit(jax.hessian(rosen2)), (p1,), "B1hess"))
    # B2
    x2, v2 = A(data["B2"]["x"]), A(direction(1000))
    E.append(("B2", "value", jax.jit(rosen_n), (x2,), None))
    E.append(("B2", "grad", vg(rosen_n, 0), (x2,), "B2grad"))
    E.append(("B2", "jvp", jax.jit(lambda x, v: jax.jvp(rosen_n, (x,), (v,))), (x2, v2), "jvp"))
    E.append(("B2", "hvp", hvp_of(rosen_n), (x2, v2), "hvp"))
    E.append(("B2", "hessian", jax.jit(jax.hessian(rosen_n)), (x2,), "B2hess"))
    # B3
    b3 = data["B3"]
    X3, y3, w3 = A(b3["x"]).reshape(b3["n"], b3["d"]), A(b3["y"]), A(b3["w"])
    v3 = A(direction(b3["d"]))
    E.append(("B3", "value", jax.jit(linreg), (w3, X3, y3), "B3value"))
    E.append(("B3", "grad", vg(linreg, 0), (w3, X3, y3), None))
    E.append(("B3", "jvp", jax.jit(lambda w, v, X, y: jax.jvp(lambda w: linreg(w, X, y), (w,), (v,))),
              (w3, v3, X3, y3), "jvp"))
    # B4
    b4 = data["B4"]
    X4, y4, w4, bb4 = A(b4["x"]).reshape(b4["n"], b4["d"]), A(b4["y"]), A(b4["w"]), S(b4["b"])
    v4, vb4 = A(direction(b4["d"])), S(0.5)
    E.append(("B4", "value", jax.jit(logreg), (w4, bb4, X4, y4), None))
    E.append(("B4", "grad", vg(logreg, (0, 1)), (w4, bb4, X4, y4), None))
    E.append(("B4", "jvp", jax.jit(lambda w, b, vw, vb, X, y:
                                   jax.jvp(lambda w, b: logreg(w, b, X, y), (w, b), (vw, vb))),
              (w4, bb4, v4, vb4, X4, y4), "jvp"))
    # B5
    b5 = data["B5"]
    X5 = A(b5["x"]).reshape(b5["n"], b5["d"])
    W1 = A(b5["w1"]).reshape(b5["h"], b5["d"])
    args5 = (W1, A(b5["b1"]), A(b5["w2"]), S(b5["b2"]), X5, A(b5["y"]))
    E.append(("B5", "value", jax.jit(mlp), args5, None))
    E.append(("B5", "grad", vg(mlp, (0, 1, 2, 3)), args5, None))
    # B6
    b6 = data["B6"]
    args6 = (S(b6["a"]), S(b6["u"]), S(b6["c"]), A(b6["x"]), A(b6["y"]))
    E.append(("B6", "value", jax.jit(rnn), args6, None))
    E.append(("B6", "grad", vg(rnn, (0, 1, 2)), args6, None))
    return E


# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------

def close(a, b, rtol, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(b))))
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    if not err <= rtol * scale:
        raise AssertionError(f"{what}: off by {err:.3e} (scale {scale:.3e})")


def hand_hessian_rosen_n(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 2.0 - 400.0 * (x[i + 1] - 3.0 * x[i] * x[i])
        h[i, i + 1] += -400.0 * x[i]
        h[i + 1, i] += -400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


def check(entries):
    by = {(p, op): (fn, args) for p, op, fn, args, _ in entries}
    grads = {}
    for p, op, fn, args, kind in entries:
        if op == "grad":
            grads[p] = fn(*args)
    for p, op, fn, args, kind in entries:
        out = fn(*args)
        name = f"{p}/{op}"
        if kind == "B1grad":
            f, g = out
            close(f, 24.2, 1e-13, name + " value")
            close(g, [-215.6, -88.0], 1e-13, name)
        elif kind == "B2grad":
            x = np.asarray(args[0])
            f, g = out
            a, b = x[:-1], x[1:]
            want = np.zeros_like(x)
            want[:-1] += -2.0 * (1.0 - a) - 400.0 * a * (b - a * a)
            want[1:] += 200.0 * (b - a * a)
            close(f, float(np.sum((1 - a) ** 2 + 100 * (b - a * a) ** 2)), 1e-13, name + " value")
            close(g, want, 1e-13, name)
        elif kind == "B3value":
            # grad-tests/tests/bench_problems.rs pins the Rust plain value (sequential sum) at 28241.861211556115.
            close(out, 28241.861211556115, 1e-12, name)
        elif kind == "jvp":
            f, t = out
            gf, g = grads[p]
            v = args[1:] if p != "B4" else args[2:4]
            if p == "B4":
                dot = float(np.dot(np.asarray(g[0]), np.asarray(v[0])) + float(g[1]) * float(v[1]))
            else:
                dot = float(np.dot(np.asarray(g), np.asarray(v[0])))
            close(f, gf, 1e-14, name + " value")
            close(t, dot, 1e-10, name + " tangent vs gradient·v")
        elif kind == "hvp":
            (f, g), (_, hv) = out
            hfn, hargs = by[(p, "hessian")]
            H = np.asarray(hfn(*hargs))
            close(g, grads[p][1], 1e-13, name + " gradient")
            close(hv, H @ np.asarray(args[1]), 1e-10, name + " H·v vs hessian @ v")
        elif kind == "B1hess":
            x, y = [float(t) for t in args[0]]
            close(out, [[2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x], [-400.0 * x, 200.0]], 1e-13, name)
        elif kind == "B2hess":
            close(out, hand_hessian_rosen_n(np.asarray(args[0])), 1e-13, name)
    return len(entries)


# ------------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------------

def time_entry(fn, args, min_time):
    block = jax.block_until_ready
    # Warm-up: compile, then run for ~0.2 s (at least 10 calls).
    block(fn(*args))
    t_end = time.perf_counter() + 0.2
    k = 0
    while k < 10 or time.perf_counter() < t_end:
        block(fn(*args))
        k += 1
    samples = []
    clock = time.perf_counter_ns
    t_end = time.perf_counter() + min_time
    while len(samples) < 50 or time.perf_counter() < t_end:
        t0 = clock()
        block(fn(*args))
        samples.append(clock() - t0)
        if len(samples) >= 200_000:
            break
    samples.sort()
    q = lambda f: samples[min(len(samples) - 1, int(f * len(samples)))] / 1e3  # noqa: E731  µs
    return dict(median_us=statistics.median(samples) / 1e3, p25_us=q(0.25), p75_us=q(0.75),
                min_us=samples[0] / 1e3, calls=len(samples))


def fmt_us(us):
    if us >= 1000:
        return f"{us / 1000:.3g} ms"
    return f"{us:.3g} µs"


def main():
    data = make_data()
    if not ARGS.no_check:
        check_data(data)
    entries = build_entries(data)
    if ARGS.filter:
        rx = re.compile(ARGS.filter)
        wanted = [e for e in entries if rx.search(f"{e[0]}/{e[1]}")]
    else:
        wanted = entries
    if not ARGS.no_check:
        n = check(entries)
        print(f"checks passed ({n} entries: data, B1/B2 gradients and Hessians against closed forms, "
              f"JVP = gradient·v, HVP = Hessian·v)", file=sys.stderr)

    # With --json -, stdout carries the JSON only; the table goes to stderr.
    tab = sys.stderr if ARGS.json == "-" else sys.stdout
    dev = jax.devices()[0]
    meta = dict(jax=jax.__version__, jaxlib=getattr(jax.lib, "__version__", None) or
                __import__("jaxlib").__version__,
                python=platform.python_version(), device=str(dev), cpus=os.cpu_count(),
                cpus_allowed=sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                xla_flags=os.environ.get("XLA_FLAGS", ""), single_thread=ARGS.single_thread,
                date=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print(f"JAX {meta['jax']} (jaxlib {meta['jaxlib']}), Python {meta['python']}, {meta['device']}, "
          f"{meta['cpus']} CPUs (allowed: {meta['cpus_allowed']}){', single thread' if ARGS.single_thread else ''}, "
          f"float64", file=tab)
    print(f"{'problem':<8} {'operation':<10} {'median':>10} {'p25':>10} {'p75':>10} {'calls':>8}", file=tab)
    results = []
    for p, op, fn, args, _ in wanted:
        r = time_entry(fn, args, ARGS.min_time)
        r.update(problem=p, operation=op)
        results.append(r)
        print(f"{p:<8} {op:<10} {fmt_us(r['median_us']):>10} {fmt_us(r['p25_us']):>10} "
              f"{fmt_us(r['p75_us']):>10} {r['calls']:>8}", file=tab, flush=True)
    if ARGS.json:
        out = json.dumps(dict(meta=meta, results=results), indent=1)
        if ARGS.json == "-":
            print(out)
        else:
            with open(ARGS.json, "w") as fh:
                fh.write(out + "\n")
            print(f"wrote {ARGS.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
