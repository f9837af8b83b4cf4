//! Names and their scopes: items (`const`, `static`, `fn`, `use`) declared in inner blocks, loop
//! bodies, closures and nested functions keep their block as their scope (two of one name in
//! different blocks, one shadowing a module's item); views of a sequence (`let a = &x[1..];`,
//! the pieces of `windows`/`chunks`) read the sequence declared before them, whatever is
//! declared with its name afterwards; an `if let`/`match` binding of an uppercase name read by
//! its arm. Each against central finite differences, the value bit for bit.

#![allow(
    clippy::needless_range_loop,
    clippy::type_complexity,
    clippy::items_after_statements,
    non_snake_case,
    clippy::match_single_binding,
    clippy::shadow_unrelated
)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

const M: f64 = 2.0;

#[gradient]
fn square(t: f64) -> f64 {
    t * t
}

#[gradient]
fn const_in_block(x: f64) -> f64 {
    const K: f64 = 2.0;
    let a = {
        const K: f64 = 5.0;
        K * x
    };
    let b = {
        const M: f64 = 7.0;
        M * x
    };
    a + K * x * x + M * b
}

#[gradient]
fn fn_in_block(x: f64) -> f64 {
    let a = {
        fn square(t: f64) -> f64 {
            3.0 * t
        }
        square(x)
    };
    a + square(x)
}

#[gradient]
fn use_in_block(x: f64) -> f64 {
    let a = {
        use std::f64::consts::E as M;
        M * x
    };
    a + M * x
}

#[gradient]
fn items_in_nested_fn_and_closure(x: f64) -> f64 {
    const C: f64 = 1.0;
    fn h(t: f64) -> f64 {
        const C: f64 = 10.0;
        C * t
    }
    let k = |t: f64| {
        const C: f64 = 7.0;
        C * t.sin()
    };
    h(x) + k(x) + C * x
}

#[gradient]
fn items_in_branches_and_loops(x: f64, w: &[f64]) -> f64 {
    const N: usize = 5;
    let head = if x > 0.0 {
        const C: f64 = 3.0;
        C * x
    } else {
        const C: f64 = 4.0;
        C * x
    };
    let mut s = 0.0;
    for (i, wi) in w.iter().enumerate() {
        const N: usize = 2;
        static S: f64 = 0.5;
        let k = match i {
            N => 3.0,
            _ => 1.0,
        };
        let arr = [S; N];
        s += k * wi * x + arr[1] * wi;
    }
    head + s * N as f64
}

#[gradient]
fn recursive_fns_of_one_name(x: f64) -> f64 {
    fn fact(n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            f64::from(n) * fact(n - 1)
        }
    }
    let a = {
        fn fact(n: u32) -> f64 {
            if n == 0 {
                2.0
            } else {
                fact(n - 1)
            }
        }
        fact(3)
    };
    a * x + fact(3) * x * x
}

#[gradient]
fn closure_after_fn_of_its_name(x: f64) -> f64 {
    fn act(z: f64) -> f64 {
        z.tanh()
    }
    let a = act(x);
    let act = |z: f64| z.max(0.0);
    let mut s = 0.0;
    fn step(z: f64) -> f64 {
        z * 0.5
    }
    for k in 0..3 {
        s += step(x);
        let step = |z: f64| z * k as f64;
        s += step(x);
    }
    a + act(x) + s
}

#[gradient]
fn closure_named_like_a_callee(x: f64) -> f64 {
    fn g(t: f64) -> f64 {
        square(t)
    }
    fn h(t: f64) -> f64 {
        t * t
    }
    fn k(t: f64) -> f64 {
        h(t)
    }
    let square = |v: f64| 3.0 * v;
    let h = |v: f64| 5.0 * v;
    g(x) + square(x) + k(x) + h(x)
}

#[gradient]
fn items_f32(x: f32) -> f32 {
    const K: f32 = 2.0;
    let a = {
        const K: f32 = 0.5;
        K * x * x
    };
    a + K * x
}

#[test]
fn items_keep_the_scope_of_their_block() {
    for x in [0.7, -1.3] {
        let (v, g) = const_in_block_grad(x);
        check("const_in_block", &|p| const_in_block(p[0]), v, &g, &[x]);
        let (v, g) = fn_in_block_grad(x);
        check("fn_in_block", &|p| fn_in_block(p[0]), v, &g, &[x]);
        let (v, g) = use_in_block_grad(x);
        check("use_in_block", &|p| use_in_block(p[0]), v, &g, &[x]);
        let (v, g) = items_in_nested_fn_and_closure_grad(x);
        let f = |p: &[f64]| items_in_nested_fn_and_closure(p[0]);
        check("items_in_nested_fn_and_closure", &f, v, &g, &[x]);
        let (v, g) = closure_after_fn_of_its_name_grad(x);
        let f = |p: &[f64]| closure_after_fn_of_its_name(p[0]);
        check("closure_after_fn_of_its_name", &f, v, &g, &[x]);
        let (v, g) = closure_named_like_a_callee_grad(x);
        let f = |p: &[f64]| closure_named_like_a_callee(p[0]);
        check("closure_named_like_a_callee", &f, v, &g, &[x]);
        let (v, g) = recursive_fns_of_one_name_grad(x);
        let f = |p: &[f64]| recursive_fns_of_one_name(p[0]);
        check("recursive_fns_of_one_name", &f, v, &g, &[x]);
        let w = [0.3, -0.2, 0.9, 1.1];
        let mut dw = [f64::NAN; 4];
        let (v, dx) = items_in_branches_and_loops_grad(x, &w, &mut dw);
        let f = |p: &[f64]| items_in_branches_and_loops(p[0], &p[1..]);
        let p = [x, w[0], w[1], w[2], w[3]];
        check(
            "items_in_branches_and_loops",
            &f,
            v,
            &[dx[0], dw[0], dw[1], dw[2], dw[3]],
            &p,
        );
    }
    // Hand-derived: the inner `K` is 0.5, the outer 2.
    let (v, g) = items_f32_grad(1.5f32);
    assert_eq!(v, items_f32(1.5));
    assert!((g[0] - (1.5 + 2.0)).abs() < 1e-6, "{g:?}");
}

#[gradient]
fn view_then_name_again(x: &[f64]) -> f64 {
    let a = &x[1..];
    let x: Vec<f64> = a.iter().map(|v| v * 2.0).collect();
    x[0] * a[1] + a.iter().sum::<f64>()
}

#[gradient]
fn view_then_loop_variable(x: &[f64]) -> f64 {
    let a = &x[1..3];
    let mut s = 0.0;
    for x in 0..2 {
        s += a[x] * (x as f64 + 1.0);
    }
    s
}

#[gradient]
fn view_then_closure_parameter(x: &[f64]) -> f64 {
    let a = &x[..2];
    let f = |x: f64| x * a[1];
    f(3.0) + a[0]
}

#[gradient]
fn view_then_inner_block_and_match(x: &[f64]) -> f64 {
    let a = &x[1..];
    let s = {
        let x = 3.0;
        a[0] * x
    };
    let t = match a.len() {
        0 => 0.0,
        x => a[x - 1] * 2.0,
    };
    s + t + a[1]
}

#[gradient]
fn pieces_then_name_again(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2) {
        let x = [w[0] * w[1], w[1]];
        s += x[0] + w[1] * x[1];
    }
    for (i, c) in x.chunks(2).enumerate() {
        let x = c[0] + i as f64;
        s += x * c[c.len() - 1];
    }
    for c in x.chunks_exact(2) {
        let x = c[0] * c[1];
        s += x + c[1];
    }
    s
}

#[test]
fn views_read_the_sequence_declared_before_them() {
    let x = [0.3, -1.2, 2.0, 0.7, 0.45];
    type G = fn(&[f64], &mut [f64]) -> f64;
    let cases: [(&str, fn(&[f64]) -> f64, G); 5] = [
        (
            "view_then_name_again",
            view_then_name_again,
            view_then_name_again_grad,
        ),
        (
            "view_then_loop_variable",
            view_then_loop_variable,
            view_then_loop_variable_grad,
        ),
        (
            "view_then_closure_parameter",
            view_then_closure_parameter,
            view_then_closure_parameter_grad,
        ),
        (
            "view_then_inner_block_and_match",
            view_then_inner_block_and_match,
            view_then_inner_block_and_match_grad,
        ),
        (
            "pieces_then_name_again",
            pieces_then_name_again,
            pieces_then_name_again_grad,
        ),
    ];
    for (what, f, g) in cases {
        let mut d = [f64::NAN; 5];
        let v = g(&x, &mut d);
        check(what, &f, v, &d, &x);
    }
}

#[gradient]
fn uppercase_binding(x: f64, k: Option<usize>) -> f64 {
    let a = match k {
        Some(N) => N as f64 * x,
        None => x,
    };
    let b = if let Some(K) = k {
        K as f64 * x * x
    } else {
        0.0
    };
    a + b
}

#[test]
fn an_uppercase_name_an_arm_reads_is_bound() {
    for k in [Some(3), None] {
        let (v, g) = uppercase_binding_grad(0.7, k);
        check(
            "uppercase_binding",
            &|p| uppercase_binding(p[0], k),
            v,
            &g,
            &[0.7],
        );
    }
    // Hand-derived: 3x + 3x² at 0.7.
    let (_, g) = uppercase_binding_grad(0.7, Some(3));
    assert!((g[0] - (3.0 + 6.0 * 0.7)).abs() < 1e-12);
}

#[derive(Clone, Debug, grad::Params)]
struct Lin {
    w: Vec<f64>,
    b: f64,
}

#[gradient(wrt(m))]
fn model_named_again(m: &Lin, x: &[f64]) -> f64 {
    let mut s = m.b;
    for m in 0..2 {
        s += x[m] * 0.5;
    }
    let f = |m: f64| m * 2.0;
    let t = match x.len() {
        0 => 0.0,
        m => x[m - 1],
    };
    s * m.w[0] + f(m.w[1]) + t * m.b
}

#[test]
fn a_model_named_again_is_still_the_model_where_its_name_reads_it() {
    use grad::runtime::prelude::*;
    let m = Lin {
        w: vec![0.4, -0.7],
        b: 0.3,
    };
    let x = [0.5, -1.5, 2.0];
    let mut d = m.zeros_like();
    d.fill_params(f64::NAN);
    let v = model_named_again_grad(&m, &x, &mut d);
    let at = |p: &[f64]| model_named_again(&m.with_flat(p), &x);
    check("model_named_again", &at, v, &d.to_flat(), &m.to_flat());
}

#[gradient]
fn closures_named_again(x: f64, y: f64) -> f64 {
    let act = |z: f64| z.tanh();
    let a = act(x);
    let act = |z: f64| z.max(0.0);
    let s = 2.0 * x;
    let scaled = |t: f64| s * t;
    let s = y * y;
    a + act(y) + scaled(y) + s
}

#[test]
fn a_closure_reads_what_it_captured_and_its_name_can_be_taken_again() {
    for (x, y) in [(0.7, 1.3), (-0.4, -0.9)] {
        let (v, g) = closures_named_again_grad(x, y);
        let f = |p: &[f64]| closures_named_again(p[0], p[1]);
        check("closures_named_again", &f, v, &g, &[x, y]);
    }
}

impl Lin {
    /// A method whose inner blocks and loop body declare constants of a module constant's name.
    #[gradient]
    fn scoped_loss(&self, x: &[f64]) -> f64 {
        let a = {
            const M: f64 = 5.0;
            M * self.b
        };
        let mut s = 0.0;
        for (w, xi) in self.w.iter().zip(x) {
            const M: f64 = 3.0;
            s += M * w * xi.sin();
        }
        a + M * s
    }
}

#[test]
fn a_models_method_keeps_the_scope_of_its_items() {
    use grad::runtime::prelude::*;
    let m = Lin {
        w: vec![0.5, -0.25],
        b: 0.3,
    };
    let x = [1.0, 2.0];
    let mut d = m.zeros_like();
    d.fill_params(f64::NAN);
    let v = m.scoped_loss_grad(&x, &mut d);
    let at = |p: &[f64]| m.with_flat(p).scoped_loss(&x);
    check("scoped_loss", &at, v, &d.to_flat(), &m.to_flat());
}

/// Blocks in blocks lifted into the body (an `if` holding a `fn` item makes them so), whose
/// typed `let`s sum without a turbofish: pairs of a `flat_map`, a range's `map`, a product.
#[gradient]
fn reductions_of_lifted_blocks(x: f64, xs: &[f64]) -> f64 {
    let a: f64 = {
        let b: f64 = {
            let mut acc = x;
            if x < 1.0 {
                fn half(t: f64) -> f64 {
                    t * 0.5
                }
                acc += half(xs[0]);
            }
            let pairs: f64 = (0..xs.len())
                .flat_map(|p| (p + 1..xs.len()).map(move |q| (p, q)))
                .map(|(i, j)| f64::tanh(xs[i] - xs[j]) * acc)
                .sum();
            let ranged: f64 = (0..xs.len()).map(|i| xs[i] * i as f64).sum();
            let prod: f64 = xs.iter().map(|v| 1.0 + 0.1 * v).product();
            pairs + ranged * prod + acc
        };
        b * x
    };
    a * 2.0
}

#[test]
fn typed_reductions_of_lifted_blocks() {
    for x in [0.7, 1.3] {
        let xs = [0.4, -0.3, 1.1];
        let mut dxs = [f64::NAN; 3];
        let (v, dx) = reductions_of_lifted_blocks_grad(x, &xs, &mut dxs);
        let f = |p: &[f64]| reductions_of_lifted_blocks(p[0], &p[1..]);
        let p = [x, xs[0], xs[1], xs[2]];
        check(
            "reductions_of_lifted_blocks",
            &f,
            v,
            &[dx[0], dxs[0], dxs[1], dxs[2]],
            &p,
        );
    }
}

/// A `move` closure whose body declares a name it also captures (`let s = t * t;` after reading
/// the captured `s`, a loop's `let s`), called after the captured name changed. Before: the
/// copy taken at the definition replaced every `s` of the body, the declared one's reads too,
/// so the value and gradient were wrong, silently (`mv2`: 3.1 for 3.4).
#[gradient]
fn moved_and_declared(x: &[f64]) -> f64 {
    let mut s = x[0];
    let f = move |z: f64| {
        let t = s * 2.0 + z;
        let s = t * t;
        s + 1.0
    };
    let g = move |z: f64| {
        let mut acc = s;
        for k in 0..2 {
            let s = z * (f64::from(k) + 1.0);
            acc += s * s;
        }
        acc
    };
    let h = move |z: f64| {
        let s = z * 3.0;
        s + 1.0
    };
    s *= 2.0;
    f(x[1]) + g(x[2]) + h(x[1]) + s
}

/// A `move` closure keeping a state it changes (its own copies of `s` and `count`, changed by
/// each call), called after the captured names changed.
#[gradient]
fn moved_state(x: &[f64]) -> f64 {
    let mut s = x[0];
    let mut count = 0.0;
    let mut f = move |z: f64| {
        count += z;
        s += count;
        s * z
    };
    s *= 2.0;
    count = 5.0;
    f(x[1]) + f(x[2]) + s + count
}

/// A helper whose body holds a collected `Vec<Vec<f64>>`, inlined into a `move` closure and
/// also called after it. Before: E0425 inside the expansion (its locals taken for captures).
fn grid_helper(a: f64, s: &[f64]) -> f64 {
    let grid: Vec<Vec<f64>> = (0..2)
        .map(|i| s.iter().map(|q| q * 0.5 + f64::from(i)).collect())
        .collect();
    let v: f64 = if grid[1][0] > 0.1 { a } else { -0.5 };
    s[0] + v
}

#[gradient]
fn moved_over_helper(a: f64, b: f64, s: &[f64]) -> f64 {
    let f = move |z: f64| z * grid_helper(b, s);
    f(0.5) + grid_helper(a, s)
}

/// A `move` closure reading a matrix it captures, the matrix changed before the call: read
/// through its copy by element (seed 4911 `g49`, refused when the copy was bound whole inside
/// the body).
#[gradient]
fn moved_matrix(x: &[f64]) -> f64 {
    let mut m = [[x[0], x[1]], [x[1], x[2]]];
    let g = move |i: usize| m[i][1 - i] * 0.5;
    m[1][0] = m[0][0] * 0.5;
    m[0][0] * m[1][1] - m[0][1] * m[1][0] * 0.5 + g(1)
}

#[test]
fn move_closures_declaring_captured_names() {
    for p in [[0.7, -0.4, 1.3], [-0.3, 0.8, 0.1], [1.1, 0.2, -0.6]] {
        let mut g = [0.0; 3];
        let v = moved_and_declared_grad(&p, &mut g);
        check("moved_and_declared", &|q| moved_and_declared(q), v, &g, &p);
        let v = moved_matrix_grad(&p, &mut g);
        check("moved_matrix", &|q| moved_matrix(q), v, &g, &p);
        let v = moved_state_grad(&p, &mut g);
        check("moved_state", &|q| moved_state(q), v, &g, &p);
        let (v, [da, db]) = moved_over_helper_grad(p[0], p[1], &p[1..], &mut [0.0; 2]);
        check(
            "moved_over_helper",
            &|q| moved_over_helper(q[0], q[1], &p[1..]),
            v,
            &[da, db],
            &p[..2],
        );
    }
}
