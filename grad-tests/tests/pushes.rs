//! `Vec::push` into a local vector of floats (issue 8): pushes at the top of one `for` loop (over
//! ranges, slices, zips, windows, steps) and pushes in straight-line code, the vector then read
//! whole (`iter`, `len`, index, passed on). Each against central differences, values bit for bit.

mod common;

use common::{close, fd_all as fd};
use grad::gradient;

#[gradient]
fn residuals(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let mut res = Vec::new();
    for (x, y) in xs.iter().zip(ys) {
        let pred = w[0] * x + w[1];
        res.push(pred - y);
    }
    res.iter().map(|r| r * r).sum::<f64>() / res.len() as f64
}

#[test]
fn pushes_in_a_zip_loop() {
    let (xs, ys) = ([0.5, 1.0, 2.0, -1.0], [1.0, 2.0, 2.5, 0.1]);
    let w = [0.3, -0.2];
    let (mut d, mut dx, mut dy) = ([0.0; 2], [0.0; 4], [0.0; 4]);
    let v = residuals_grad(&w, &xs, &ys, &mut d, &mut dx, &mut dy);
    assert_eq!(v.to_bits(), residuals(&w, &xs, &ys).to_bits());
    close("w", &d, &fd(&|p| residuals(p, &xs, &ys), &w));
    close("xs", &dx, &fd(&|p| residuals(&w, p, &ys), &xs));
}

/// Two pushes per iteration of a range, a typed vector made with `with_capacity`, read by
/// `enumerate`, by index and by `len`.
#[gradient(jvp)]
fn layer(w: &[f64], b: &[f64], x: &[f64], n: usize) -> f64 {
    let mut h: Vec<f64> = Vec::with_capacity(2 * n);
    for j in 0..n {
        let z = w[2 * j] * x[0] + w[2 * j + 1] * x[1] + b[j];
        h.push(z.tanh());
        h.push(z * 0.5);
    }
    let mut out = 0.0;
    for (k, v) in h.iter().enumerate() {
        out += v * (k as f64 + 1.0);
    }
    out + h[h.len() - 1]
}

#[test]
fn two_pushes_per_iteration() {
    let (w, b, x) = (
        [0.3, -0.2, 0.5, 0.1, -0.7, 0.4],
        [0.1, -0.3, 0.2],
        [0.7, -1.1],
    );
    let (mut dw, mut db, mut dx) = ([0.0; 6], [0.0; 3], [0.0; 2]);
    let v = layer_grad(&w, &b, &x, 3, &mut dw, &mut db, &mut dx);
    assert_eq!(v.to_bits(), layer(&w, &b, &x, 3).to_bits());
    close("w", &dw, &fd(&|p| layer(p, &b, &x, 3), &w));
    close("b", &db, &fd(&|p| layer(&w, p, &x, 3), &b));
    let (vj, t) = layer_jvp(&w, &b, &x, 3, &[1.0; 6], &[0.0; 3], &[0.0; 2]);
    assert_eq!(vj.to_bits(), v.to_bits());
    assert!((t - dw.iter().sum::<f64>()).abs() < 1e-12);
}

/// Pushes as statements, with other statements between them.
#[gradient]
fn straight(x: f64, y: f64) -> f64 {
    let mut v = vec![];
    v.push(x * y);
    let t = x.sin();
    v.push(t);
    v.push(y);
    v.iter().sum::<f64>() * v[0]
}

#[test]
fn straight_line_pushes() {
    let (v, g) = straight_grad(0.3, 0.8);
    assert_eq!(v.to_bits(), straight(0.3, 0.8).to_bits());
    close("x, y", &g, &fd(&|p| straight(p[0], p[1]), &[0.3, 0.8]));
}

/// Windows, steps, negative and inclusive ranges of `i32`.
#[gradient]
fn shapes(w: &[f64], n: i32) -> f64 {
    let mut diffs = Vec::new();
    for p in w.windows(2) {
        diffs.push(p[1] - p[0]);
    }
    let mut evens = Vec::new();
    for i in (0..w.len()).step_by(2) {
        evens.push(w[i] * 2.0);
    }
    let mut ramp = Vec::new();
    for k in -2..n {
        ramp.push(w[0] * f64::from(k));
    }
    let mut incl: Vec<f64> = Vec::new();
    for k in 1..=3 {
        incl.push(f64::from(k) * w[1]);
    }
    diffs.iter().map(|d| d * d).sum::<f64>()
        + evens.iter().sum::<f64>()
        + ramp.iter().sum::<f64>()
        + incl.iter().sum::<f64>()
        + (ramp.len() + incl.len()) as f64
}

#[test]
fn iteration_shapes() {
    let w = [0.3, -0.2, 0.5, 0.1, 0.9];
    let mut d = [0.0; 5];
    let v = shapes_grad(&w, 2, &mut d);
    assert_eq!(v.to_bits(), shapes(&w, 2).to_bits());
    close("w", &d, &fd(&|p| shapes(p, 2), &w));
}

/// A vector of a generic float type, and one passed whole to a `#[gradient]` helper.
#[gradient]
fn mean<T: grad::Real>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |a, &b| a + b) / T::from(v.len()).unwrap()
}

#[gradient]
fn generic_push<T: grad::Real>(w: &[T], scale: T) -> T {
    let mut sq: Vec<T> = Vec::new();
    for &x in w {
        sq.push(x * x * scale);
    }
    mean(&sq) + sq[0]
}

#[test]
fn generic_and_passed_on() {
    let w = [0.3_f64, -0.2, 0.5];
    let mut d = [0.0; 3];
    let (v, [ds]) = generic_push_grad(&w, 1.5, &mut d);
    assert_eq!(v.to_bits(), generic_push(&w, 1.5).to_bits());
    close("w", &d, &fd(&|p| generic_push(p, 1.5), &w));
    close("scale", &[ds], &fd(&|p| generic_push(&w, p[0]), &[1.5]));
    let mut d32 = [0.0_f32; 3];
    let (v32, _) = generic_push_grad(&[0.3_f32, -0.2, 0.5], 1.5, &mut d32);
    assert_eq!(
        v32.to_bits(),
        generic_push(&[0.3_f32, -0.2, 0.5], 1.5).to_bits()
    );
}

// Pushes that may not run: under a condition, in `match` arms, after a `continue`, in nested
// loops (of a fixed length, or of a range whose start moves with the outer loop), in an `if` at
// the top of the body. The vector holds what was pushed: its length, iteration and reads by
// index see exactly those elements, inside the loop and after it.

#[gradient]
fn selected_residuals(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let mut res = Vec::new();
    for i in 0..xs.len() {
        let r = w[0] * xs[i] + w[1] - ys[i];
        if xs[i] > 0.0 {
            res.push(r * r);
        }
    }
    res.iter().sum::<f64>() / res.len() as f64
}

#[gradient]
fn pairwise(x: &[f64]) -> f64 {
    let mut d = Vec::new();
    for i in 0..x.len() {
        for j in (i + 1)..x.len() {
            d.push((x[i] - x[j]).powi(2));
        }
    }
    d.iter().map(|v| (-v).exp()).sum()
}

#[gradient]
fn grid(x: &[f64], s: f64) -> f64 {
    let mut g: Vec<f64> = Vec::with_capacity(8);
    for a in x {
        for k in 0..3 {
            if k == 1 {
                continue;
            }
            g.push(a * s + k as f64);
        }
    }
    g.iter().map(|v| v.tanh()).sum::<f64>() + g[g.len() - 1]
}

#[gradient]
fn kept_with_jumps(x: &[f64], s: f64) -> f64 {
    let mut kept: Vec<f64> = Vec::new();
    for &v in x {
        if v * s < -0.5 {
            continue;
        }
        match v > 0.0 {
            true => kept.push(v * s),
            false => {
                kept.push(v.sin());
                kept.push(s);
            }
        }
        if kept.len() > 4 {
            break;
        }
    }
    let mut t = 0.0;
    for k in &kept {
        t += k * k;
    }
    let last = if kept.is_empty() {
        0.0
    } else {
        kept[kept.len() - 1]
    };
    t + kept[0] + last
}

#[gradient]
fn branch_pushes(x: &[f64], s: f64) -> f64 {
    let mut v = Vec::new();
    if s > 0.0 {
        v.push(s * x[0]);
    } else {
        v.push(x[1]);
        v.push(s);
    }
    v.iter().sum::<f64>() * v.len() as f64
}

#[gradient]
fn generic_selected<T: grad::Real>(w: &[T], cut: T) -> T {
    let mut big = Vec::new();
    for &v in w {
        if v > cut {
            big.push(v * v);
        }
    }
    mean(&big) + T::from(big.len()).unwrap()
}

#[test]
fn conditional_and_nested_pushes() {
    let (xs, ys) = ([1.0, -2.0, 0.5, 3.0, -0.25], [0.1, 0.2, 0.3, 0.4, 0.5]);
    let w = [0.5, -0.3];
    let (mut dw, mut dx, mut dy) = ([0.0; 2], [0.0; 5], [0.0; 5]);
    let v = selected_residuals_grad(&w, &xs, &ys, &mut dw, &mut dx, &mut dy);
    assert_eq!(v.to_bits(), selected_residuals(&w, &xs, &ys).to_bits());
    close("w", &dw, &fd(&|p| selected_residuals(p, &xs, &ys), &w));
    close("xs", &dx, &fd(&|p| selected_residuals(&w, p, &ys), &xs));

    let mut dx = [0.0; 5];
    let v = pairwise_grad(&xs, &mut dx);
    assert_eq!(v.to_bits(), pairwise(&xs).to_bits());
    close("pairwise", &dx, &fd(&|p| pairwise(p), &xs));

    for s in [0.7, -1.3] {
        let mut dx = [0.0; 5];
        let (v, [ds]) = grid_grad(&xs, s, &mut dx);
        assert_eq!(v.to_bits(), grid(&xs, s).to_bits());
        close("grid x", &dx, &fd(&|p| grid(p, s), &xs));
        close("grid s", &[ds], &fd(&|p| grid(&xs, p[0]), &[s]));

        let mut dx = [0.0; 5];
        let (v, [ds]) = kept_with_jumps_grad(&xs, s, &mut dx);
        assert_eq!(v.to_bits(), kept_with_jumps(&xs, s).to_bits());
        close("kept x", &dx, &fd(&|p| kept_with_jumps(p, s), &xs));
        close("kept s", &[ds], &fd(&|p| kept_with_jumps(&xs, p[0]), &[s]));

        let mut dx = [0.0; 5];
        let (v, [ds]) = branch_pushes_grad(&xs, s, &mut dx);
        assert_eq!(v.to_bits(), branch_pushes(&xs, s).to_bits());
        close("branch x", &dx, &fd(&|p| branch_pushes(p, s), &xs));
        close("branch s", &[ds], &fd(&|p| branch_pushes(&xs, p[0]), &[s]));
    }

    let mut dx = [0.0; 5];
    let (v, [_]) = generic_selected_grad(&xs, 0.2, &mut dx);
    assert_eq!(v.to_bits(), generic_selected(&xs, 0.2).to_bits());
    close("generic", &dx, &fd(&|p| generic_selected(p, 0.2), &xs));
    let xs32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
    let mut dx32 = [0.0f32; 5];
    let (v, _) = generic_selected_grad(&xs32, 0.2, &mut dx32);
    assert_eq!(v.to_bits(), generic_selected(&xs32, 0.2).to_bits());
}

// `extend_from_slice` and `extend` (of a `map`, `copied()`, `iter()`, `&xs`) are pushes in a
// loop; several loops and pushes may fill one vector.

#[gradient]
fn concatenated(a: &[f64], b: &[f64], s: f64) -> f64 {
    let mut v = Vec::new();
    v.extend_from_slice(a);
    v.push(s);
    v.extend(b.iter().map(|x| x * s));
    v.extend(a.iter().copied());
    v.extend(&b[..1]);
    let n = v.len() as f64;
    v.iter().map(|t| t.sin()).sum::<f64>() / n + v[a.len()]
}

#[gradient]
fn two_loops(a: &[f64], s: f64) -> f64 {
    let mut v: Vec<f64> = Vec::new();
    for &x in a {
        v.push(x * s);
    }
    for k in 0..3 {
        if k != 1 {
            v.push(s * k as f64);
        }
    }
    let mut t = 0.0;
    for (i, x) in v.iter().enumerate() {
        t += x * (i as f64 + 1.0);
    }
    t
}

#[test]
fn extends_and_several_pushing_statements() {
    let (a, b) = ([1.0, -2.0, 0.5], [0.3, 0.4]);
    let (mut da, mut db) = ([0.0; 3], [0.0; 2]);
    let (v, [ds]) = concatenated_grad(&a, &b, 0.7, &mut da, &mut db);
    assert_eq!(v.to_bits(), concatenated(&a, &b, 0.7).to_bits());
    close("a", &da, &fd(&|p| concatenated(p, &b, 0.7), &a));
    close("b", &db, &fd(&|p| concatenated(&a, p, 0.7), &b));
    close("s", &[ds], &fd(&|p| concatenated(&a, &b, p[0]), &[0.7]));
    let mut da = [0.0; 3];
    let (v, [ds]) = two_loops_grad(&a, 0.7, &mut da);
    assert_eq!(v.to_bits(), two_loops(&a, 0.7).to_bits());
    close("a", &da, &fd(&|p| two_loops(p, 0.7), &a));
    close("s", &[ds], &fd(&|p| two_loops(&a, p[0]), &[0.7]));
}

/// A conditionally filled vector read inside `vec![..]` afterwards, and a model's rows field
/// iterated as `&m.ws[..]` (both once rejected; found by the differential tester).
// `vec!` is the construct under test.
#[allow(clippy::useless_vec)]
#[gradient]
fn pushed_then_listed(x: f64, y: f64) -> f64 {
    let mut v = Vec::new();
    if x > 0.0 {
        v.push(x.sin());
    } else {
        v.push(y);
        v.push(x * y);
    }
    let list = vec![v[v.len() - 1] * 2.0, v[0], 0.5];
    let rep = vec![v[0]; 2];
    list.iter().sum::<f64>() * rep[1]
}

#[test]
fn conditional_pushes_read_in_vec_macros() {
    for (x, y) in [(0.7, -0.3), (-0.4, 1.2)] {
        let (v, g) = pushed_then_listed_grad(x, y);
        assert_eq!(v.to_bits(), pushed_then_listed(x, y).to_bits());
        close("xy", &g, &fd(&|p| pushed_then_listed(p[0], p[1]), &[x, y]));
    }
}

/// Pushes as `match` arm values in a loop whose body also returns early (the early return turns
/// the arms' pushes into tail expressions; once rejected, found by the differential tester).
#[gradient]
fn pushed_by_arms_then_returns(a: f64, x: f64, n: usize) -> f64 {
    let mut acc = 0.0;
    for _ in 0..n {
        let mut cv = Vec::new();
        for j in 0..3 {
            match j % 3 {
                0 => cv.push(a * x + f64::from(j)),
                _ => {
                    cv.push(-0.88);
                    cv.push(a);
                }
            }
        }
        let cl: f64 = if cv.is_empty() {
            0.0
        } else {
            cv.len() as f64 * 2.0
        };
        let s: f64 = cv.iter().sum();
        if acc > 10.0 {
            return std::f64::consts::LN_2;
        }
        acc += s + cl;
    }
    acc
}

#[test]
fn pushes_in_arms_beside_an_early_return() {
    for (a, x, n) in [(0.7, 1.3, 2), (2.5, 3.0, 4)] {
        let (v, g) = pushed_by_arms_then_returns_grad(a, x, n);
        assert_eq!(v.to_bits(), pushed_by_arms_then_returns(a, x, n).to_bits());
        close(
            "ax",
            &g,
            &fd(&|p| pushed_by_arms_then_returns(p[0], p[1], n), &[a, x]),
        );
    }
}

/// A conditionally filled vector read through open ranges: `v[1..]` and `v[..]` end at what was
/// pushed, not at the buffer's bound.
#[gradient]
fn pushed_then_ranged(x: &[f64], s: f64) -> f64 {
    let mut v = Vec::new();
    for &a in x {
        if a > 0.0 {
            v.push(a * s);
        }
    }
    // A product over the unpushed zeros (shifted to ones) or their count would differ.
    let tail: f64 = v[1..].iter().map(|t| t * t + 2.0).product();
    tail + v[..].iter().sum::<f64>() * v.len() as f64
}

#[test]
fn pushed_part_read_through_open_ranges() {
    let x = [0.5, -0.7, 1.2, -0.1, 0.3];
    let mut dx = [0.0; 5];
    let (v, [ds]) = pushed_then_ranged_grad(&x, 0.8, &mut dx);
    assert_eq!(v.to_bits(), pushed_then_ranged(&x, 0.8).to_bits());
    close("x", &dx, &fd(&|p| pushed_then_ranged(p, 0.8), &x));
    close("s", &[ds], &fd(&|p| pushed_then_ranged(&x, p[0]), &[0.8]));
}

/// A conditionally filled vector whose name a later `let` (or a closure's parameter) binds
/// again: the reads after it are of the new value, left as written.
#[gradient]
fn pushed_then_shadowed(x: &[f64], s: f64) -> f64 {
    let mut v = Vec::new();
    for &a in x {
        if a > 0.0 {
            v.push(a * s);
        }
    }
    let first = v.iter().sum::<f64>() + v.len() as f64;
    let count = |v: &[f64]| v.len() as f64;
    let v = vec![s, 2.0 * s, 3.0];
    first + v.len() as f64 * v[1] + count(&v)
}

#[test]
fn a_pushed_vector_shadowed_later() {
    let x = [0.5, -0.7, 1.2, -0.1, 0.3];
    let mut dx = [0.0; 5];
    let (v, [ds]) = pushed_then_shadowed_grad(&x, 0.8, &mut dx);
    assert_eq!(v.to_bits(), pushed_then_shadowed(&x, 0.8).to_bits());
    close("x", &dx, &fd(&|p| pushed_then_shadowed(p, 0.8), &x));
    close("s", &[ds], &fd(&|p| pushed_then_shadowed(&x, p[0]), &[0.8]));
}

/// A trajectory: a `Vec` started with the initial state (`vec![y0]`, a list of first items)
/// and grown by a push per step, also under an `if`.
#[gradient(wrt(k, y0))]
fn trajectory(k: f64, y0: f64, n: usize) -> f64 {
    let mut y = y0;
    let mut ys = vec![y];
    for _ in 0..n {
        y -= k * y * 0.1;
        ys.push(y);
    }
    let mut kept = vec![y0, 2.0 * k];
    for (i, v) in ys.iter().enumerate() {
        if i % 2 == 0 {
            kept.push(v * k);
        }
    }
    ys.iter().map(|v| v * v).sum::<f64>() / ys.len() as f64 + kept.iter().sum::<f64>()
}

#[test]
fn lists_grown_by_pushes() {
    let (k, y0) = (0.7, 1.3);
    let (v, [dk, dy0]) = trajectory_grad(k, y0, 5);
    assert_eq!(v.to_bits(), trajectory(k, y0, 5).to_bits());
    close(
        "k, y0",
        &[dk, dy0],
        &fd(&|p| trajectory(p[0], p[1], 5), &[k, y0]),
    );
}

/// Pushes in `while` loops: a time loop recording a trajectory (its trips counted first), and
/// a state vector stepped until a count or a time runs out, pushing under an `if`.
#[gradient]
fn recorded(k: f64) -> f64 {
    let dt = 0.1;
    let mut t = 0.0;
    let mut y = 1.0;
    let mut ys = Vec::new();
    while t < 1.0 {
        y += -k * y * dt;
        ys.push(y);
        t += dt;
    }
    // Started with the initial state, which the loop changes before the first push.
    let mut z = k;
    let mut zs = vec![z, 0.5];
    let mut i = 0;
    while i < 3 {
        z *= 0.9;
        zs.push(z * z);
        i += 1;
    }
    ys.iter().map(|v| v * v).sum::<f64>() / ys.len() as f64 + zs.iter().sum::<f64>()
}

#[gradient(wrt(k, x0))]
fn stepped(k: f64, x0: &[f64]) -> f64 {
    let mut x = x0.to_vec();
    let mut v = vec![0.0; x.len()];
    let mut t = 0.0;
    let mut energies = vec![];
    let mut steps = 0;
    while t < 0.55 && steps < 100 {
        for i in 0..x.len() {
            v[i] -= k * x[i] * 0.1;
            x[i] += v[i] * 0.1;
        }
        let e: f64 = x.iter().zip(&v).map(|(a, b)| a * a + b * b).sum();
        if e > 0.1 {
            energies.push(e);
        }
        t += 0.1;
        steps += 1;
    }
    energies.iter().sum::<f64>() + x[0]
}

#[test]
fn pushes_in_while_loops() {
    let (v, [dk]) = recorded_grad(0.5);
    assert_eq!(v.to_bits(), recorded(0.5).to_bits());
    close("k", &[dk], &fd(&|p| recorded(p[0]), &[0.5]));
    let x0 = [1.0, 0.5];
    let mut dx = [0.0; 2];
    let (v, [dk]) = stepped_grad(2.0, &x0, &mut dx);
    assert_eq!(v.to_bits(), stepped(2.0, &x0).to_bits());
    close("k", &[dk], &fd(&|p| stepped(p[0], &x0), &[2.0]));
    close("x0", &dx, &fd(&|p| stepped(2.0, p), &x0));
}
