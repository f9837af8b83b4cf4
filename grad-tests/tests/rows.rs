//! Differentiated parameters made of rows (issue 8): `&[[T; N]]`, `&Vec<[T; N]>`, `&[Vec<T>]` and
//! `&Vec<Vec<T>>`, with gradient buffers of the same shape, read by index, row by row, through
//! row names and passed on as sub-slices. Each against central finite differences, values bit for
//! bit, in f64 and f32.

#![allow(
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::redundant_slicing
)]

mod common;

use common::{check_flat, jvp_agrees};
use grad::gradient;

fn flat<const N: usize>(rows: &[[f64; N]]) -> Vec<f64> {
    rows.iter().flatten().copied().collect()
}

fn unflat<const N: usize>(p: &[f64]) -> Vec<[f64; N]> {
    p.chunks(N)
        .map(|c| {
            let mut r = [0.0; N];
            r.copy_from_slice(c);
            r
        })
        .collect()
}

fn ragged(p: &[f64], lens: &[usize]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in lens {
        out.push(p[at..at + n].to_vec());
        at += n;
    }
    out
}

/// Lennard-Jones energy of particles at `pos`: the gradient is minus the forces.
#[gradient]
fn lennard_jones(pos: &[[f64; 3]]) -> f64 {
    let mut e = 0.0;
    for i in 0..pos.len() {
        for j in (i + 1)..pos.len() {
            let mut r2 = 0.0;
            for k in 0..3 {
                let d = pos[i][k] - pos[j][k];
                r2 += d * d;
            }
            let inv6 = 1.0 / (r2 * r2 * r2);
            e += 4.0 * (inv6 * inv6 - inv6);
        }
    }
    e
}

/// Rows bound by pattern, by name, by `let`, and reduced with `map`.
#[gradient]
fn springs(pos: &Vec<[f64; 2]>, k: f64) -> f64 {
    let mut e = 0.0;
    for (i, p) in pos.iter().enumerate() {
        if i + 1 < pos.len() {
            let q = &pos[i + 1];
            let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
            e += k * (dx * dx + dy * dy).sqrt();
        }
    }
    for &[x, y] in pos.iter() {
        e += 0.1 * (x * x + y * y);
    }
    let [x0, y0] = pos[0];
    e + pos.iter().map(|p| p[0] * p[1]).sum::<f64>() + x0 * y0
}

#[test]
fn fixed_rows() {
    let pos = [
        [0.0, 0.1, 0.0],
        [1.1, 0.0, 0.2],
        [0.0, 1.2, 0.1],
        [1.0, 1.0, 1.0],
    ];
    let mut d = [[f64::NAN; 3]; 4];
    let v = lennard_jones_grad(&pos, &mut d);
    check_flat(
        "lennard_jones",
        &flat(&pos),
        &|p: &[f64]| lennard_jones(&unflat::<3>(p)),
        v,
        &flat(&d),
    )
    .unwrap();

    let pos = vec![[0.5, 1.0], [2.0, -1.0], [0.3, 0.4]];
    let mut d = vec![[f64::NAN; 2]; 3];
    let (v, g) = springs_grad(&pos, 0.7, &mut d);
    let mut all = flat(&pos);
    all.push(0.7);
    let mut grad = flat(&d);
    grad.push(g[0]);
    check_flat(
        "springs",
        &all,
        &|p: &[f64]| springs(&unflat::<2>(&p[..6]), p[6]),
        v,
        &grad,
    )
    .unwrap();
}

#[gradient]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>()
}

/// A linear model with a weight matrix as rows of any length, the way it is written without a
/// matrix type.
#[gradient(wrt(w))]
fn linear(w: &[Vec<f64>], x: &[f64], y: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (row, t) in w.iter().zip(y) {
        let z: f64 = row.iter().zip(x).map(|(a, b)| a * b).sum();
        loss += (z - t).powi(2);
    }
    let reg: f64 = w.iter().map(|r| r.iter().map(|v| v * v).sum::<f64>()).sum();
    let mut s = 0.0;
    for (i, row) in w.iter().enumerate() {
        s += dot(row, x) * i as f64 + row[0] * w[i].len() as f64;
        for v in row {
            s += v.sin();
        }
    }
    let first = &w[0];
    loss + 0.01 * reg + s + first[1] + dot(&w[1], x)
}

/// Rows of different lengths, by index.
#[gradient]
fn triangle(t: &Vec<Vec<f64>>) -> f64 {
    let mut s = 0.0;
    for i in 0..t.len() {
        for j in 0..t[i].len() {
            s += t[i][j] * t[i][j] * (1.0 + j as f64) + t[i][0] * t[i][j];
        }
    }
    s
}

#[test]
fn ragged_rows() {
    let w = vec![vec![0.5, -0.3, 0.2], vec![0.1, 0.4, -0.6]];
    let (x, y) = ([1.0, 2.0, -1.0], [0.3, -0.2]);
    let mut d = vec![vec![f64::NAN; 3]; 2];
    let v = linear_grad(&w, &x, &y, &mut d);
    let p = w.concat();
    check_flat(
        "linear",
        &p,
        &|p: &[f64]| linear(&ragged(p, &[3, 3]), &x, &y),
        v,
        &d.concat(),
    )
    .unwrap();

    let t = vec![vec![0.5], vec![0.1, 0.4], vec![-0.6, 0.2, 0.9]];
    let mut d = vec![vec![f64::NAN], vec![f64::NAN; 2], vec![f64::NAN; 3]];
    let v = triangle_grad(&t, &mut d);
    check_flat(
        "triangle",
        &t.concat(),
        &|p: &[f64]| triangle(&ragged(p, &[1, 2, 3])),
        v,
        &d.concat(),
    )
    .unwrap();
}

#[test]
#[should_panic(
    expected = "row 1 of the gradient buffer `d_t` has length 3 but row 1 of `t` has length 2"
)]
fn ragged_buffer_of_another_shape() {
    let t = vec![vec![0.5], vec![0.1, 0.4]];
    let mut d = vec![vec![0.0], vec![0.0; 3]];
    let _ = triangle_grad(&t, &mut d);
}

#[test]
#[should_panic(expected = "the gradient buffer `d_pos` has 2 rows but `pos` has 4")]
fn fixed_buffer_of_another_length() {
    let pos = [[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0; 3]];
    let mut d = [[0.0; 3]; 2];
    let _ = lennard_jones_grad(&pos, &mut d);
}

#[gradient]
fn rows_f32(p: &[[f32; 2]], s: f32) -> f32 {
    let mut acc = 0.0;
    for q in p {
        acc += q[0] * q[1] * s;
    }
    acc
}

#[test]
fn rows_in_f32() {
    let p = [[0.5f32, 1.0], [2.0, -1.0]];
    let mut d = [[0.0f32; 2]; 2];
    let (v, g) = rows_f32_grad(&p, 0.5, &mut d);
    assert_eq!(v, rows_f32(&p, 0.5));
    assert_eq!(g, [0.5 - 2.0]);
    assert_eq!(d, [[0.5, 0.25], [-0.5, 1.0]]);
}

/// An inner loop whose range reads the outer index (found while adding rows): the unroll-and-jam
/// of the outer loop must not share it between the copies.
#[gradient(wrt(f))]
fn ranges_read_the_outer_index(f: &[f64], offs: &[usize]) -> f64 {
    let mut s = 0.0;
    for r in 0..offs.len() - 1 {
        for v in f.iter().skip(offs[r]).take(offs[r + 1] - offs[r]) {
            s += v * v * (r as f64 + 1.0);
        }
    }
    s
}

#[test]
fn inner_ranges_that_read_the_outer_index() {
    let f: Vec<f64> = (0..12).map(|k| 0.1 * f64::from(k) - 0.4).collect();
    let offs = [0, 1, 3, 4, 6, 9, 10, 12];
    let mut d = vec![0.0; 12];
    let v = ranges_read_the_outer_index_grad(&f, &offs, &mut d);
    check_flat(
        "ranges_read_the_outer_index",
        &f,
        &|p: &[f64]| ranges_read_the_outer_index(p, &offs),
        v,
        &d,
    )
    .unwrap();
}

/// Rows that are tuples of floats, differentiated: points in the plane.
#[gradient]
fn path_length(pts: &[(f64, f64)], scale: f64) -> f64 {
    let mut len = 0.0;
    for i in 1..pts.len() {
        let (dx, dy) = (pts[i].0 - pts[i - 1].0, pts[i].1 - pts[i - 1].1);
        len += (dx * dx + dy * dy).sqrt();
    }
    let mut spread = 0.0;
    for &(x, y) in pts.iter() {
        spread += x * x + y * y;
    }
    let (x0, y0) = pts[0];
    let last = &pts[pts.len() - 1];
    scale * len
        + 0.1 * spread
        + x0 * y0
        + last.0 * last.1
        + pts.iter().map(|p| p.0 - p.1).sum::<f64>()
}

#[test]
fn tuple_rows() {
    let pts = vec![(0.0, 0.1), (1.0, 0.5), (1.5, 2.0), (-0.5, 1.0)];
    let mut d = vec![(f64::NAN, f64::NAN); 4];
    let (v, g) = path_length_grad(&pts, 0.7, &mut d);
    let mut p: Vec<f64> = pts.iter().flat_map(|&(a, b)| [a, b]).collect();
    p.push(0.7);
    let mut grad: Vec<f64> = d.iter().flat_map(|&(a, b)| [a, b]).collect();
    grad.push(g[0]);
    check_flat(
        "path_length",
        &p,
        &|p: &[f64]| {
            let pts: Vec<(f64, f64)> = p[..8].chunks(2).map(|c| (c[0], c[1])).collect();
            path_length(&pts, p[8])
        },
        v,
        &grad,
    )
    .unwrap();
}

/// A small matrix by reference, `&[[T; N]; M]`: rows of a fixed count; the gradient buffer is
/// the same array (passed as `&mut`), forward mode takes a tangent of the same type.
#[gradient(jvp)]
fn mat_vec_norm(m: &[[f64; 2]; 3], v: [f64; 2]) -> f64 {
    let r = [
        m[0][0] * v[0] + m[0][1] * v[1],
        m[1][0] * v[0] + m[1][1] * v[1],
        m[2][0] * v[0] + m[2][1] * v[1],
    ];
    let mut s = 0.0;
    for row in m {
        s += row[0] * row[1];
    }
    r[0].hypot(r[1]) + r[2] * s
}

#[test]
fn fixed_count_rows() {
    let m = [[1.0, 2.0], [-0.5, 0.3], [0.25, -1.5]];
    let v = [0.7, -1.1];
    let (mut dm, mut dv) = ([[0.0; 2]; 3], [0.0; 2]);
    let value = mat_vec_norm_grad(&m, v, &mut dm, &mut dv);
    assert_eq!(value.to_bits(), mat_vec_norm(&m, v).to_bits());
    let flat: Vec<f64> = m.iter().flatten().copied().collect();
    let at = |p: &[f64]| {
        let mm = [[p[0], p[1]], [p[2], p[3]], [p[4], p[5]]];
        mat_vec_norm(&mm, v)
    };
    let got: Vec<f64> = dm.iter().flatten().copied().collect();
    common::close("m", &got, &common::fd_all(&at, &flat));
    common::close(
        "v",
        &dv,
        &common::fd_all(&|p| mat_vec_norm(&m, [p[0], p[1]]), &v),
    );
    let tm = [[0.5, -1.0], [0.25, 0.0], [1.0, 0.5]];
    let tv = [0.3, 0.2];
    let (value, dot) = mat_vec_norm_jvp(&m, v, &tm, &tv);
    assert_eq!(value.to_bits(), mat_vec_norm(&m, v).to_bits());
    let want: f64 = got
        .iter()
        .zip(tm.iter().flatten())
        .map(|(a, b)| a * b)
        .sum::<f64>()
        + dv[0] * tv[0]
        + dv[1] * tv[1];
    assert!(
        (dot - want).abs() < 1e-12 * want.abs().max(1.0),
        "{dot} vs {want}"
    );
}

/// Rows that are data (not in `wrt`) passed row by row to a `#[gradient]` helper whose slice
/// parameter it differentiates: the row gets a scratch buffer like any slice (it was a missing
/// argument in the generated call). By a `for` over the rows (with `.enumerate()`, `.zip(..)`),
/// `&xs[i]`, a `let` of a row; in forward and second order too.
#[gradient(jvp, hvp)]
fn dot_row(w: &[f64], x: &[f64]) -> f64 {
    w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>()
}

#[gradient(wrt(w), jvp, hvp)]
fn rows_to_helper(w: &[f64], xs: &[Vec<f64>], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let e = dot_row(w, x) - y;
        s += e * e;
    }
    for (i, x) in xs.iter().enumerate() {
        s += dot_row(w, x).tanh() * i as f64;
    }
    let last = &xs[xs.len() - 1];
    s + dot_row(w, &xs[0]).powi(2) + dot_row(w, last) * 0.5
}

#[test]
fn data_rows_passed_to_helpers() {
    let w = [0.5, -0.3];
    let xs = vec![vec![1.0, 2.0], vec![-0.5, 0.25], vec![0.1, 0.7]];
    let ys = [0.3, 0.7, -0.2];
    let mut dw = [0.0; 2];
    let v = rows_to_helper_grad(&w, &xs, &ys, &mut dw);
    assert_eq!(v.to_bits(), rows_to_helper(&w, &xs, &ys).to_bits());
    common::close(
        "w",
        &dw,
        &common::fd_all(&|p| rows_to_helper(p, &xs, &ys), &w),
    );
    let t = [1.0, 0.5];
    let (value, dot) = rows_to_helper_jvp(&w, &xs, &ys, &t);
    assert_eq!(value.to_bits(), v.to_bits());
    assert!((dot - (dw[0] + 0.5 * dw[1])).abs() < 1e-12);
    let (mut g, mut hv) = ([0.0; 2], [0.0; 2]);
    let value = rows_to_helper_hvp(&w, &xs, &ys, &t, &mut g, &mut hv);
    assert_eq!(value.to_bits(), v.to_bits());
    let grad_at = |p: &[f64]| {
        let mut d = [0.0; 2];
        let _ = rows_to_helper_grad(p, &xs, &ys, &mut d);
        d
    };
    let h = 1e-6;
    let (wp, wm): (Vec<f64>, Vec<f64>) = (
        w.iter().zip(&t).map(|(a, b)| a + h * b).collect(),
        w.iter().zip(&t).map(|(a, b)| a - h * b).collect(),
    );
    let (gp, gm) = (grad_at(&wp), grad_at(&wm));
    let want: Vec<f64> = gp
        .iter()
        .zip(&gm)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    common::close("hvp", &hv, &want);
}

/// Rows as borrowed slices, `&[&[T]]`: the gradient is `&mut [&mut [T]]` of the same shape,
/// forward mode takes a tangent of the parameter's type; as data (outside `wrt`) they are read
/// by any indexing and iterator form.
#[gradient(jvp)]
fn slice_rows(xs: &[&[f64]], s: f64) -> f64 {
    let mut t = 0.0;
    for row in xs {
        t += row.iter().sum::<f64>().powi(2) * s;
    }
    t + xs[0][0] * xs[xs.len() - 1][xs[xs.len() - 1].len() - 1]
}

#[gradient(wrt(w))]
fn slice_rows_data(w: &[f64], xs: &[&[f64]], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let p: f64 = w.iter().zip(x.iter()).map(|(a, b)| a * b).sum();
        s += (p - y).powi(2) + dot_row(w, x);
    }
    s + w[0] * xs[0][0]
}

#[test]
fn rows_as_slices() {
    let (a, b) = ([0.5, -0.2, 0.7], [0.3]);
    let xs: Vec<&[f64]> = vec![&a, &b];
    let (mut da, mut db) = ([0.0; 3], [0.0; 1]);
    let (value, [ds]) = {
        let mut d: Vec<&mut [f64]> = vec![&mut da, &mut db];
        slice_rows_grad(&xs, 1.5, &mut d)
    };
    assert_eq!(value.to_bits(), slice_rows(&xs, 1.5).to_bits());
    let flat = [0.5, -0.2, 0.7, 0.3];
    let at = |p: &[f64]| slice_rows(&[&p[..3], &p[3..]], 1.5);
    let got = [da[0], da[1], da[2], db[0]];
    common::close("xs", &got, &common::fd_all(&at, &flat));
    common::close(
        "s",
        &[ds],
        &common::fd_all(&|p| slice_rows(&xs, p[0]), &[1.5]),
    );
    let (va, vb) = ([1.0, 0.0, 0.5], [2.0]);
    let vs: Vec<&[f64]> = vec![&va, &vb];
    let (v, dot) = slice_rows_jvp(&xs, 1.5, &vs, 0.25);
    assert_eq!(v.to_bits(), value.to_bits());
    let want = got
        .iter()
        .zip([1.0, 0.0, 0.5, 2.0])
        .map(|(g, t)| g * t)
        .sum::<f64>()
        + ds * 0.25;
    assert!((dot - want).abs() < 1e-12, "{dot} vs {want}");

    let w = [0.4, -0.6];
    let (r0, r1) = ([1.0, 2.0], [-0.5, 0.25]);
    let xs: Vec<&[f64]> = vec![&r0, &r1];
    let ys = [0.3, 0.7];
    let mut dw = [0.0; 2];
    let v = slice_rows_data_grad(&w, &xs, &ys, &mut dw);
    assert_eq!(v.to_bits(), slice_rows_data(&w, &xs, &ys).to_bits());
    common::close(
        "w",
        &dw,
        &common::fd_all(&|p| slice_rows_data(p, &xs, &ys), &w),
    );
}

/// Consecutive rows of a differentiated `&[[T; 2]]` (`windows(2)`, in a loop and in a
/// reduction): a chain of springs.
#[gradient]
fn spring_chain(pos: &[[f64; 2]], k: f64) -> f64 {
    let mut e = 0.0;
    for w in pos.windows(2) {
        let (dx, dy) = (w[1][0] - w[0][0], w[1][1] - w[0][1]);
        e += 0.5 * k * ((dx * dx + dy * dy).sqrt() - 1.0).powi(2);
    }
    e + pos.windows(2).map(|w| w[0][0] * w[1][1]).sum::<f64>()
}

#[test]
fn windows_over_rows() {
    let pos = [[0.0, 0.0], [1.0, 0.2], [2.1, -0.1], [2.5, 1.0]];
    let mut d = [[0.0; 2]; 4];
    let (v, [dk]) = spring_chain_grad(&pos, 2.0, &mut d);
    assert_eq!(v.to_bits(), spring_chain(&pos, 2.0).to_bits());
    let h = 1e-6;
    for i in 0..4 {
        for c in 0..2 {
            let (mut p, mut q) = (pos, pos);
            p[i][c] += h;
            q[i][c] -= h;
            let fd = (spring_chain(&p, 2.0) - spring_chain(&q, 2.0)) / (2.0 * h);
            assert!(
                (d[i][c] - fd).abs() < 1e-7,
                "pos[{i}][{c}]: {} against {fd}",
                d[i][c]
            );
        }
    }
    let fd = (spring_chain(&pos, 2.0 + h) - spring_chain(&pos, 2.0 - h)) / (2.0 * h);
    assert!((dk - fd).abs() < 1e-7);
}

/// Matrix factorization: rows of two differentiated parameters zipped (`u[i].iter().zip(&v[j])`),
/// picked by indices read from tuple data.
#[gradient(wrt(u, v))]
fn factorization(u: &[Vec<f64>], v: &[Vec<f64>], ratings: &[(usize, usize, f64)]) -> f64 {
    let mut loss = 0.0;
    for &(i, j, r) in ratings {
        let pred: f64 = u[i].iter().zip(&v[j]).map(|(a, b)| a * b).sum();
        loss += (pred - r).powi(2);
    }
    loss + u[0][1..].iter().map(|x| x * x).sum::<f64>()
}

#[test]
fn zipped_rows_of_two_parameters() {
    let u = vec![vec![0.1, 0.2, -0.3], vec![0.3, -0.1, 0.5]];
    let v = vec![vec![0.5, 0.5, 0.1], vec![-0.2, 0.4, 0.3]];
    let r = [(0, 1, 1.0), (1, 0, -0.5), (1, 1, 0.25)];
    let (mut du, mut dv) = (vec![vec![0.0; 3]; 2], vec![vec![0.0; 3]; 2]);
    let value = factorization_grad(&u, &v, &r, &mut du, &mut dv);
    assert_eq!(value.to_bits(), factorization(&u, &v, &r).to_bits());
    let h = 1e-6;
    for (which, g) in [(0, &du), (1, &dv)] {
        for i in 0..2 {
            for j in 0..3 {
                let (mut up, mut vp, mut uq, mut vq) = (u.clone(), v.clone(), u.clone(), v.clone());
                if which == 0 {
                    up[i][j] += h;
                    uq[i][j] -= h;
                } else {
                    vp[i][j] += h;
                    vq[i][j] -= h;
                }
                let fd = (factorization(&up, &vp, &r) - factorization(&uq, &vq, &r)) / (2.0 * h);
                assert!(
                    (g[i][j] - fd).abs() < 1e-7,
                    "{which} [{i}][{j}]: {} against {fd}",
                    g[i][j]
                );
            }
        }
    }
}

/// Pairwise energies as physics code writes them: the inner loop over the rows after `i`
/// (`.enumerate().skip(i + 1)`), rows taken apart by a pattern (`&[xj, yj]`, `&(xj, yj)`).
#[gradient]
fn pair_potential(pos: &[[f64; 2]]) -> f64 {
    let mut u = 0.0;
    for (i, &[xi, yi]) in pos.iter().enumerate() {
        for (_, &[xj, yj]) in pos.iter().enumerate().skip(i + 1) {
            u += 1.0 / ((xi - xj).powi(2) + (yi - yj).powi(2)).sqrt();
        }
        for q in pos.iter().skip(i + 1).take(1) {
            u += (q[0] - xi) * 0.1;
        }
    }
    u
}

#[gradient]
fn pair_potential_tuples(pts: &[(f64, f64)]) -> f64 {
    let mut u = 0.0;
    for (i, &(xi, yi)) in pts.iter().enumerate() {
        for (_j, &(xj, yj)) in pts.iter().enumerate().skip(i + 1) {
            u += 1.0 / ((xi - xj).powi(2) + (yi - yj).powi(2)).sqrt();
        }
    }
    u
}

#[test]
fn pairs_after_each_row() {
    let pos = [[0.0, 0.1], [1.1, 0.0], [0.0, 1.2], [1.0, 1.0]];
    let mut d = [[f64::NAN; 2]; 4];
    let v = pair_potential_grad(&pos, &mut d);
    let f = |p: &[f64]| pair_potential(&unflat::<2>(p));
    check_flat("pair_potential", &flat(&pos), &f, v, &flat(&d)).unwrap();

    let pts: Vec<(f64, f64)> = pos.iter().map(|r| (r[0], r[1])).collect();
    let mut d = vec![(f64::NAN, f64::NAN); 4];
    let v = pair_potential_tuples_grad(&pts, &mut d);
    let f = |p: &[f64]| {
        let t: Vec<(f64, f64)> = p.chunks(2).map(|c| (c[0], c[1])).collect();
        pair_potential_tuples(&t)
    };
    let grad: Vec<f64> = d.iter().flat_map(|&(a, b)| [a, b]).collect();
    check_flat("pair_potential_tuples", &flat(&pos), &f, v, &grad).unwrap();
}

/// A layer as rows of weights zipped with its biases and the next layer's weights.
#[gradient(wrt(w1, b1, w2))]
fn rows_zipped_twice(w1: &[Vec<f64>], b1: &[f64], w2: &[f64], x: &[f64]) -> f64 {
    let mut out = 0.0;
    for ((row, b), w) in w1.iter().zip(b1).zip(w2) {
        out += w * (row[0] * x[0] + row[1] * x[1] + b).tanh();
    }
    out
}

#[test]
fn rows_zipped_with_two_sequences() {
    let w1 = vec![vec![0.5, -0.3], vec![0.8, 0.1], vec![-0.2, 0.6]];
    let (b1, w2, x) = ([0.1, -0.1, 0.3], [0.3, 0.4, -0.5], [0.2, 0.5]);
    let mut g1 = vec![vec![f64::NAN; 2]; 3];
    let (mut g2, mut g3) = ([f64::NAN; 3], [f64::NAN; 3]);
    let v = rows_zipped_twice_grad(&w1, &b1, &w2, &x, &mut g1, &mut g2, &mut g3);
    let mut p = w1.concat();
    p.extend(b1);
    p.extend(w2);
    let f = |p: &[f64]| rows_zipped_twice(&ragged(&p[..6], &[2, 2, 2]), &p[6..9], &p[9..], &x);
    let mut grad = g1.concat();
    grad.extend(g2);
    grad.extend(g3);
    check_flat("rows_zipped_twice", &p, &f, v, &grad).unwrap();
}

/// A row's `first`, `last` and `get(j)` read by `if let Some(..)`, on a row by index (`w[0]`) and
/// on a row's name in a loop over the rows, ragged and fixed; a row too short for `get` reads
/// nothing.
#[gradient]
fn row_options(w: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for r in w {
        if let Some(&a) = r.get(1) {
            s += a * a;
        }
        if let Some(b) = r.last() {
            s += b.sin();
        }
    }
    if let Some(&a) = w[0].first() {
        s += a * 3.0;
    }
    if let Some(&a) = w[2].last() {
        s += a * a * a;
    }
    s
}

#[gradient]
fn fixed_row_options(w: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    if let Some(v) = w[0].get(1) {
        s += v * 3.0;
    }
    for r in w {
        if let Some(&a) = r.first() {
            s += a.exp();
        }
    }
    s
}

#[test]
fn first_last_and_get_of_a_row() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2], vec![0.9]];
    let mut d = vec![vec![f64::NAN; 2], vec![f64::NAN; 3], vec![f64::NAN; 1]];
    let v = row_options_grad(&w, &mut d);
    let f = |p: &[f64]| row_options(&ragged(p, &[2, 3, 1]));
    check_flat("row_options", &w.concat(), &f, v, &d.concat()).unwrap();

    let w = [[0.3, -0.7], [1.1, 0.5], [0.2, 0.9]];
    let mut d = [[f64::NAN; 2]; 3];
    let v = fixed_row_options_grad(&w, &mut d);
    let f = |p: &[f64]| fixed_row_options(&unflat::<2>(p));
    check_flat("fixed_row_options", &flat(&w), &f, v, &flat(&d)).unwrap();
}

/// A row split in two (`split_at`), by index and by its name in a loop over the rows.
#[gradient]
fn row_halves(w: &[Vec<f64>]) -> f64 {
    let (a, b) = w[1].split_at(1);
    let mut s = a[0] * b[0];
    for row in w {
        let (p, q) = row.split_at(row.len() / 2);
        s += p.iter().sum::<f64>() * q.iter().map(|v| v * v).sum::<f64>();
    }
    s
}

#[test]
fn rows_split_in_two() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2], vec![0.9, 0.4]];
    let mut d = vec![vec![f64::NAN; 2], vec![f64::NAN; 3], vec![f64::NAN; 2]];
    let v = row_halves_grad(&w, &mut d);
    let f = |p: &[f64]| row_halves(&ragged(p, &[2, 3, 2]));
    check_flat("row_halves", &w.concat(), &f, v, &d.concat()).unwrap();
}

/// The rows end to end: `concat()`, `iter().flatten()`, `as_flattened()`.
#[gradient]
fn rows_end_to_end(w: &[Vec<f64>]) -> f64 {
    let all = w.concat();
    all[0] * all[all.len() - 1] + w.iter().flatten().map(|v| v.sin()).sum::<f64>()
}

#[gradient]
fn fixed_rows_end_to_end(w: &[[f64; 2]]) -> f64 {
    let all = w.concat();
    let s: f64 = w.iter().flatten().sum();
    all[0] * s + w.as_flattened().iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn rows_read_end_to_end() {
    let w = vec![vec![0.3, -0.7], vec![1.1, 0.5, 0.2], vec![0.9]];
    let mut d = vec![vec![f64::NAN; 2], vec![f64::NAN; 3], vec![f64::NAN; 1]];
    let v = rows_end_to_end_grad(&w, &mut d);
    let f = |p: &[f64]| rows_end_to_end(&ragged(p, &[2, 3, 1]));
    check_flat("rows_end_to_end", &w.concat(), &f, v, &d.concat()).unwrap();

    let w = [[0.3, -0.7], [1.1, 0.5], [0.2, 0.9]];
    let mut d = [[f64::NAN; 2]; 3];
    let v = fixed_rows_end_to_end_grad(&w, &mut d);
    let f = |p: &[f64]| fixed_rows_end_to_end(&unflat::<2>(p));
    check_flat("fixed_rows_end_to_end", &flat(&w), &f, v, &flat(&d)).unwrap();
}

/// Rows in reverse, skipped, taken, stepped: in a `for` (after `.enumerate()` too) and in a
/// reduction.
#[gradient]
fn rows_reordered(w: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for row in w.iter().rev() {
        s = s * 0.5 + row[0];
    }
    for (i, row) in w.iter().enumerate().rev() {
        s += row[0] * i as f64;
    }
    for row in w.iter().skip(1).step_by(2) {
        s += row.iter().sum::<f64>();
    }
    s + w
        .iter()
        .rev()
        .take(2)
        .map(|row| row[row.len() - 1].sin())
        .sum::<f64>()
}

#[test]
fn rows_in_another_order() {
    let w = vec![
        vec![0.3, -0.7],
        vec![1.1, 0.5, 0.2],
        vec![0.9],
        vec![0.4, 0.6],
    ];
    let mut d = vec![
        vec![f64::NAN; 2],
        vec![f64::NAN; 3],
        vec![f64::NAN; 1],
        vec![f64::NAN; 2],
    ];
    let v = rows_reordered_grad(&w, &mut d);
    let f = |p: &[f64]| rows_reordered(&ragged(p, &[2, 3, 1, 2]));
    check_flat("rows_reordered", &w.concat(), &f, v, &d.concat()).unwrap();
}

/// Consecutive rows under adapters: zipped with data (`pos.windows(2).zip(rest)`), enumerated, in
/// a reduction and in a loop, and chunks zipped. Before: "reads the differentiated rows `pos` by
/// index".
#[gradient(wrt(pos))]
fn spring_rest_lengths(pos: &[[f64; 2]], rest: &[f64]) -> f64 {
    let e: f64 = pos
        .windows(2)
        .zip(rest)
        .map(|(w, &l)| {
            let d = ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
            (d - l).powi(2)
        })
        .sum();
    let mut t = 0.0;
    for (i, w) in pos.windows(2).enumerate() {
        t += (i as f64 + 1.0) * w[0][1] * w[1][0];
    }
    for (c, &l) in pos.chunks(2).zip(rest) {
        t += l * c[0][0] * c[c.len() - 1][1];
    }
    e + 0.1 * t
}

#[test]
fn windows_over_rows_under_adapters() {
    let pos = [[0.0, 0.0], [1.0, 0.2], [2.1, -0.1], [2.5, 1.0]];
    let rest = [1.0, 0.8, 1.2];
    let mut d = [[0.0; 2]; 4];
    let v = spring_rest_lengths_grad(&pos, &rest, &mut d);
    check_flat(
        "spring_rest_lengths",
        &flat(&pos),
        &|p: &[f64]| spring_rest_lengths(&unflat::<2>(p), &rest),
        v,
        &flat(&d),
    )
    .unwrap();
}

fn plain_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// Copies of differentiated rows: `w[i].clone()`, `w[i].to_vec()` inside an expression (handed
/// on, iterated), and of a row a loop binds (`row.to_vec()`, `row.clone()`, `row.to_owned()`),
/// for rows of vectors and of arrays. Before: "reads the differentiated rows `w` by index" or
/// "does not support sub-slices" (the copy of a row a loop binds).
#[gradient(wrt(w), jvp)]
fn rows_copied(w: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        let r = w[i].clone();
        s += plain_dot(&r, x).tanh()
            + w[i].to_vec().iter().sum::<f64>() * 0.1
            + plain_dot(&w[i].to_vec(), x);
    }
    for row in w {
        let c = row.to_vec();
        s += c[0] * c[1];
        let d = row.clone();
        s += d.iter().map(|v| v * v).sum::<f64>() + plain_dot(&row.to_owned(), x);
    }
    s
}

#[gradient(wrt(w))]
fn array_rows_copied(w: &[[f64; 2]], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        let r = w[i].to_vec();
        s += plain_dot(&r, x).tanh() + w[i].to_vec().iter().sum::<f64>();
    }
    for row in w {
        let c = row.to_vec();
        s += c[1] * x[0];
    }
    s
}

#[test]
fn copies_of_rows() {
    let w = vec![vec![0.3, -0.2], vec![0.5, 0.7], vec![-0.1, 0.4]];
    let x = [0.5, -1.2];
    let mut d = vec![vec![f64::NAN; 2]; 3];
    let v = rows_copied_grad(&w, &x, &mut d);
    let f = |p: &[f64]| rows_copied(&ragged(p, &[2, 2, 2]), &x);
    check_flat("rows_copied", &w.concat(), &f, v, &d.concat()).unwrap();
    let t = vec![vec![0.5, -1.0], vec![0.25, 2.0], vec![1.5, -0.5]];
    jvp_agrees(
        "rows_copied",
        (v, &d.concat()),
        &t.concat(),
        rows_copied_jvp(&w, &x, &t),
    );
    let w = [[0.3, -0.2], [0.5, 0.7]];
    let mut d = [[0.0; 2]; 2];
    let v = array_rows_copied_grad(&w, &x, &mut d);
    check_flat(
        "array_rows_copied",
        &flat(&w),
        &|p: &[f64]| array_rows_copied(&unflat::<2>(p), &x),
        v,
        &flat(&d),
    )
    .unwrap();
}

/// Sum of products of a row's first two elements, scaled.
fn pair_sum(rs: &[[f64; 2]], s: f64) -> f64 {
    rs.iter().map(|r| r[0] * r[1] * s).sum()
}

/// Ranges of differentiated rows (`w[1..]`, `&w[..2]`, `w[a..=b]`, named `let tail = &w[1..]`)
/// iterated in every form a whole list is — `for`, `iter().map`, `enumerate` (its count from the
/// range's start), `rev` — indexed, counted and lent to a helper. Before: "cannot differentiate a range used as a value", or
/// "reads the differentiated rows `w` by index".
#[gradient(wrt(w, x), jvp)]
fn rows_ranges(w: &[[f64; 2]], x: &[f64]) -> f64 {
    let mut s = w[1..].iter().map(|r| r[0] * r[1] * x[0]).sum::<f64>();
    for r in &w[..2] {
        s += r[0] * x[1];
    }
    for (i, r) in w[1..].iter().enumerate() {
        s += (i as f64 + 1.0) * r[1].sin();
    }
    for &[a, b] in w[1..=2].iter().rev() {
        s = s * 0.5 + a * b;
    }
    let tail = &w[1..];
    s += tail[0][1] * tail.len() as f64 + tail.iter().map(|r| r[0]).sum::<f64>();
    for r in tail {
        s += r[1] * x[1];
    }
    let k = w.len() - 1;
    s + pair_sum(&w[k - 1..], x[0])
        + pair_sum(&w[..], 0.5)
        + pair_sum(tail, x[1]) * pair_sum(&w[..1], x[0])
}

/// Sum of each row's first element, scaled, plus the first row's last element.
fn first_cols(rs: &[Vec<f64>], s: f64) -> f64 {
    let first = &rs[0];
    rs.iter().map(|r| r[0] * s).sum::<f64>() + first[first.len() - 1]
}

/// Ranges of rows of vectors lent to a helper from either end, and iterated.
#[gradient(wrt(w), jvp)]
fn vec_rows_ranges(w: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = first_cols(&w[..1], x[0]) * first_cols(&w[1..], x[1]);
    for r in &w[1..] {
        s += r[r.len() - 1] * x[0];
    }
    s + w[..2]
        .iter()
        .map(|r| r.iter().sum::<f64>())
        .product::<f64>()
}

/// Rows folded (`w.iter().fold(..)`, after `enumerate`, over a range, in a list's element), and
/// enumerated after `skip`/`take` (counted from the first row taken).
/// Before: "reads the differentiated rows `w` by index .. write this read in one of those
/// forms".
#[gradient(wrt(w), jvp)]
fn rows_folded(w: &[[f64; 2]], x: &[f64]) -> f64 {
    let a = w.iter().fold(0.0, |acc, r| acc + r[0] * x[0]);
    let b = w
        .iter()
        .enumerate()
        .fold(1.0, |acc, (i, r)| acc * 0.5 + r[1] * i as f64);
    let listed = [w[1..].iter().fold(0.0, |acc, &[p, q]| acc + p * q), x[1]];
    let mut c = 0.0;
    for (i, r) in w.iter().skip(1).take(5).enumerate() {
        c += r[0] * (i as f64 + 1.0);
    }
    a * b + listed[0] * listed[1] + c
        - w.iter()
            .take(2)
            .enumerate()
            .fold(0.0, |acc, (i, r)| acc + r[1] * i as f64)
}

#[test]
fn rows_folded_in_every_form() {
    let w = [[0.3, -0.2], [0.5, 0.7], [-0.1, 0.4]];
    let x = [0.5, -1.2];
    let mut d = [[f64::NAN; 2]; 3];
    let v = rows_folded_grad(&w, &x, &mut d);
    let f = |p: &[f64]| rows_folded(&unflat::<2>(p), &x);
    check_flat("rows_folded", &flat(&w), &f, v, &flat(&d)).unwrap();
    let t = [[0.5, -1.0], [0.25, 2.0], [1.5, -0.5]];
    jvp_agrees(
        "rows_folded",
        (v, &flat(&d)),
        &flat(&t),
        rows_folded_jvp(&w, &x, &t),
    );
}

#[test]
fn ranges_of_rows() {
    let w = vec![
        vec![0.3, -0.2, 0.9],
        vec![0.5, 0.7],
        vec![-0.1, 0.4, 0.6, 1.2],
    ];
    let x = [0.5, -1.2];
    let mut d = vec![vec![f64::NAN; 3], vec![f64::NAN; 2], vec![f64::NAN; 4]];
    let v = vec_rows_ranges_grad(&w, &x, &mut d);
    let f = |p: &[f64]| vec_rows_ranges(&ragged(p, &[3, 2, 4]), &x);
    check_flat("vec_rows_ranges", &w.concat(), &f, v, &d.concat()).unwrap();

    let w = [[0.3, -0.2], [0.5, 0.7], [-0.1, 0.4], [0.8, -0.6]];
    let x = [0.5, -1.2];
    let mut d = [[f64::NAN; 2]; 4];
    let mut dx = [f64::NAN; 2];
    let v = rows_ranges_grad(&w, &x, &mut d, &mut dx);
    let p: Vec<f64> = flat(&w).into_iter().chain(x).collect();
    let f = |p: &[f64]| rows_ranges(&unflat::<2>(&p[..8]), &p[8..]);
    let g: Vec<f64> = flat(&d).into_iter().chain(dx).collect();
    check_flat("rows_ranges", &p, &f, v, &g).unwrap();
    let tw = [[0.5, -1.0], [0.25, 2.0], [1.5, -0.5], [0.1, 0.2]];
    let tx = [0.3, -0.4];
    let t: Vec<f64> = flat(&tw).into_iter().chain(tx).collect();
    jvp_agrees(
        "rows_ranges",
        (v, &g),
        &t,
        rows_ranges_jvp(&w, &x, &tw, &tx),
    );
}
