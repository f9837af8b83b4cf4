//! Copies of locals that are written afterwards: an array is `Copy`, so `let prev = s;` then
//! `s[0] = ..` leaves `prev` as it was (and writing the copy leaves `s`), also for a by-value
//! array parameter, a whole replacement, a `move` closure capturing an array, a tuple or a
//! struct, and a closure or nested `fn` taking an array by value. Each was a silently wrong
//! gradient once (the copy was a second name for the same buffer). Gradients against central
//! differences, the value bit for bit; forward mode and H·v on some.

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// The original written after the copy (f = a + 10 b at every point).
#[gradient(jvp, hvp)]
fn copy_then_write(a: f64, b: f64) -> f64 {
    let mut s = [a, b];
    let prev = s;
    s[0] = 10.0 * b * a.cos();
    prev[0] * prev[1] + s[0]
}

/// The copy written.
#[gradient]
fn write_the_copy(a: f64, b: f64) -> f64 {
    let s = [a, b];
    let mut t = s;
    t[0] = 10.0 * b;
    s[0] * t[1] + t[0]
}

/// The original replaced whole, in a loop keeping the previous state (an integrator).
#[gradient]
fn previous_state(x0: f64, v0: f64, k: f64) -> f64 {
    let mut s = [x0, v0];
    let mut travelled = 0.0;
    for _ in 0..5 {
        let prev = s;
        s = [s[0] + 0.1 * s[1], s[1] - 0.1 * k * s[0]];
        travelled += (s[0] - prev[0]).powi(2) + (s[1] - prev[1]).powi(2);
    }
    travelled + s[0]
}

/// A leapfrog keeping the current field before stepping it in place.
#[gradient]
fn leapfrog(u0: &[f64], c: f64) -> f64 {
    let mut u = [0.0; 4];
    let mut old = [0.0; 4];
    u.copy_from_slice(&u0[..4]);
    old.copy_from_slice(&u0[..4]);
    for _ in 0..3 {
        let cur = u;
        for i in 1..3 {
            u[i] = 2.0 * cur[i] - old[i] + c * (cur[i - 1] - 2.0 * cur[i] + cur[i + 1]);
        }
        old = cur;
    }
    u.iter().map(|v| v * v).sum::<f64>()
}

/// A copy of a by-value array parameter, then the parameter written.
#[gradient]
fn param_copy(mut p: [f64; 2]) -> f64 {
    let q = p;
    p[0] = 10.0 * p[1];
    q[0] * q[1] + p[0]
}

/// `move` closures hold what they captured where they are made.
#[gradient]
fn moved_array(a: f64, b: f64) -> f64 {
    let mut s = [a, b];
    let get = move || s[0] * s[1];
    s[0] = 10.0 * b;
    get() + s[0]
}

#[derive(Clone, Copy)]
struct Pt {
    p: f64,
    q: f64,
}

#[gradient]
fn moved_tuple_and_struct(a: f64, b: f64) -> f64 {
    let mut t = (a, b);
    let mut s = Pt { p: b, q: a };
    let get_t = move || t.0 * t.1;
    let get_s = move || s.p;
    t.0 = 10.0 * b;
    s.p = 3.0 * s.q;
    get_t() + t.0 + get_s() * s.p
}

/// A struct copied, then the original written.
#[gradient]
fn struct_copy(a: f64, b: f64) -> f64 {
    let mut s = Pt { p: a, q: b };
    let prev = s;
    s.p = 10.0 * s.q;
    prev.p * prev.q + s.p
}

/// A closure and a nested `fn` taking an array by value and writing their copy; the caller's
/// array stays as it was.
#[gradient]
fn by_value_array_args(a: f64, b: f64) -> f64 {
    fn bump(mut s: [f64; 2], k: f64) -> f64 {
        s[0] *= k;
        s[0] + s[1]
    }
    let euler = |mut s: [f64; 2], dt: f64| -> [f64; 2] {
        s[0] += dt * s[1];
        s[1] -= dt * s[0];
        s
    };
    let s = [a, b];
    let r = bump(s, 10.0);
    let next = euler(s, 0.1);
    r + s[0] + (next[0] - s[0]).powi(2) + (next[1] - s[1]).powi(2)
}

#[test]
fn copies_are_copies() {
    for (a, b) in [(1.0, 2.0), (-0.7, 0.4), (0.3, -1.5)] {
        let p = [a, b];
        let (v, g) = copy_then_write_grad(a, b);
        check(
            "copy_then_write",
            &|p| copy_then_write(p[0], p[1]),
            v,
            &g,
            &p,
        );
        let (vj, t) = copy_then_write_jvp(a, b, 0.5, -1.0);
        assert_eq!(vj.to_bits(), v.to_bits());
        assert!((t - (0.5 * g[0] - g[1])).abs() < 1e-12, "{t} {g:?}");
        let (_, _, h) = copy_then_write_hessian(a, b);
        // ∂²/∂a² = -10 b cos a, ∂²/∂a∂b = 1 - 10 sin a, ∂²/∂b² = 0.
        let want = [
            [-10.0 * b * a.cos(), 1.0 - 10.0 * a.sin()],
            [1.0 - 10.0 * a.sin(), 0.0],
        ];
        for i in 0..2 {
            for j in 0..2 {
                assert!((h[i][j] - want[i][j]).abs() < 1e-12, "{h:?} {want:?}");
            }
        }
        let (v, g) = write_the_copy_grad(a, b);
        check("write_the_copy", &|p| write_the_copy(p[0], p[1]), v, &g, &p);
        let (v, g) = previous_state_grad(a, b, 0.8);
        check(
            "previous_state",
            &|p| previous_state(p[0], p[1], p[2]),
            v,
            &[g[0], g[1], g[2]],
            &[a, b, 0.8],
        );
        let mut d = [0.0; 2];
        let v = param_copy_grad([a, b], &mut d);
        check("param_copy", &|p| param_copy([p[0], p[1]]), v, &d, &p);
        let (v, g) = moved_array_grad(a, b);
        check("moved_array", &|p| moved_array(p[0], p[1]), v, &g, &p);
        let (v, g) = moved_tuple_and_struct_grad(a, b);
        check(
            "moved_tuple_and_struct",
            &|p| moved_tuple_and_struct(p[0], p[1]),
            v,
            &g,
            &p,
        );
        let (v, g) = struct_copy_grad(a, b);
        check("struct_copy", &|p| struct_copy(p[0], p[1]), v, &g, &p);
        let (v, g) = by_value_array_args_grad(a, b);
        check(
            "by_value_array_args",
            &|p| by_value_array_args(p[0], p[1]),
            v,
            &g,
            &p,
        );
    }
    let u0 = [0.1, 0.5, -0.3, 0.2];
    let mut d = [0.0; 4];
    let (v, dc) = leapfrog_grad(&u0, 0.3, &mut d);
    let mut g = d.to_vec();
    g.push(dc[0]);
    let mut p = u0.to_vec();
    p.push(0.3);
    check("leapfrog", &|p| leapfrog(&p[..4], p[4]), v, &g, &p);
}
