//! Benchmarks B1–B6: for each problem the plain loss (`plain`), the hand-written gradient (`hand`),
//! forward-mode dual numbers with `num-dual` (`dual`), central finite differences (`fd`) and the
//! `#[gradient]`-generated gradient (`generated`); for B3 and B4 also `generated_fast` (`fast`:
//! sums reassociated); for B3–B5 also `generated_parallel`, the same
//! source with `#[gradient(parallel)]` (rayon's global pool, one thread per core).
//!
//! Every gradient entry computes the value and the full gradient in one call. Output buffers are
//! allocated outside the timed closures. Run with `cargo bench --bench benchmarks`.

#[path = "problems/mod.rs"]
mod problems;

#[path = "problems/generated.rs"]
mod generated;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use problems::dual::{self, DualProblem};
use problems::*;
use std::hint::black_box;
use std::time::Duration;

/// Settings for entries that take seconds per call (dual numbers and finite differences on the
/// many-parameter problems): flat sampling, the minimum of 10 samples.
fn slow(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
}

/// Checks a generated gradient against the hand-written one before timing it.
fn assert_matches_hand(name: &str, f: f64, g: &[f64], f_hand: f64, g_hand: &[f64]) {
    let scale = g_hand.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        (f - f_hand).abs() <= 1e-12 * f_hand.abs(),
        "{name}: generated value {f} != hand {f_hand}"
    );
    for (k, (a, b)) in g.iter().zip(g_hand).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * scale,
            "{name}: generated d[{k}] = {a} != hand {b}"
        );
    }
}

fn fd_entry<P: Problem>(group: &mut BenchmarkGroup<'_, WallTime>, prob: &P) {
    let mut scratch = prob.params();
    let mut g = vec![0.0; scratch.len()];
    group.bench_function("fd", |b| {
        b.iter(|| fd_gradient_in_place(|q| prob.value_flat(q), black_box(&mut scratch), &mut g))
    });
}

/// Forward mode on B1–B4: the plain function, `NAME_jvp` (value and `∇f · v` in one sweep), one
/// dual-number pass along `v`, and the generated gradient dotted with `v`. Each JVP is checked
/// against the gradient's dot product before it is timed.
fn forward_mode(c: &mut Criterion) {
    fn check(name: &str, (f, t): (f64, f64), (fg, dot): (f64, f64)) {
        assert!(f.to_bits() == fg.to_bits(), "{name}: jvp value {f} != {fg}");
        assert!(
            (t - dot).abs() <= 1e-9 * (1.0 + dot.abs()),
            "{name}: jvp {t} != gradient · v {dot}"
        );
    }
    fn direction(n: usize) -> Vec<f64> {
        (0..n)
            .map(|k| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.25)
            .collect()
    }
    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    let p = Rosen2Problem::new();
    let (vx, vy) = (0.3, -0.7);
    let mut group = c.benchmark_group("JVP_B1_rosen2");
    let (f, g) = generated::rosen2_grad(p.x, p.y);
    check(
        "B1",
        generated::rosen2_jvp(p.x, p.y, vx, vy),
        (f, g[0] * vx + g[1] * vy),
    );
    group.bench_function("plain", |b| {
        b.iter(|| rosen2(black_box(p.x), black_box(p.y)))
    });
    group.bench_function("jvp", |b| {
        b.iter(|| {
            generated::rosen2_jvp(black_box(p.x), black_box(p.y), black_box(vx), black_box(vy))
        })
    });
    group.bench_function("dual", |b| {
        b.iter(|| p.directional_dual_flat(black_box(&[p.x, p.y]), black_box(&[vx, vy])))
    });
    group.finish();

    let p = RosenNProblem::new();
    let x = &p.x;
    let v = direction(x.len());
    let mut d_x = vec![0.0; x.len()];
    let mut group = c.benchmark_group("JVP_B2_rosen_n");
    let f = generated::rosen_n_grad(x, &mut d_x);
    check("B2", generated::rosen_n_jvp(x, &v), (f, dot(&d_x, &v)));
    group.bench_function("plain", |b| b.iter(|| rosen_n(black_box(x))));
    group.bench_function("jvp", |b| {
        b.iter(|| generated::rosen_n_jvp(black_box(x), black_box(&v)))
    });
    group.bench_function("dual", |b| {
        b.iter(|| p.directional_dual_flat(black_box(x), black_box(&v)))
    });
    group.bench_function("gradient_dot", |b| {
        b.iter(|| {
            let f = generated::rosen_n_grad(black_box(x), &mut d_x);
            (f, dot(&d_x, &v))
        })
    });
    group.finish();

    let p = LinregProblem::new();
    let (w, x, y) = (&p.w, &p.x, &p.y);
    let v = direction(w.len());
    let mut d_w = vec![0.0; w.len()];
    let mut group = c.benchmark_group("JVP_B3_linreg");
    let f = generated::linreg_grad(w, x, y, &mut d_w);
    check("B3", generated::linreg_jvp(w, x, y, &v), (f, dot(&d_w, &v)));
    group.bench_function("plain", |b| {
        b.iter(|| linreg(black_box(w), black_box(x), black_box(y)))
    });
    group.bench_function("jvp", |b| {
        b.iter(|| generated::linreg_jvp(black_box(w), black_box(x), black_box(y), black_box(&v)))
    });
    group.bench_function("gradient_dot", |b| {
        b.iter(|| {
            let f = generated::linreg_grad(black_box(w), black_box(x), black_box(y), &mut d_w);
            (f, dot(&d_w, &v))
        })
    });
    group.finish();

    let p = LogregProblem::new();
    let (w, bb, x, y) = (&p.w, p.b, &p.x, &p.y);
    let v = direction(w.len());
    let vb = 0.5;
    let mut d_w = vec![0.0; w.len()];
    let mut group = c.benchmark_group("JVP_B4_logreg");
    let (f, [db]) = generated::logreg_grad(w, bb, x, y, &mut d_w);
    check(
        "B4",
        generated::logreg_jvp(w, bb, x, y, &v, vb),
        (f, dot(&d_w, &v) + db * vb),
    );
    group.bench_function("plain", |b| {
        b.iter(|| logreg(black_box(w), black_box(bb), black_box(x), black_box(y)))
    });
    group.bench_function("jvp", |b| {
        b.iter(|| {
            generated::logreg_jvp(
                black_box(w),
                black_box(bb),
                black_box(x),
                black_box(y),
                black_box(&v),
                black_box(vb),
            )
        })
    });
    group.bench_function("gradient_dot", |b| {
        b.iter(|| {
            let (f, [db]) = generated::logreg_grad(
                black_box(w),
                black_box(bb),
                black_box(x),
                black_box(y),
                &mut d_w,
            );
            (f, dot(&d_w, &v) + db * vb)
        })
    });
    group.finish();
}

/// Second order on B1 and B2: the gradient, `NAME_hvp` (value, gradient and `H · v` in one
/// forward-over-reverse sweep), the whole Hessian from `NAME_hessian` (one sweep per entry), and a
/// hand-written Hessian (dense 2 × 2 for B1; for B2 the tridiagonal entries written into a
/// zeroed dense n × n buffer, what a careful person writes). Each is checked before it is timed.
fn second_order(c: &mut Criterion) {
    let p = Rosen2Problem::new();
    let (x, y) = (p.x, p.y);
    let hand = |x: f64, y: f64| {
        [
            [2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x],
            [-400.0 * x, 200.0],
        ]
    };
    let (_, _, h) = generated::rosen2_hessian(x, y);
    let want = hand(x, y);
    for i in 0..2 {
        for j in 0..2 {
            assert!((h[i][j] - want[i][j]).abs() <= 1e-9 * want[i][j].abs().max(1.0));
        }
    }
    let mut group = c.benchmark_group("HVP_B1_rosen2");
    group.bench_function("gradient", |b| {
        b.iter(|| generated::rosen2_grad(black_box(x), black_box(y)))
    });
    group.bench_function("hvp", |b| {
        b.iter(|| {
            generated::rosen2_hvp(black_box(x), black_box(y), black_box(0.3), black_box(-0.7))
        })
    });
    group.bench_function("hessian", |b| {
        b.iter(|| generated::rosen2_hessian(black_box(x), black_box(y)))
    });
    group.bench_function("hessian_hand", |b| {
        b.iter(|| hand(black_box(x), black_box(y)))
    });
    group.finish();

    let p = RosenNProblem::new();
    let x = &p.x;
    let n = x.len();
    let v: Vec<f64> = (0..n)
        .map(|k| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.25)
        .collect();
    let mut d_x = vec![0.0; n];
    let mut hv = vec![0.0; n];
    let mut hess = vec![0.0; n * n];
    let hand_n = |x: &[f64], h: &mut [f64]| {
        let n = x.len();
        h.fill(0.0);
        for i in 0..n - 1 {
            // (1 - x_i)² + 100 (x_{i+1} - x_i²)²
            h[i * n + i] += 2.0 - 400.0 * (x[i + 1] - 3.0 * x[i] * x[i]);
            h[i * n + i + 1] += -400.0 * x[i];
            h[(i + 1) * n + i] += -400.0 * x[i];
            h[(i + 1) * n + i + 1] += 200.0;
        }
    };
    {
        let mut want = vec![0.0; n * n];
        hand_n(x, &mut want);
        let _ = generated::rosen_n_hessian(x, &mut d_x, &mut hess);
        let worst = hess
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 1e-9 * 1e3, "B2 Hessian off by {worst}");
        let _ = generated::rosen_n_hvp(x, &v, &mut d_x, &mut hv);
        for i in 0..n {
            let row: f64 = (0..n).map(|j| want[i * n + j] * v[j]).sum();
            assert!(
                (hv[i] - row).abs() <= 1e-9 * row.abs().max(1.0),
                "B2 H·v[{i}]"
            );
        }
    }
    let mut group = c.benchmark_group("HVP_B2_rosen_n");
    group.bench_function("gradient", |b| {
        b.iter(|| generated::rosen_n_grad(black_box(x), black_box(&mut d_x)))
    });
    group.bench_function("hvp", |b| {
        b.iter(|| generated::rosen_n_hvp(black_box(x), black_box(&v), &mut d_x, &mut hv))
    });
    slow(&mut group);
    group.bench_function("hessian", |b| {
        b.iter(|| generated::rosen_n_hessian(black_box(x), &mut d_x, &mut hess))
    });
    group.bench_function("hessian_hand", |b| {
        b.iter(|| hand_n(black_box(x), &mut hess))
    });
    // The tridiagonal Hessian from three HVP sweeps (columns probed together; the grouping is
    // made once, outside the timing, as a Newton loop would).
    let pattern = grad::runtime::hessian::HessianPattern::new(
        n,
        &grad::runtime::hessian::banded_pattern(n, 1),
    )
    .expect("a valid pattern");
    let mut banded = || {
        pattern.hessian(|v: &[f64], out: &mut [f64]| {
            let _ = generated::rosen_n_hvp(x, v, &mut d_x, out);
        })
    };
    {
        let h = banded();
        let mut want = vec![0.0; n * n];
        hand_n(x, &mut want);
        assert_eq!(h.products, 3);
        for &(i, j, v) in &h.entries {
            assert!((v - want[i * n + j]).abs() <= 1e-9 * want[i * n + j].abs().max(1.0));
        }
    }
    group.bench_function("hessian_banded", |b| b.iter(|| black_box(banded())));
    group.finish();
}

fn b1_rosen2(c: &mut Criterion) {
    let p = Rosen2Problem::new();
    let mut group = c.benchmark_group("B1_rosen2");
    group.bench_function("plain", |b| {
        b.iter(|| rosen2(black_box(p.x), black_box(p.y)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| rosen2_grad_hand(black_box(p.x), black_box(p.y)))
    });
    group.bench_function("dual", |b| {
        b.iter(|| dual::rosen2_grad_dual(black_box(p.x), black_box(p.y)))
    });
    fd_entry(&mut group, &p);
    {
        let (f, g) = generated::rosen2_grad(p.x, p.y);
        let (fh, gh) = rosen2_grad_hand(p.x, p.y);
        assert_matches_hand("B1", f, &g, fh, &gh);
        group.bench_function("generated", |b| {
            b.iter(|| generated::rosen2_grad(black_box(p.x), black_box(p.y)))
        });
    }
    group.finish();
}

fn b2_rosen_n(c: &mut Criterion) {
    let p = RosenNProblem::new();
    let x = &p.x;
    let mut d_x = vec![0.0; x.len()];
    let mut group = c.benchmark_group("B2_rosen_n");
    group.bench_function("plain", |b| b.iter(|| rosen_n(black_box(x))));
    group.bench_function("hand", |b| {
        b.iter(|| rosen_n_grad_hand(black_box(x), black_box(&mut d_x)))
    });
    {
        let mut d_h = vec![0.0; x.len()];
        let fh = rosen_n_grad_hand(x, &mut d_h);
        let f = generated::rosen_n_grad(x, &mut d_x);
        assert_matches_hand("B2", f, &d_x, fh, &d_h);
        group.bench_function("generated", |b| {
            b.iter(|| generated::rosen_n_grad(black_box(x), black_box(&mut d_x)))
        });
    }
    slow(&mut group);
    group.bench_function("dual", |b| {
        b.iter(|| dual::rosen_n_grad_dual(black_box(x), black_box(&mut d_x)))
    });
    fd_entry(&mut group, &p);
    group.finish();
}

fn b3_linreg(c: &mut Criterion) {
    let p = LinregProblem::new();
    let (w, x, y) = (&p.w, &p.x, &p.y);
    let mut d_w = vec![0.0; w.len()];
    let mut group = c.benchmark_group("B3_linreg");
    group.bench_function("plain", |b| {
        b.iter(|| linreg(black_box(w), black_box(x), black_box(y)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| {
            linreg_grad_hand(
                black_box(w),
                black_box(x),
                black_box(y),
                black_box(&mut d_w),
            )
        })
    });
    {
        let mut d_h = vec![0.0; w.len()];
        let fh = linreg_grad_hand(w, x, y, &mut d_h);
        let f = generated::linreg_grad(w, x, y, &mut d_w);
        assert_matches_hand("B3", f, &d_w, fh, &d_h);
        group.bench_function("generated", |b| {
            b.iter(|| {
                generated::linreg_grad(
                    black_box(w),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
        let f = generated::linreg_fast_grad(w, x, y, &mut d_w);
        assert_matches_hand("B3 (fast)", f, &d_w, fh, &d_h);
        group.bench_function("generated_fast", |b| {
            b.iter(|| {
                generated::linreg_fast_grad(
                    black_box(w),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
        let f = generated::linreg_par_grad(w, x, y, &mut d_w);
        assert_matches_hand("B3 (parallel)", f, &d_w, fh, &d_h);
        group.bench_function("generated_parallel", |b| {
            b.iter(|| {
                generated::linreg_par_grad(
                    black_box(w),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
    }
    slow(&mut group);
    group.bench_function("dual", |b| {
        b.iter(|| {
            dual::linreg_grad_dual(
                black_box(w),
                black_box(x),
                black_box(y),
                black_box(&mut d_w),
            )
        })
    });
    fd_entry(&mut group, &p);
    group.finish();
}

fn b4_logreg(c: &mut Criterion) {
    let p = LogregProblem::new();
    let (w, bb, x, y) = (&p.w, p.b, &p.x, &p.y);
    let mut d_w = vec![0.0; w.len()];
    let mut group = c.benchmark_group("B4_logreg");
    group.bench_function("plain", |b| {
        b.iter(|| logreg(black_box(w), black_box(bb), black_box(x), black_box(y)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| {
            logreg_grad_hand(
                black_box(w),
                black_box(bb),
                black_box(x),
                black_box(y),
                black_box(&mut d_w),
            )
        })
    });
    {
        let mut d_h = vec![0.0; w.len()];
        let (fh, [dbh]) = logreg_grad_hand(w, bb, x, y, &mut d_h);
        let (f, [db]) = generated::logreg_grad(w, bb, x, y, &mut d_w);
        d_h.push(dbh);
        let mut g = d_w.clone();
        g.push(db);
        assert_matches_hand("B4", f, &g, fh, &d_h);
        group.bench_function("generated", |b| {
            b.iter(|| {
                generated::logreg_grad(
                    black_box(w),
                    black_box(bb),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
        let (f, [db]) = generated::logreg_fast_grad(w, bb, x, y, &mut d_w);
        let mut g = d_w.clone();
        g.push(db);
        assert_matches_hand("B4 (fast)", f, &g, fh, &d_h);
        group.bench_function("generated_fast", |b| {
            b.iter(|| {
                generated::logreg_fast_grad(
                    black_box(w),
                    black_box(bb),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
        let (f, [db]) = generated::logreg_par_grad(w, bb, x, y, &mut d_w);
        let mut g = d_w.clone();
        g.push(db);
        assert_matches_hand("B4 (parallel)", f, &g, fh, &d_h);
        group.bench_function("generated_parallel", |b| {
            b.iter(|| {
                generated::logreg_par_grad(
                    black_box(w),
                    black_box(bb),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w),
                )
            })
        });
    }
    slow(&mut group);
    group.bench_function("dual", |b| {
        b.iter(|| {
            dual::logreg_grad_dual(
                black_box(w),
                black_box(bb),
                black_box(x),
                black_box(y),
                black_box(&mut d_w),
            )
        })
    });
    fd_entry(&mut group, &p);
    group.finish();
}

fn b5_mlp(c: &mut Criterion) {
    let p = MlpProblem::new();
    let (w1, b1, w2, b2, x, y) = (&p.w1, &p.b1, &p.w2, p.b2, &p.x, &p.y);
    let mut d_w1 = vec![0.0; w1.len()];
    let mut d_b1 = vec![0.0; b1.len()];
    let mut d_w2 = vec![0.0; w2.len()];
    let mut group = c.benchmark_group("B5_mlp");
    group.bench_function("plain", |b| {
        b.iter(|| {
            mlp(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(b2),
                black_box(x),
                black_box(y),
            )
        })
    });
    group.bench_function("hand", |b| {
        b.iter(|| {
            mlp_grad_hand(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(b2),
                black_box(x),
                black_box(y),
                black_box(&mut d_w1),
                black_box(&mut d_b1),
                black_box(&mut d_w2),
            )
        })
    });
    // The flat generated gradient, and the one whose hidden layer is a vector-valued
    // `#[gradient]` function called per sample: each checked against the hand-written one.
    type FlatMlpGrad = fn(
        &[f64],
        &[f64],
        &[f64],
        f64,
        &[f64],
        &[f64],
        &mut [f64],
        &mut [f64],
        &mut [f64],
    ) -> (f64, [f64; 1]);
    let flat: [(&str, &str, FlatMlpGrad); 3] = [
        ("generated", "B5", generated::mlp_grad),
        (
            "generated_parallel",
            "B5 (parallel)",
            generated::mlp_par_grad,
        ),
        ("generated_layer", "B5 (layer)", generated::mlp_layered_grad),
    ];
    for (label, what, grad) in flat {
        let mut gh = vec![0.0; p.n_params()];
        let fh = p.grad_hand_flat(&p.params(), &mut gh);
        let (f, [db2]) = grad(w1, b1, w2, b2, x, y, &mut d_w1, &mut d_b1, &mut d_w2);
        let mut g = [d_w1.as_slice(), &d_b1, &d_w2].concat();
        g.push(db2);
        assert_matches_hand(what, f, &g, fh, &gh);
        group.bench_function(label, |b| {
            b.iter(|| {
                grad(
                    black_box(w1),
                    black_box(b1),
                    black_box(w2),
                    black_box(b2),
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_w1),
                    black_box(&mut d_b1),
                    black_box(&mut d_w2),
                )
            })
        });
    }
    {
        // The same loss on a model struct: the gradient is another `Mlp`.
        use grad::runtime::Params;
        let model = generated::Mlp {
            hidden: generated::Dense {
                w: w1.clone(),
                b: b1.clone(),
                n_in: w1.len() / b1.len(),
            },
            w2: w2.clone(),
            b2,
        };
        let mut d_model = model.zeros_like();
        let f = model.loss_grad(x, y, &mut d_model);
        let mut gh = vec![0.0; p.n_params()];
        let fh = p.grad_hand_flat(&p.params(), &mut gh);
        assert_matches_hand("B5 (struct)", f, &d_model.to_flat(), fh, &gh);
        group.bench_function("generated_struct", |b| {
            b.iter(|| {
                black_box(&model).loss_grad(black_box(x), black_box(y), black_box(&mut d_model))
            })
        });
        // With its hidden layer a `hidden_layer` call per sample (the layer's split).
        let mut d_model = model.zeros_like();
        let f = model.loss_layered_grad(x, y, &mut d_model);
        assert_matches_hand("B5 (struct, layer)", f, &d_model.to_flat(), fh, &gh);
        group.bench_function("generated_struct_layer", |b| {
            b.iter(|| {
                black_box(&model).loss_layered_grad(
                    black_box(x),
                    black_box(y),
                    black_box(&mut d_model),
                )
            })
        });
    }
    slow(&mut group);
    group.bench_function("dual", |b| {
        b.iter(|| {
            dual::mlp_grad_dual(
                black_box(w1),
                black_box(b1),
                black_box(w2),
                black_box(b2),
                black_box(x),
                black_box(y),
                black_box(&mut d_w1),
                black_box(&mut d_b1),
                black_box(&mut d_w2),
            )
        })
    });
    fd_entry(&mut group, &p);
    group.finish();
}

fn b6_rnn(c: &mut Criterion) {
    let p = RnnProblem::new();
    let (a, u, cc, x, y) = (p.a, p.u, p.c, &p.x, &p.y);
    let mut group = c.benchmark_group("B6_rnn");
    group.bench_function("plain", |b| {
        b.iter(|| {
            rnn(
                black_box(a),
                black_box(u),
                black_box(cc),
                black_box(x),
                black_box(y),
            )
        })
    });
    group.bench_function("hand", |b| {
        b.iter(|| {
            rnn_grad_hand(
                black_box(a),
                black_box(u),
                black_box(cc),
                black_box(x),
                black_box(y),
            )
        })
    });
    group.bench_function("hand_reverse", |b| {
        b.iter(|| {
            rnn_grad_hand_reverse(
                black_box(a),
                black_box(u),
                black_box(cc),
                black_box(x),
                black_box(y),
            )
        })
    });
    group.bench_function("dual", |b| {
        b.iter(|| {
            dual::rnn_grad_dual(
                black_box(a),
                black_box(u),
                black_box(cc),
                black_box(x),
                black_box(y),
            )
        })
    });
    fd_entry(&mut group, &p);
    {
        let (fh, gh) = rnn_grad_hand(a, u, cc, x, y);
        let (f, g) = generated::rnn_grad(a, u, cc, x, y);
        assert_matches_hand("B6", f, &g, fh, &gh);
        group.bench_function("generated", |b| {
            b.iter(|| {
                generated::rnn_grad(
                    black_box(a),
                    black_box(u),
                    black_box(cc),
                    black_box(x),
                    black_box(y),
                )
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(25);
    targets = b1_rosen2, b2_rosen_n, b3_linreg, b4_logreg, b5_mlp, b6_rnn, forward_mode, second_order
}
criterion_main!(benches);
