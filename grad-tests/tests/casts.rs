//! Casts of differentiated floats to integers (`(t * 4.0) as usize`, `x as i32`): a step, whose
//! derivative is 0 wherever it has one, so the derivative is that of the cell the point is in —
//! a table index for interpolation, a loop count, a `match` on the cast, an index into a
//! parameter, in `f32` too, and in forward mode and second order; `round_ties_even`, a step too. Each against central finite
//! differences at points away from the steps, values bit for bit.

#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

mod common;

use common::{check_flat, fd_hessian};
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// Linear interpolation in a table, the cell found by truncating the scaled position.
#[gradient(jvp, hvp, wrt(t))]
fn interpolated(t: f64, ys: &[f64]) -> f64 {
    let s = t * 4.0;
    let i = s as usize;
    let frac = s - i as f64;
    (ys[i] + frac * (ys[i + 1] - ys[i])) * t
}

/// The cell from a floor bound to a local first; a count from a cast; an index into a
/// differentiated slice from a cast; a `match` on a cast; a cast back to a float.
#[gradient]
fn steps(x: f64, w: &[f64]) -> f64 {
    let s = (x * 2.0).floor();
    let i = s as usize;
    let n = (x.abs() * 3.0) as usize + 1;
    let mut acc = 0.0;
    for k in 0..n {
        acc += x * x / (k as f64 + 1.0);
    }
    let m = match (x * 2.0) as i64 {
        0 => x,
        1 | 2 => x * x,
        _ => x.sin(),
    };
    acc + m + w[i] * x + w[(x * 3.0) as usize] + x * f64::from(x as i32) + x.round_ties_even()
}

#[gradient]
fn steps32(x: f32) -> f32 {
    let k = (x * 3.0) as u8;
    x * f32::from(k) + f32::from(x as i16) + x * x
}

#[test]
fn casts_to_integers_are_steps() {
    let ys = [0.5, 1.5, -0.5, 2.0, 1.0, 0.3];
    for t in [0.3, 0.61, 1.1] {
        let (v, g) = interpolated_grad(t, &ys);
        assert_eq!(v.to_bits(), interpolated(t, &ys).to_bits());
        check("interpolated", &|p| interpolated(p[0], &ys), v, &g, &[t]);
        let (vj, tj) = interpolated_jvp(t, &ys, 0.5);
        assert_eq!(vj.to_bits(), v.to_bits());
        assert!((tj - 0.5 * g[0]).abs() < 1e-12, "{tj} {}", g[0]);
        let (vh, gh, [hv]) = interpolated_hvp(t, &ys, 1.0);
        assert_eq!(vh.to_bits(), v.to_bits());
        assert_eq!(gh[0].to_bits(), g[0].to_bits());
        let h = fd_hessian(&|p| interpolated(p[0], &ys), &[t]);
        assert!((hv - h[0]).abs() < 1e-4, "{hv} {}", h[0]);

        let mut dw = [0.0; 6];
        let (v, dx) = steps_grad(t, &ys, &mut dw);
        assert_eq!(v.to_bits(), steps(t, &ys).to_bits());
        let f = |p: &[f64]| steps(p[0], &p[1..]);
        let mut p = vec![t];
        p.extend_from_slice(&ys);
        let mut g = vec![dx[0]];
        g.extend_from_slice(&dw);
        check("steps", &f, v, &g, &p);

        let x = t as f32;
        let (v, g) = steps32_grad(x);
        assert_eq!(v.to_bits(), steps32(x).to_bits());
        let want = f32::from((x * 3.0) as u8) + 2.0 * x;
        assert!((g[0] - want).abs() < 1e-5, "{} {want}", g[0]);
    }
}
