//! The contract for sequence parameters: `d_x` buffers are written (not accumulated into), a
//! buffer of the wrong length panics naming it, `wrt` subsets, arrays by reference and by value,
//! `&Vec<T>`, `f32`, and the shape of the result (`T` when no scalar is differentiated,
//! `(T, [T; K])` otherwise). Signatures are pinned by coercion to `fn` pointer types.
//!
//! Gradients are compared with hand-derived formulas (exact up to the rounding of a few
//! operations: 1e-12 relative) and, for the `f32` versions, with the `f64` twin (1e-5 relative:
//! f32 rounding, ~6e-8 per operation, over a few dozen operations).

#![allow(clippy::needless_range_loop)]
#![allow(clippy::ptr_arg)]

use grad::gradient;

const DIRTY: f64 = 1e9;

fn close(got: f64, want: f64, rtol: f64) -> bool {
    (got - want).abs() <= rtol * (1.0 + want.abs())
}

#[track_caller]
fn assert_all_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for k in 0..got.len() {
        assert!(
            close(got[k], want[k], 1e-12),
            "{what}[{k}] = {:e}, want {:e} (got {got:?}, want {want:?})",
            got[k],
            want[k]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

/// `Σ x_i²·w_i` plus a scalar: reads every element.
#[gradient]
fn weighted(x: &[f64], w: &[f64], a: f64) -> f64 {
    let mut s = a * a;
    for i in 0..x.len() {
        s += x[i] * x[i] * w[i];
    }
    s
}

/// Reads only the even positions (`step_by`): the odd entries of `d_x` must be written 0.
#[gradient]
fn evens(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len()).step_by(2) {
        s += x[i] * x[i];
    }
    s
}

/// Reads `x[k..]` only; `y` not at all (the `allow` reaches `tail_grad` too).
#[gradient]
#[allow(unused_variables)]
fn tail(x: &[f64], y: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    for &v in x.iter().skip(k) {
        s += v.sin();
    }
    s
}

/// Stops at the first negative element: the rest get 0.
#[gradient]
fn until_negative(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        if v < 0.0 {
            break;
        }
        s = s * 0.5 + v;
    }
    s
}

/// A taped loop (state that changes).
#[gradient]
fn horner(c: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for i in (0..c.len()).rev() {
        s = s * t + c[i];
    }
    s
}

#[gradient]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

/// Reads `x` only through helper calls with (overlapping) sub-slices and aliasing.
#[gradient]
fn through_calls(x: &[f64]) -> f64 {
    dot(&x[0..2], &x[1..3]) + dot(x, x)
}

/// Reads `x` only in a reduction; `x.len()` of `y` only.
#[gradient]
fn reduction_only(x: &[f64], y: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>() * y.len() as f64
}

/// Reads `x` only in a branch not taken when `a <= 0`.
#[gradient]
fn maybe_read(x: &[f64], a: f64) -> f64 {
    if a > 0.0 {
        a * x[0]
    } else {
        a * a
    }
}

/// Declaration order of the buffers: `d_a` then `d_b`, after `t`; scalars `s`, `t` in order.
#[gradient]
fn order(a: &[f64], s: f64, b: &[f64], t: f64) -> f64 {
    a[0] * 2.0 + b[0] * 3.0 + s * 5.0 + t * 7.0 + a[1] * b[1]
}

// wrt subsets

#[gradient(wrt(y))]
fn wrt_slice_only(x: &[f64], y: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i] * a;
    }
    s
}

#[gradient(wrt(a, y))]
fn wrt_scalar_and_slice(x: &[f64], y: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i] * a;
    }
    s
}

#[gradient(wrt(a))]
fn wrt_scalar_only(x: &[f64], y: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i] * a * a;
    }
    s
}

// arrays and vectors

#[gradient]
fn arr_ref(x: &[f64; 3], a: f64) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        s += v * v * a;
    }
    s
}

#[gradient]
fn arr_val(x: [f64; 2], y: &[f64; 3]) -> f64 {
    x[0] * y[0] + x[1] * y[1] * y[2]
}

#[gradient]
fn vec_ref(v: &Vec<f64>, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&a, &b) in v.iter().zip(w.iter()) {
        s += a * b.exp();
    }
    s
}

/// Every kind at once, with constants of other types (`usize`, `&[usize]`, `bool`) in between.
#[gradient]
fn mixed(
    v: &Vec<f64>,
    k: usize,
    a: [f64; 2],
    idx: &[usize],
    s: f64,
    flag: bool,
    r: &[f64; 2],
) -> f64 {
    let mut acc = if flag { s } else { -s };
    for &i in idx.iter() {
        acc += v[i] * a[i % 2] * k as f64;
    }
    acc + r[0] * r[1]
}

// f32 and their f64 twins

#[gradient]
fn f32_mix(x: &[f32], y: &[f32; 3], z: &Vec<f32>, a: f32) -> f32 {
    let mut s = a.sin();
    for i in 0..x.len() {
        s += (x[i] * y[i % 3]).tanh() * z[i] * a;
    }
    s + z.iter().map(|v| v * v).sum::<f32>()
}

#[gradient]
fn f64_mix(x: &[f64], y: &[f64; 3], z: &Vec<f64>, a: f64) -> f64 {
    let mut s = a.sin();
    for i in 0..x.len() {
        s += (x[i] * y[i % 3]).tanh() * z[i] * a;
    }
    s + z.iter().map(|v| v * v).sum::<f64>()
}

#[gradient]
fn f32_slices(x: &[f32], y: [f32; 2]) -> f32 {
    let mut h = 0.0;
    for &v in x.iter() {
        h = (h * y[0] + v * y[1]).sin();
    }
    h
}

#[gradient]
fn f64_slices(x: &[f64], y: [f64; 2]) -> f64 {
    let mut h = 0.0;
    for &v in x.iter() {
        h = (h * y[0] + v * y[1]).sin();
    }
    h
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    // K = 0: plain `T`.
    let _: fn(&[f64], &mut [f64]) -> f64 = evens_grad;
    let _: fn(&[f64], &[f64], &mut [f64], &mut [f64]) -> f64 = dot_grad;
    let _: fn(&[f64], &[f64], usize, &mut [f64], &mut [f64]) -> f64 = tail_grad;
    // A scalar and slices: `(T, [T; K])`, buffers after every original parameter.
    let _: fn(&[f64], &[f64], f64, &mut [f64], &mut [f64]) -> (f64, [f64; 1]) = weighted_grad;
    let _: fn(&[f64], f64, &[f64], f64, &mut [f64], &mut [f64]) -> (f64, [f64; 2]) = order_grad;
    // `wrt`: a slice left out gets no buffer.
    let _: fn(&[f64], &[f64], f64, &mut [f64]) -> f64 = wrt_slice_only_grad;
    let _: fn(&[f64], &[f64], f64, &mut [f64]) -> (f64, [f64; 1]) = wrt_scalar_and_slice_grad;
    let _: fn(&[f64], &[f64], f64) -> (f64, [f64; 1]) = wrt_scalar_only_grad;
    // Arrays get `&mut [T; N]`, also by value; `&Vec<T>` gets `&mut [T]`.
    let _: fn(&[f64; 3], f64, &mut [f64; 3]) -> (f64, [f64; 1]) = arr_ref_grad;
    let _: fn([f64; 2], &[f64; 3], &mut [f64; 2], &mut [f64; 3]) -> f64 = arr_val_grad;
    let _: fn(&Vec<f64>, &[f64], &mut [f64], &mut [f64]) -> f64 = vec_ref_grad;
    let _: fn(
        &Vec<f64>,
        usize,
        [f64; 2],
        &[usize],
        f64,
        bool,
        &[f64; 2],
        &mut [f64],
        &mut [f64; 2],
        &mut [f64; 2],
    ) -> (f64, [f64; 1]) = mixed_grad;
    // f32 throughout.
    let _: fn(
        &[f32],
        &[f32; 3],
        &Vec<f32>,
        f32,
        &mut [f32],
        &mut [f32; 3],
        &mut [f32],
    ) -> (f32, [f32; 1]) = f32_mix_grad;
    let _: fn(&[f32], [f32; 2], &mut [f32], &mut [f32; 2]) -> f32 = f32_slices_grad;
}

// ---------------------------------------------------------------------------------------------
// Buffers are overwritten
// ---------------------------------------------------------------------------------------------

/// Calls `g` with zeroed buffers, then twice with buffers full of `DIRTY`: all three must agree.
fn overwritten(what: &str, lens: &[usize], g: &dyn Fn(&mut [Vec<f64>]) -> f64) -> Vec<Vec<f64>> {
    let mut clean: Vec<Vec<f64>> = lens.iter().map(|&n| vec![0.0; n]).collect();
    let v0 = g(&mut clean);
    let mut dirty: Vec<Vec<f64>> = lens.iter().map(|&n| vec![DIRTY; n]).collect();
    for round in 0..2 {
        let v = g(&mut dirty);
        assert_eq!(
            v.to_bits(),
            v0.to_bits(),
            "{what}: value changed (round {round})"
        );
        for (k, (d, c)) in dirty.iter().zip(&clean).enumerate() {
            assert_eq!(
                d, c,
                "{what}: buffer {k} after a call with a dirty buffer (round {round})"
            );
        }
    }
    clean
}

#[test]
fn every_element_read() {
    let (x, w) = ([0.5, -1.0, 2.0], [1.5, 0.25, -0.5]);
    let g = overwritten("weighted", &[3, 3], &|d| {
        let (dx, dw) = d.split_at_mut(1);
        weighted_grad(&x, &w, 0.3, &mut dx[0], &mut dw[0]).0
    });
    assert_all_close(
        "d_x",
        &g[0],
        &[2.0 * 0.5 * 1.5, -2.0 * 0.25, 2.0 * 2.0 * -0.5],
    );
    assert_all_close("d_w", &g[1], &[0.25, 1.0, 4.0]);
}

#[test]
fn elements_skipped_by_step_by_get_zero() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let g = overwritten("evens", &[5], &|d| evens_grad(&x, &mut d[0]));
    assert_eq!(g[0], [2.0, 0.0, 6.0, 0.0, 10.0]);
}

#[test]
fn elements_skipped_and_unread_slice_get_zero() {
    let (x, y) = ([0.1, 0.2, 0.3, 0.4], [7.0, 8.0]);
    let g = overwritten("tail", &[4, 2], &|d| {
        let (dx, dy) = d.split_at_mut(1);
        tail_grad(&x, &y, 2, &mut dx[0], &mut dy[0])
    });
    assert_all_close("d_x", &g[0], &[0.0, 0.0, 0.3f64.cos(), 0.4f64.cos()]);
    assert_eq!(g[1], [0.0, 0.0]);
    // Skipping past the end: every entry 0.
    let g = overwritten("tail k = 9", &[4, 2], &|d| {
        let (dx, dy) = d.split_at_mut(1);
        tail_grad(&x, &y, 9, &mut dx[0], &mut dy[0])
    });
    assert_eq!(g[0], [0.0; 4]);
}

#[test]
fn elements_after_break_get_zero() {
    let x = [1.0, 2.0, -1.0, 4.0];
    // s = ((1·0.5) + 2) → d/dx0 = 0.5, d/dx1 = 1.
    let g = overwritten("until_negative", &[4], &|d| {
        until_negative_grad(&x, &mut d[0])
    });
    assert_eq!(g[0], [0.5, 1.0, 0.0, 0.0]);
}

#[test]
fn taped_loop() {
    let c = [1.0, -2.0, 3.0];
    let t = 0.5;
    let g = overwritten("horner", &[3], &|d| horner_grad(&c, t, &mut d[0]).0);
    assert_all_close("d_c", &g[0], &[1.0, t, t * t]);
    let mut dc = [DIRTY; 3];
    let (v, [dt]) = horner_grad(&c, t, &mut dc);
    assert_eq!(v, horner(&c, t));
    assert!(close(dt, -2.0 + 2.0 * 3.0 * t, 1e-12));
}

#[test]
fn through_helper_calls_with_sub_slices() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let g = overwritten("through_calls", &[4], &|d| {
        through_calls_grad(&x, &mut d[0])
    });
    // x0·x1 + x1·x2 + Σ x_i²
    assert_all_close("d_x", &g[0], &[2.0 + 2.0, 1.0 + 3.0 + 4.0, 2.0 + 6.0, 8.0]);
    assert_eq!(through_calls_grad(&x, &mut [0.0; 4]), through_calls(&x));
}

#[test]
fn reduction_and_len_only() {
    let (x, y) = ([1.0, -2.0], [5.0, 6.0, 7.0]);
    let g = overwritten("reduction_only", &[2, 3], &|d| {
        let (dx, dy) = d.split_at_mut(1);
        reduction_only_grad(&x, &y, &mut dx[0], &mut dy[0])
    });
    assert_eq!(g[0], [6.0, -12.0]);
    assert_eq!(g[1], [0.0, 0.0, 0.0]);
}

#[test]
fn slice_read_only_in_the_branch_not_taken() {
    let x = [3.0];
    let g = overwritten("maybe_read a < 0", &[1], &|d| {
        maybe_read_grad(&x, -2.0, &mut d[0]).0
    });
    assert_eq!(g[0], [0.0]);
    let g = overwritten("maybe_read a > 0", &[1], &|d| {
        maybe_read_grad(&x, 2.0, &mut d[0]).0
    });
    assert_eq!(g[0], [2.0]);
}

#[test]
fn array_buffers_are_overwritten() {
    let (x, y) = ([2.0, 3.0], [5.0, 7.0, 11.0]);
    let (mut dx, mut dy) = ([DIRTY; 2], [DIRTY; 3]);
    let v = arr_val_grad(x, &y, &mut dx, &mut dy);
    assert_eq!(v, arr_val(x, &y));
    assert_eq!(dx, [5.0, 77.0]);
    assert_eq!(dy, [2.0, 33.0, 21.0]);
}

#[test]
fn empty_slices_give_the_value_and_empty_buffers() {
    let e: [f64; 0] = [];
    assert_eq!(evens_grad(&e, &mut []), 0.0);
    assert_eq!(dot_grad(&e, &e, &mut [], &mut []), 0.0);
    assert_eq!(weighted_grad(&e, &e, 3.0, &mut [], &mut []), (9.0, [6.0]));
    assert_eq!(until_negative_grad(&e, &mut []), 0.0);
}

// ---------------------------------------------------------------------------------------------
// Buffers of the wrong length
// ---------------------------------------------------------------------------------------------

#[test]
#[should_panic(expected = "d_x")]
fn short_buffer_panics_naming_it() {
    let _ = evens_grad(&[1.0, 2.0, 3.0], &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "d_x")]
fn long_buffer_panics_naming_it() {
    let _ = evens_grad(&[1.0, 2.0, 3.0], &mut [0.0; 4]);
}

#[test]
#[should_panic(expected = "d_w")]
fn second_buffer_wrong_panics_naming_it() {
    let _ = weighted_grad(&[1.0, 2.0], &[1.0, 2.0], 1.0, &mut [0.0; 2], &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "d_v")]
fn vec_buffer_wrong_panics_naming_it() {
    let _ = vec_ref_grad(&vec![1.0, 2.0], &[1.0, 2.0], &mut [0.0; 1], &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "d_y")]
fn wrt_buffer_wrong_panics_naming_it() {
    let _ = wrt_slice_only_grad(&[1.0, 2.0], &[1.0, 2.0], 1.0, &mut [0.0; 1]);
}

#[test]
#[should_panic(expected = "d_x")]
fn f32_buffer_wrong_panics_naming_it() {
    let _ = f32_slices_grad(&[1.0, 2.0], [0.5, 0.5], &mut [0.0; 3], &mut [0.0; 2]);
}

/// The message names the buffer, the parameter and both lengths.
#[test]
fn wrong_length_message() {
    let err = std::panic::catch_unwind(|| {
        let _ = weighted_grad(&[1.0, 2.0], &[1.0, 2.0], 1.0, &mut [0.0; 2], &mut [0.0; 3]);
    })
    .expect_err("a wrong length must panic");
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    for needle in ["weighted_grad", "`d_w`", "`w`", "3", "2"] {
        assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Order, wrt, arrays, vectors, f32
// ---------------------------------------------------------------------------------------------

#[test]
fn buffers_and_scalars_in_declaration_order() {
    let (a, b) = ([1.0, 10.0], [100.0, 1000.0]);
    let (mut da, mut db) = ([DIRTY; 2], [DIRTY; 2]);
    let (v, [ds, dt]) = order_grad(&a, 0.5, &b, 0.25, &mut da, &mut db);
    assert_eq!(v, order(&a, 0.5, &b, 0.25));
    assert_eq!((ds, dt), (5.0, 7.0));
    assert_eq!(da, [2.0, 1000.0]);
    assert_eq!(db, [3.0, 10.0]);
}

#[test]
fn wrt_subsets() {
    let (x, y, a) = ([1.0, 2.0], [3.0, 4.0], 0.5);
    let mut dy = [DIRTY; 2];
    let v = wrt_slice_only_grad(&x, &y, a, &mut dy);
    assert_eq!(v, wrt_slice_only(&x, &y, a));
    assert_eq!(dy, [0.5, 1.0]);

    let mut dy = [DIRTY; 2];
    let (v, [da]) = wrt_scalar_and_slice_grad(&x, &y, a, &mut dy);
    assert_eq!(v, wrt_scalar_and_slice(&x, &y, a));
    assert_eq!(dy, [0.5, 1.0]);
    assert_eq!(da, 11.0);

    let (v, [da]) = wrt_scalar_only_grad(&x, &y, a);
    assert_eq!(v, wrt_scalar_only(&x, &y, a));
    assert_eq!(da, 2.0 * a * 11.0);
}

#[test]
fn array_by_reference() {
    let x = [1.0, -2.0, 0.5];
    let mut dx = [DIRTY; 3];
    let (v, [da]) = arr_ref_grad(&x, 3.0, &mut dx);
    assert_eq!(v, arr_ref(&x, 3.0));
    assert_eq!(dx, [6.0, -12.0, 3.0]);
    assert_eq!(da, 1.0 + 4.0 + 0.25);
}

#[test]
fn vec_by_reference() {
    let v = vec![1.0, 2.0, 3.0];
    let w = [0.0, 1.0];
    let (mut dv, mut dw) = (vec![DIRTY; 3], vec![DIRTY; 2]);
    let val = vec_ref_grad(&v, &w, &mut dv, &mut dw);
    assert_eq!(val, vec_ref(&v, &w));
    assert_all_close("d_v", &dv, &[1.0, 1f64.exp(), 0.0]);
    assert_all_close("d_w", &dw, &[1.0, 2.0 * 1f64.exp()]);
}

#[test]
fn every_kind_at_once() {
    let v = vec![1.0, 2.0, 3.0];
    let a = [0.5, -1.0];
    let idx = [0usize, 2, 1, 2];
    let r = [3.0, 4.0];
    let (mut dv, mut da, mut dr) = (vec![DIRTY; 3], [DIRTY; 2], [DIRTY; 2]);
    let (val, [ds]) = mixed_grad(&v, 2, a, &idx, 0.25, false, &r, &mut dv, &mut da, &mut dr);
    assert_eq!(val, mixed(&v, 2, a, &idx, 0.25, false, &r));
    assert_eq!(ds, -1.0);
    // terms: v0·a0·2, v2·a0·2, v1·a1·2, v2·a0·2
    assert_eq!(dv, [2.0 * 0.5, -2.0, 2.0 * 2.0 * 0.5]);
    assert_eq!(da, [2.0 * (1.0 + 3.0 + 3.0), 2.0 * 2.0]);
    assert_eq!(dr, [4.0, 3.0]);
}

#[test]
fn f32_versions_match_their_f64_twins() {
    let x32 = [0.3f32, -0.7, 1.1, 0.2];
    let y32 = [0.9f32, -0.4, 0.6];
    let z32 = vec![0.5f32, 0.25, -1.0, 2.0];
    let a32 = 0.8f32;
    let (mut dx, mut dy, mut dz) = ([f32::NAN; 4], [f32::NAN; 3], vec![f32::NAN; 4]);
    let (v, [da]) = f32_mix_grad(&x32, &y32, &z32, a32, &mut dx, &mut dy, &mut dz);
    assert_eq!(v.to_bits(), f32_mix(&x32, &y32, &z32, a32).to_bits());

    let up = |s: &[f32]| s.iter().map(|&v| v as f64).collect::<Vec<f64>>();
    let (x, z) = (up(&x32), up(&z32));
    let y = [y32[0] as f64, y32[1] as f64, y32[2] as f64];
    let (mut ex, mut ey, mut ez) = (vec![0.0; 4], [0.0; 3], vec![0.0; 4]);
    let (w, [ea]) = f64_mix_grad(&x, &y, &z, a32 as f64, &mut ex, &mut ey, &mut ez);
    let near = |g: f32, e: f64| (g as f64 - e).abs() <= 1e-5 * (1.0 + e.abs());
    assert!(near(v, w), "value {v} vs {w}");
    assert!(near(da, ea), "d_a {da} vs {ea}");
    for (g, e) in up(&dx)
        .iter()
        .zip(&ex)
        .chain(up(&dy).iter().zip(&ey))
        .chain(up(&dz).iter().zip(&ez))
    {
        assert!(
            near(*g as f32, *e),
            "{dx:?} {dy:?} {dz:?} vs {ex:?} {ey:?} {ez:?}"
        );
    }

    let (mut dx, mut dy) = ([f32::NAN; 4], [f32::NAN; 2]);
    let v = f32_slices_grad(&x32, [0.7, -0.3], &mut dx, &mut dy);
    assert_eq!(v.to_bits(), f32_slices(&x32, [0.7, -0.3]).to_bits());
    let (mut ex, mut ey) = (vec![0.0; 4], [0.0; 2]);
    let w = f64_slices_grad(&x, [0.7f32 as f64, -0.3f32 as f64], &mut ex, &mut ey);
    assert!(near(v, w));
    for (g, e) in up(&dx).iter().zip(&ex).chain(up(&dy).iter().zip(&ey)) {
        assert!(near(*g as f32, *e), "{dx:?} {dy:?} vs {ex:?} {ey:?}");
    }
}

/// Sub-slices of a differentiated slice bound to names: read by index, iterated, zipped,
/// measured, passed on, in a loop over rows and with an inclusive range.
#[gradient]
fn named_parts(w: &[f64], b: f64) -> f64 {
    let head = &w[..2];
    let tail: &[f64] = &w[1..];
    let mid = &w[1..=2];
    let mut s = head[0] * tail[tail.len() - 1] + mid.iter().sum::<f64>() * b;
    for (a, c) in head.iter().zip(tail) {
        s += a * c;
    }
    for &v in mid {
        s += v * v;
    }
    s + weighted(tail, head, b) + tail.len() as f64
}

#[gradient(wrt(w))]
fn rows_of_x(w: &[f64], x: &[f64]) -> f64 {
    let d = w.len();
    let mut loss = 0.0;
    for i in 0..x.len() / d {
        let row = &x[i * d..(i + 1) * d];
        let wr = &w[..d];
        let mut z = 0.0;
        for j in 0..d {
            z += row[j] * wr[j];
        }
        loss += z.tanh();
    }
    loss
}

#[test]
fn sub_slices_bound_to_names() {
    let (w, b) = ([0.5, -0.25, 2.0], 0.75);
    let mut dw = [DIRTY; 3];
    let (v, [db]) = named_parts_grad(&w, b, &mut dw);
    assert_eq!(v.to_bits(), named_parts(&w, b).to_bits());
    let h = 1e-6;
    let fd: Vec<f64> = (0..3)
        .map(|k| {
            let (mut p, mut q) = (w, w);
            p[k] += h;
            q[k] -= h;
            (named_parts(&p, b) - named_parts(&q, b)) / (2.0 * h)
        })
        .collect();
    for k in 0..3 {
        assert!(
            close(dw[k], fd[k], 1e-7),
            "w[{k}]: {} against {}",
            dw[k],
            fd[k]
        );
    }
    let fdb = (named_parts(&w, b + h) - named_parts(&w, b - h)) / (2.0 * h);
    assert!(close(db, fdb, 1e-7), "b: {db} against {fdb}");
    let x = [1.0, 2.0, 3.0, -1.0, 0.5, 0.25];
    let mut dw = [DIRTY; 3];
    let v = rows_of_x_grad(&w, &x, &mut dw);
    assert_eq!(v.to_bits(), rows_of_x(&w, &x).to_bits());
    for k in 0..3 {
        let (mut p, mut q) = (w, w);
        p[k] += h;
        q[k] -= h;
        let fd = (rows_of_x(&p, &x) - rows_of_x(&q, &x)) / (2.0 * h);
        assert!(
            close(dw[k], fd, 1e-7),
            "rows w[{k}]: {} against {fd}",
            dw[k]
        );
    }
}

/// A dense layer in iterator style: the rows of `w` as `chunks`, zipped with the biases,
/// collected; a reduction over `chunks_exact` with `enumerate`; `windows` zipped with data.
#[gradient(wrt(w, b))]
fn chunked_layer(w: &[f64], b: &[f64], x: &[f64]) -> f64 {
    let n_in = x.len();
    let z: Vec<f64> = w
        .chunks(n_in)
        .zip(b)
        .map(|(row, bi)| row.iter().zip(x).map(|(a, c)| a * c).sum::<f64>() + bi)
        .collect();
    let a: Vec<f64> = z.iter().map(|v| v.max(0.0)).collect();
    let e: f64 = w
        .chunks_exact(n_in)
        .enumerate()
        .map(|(i, row)| row[0] * i as f64 + row.len() as f64)
        .sum();
    let s: f64 = w.windows(2).zip(x).map(|(p, xi)| (p[1] - p[0]) * xi).sum();
    a.iter().map(|v| v * v).sum::<f64>() + e + s
}

#[test]
fn pieces_in_iterator_chains() {
    let (w, b, x) = ([0.1, 0.2, -0.3, 0.4], [0.1, 0.2], [1.0, 2.0]);
    let (mut dw, mut db) = ([DIRTY; 4], [DIRTY; 2]);
    let v = chunked_layer_grad(&w, &b, &x, &mut dw, &mut db);
    assert_eq!(v.to_bits(), chunked_layer(&w, &b, &x).to_bits());
    let h = 1e-6;
    for k in 0..4 {
        let (mut p, mut q) = (w, w);
        p[k] += h;
        q[k] -= h;
        let fd = (chunked_layer(&p, &b, &x) - chunked_layer(&q, &b, &x)) / (2.0 * h);
        assert!(close(dw[k], fd, 1e-7), "w[{k}]: {} against {fd}", dw[k]);
    }
    for k in 0..2 {
        let (mut p, mut q) = (b, b);
        p[k] += h;
        q[k] -= h;
        let fd = (chunked_layer(&w, &p, &x) - chunked_layer(&w, &q, &x)) / (2.0 * h);
        assert!(close(db[k], fd, 1e-7), "b[{k}]: {} against {fd}", db[k]);
    }
}

/// Named sub-slices in every iterator form: filtered and `take_while` reductions, pieces as
/// loops and reductions, `enumerate`, `fold`, `zip` of two parts.
#[gradient]
fn named_parts_iterated(xs: &[f64], a: f64) -> f64 {
    let ss = &xs[0..=(xs.len() - 1) / 2];
    let t = &xs[1..];
    let mut s = ss
        .iter()
        .take_while(|&&v| v < 1.5)
        .map(|&v| v * a)
        .sum::<f64>();
    s += ss
        .iter()
        .filter(|v| **v > -0.3)
        .map(|&v| v * 2.0)
        .sum::<f64>();
    s += t.windows(2).map(|p| (p[1] - p[0]) * a).sum::<f64>();
    s += t.chunks(2).map(|p| p[0] * p[p.len() - 1]).sum::<f64>();
    for (i, v) in t.iter().enumerate() {
        s += v * i as f64;
    }
    s += t.iter().fold(0.0, |acc, &v| acc * 0.5 + v);
    for p in t.windows(2) {
        s += p[0] * p[1];
    }
    s + ss.iter().zip(t).map(|(a, b)| a * b).sum::<f64>()
}

#[test]
fn named_sub_slices_in_iterator_forms() {
    let xs = [0.5, -0.2, 1.0, 0.7, 2.0];
    let mut d = [DIRTY; 5];
    let (v, [da]) = named_parts_iterated_grad(&xs, 1.3, &mut d);
    assert_eq!(v.to_bits(), named_parts_iterated(&xs, 1.3).to_bits());
    let h = 1e-6;
    for k in 0..5 {
        let (mut p, mut q) = (xs, xs);
        p[k] += h;
        q[k] -= h;
        let fd = (named_parts_iterated(&p, 1.3) - named_parts_iterated(&q, 1.3)) / (2.0 * h);
        assert!(close(d[k], fd, 1e-7), "xs[{k}]: {} against {fd}", d[k]);
    }
    let fd = (named_parts_iterated(&xs, 1.3 + h) - named_parts_iterated(&xs, 1.3 - h)) / (2.0 * h);
    assert!(close(da, fd, 1e-7), "a: {da} against {fd}");
}

/// Data the tester combined: pieces zipped with a named part, a named part's pieces enumerated,
/// a named part zipped with a field in a filtered reduction, a part's pieces zipped with a field.
struct Labels {
    xs: Vec<f64>,
}

#[gradient]
fn parts_and_pieces(xs: &[f64], a: f64, d: &Labels) -> f64 {
    let tail = &xs[1..];
    let head = &xs[..xs.len() - 1];
    let mut s = xs
        .chunks(2)
        .zip(tail)
        .map(|(p, y)| p.iter().sum::<f64>() * y.tanh() * a)
        .sum::<f64>();
    s += head
        .windows(2)
        .enumerate()
        .map(|(i, p)| (p[1] - p[0]) * a + p.len() as f64 * 0.1 + i as f64)
        .sum::<f64>();
    s += tail
        .iter()
        .zip(d.xs.iter())
        .filter(|&(v, w)| *v + *w < 1.0)
        .map(|(&v, &w)| v * w * a)
        .sum::<f64>();
    s + head
        .chunks(2)
        .zip(&d.xs)
        .map(|(p, y)| p[0] * y)
        .sum::<f64>()
}

#[test]
fn parts_and_pieces_combined() {
    let xs = [0.5, -0.2, 1.0, 0.7, 2.0];
    let d = Labels {
        xs: vec![0.1, 0.3, -0.4],
    };
    let mut g = [DIRTY; 5];
    let (v, [da]) = parts_and_pieces_grad(&xs, 1.3, &d, &mut g);
    assert_eq!(v.to_bits(), parts_and_pieces(&xs, 1.3, &d).to_bits());
    let h = 1e-6;
    for k in 0..5 {
        let (mut p, mut q) = (xs, xs);
        p[k] += h;
        q[k] -= h;
        let fd = (parts_and_pieces(&p, 1.3, &d) - parts_and_pieces(&q, 1.3, &d)) / (2.0 * h);
        assert!(close(g[k], fd, 1e-7), "xs[{k}]: {} against {fd}", g[k]);
    }
    let fd = (parts_and_pieces(&xs, 1.3 + h, &d) - parts_and_pieces(&xs, 1.3 - h, &d)) / (2.0 * h);
    assert!(close(da, fd, 1e-7));
}

fn fd_all(f: &dyn Fn(&[f64]) -> f64, p: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..p.len())
        .map(|k| {
            let (mut a, mut b) = (p.to_vec(), p.to_vec());
            a[k] += h;
            b[k] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

#[track_caller]
fn assert_fd(what: &str, got: &[f64], want: &[f64]) {
    for k in 0..want.len() {
        assert!(
            close(got[k], want[k], 1e-7),
            "{what}[{k}] = {:e}, central differences {:e}",
            got[k],
            want[k]
        );
    }
}

// The bias stored last, unpacked by `split_last`; the element read through its reference.
#[gradient(wrt(params))]
fn bias_last(params: &[f64], x: &[f64], y: &[f64]) -> f64 {
    let (b, w) = params.split_last().unwrap();
    let d = w.len();
    let mut l = 0.0;
    for i in 0..y.len() {
        let p: f64 = w.iter().zip(&x[i * d..]).map(|(a, c)| a * c).sum::<f64>() + b;
        l += (p - y[i]).powi(2);
    }
    l
}

// `split_first` with `&b` (by value) and `expect`; the rest iterated.
#[gradient(wrt(params))]
fn bias_first(params: &[f64], x: &[f64]) -> f64 {
    let (&b, w) = params.split_first().expect("one bias and the weights");
    let mut s = b * b;
    for (wi, xi) in w.iter().zip(x) {
        s += (wi * xi - b).sin();
    }
    s
}

// `let .. else` on an empty slice; parts of slices split in turn.
#[gradient]
fn split_ends(p: &[f64]) -> f64 {
    let Some((h, t)) = p.split_last() else {
        return 0.0;
    };
    let (f, u) = p[1..].split_first().unwrap();
    let (_, v) = p[..3].split_last().unwrap();
    *h * t.iter().sum::<f64>() + f * u[0] + v.iter().map(|a| a * a).sum::<f64>()
}

#[gradient(wrt(p))]
fn split_ends_f32(p: &[f32], k: f32) -> f32 {
    let (first, rest) = p.split_first().unwrap();
    rest.iter().map(|r| (r - first * k).powi(2)).sum()
}

#[test]
fn split_first_and_split_last() {
    let (x, y) = ([1.0, 0.5, -0.3, 1.0], [1.0, 2.0]);
    let p = [1.0, 2.0, 0.5];
    let mut d = [DIRTY; 3];
    let v = bias_last_grad(&p, &x, &y, &mut d);
    assert_eq!(v.to_bits(), bias_last(&p, &x, &y).to_bits());
    assert_fd("bias_last", &d, &fd_all(&|p| bias_last(p, &x, &y), &p));
    let v = bias_first_grad(&p, &x, &mut d);
    assert_eq!(v.to_bits(), bias_first(&p, &x).to_bits());
    assert_fd("bias_first", &d, &fd_all(&|p| bias_first(p, &x), &p));
    let q = [1.0, 2.0, 3.0, 4.0];
    let mut d4 = [DIRTY; 4];
    let v = split_ends_grad(&q, &mut d4);
    assert_eq!(v.to_bits(), split_ends(&q).to_bits());
    assert_fd("split_ends", &d4, &fd_all(&|p| split_ends(p), &q));
    assert_eq!(split_ends_grad(&[], &mut []), 0.0);
    let pf = [0.5f32, 1.0, -2.0];
    let mut df = [f32::NAN; 3];
    let v = split_ends_f32_grad(&pf, 1.5, &mut df);
    assert_eq!(v.to_bits(), split_ends_f32(&pf, 1.5).to_bits());
    // Hand-derived: r - 1.5 f for r in rest.
    let (r1, r2) = (1.0 - 0.75f32, -2.0 - 0.75f32);
    let want = [-3.0 * (r1 + r2), 2.0 * r1, 2.0 * r2];
    for k in 0..3 {
        assert!((df[k] - want[k]).abs() <= 1e-5 * (1.0 + want[k].abs()));
    }
}

// `Vec<f64>` taken by value: read, iterated by reference and by value, passed on as copies.
#[gradient(jvp, hvp, check(at(random(3), 2.0)))]
fn owned(w: Vec<f64>, k: f64) -> f64 {
    w.iter().map(|v| (v * k).sin()).sum()
}

#[gradient]
fn owned_array(w: [f64; 2]) -> f64 {
    w[0] * w[1].cos()
}

#[gradient(wrt(w, b))]
fn owned_caller(w: Vec<f64>, b: f64, x: &[f64]) -> f64 {
    let mut s = b;
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    for v in &w {
        s += v * v;
    }
    let h = vec![w[0] * 2.0, b];
    let a = [w[1], b * b];
    s * s + owned(w.clone(), b) + owned(x.to_vec(), b) * b + owned(h, 0.5) + owned_array(a)
}

#[gradient]
fn owned_consumed(w: Vec<f64>, k: f64) -> f64 {
    let mut t = 0.0;
    for v in w {
        t += v * k;
    }
    t
}

#[test]
fn vec_parameters_by_value() {
    let x = [1.0, 2.0];
    let mut d = vec![DIRTY; 2];
    let (v, [db]) = owned_caller_grad(vec![0.5, 1.0], 0.3, &x, &mut d);
    assert_eq!(v.to_bits(), owned_caller(vec![0.5, 1.0], 0.3, &x).to_bits());
    let f = |p: &[f64]| owned_caller(vec![p[0], p[1]], p[2], &x);
    let want = fd_all(&f, &[0.5, 1.0, 0.3]);
    assert_fd("owned_caller", &[d[0], d[1], db], &want);
    let (v, [dk]) = owned_consumed_grad(vec![0.5, 1.0], 3.0, &mut d);
    assert_eq!(v, 4.5);
    assert_eq!((dk, d[0], d[1]), (1.5, 3.0, 3.0));
    // Forward mode and the Hessian–vector product against the gradient's differences.
    let w = vec![0.1, 0.2, 0.3];
    let (_, t) = owned_jvp(w.clone(), 2.0, &[1.0, 0.0, -1.0], 0.5);
    let mut g = vec![DIRTY; 3];
    let (_, [gk]) = owned_grad(w.clone(), 2.0, &mut g);
    assert!(close(t, g[0] - g[2] + 0.5 * gk, 1e-12));
    let mut hv = vec![DIRTY; 3];
    let _ = owned_hvp(w.clone(), 2.0, &[1.0, 0.0, 0.0], 0.0, &mut g, &mut hv);
    assert!(close(hv[0], -4.0 * (0.2f64).sin(), 1e-12));
    assert_eq!((hv[1], hv[2]), (0.0, 0.0));
}
