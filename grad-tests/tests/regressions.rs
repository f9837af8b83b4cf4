//! Every wrong gradient and rejected expansion reported in issue 7, as a regression test: each
//! function's `NAME_grad` must compile, give the value bit for bit and the gradient (against
//! hand-derived values, or central finite differences through `tests/common`).

// The bodies are written as users wrote them, not as clippy would like them.
#![allow(
    clippy::needless_late_init,
    clippy::assign_op_pattern,
    clippy::needless_return,
    clippy::redundant_else,
    clippy::while_immutable_condition,
    clippy::never_loop,
    clippy::manual_range_contains,
    clippy::non_minimal_cfg,
    clippy::if_same_then_else,
    clippy::useless_vec,
    clippy::blocks_in_conditions,
    clippy::manual_is_multiple_of,
    unused_braces
)]

mod common;

use common::{check1, check_flat, config};
use grad::gradient;
use proptest::prelude::*;

/// Value bit-equal to the original and gradient against finite differences, for a scalar function.
fn check_scalar(what: &str, f: &dyn Fn(f64) -> f64, g: &dyn Fn(f64) -> (f64, [f64; 1]), x: f64) {
    let (v, [d]) = g(x);
    let flat = |p: &[f64]| f(p[0]);
    check_flat(what, &[x], &flat, v, &[d]).unwrap();
}

// ---- Silently wrong before -------------------------------------------------------------------

#[gradient]
fn cfg_statement(x: f64) -> f64 {
    let mut s = x * x;
    #[cfg(any())]
    {
        s = 0.0;
    }
    #[cfg(all())]
    {
        s += x;
    }
    s
}

#[test]
fn cfg_on_statements_follows_the_compiler() {
    assert_eq!(cfg_statement_grad(3.0), (12.0, [7.0]));
    assert_eq!(cfg_statement(3.0), 12.0);
}

#[gradient]
fn shadow_in_else(x: f64) -> f64 {
    if x > 100.0 {
        return 0.0;
    } else {
        let x = 1.0;
        let _ = x;
    }
    x * x
}

#[gradient]
fn shadow_in_then(x: f64) -> f64 {
    if x < 100.0 {
        let x = 2.0;
        let _ = x;
    } else {
        return 1.0;
    }
    x * x
}

#[test]
fn a_branch_shadowing_does_not_leak_after_a_returning_if() {
    assert_eq!(shadow_in_else_grad(3.0), (9.0, [6.0]));
    assert_eq!(shadow_in_then_grad(3.0), (9.0, [6.0]));
}

#[gradient]
fn hygiene(xs: &[f64], __grad_acc: f64, __grad_v0: f64) -> f64 {
    xs.iter().map(|v| v * __grad_acc).sum::<f64>() + __grad_v0
}

#[test]
fn user_names_like_generated_ones_stay_the_users() {
    let mut d = [0.0; 2];
    let (v, [da, db]) = hygiene_grad(&[1.0, 2.0], 3.0, 0.5, &mut d);
    assert_eq!((v, da, db, d), (9.5, 3.0, 1.0, [3.0, 3.0]));
}

#[gradient]
fn inverse_negative_sum(xs: &[f64]) -> f64 {
    1.0 / xs.iter().map(|&v| -v * v).sum::<f64>()
}

#[gradient]
fn atan2_of_sum(xs: &[f64]) -> f64 {
    xs.iter().map(|&v| -v * v).sum::<f64>().atan2(-1.0)
}

#[test]
fn sums_start_from_negative_zero_like_std() {
    let mut d = [0.0; 2];
    let v = inverse_negative_sum_grad(&[0.0, 0.0], &mut d);
    assert_eq!(v, inverse_negative_sum(&[0.0, 0.0]));
    assert_eq!(v, f64::NEG_INFINITY);
    let v = atan2_of_sum_grad(&[0.0, 0.0], &mut d);
    assert_eq!(v.to_bits(), atan2_of_sum(&[0.0, 0.0]).to_bits());
    assert_eq!(v, -std::f64::consts::PI);
}

#[gradient]
fn unread_buffer(x: f64) -> f64 {
    let mut z = vec![0.0; 2];
    z[0] = x.ln();
    z[1] = x.sqrt();
    let n = z.len() as f64;
    n * x
}

#[test]
fn a_buffer_nobody_reads_adds_nothing_to_the_gradient() {
    assert_eq!(unread_buffer_grad(0.0), (0.0, [2.0]));
}

// ---- Rejected by rustc before ----------------------------------------------------------------

#[gradient]
fn relu(z: f64) -> f64 {
    f64::max(0.0, z)
}

#[gradient]
fn literal_receivers(x: f64) -> f64 {
    f64::sin(1.25) * x
        + f64::mul_add(2.0, x, 1.0)
        + 2.0_f64.powf(x)
        + x.log(10.0)
        + x * 3.0f64.sqrt()
        + f64::exp(1.0) * x
        + <f64>::sin(x)
        + f64::min(x, 1.0)
}

const BASE: f64 = 1.5;
const FLOOR: f64 = 0.25;
const LAMBDA: f64 = 0.5;

#[gradient]
fn const_receiver(x: f64) -> f64 {
    BASE.powf(x) + BASE.ln() * x + if x > FLOOR { x } else { FLOOR }
}

#[gradient]
fn literal_receivers32(x: f32) -> f32 {
    x.log(2f32) + 2.0_f32.powf(x) + f32::max(0.5, x) + <f32>::cos(x)
}

#[test]
fn literal_and_const_receivers_and_arguments() {
    assert_eq!(relu_grad(2.0), (2.0, [1.0]));
    assert_eq!(relu_grad(-2.0), (0.0, [0.0]));
    for x in [0.3, 0.7, 1.9] {
        check_scalar(
            "literal_receivers",
            &literal_receivers,
            &literal_receivers_grad,
            x,
        );
        check_scalar("const_receiver", &const_receiver, &const_receiver_grad, x);
        let (v, [d]) = literal_receivers32_grad(x as f32);
        assert_eq!(v, literal_receivers32(x as f32));
        let relu = if x > 0.5 { 1.0 } else { 0.0 };
        let want = 1.0 / (x * 2f64.ln()) + 2f64.powf(x) * 2f64.ln() + relu - x.sin();
        assert!((f64::from(d) - want).abs() < 1e-5, "{d} vs {want}");
    }
}

#[gradient]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    let mut delta: f64 = 1.0;
    let tol = 1e-12;
    let mut it = 0;
    while delta.abs() > tol && it < 60 {
        let f = x * x - a;
        let fp = 2.0 * x;
        delta = f / fp;
        x -= delta;
        it += 1;
    }
    x
}

#[test]
fn a_value_read_only_by_the_loop_condition_is_carried() {
    let (v, [d]) = newton_sqrt_grad(2.0);
    assert_eq!(v, newton_sqrt(2.0));
    assert!((d - 0.5 / 2f64.sqrt()).abs() < 1e-12);
}

#[gradient]
fn while_ending_in_break(x: f64) -> f64 {
    let mut s = x;
    while s < 10.0 {
        s *= 2.0;
        break;
    }
    s
}

#[gradient]
fn while_condition_block(x: f64) -> f64 {
    let mut res = 0.0;
    let mut c = 0;
    while {
        res += x * f64::from(c);
        c += 1;
        c < 3
    } {}
    res
}

#[gradient]
fn if_condition_block(x: f64) -> f64 {
    let mut y = x;
    if {
        y *= 3.0;
        y > 1.0
    } {
        y * y
    } else {
        -y
    }
}

#[test]
fn conditions_with_statements_and_breaking_while() {
    assert_eq!(while_ending_in_break_grad(3.0), (6.0, [2.0]));
    assert_eq!(while_condition_block_grad(2.0), (6.0, [3.0]));
    assert_eq!(if_condition_block_grad(1.0), (9.0, [18.0]));
    assert_eq!(
        if_condition_block_grad(0.1),
        (if_condition_block(0.1), [-3.0])
    );
}

#[gradient(wrt(x))]
fn tuple_slice_tape(x: &[f64], ratings: &[(usize, usize, f64)]) -> f64 {
    let mut h = 0.0;
    for &(i, j, r) in ratings {
        h = (h + x[i] * x[j] - r).tanh();
    }
    h
}

#[gradient]
fn buffer_after_early_return(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let mut z = vec![0.0; x.len()];
    for i in 0..z.len() {
        z[i] = x[i] * x[i];
    }
    let mut s = 0.0;
    for i in 0..z.len() {
        s += z[i] * x[i];
    }
    s
}

#[gradient]
fn deref_in_condition(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in xs.iter() {
        if *v > 0.0 {
            s += *v * *v;
        }
    }
    s + xs
        .iter()
        .map(|v| if *v > 0.0 { *v } else { 0.0 })
        .sum::<f64>()
        + xs.iter()
            .fold(0.0, |acc, v| if *v < 0.0 { acc + *v } else { acc })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn loops_over_tuples_buffers_and_derefs(x in common::vals(1..=5)) {
        let ratings: Vec<(usize, usize, f64)> =
            (0..x.len()).map(|i| (i, (i + 1) % x.len(), 0.1 * i as f64)).collect();
        let f = |p: &[f64]| tuple_slice_tape(p, &ratings);
        let g = |p: &[f64], d: &mut [f64]| tuple_slice_tape_grad(p, &ratings, d);
        check1("tuple_slice_tape", &f, &g, &x)?;
        check1("buffer_after_early_return", &buffer_after_early_return, &buffer_after_early_return_grad, &x)?;
        if x.iter().all(|v| v.abs() > 1e-3) {
            check1("deref_in_condition", &deref_in_condition, &deref_in_condition_grad, &x)?;
        }
    }
}

#[test]
fn empty_input_returns_early() {
    assert_eq!(buffer_after_early_return_grad(&[], &mut []), 0.0);
}

#[gradient]
fn penalty(x: f64, l: f64) -> f64 {
    l * x * x
}

#[gradient]
fn weighted(x: f64, n: usize, l: f64, y: f64) -> f64 {
    l * x * x + n as f64 * y
}

#[gradient]
fn calls_with_constants(x: f64, y: f64) -> f64 {
    penalty(x, LAMBDA) + weighted(x, 3, LAMBDA, y) + weighted(y, 2, 0.5, x)
}

#[test]
fn helpers_called_with_user_constants() {
    // 0.5x² + (0.5x² + 3y) + (0.5y² + 2x)
    let (v, [dx, dy]) = calls_with_constants_grad(2.0, 3.0);
    assert_eq!(v, calls_with_constants(2.0, 3.0));
    assert_eq!((dx, dy), (2.0 + 2.0 + 2.0, 3.0 + 3.0));
}

#[gradient]
fn inner_attribute(x: f64) -> f64 {
    #![allow(unused)]
    let unused = 1.0;
    x * x
}

#[gradient]
fn late_initialized(x: f64, c: bool) -> f64 {
    let y;
    if c {
        y = x;
    } else {
        y = x;
    }
    y * y
}

#[gradient]
fn r#loop(x: f64) -> f64 {
    x * x
}

#[gradient]
fn calls_raw_identifier(x: f64) -> f64 {
    r#loop(x) + 1.0
}

#[test]
fn inner_attributes_late_lets_and_raw_identifiers() {
    assert_eq!(inner_attribute_grad(3.0), (9.0, [6.0]));
    assert_eq!(late_initialized_grad(3.0, true), (9.0, [6.0]));
    assert_eq!(late_initialized_grad(3.0, false), (9.0, [6.0]));
    assert_eq!(calls_raw_identifier_grad(3.0), (10.0, [6.0]));
}

/// `NAME_grad` that returns only the value is not `#[must_use]`: calling it to fill the gradient
/// buffer is its ordinary use (this file runs under `-D warnings` in CI).
#[gradient]
fn only_slices(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn value_only_gradient_can_be_called_for_its_buffer() {
    let mut d = [0.0; 2];
    only_slices_grad(&[1.0, 2.0], &mut d);
    assert_eq!(d, [2.0, 4.0]);
}

#[gradient(wrt(x, y))]
fn wrt_helper(l: f64, x: f64, n: usize, y: f64) -> f64 {
    l * x * y + n as f64
}

#[gradient]
fn calls_wrt_helper(a: f64, b: f64) -> f64 {
    wrt_helper(LAMBDA, a, 2, b) + wrt_helper(0.25, b, 1, 3.0)
}

#[test]
fn helpers_with_wrt_take_constants_in_the_other_positions() {
    // 0.5ab + 2 + 0.25·3b + 1
    let (v, [da, db]) = calls_wrt_helper_grad(2.0, 4.0);
    assert_eq!(v, calls_wrt_helper(2.0, 4.0));
    assert_eq!((da, db), (2.0, 1.0 + 0.75));
}

const C: f64 = 0.3;

#[gradient]
fn mut_from_const(y: f64) -> f64 {
    let mut a = C;
    for _ in 0..3 {
        a += y;
    }
    a
}

#[gradient]
fn late_from_const(x: f64) -> f64 {
    let l: f64;
    if x < -2.0 {
        l = C;
    } else {
        l = x * 3.0;
    }
    l
}

#[gradient]
fn literal_valued_receiver(x: f64) -> f64 {
    let a: f64 = if x < 0.0 { 0.5 } else { 0.25 };
    a.tanh() * x
}

#[gradient]
fn inactive_branch(x: f64) -> f64 {
    let v = C.exp2();
    if x < 0.0 {
        v
    } else {
        x
    }
}

#[test]
fn constants_of_unknown_type_that_become_floats_keep_their_derivatives() {
    assert_eq!(mut_from_const_grad(1.0), (mut_from_const(1.0), [3.0]));
    assert_eq!(late_from_const_grad(1.0), (3.0, [3.0]));
    assert_eq!(late_from_const_grad(-3.0), (C, [0.0]));
    assert_eq!(
        literal_valued_receiver_grad(1.0),
        (0.25f64.tanh(), [0.25f64.tanh()])
    );
    assert_eq!(inactive_branch_grad(1.0), (1.0, [1.0]));
    assert_eq!(inactive_branch_grad(-1.0), (C.exp2(), [0.0]));
}

#[gradient]
fn slice_helper(a: f64, s: &[f64]) -> f64 {
    a * s[0]
}

/// A fused loop calling a helper with a slice that is not differentiated (found by the
/// differential tester: the expansion scaled a `d_xs` that does not exist).
#[gradient(wrt(x))]
fn inactive_slice_to_helper(xs: &[f64], x: f64) -> f64 {
    let mut s = 0.0;
    for &v in xs.iter().take(2) {
        s += v * slice_helper(x, xs);
    }
    s * s
}

#[test]
fn inactive_slices_passed_to_helpers_in_fused_loops() {
    let xs = [0.5, 1.5, -0.5];
    for x in [0.3, -1.1] {
        let (v, g) = inactive_slice_to_helper_grad(&xs, x);
        let flat = |p: &[f64]| inactive_slice_to_helper(&xs, p[0]);
        check_flat("inactive_slice_to_helper", &[x], &flat, v, &g).unwrap();
    }
}

/// A `let` inside an `if` of a loop body that also breaks shadowed the name for the rest of the
/// body (found by the differential tester: a value mismatch).
#[gradient]
fn shadow_in_breaking_loop(x: f64, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in xs.iter() {
        if v < 0.0 {
            let x = x * 0.5;
            s += x;
        } else if v > 10.0 {
            break;
        }
        s += x * v;
    }
    s + x
}

#[test]
fn shadowing_in_a_branch_of_a_breaking_loop_stays_in_the_branch() {
    let xs = [0.5, -1.0, 2.0];
    let mut d = [0.0; 3];
    let (v, g) = shadow_in_breaking_loop_grad(0.7, &xs, &mut d);
    assert_eq!(v.to_bits(), shadow_in_breaking_loop(0.7, &xs).to_bits());
    let flat = |p: &[f64]| shadow_in_breaking_loop(p[0], &p[1..]);
    let mut all = vec![g[0]];
    all.extend_from_slice(&d);
    check_flat(
        "shadow_in_breaking_loop",
        &[0.7, 0.5, -1.0, 2.0],
        &flat,
        v,
        &all,
    )
    .unwrap();
}

/// `powi` with a negative or run-time exponent at 0 has an infinite derivative; where the adjoint
/// reaching it is 0 (a saturated `tanh`), the contribution is 0, not NaN (found by the
/// differential tester).
#[gradient]
fn powi_at_zero(x: f64, k: i32) -> f64 {
    let v = -x + x;
    let a = v.powi(k);
    let b = v.powi(-2);
    a.tanh() + b.tanh() + x
}

#[test]
fn zero_adjoint_through_an_infinite_powi_derivative_is_zero() {
    assert_eq!(powi_at_zero_grad(0.7, -3), (powi_at_zero(0.7, -3), [1.0]));
}

/// An intermediate that underflows to 0 makes a later factor infinite (`0.powi(-k)`); the result no
/// longer depends on it, and the gradient is 0 where IEEE's 0 · ∞ would give NaN (the reduced form
/// of a function the long differential run found).
#[gradient]
fn underflow_then_infinite_factor(x: f64, k: i32) -> f64 {
    let mut v = x;
    for _ in 0..3 {
        v /= 1e200;
    }
    let t = (1.9 * v.tanh()).powi(k);
    v /= t * t + 1.0;
    v + 1.0
}

#[test]
fn zero_adjoint_times_an_overflowed_factor_is_zero() {
    let (v, [d]) = underflow_then_infinite_factor_grad(0.5, -3);
    assert_eq!(v, underflow_then_infinite_factor(0.5, -3));
    assert_eq!(d, 0.0);
}

/// `1.0 / n` is infinite when there is no data, and the early return then discards it: the path
/// that ran does not use it, so it contributes nothing.
#[gradient(wrt(w))]
fn mean_with_early_return(w: f64, data: &[f64]) -> f64 {
    let inv_n = 1.0 / data.len() as f64;
    let total: f64 = data.iter().map(|d| (w - d) * (w - d)).sum();
    let mean = total * inv_n;
    let spread = w.sqrt() * inv_n;
    if data.is_empty() {
        return w * w;
    }
    mean + spread
}

#[test]
fn a_path_not_taken_contributes_zero_even_through_infinite_factors() {
    assert_eq!(mean_with_early_return_grad(3.0, &[]), (9.0, [6.0]));
    let data = [1.0, 2.5, -0.5];
    let (v, [d]) = mean_with_early_return_grad(0.0, &data);
    assert_eq!(v, mean_with_early_return(0.0, &data));
    // d/dw of mean at 0 is 2(0 - mean(data)) = -2; sqrt(w) at 0 has an infinite derivative there:
    // that one is real, and the gradient says so.
    assert!(d.is_infinite(), "{d}");
    check_scalar(
        "mean_with_early_return",
        &|w| mean_with_early_return(w, &data),
        &|w| mean_with_early_return_grad(w, &data),
        0.7,
    );
}

/// `sqrt` at 0 on the branch that is not taken, with the value computed before the branch.
#[gradient]
fn sqrt_before_branch(x: f64) -> f64 {
    let r = x.sqrt();
    let l = x.ln();
    if x <= 0.0 {
        x
    } else {
        r + l
    }
}

#[test]
fn an_infinite_derivative_on_the_other_branch_stays_there() {
    assert_eq!(sqrt_before_branch_grad(0.0), (0.0, [1.0]));
    assert_eq!(sqrt_before_branch_grad(-1.0), (-1.0, [1.0]));
    let (v, [d]) = sqrt_before_branch_grad(4.0);
    assert_eq!((v, d), (sqrt_before_branch(4.0), 0.25 + 0.25));
}

/// A condition kept as written that reads a buffer the loop writes (`if 0.3 > z[0]`): the backward
/// pass took the branch of the buffer's final contents (found by the long differential run).
#[gradient]
fn condition_reads_written_buffer(x: f64) -> f64 {
    let mut z: Vec<f64> = vec![0.0; 3];
    for k in 0..3 {
        z[k] = (if 0.3 > z[0] { 1.0 } else { x }) + 0.5 * z[(k + 1) % 3];
    }
    for _ in 0..2 {
        for k in 0..3 {
            z[k] = (if 0.3 > (x + z[0]) { 1.0 } else { x }) + 0.5 * z[(k + 1) % 3];
        }
    }
    z[0] + z[1]
}

/// Iterator chains with `filter`/`take_while`/`max_by` over constant data, where nothing is
/// differentiated: kept as written, they must be valid Rust (a compile error inside generated code
/// before; found by the long differential run).
const C_DATA: f64 = 0.7;
#[gradient(wrt(x))]
fn filtered_chains_on_constants(x: f64, ys: &[f64]) -> f64 {
    let a = C_DATA.min(
        ys.iter()
            .take_while(|&&v| v < 1.5)
            .map(|&v| v * C_DATA)
            .sum::<f64>(),
    );
    let b = C_DATA.max(
        ys.iter()
            .copied()
            .filter(|v| *v > 0.0)
            .map(|v| v * 2.0)
            .sum::<f64>(),
    );
    let m = ys.iter().cloned().max_by(|a, b| a.total_cmp(b)).unwrap();
    x * (a + b + m)
}

#[test]
fn conditions_and_chains_that_read_memory_or_constants() {
    for x in [-0.238, 0.1, 0.9] {
        check_scalar(
            "condition_reads_written_buffer",
            &condition_reads_written_buffer,
            &condition_reads_written_buffer_grad,
            x,
        );
    }
    let ys = [0.3, -0.8, 1.1, 0.4, 2.0];
    let (v, [d]) = filtered_chains_on_constants_grad(2.0, &ys);
    assert_eq!(v, filtered_chains_on_constants(2.0, &ys));
    assert_eq!(d, filtered_chains_on_constants(1.0, &ys));
}

/// A `const` (or associated `const`) receiver of a float method whose argument is an iterator
/// reduction over data (`C.log(xs.iter().copied().max_by(..).unwrap())`, `min_by`,
/// `fold(.., f64::max)` over a local buffer): the receiver is no differentiated value, so the call
/// was kept as written, with the argument as `desugar` had rewritten it — a loop that binds
/// references as floats, which only lowering accepts (a compile error inside generated code,
/// E0308, before). The same for every expression kept as written: a comparison, a loop bound, an
/// index, the argument of `total_cmp`. As an argument, in a loop body and in a branch; data only
/// (`wrt(w)`), and with the slice differentiated too.
const C_RECV: f64 = 0.7;
struct Consts;
impl Consts {
    const K: f64 = 1.3;
}

#[gradient(wrt(w))]
fn const_receiver_of_reduction(w: f64, xs: &[f64]) -> f64 {
    w * C_RECV.log((xs.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap()) * 2.0 + 1.6)
}

#[gradient(wrt(w))]
fn const_receivers_in_positions(w: f64, xs: &[f64]) -> f64 {
    let v = vec![0.5, 1.5, -0.25];
    // As an argument of a call of the differentiated value.
    let mut s = (w * C_RECV.powf(
        xs.iter()
            .copied()
            .min_by(|a, b| a.partial_cmp(b).unwrap())
            .unwrap(),
    ))
    .sin();
    // In a loop body.
    for k in 0..2 {
        s += w
            * (k as f64 + 1.0)
            * Consts::K.max(v.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        s += w * C_RECV.min(xs.iter().copied().fold(0.0, |a, b| a + b * b));
    }
    // A loop bound, an index, the argument of a method that reads no derivative.
    for k in 0..(xs.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap() as usize).min(3) {
        s += w * v[v.iter().copied().fold(0.0, |a, b| a + b) as usize % 3] * k as f64;
    }
    if w.total_cmp(&xs.iter().copied().min_by(|a, b| a.total_cmp(b)).unwrap())
        == std::cmp::Ordering::Less
    {
        s += w;
    }
    // In a branch, and a comparison.
    let big = xs.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap() > 1.0;
    if big {
        s += w * w * Consts::K.powi(xs.iter().copied().fold(0.0_f64, |a, b| a.max(b)) as i32);
    } else {
        s -= w * C_RECV.hypot(v.iter().copied().min_by(|a, b| a.total_cmp(b)).unwrap());
    }
    s
}

#[gradient]
fn const_receiver_of_differentiated_reduction(w: f64, xs: &[f64]) -> f64 {
    let mut s =
        w * C_RECV.log(xs.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap() * 2.0 + 1.6);
    for k in 0..2 {
        if k == 1 {
            s += Consts::K.powf(xs.iter().copied().min_by(|a, b| a.total_cmp(b)).unwrap() * w);
        }
    }
    s
}

#[test]
fn const_receivers_of_iterator_reductions() {
    let sets: [&[f64]; 3] = [
        &[0.3, -0.8, 1.1, 0.4, 2.0],
        &[0.2, 0.9],
        &[-0.5, 0.25, 0.75],
    ];
    for xs in sets {
        for w in [-0.6, 0.45, 1.7] {
            let (v, [d]) = const_receiver_of_reduction_grad(w, xs);
            let f = |p: &[f64]| const_receiver_of_reduction(p[0], xs);
            check_flat("const_receiver_of_reduction", &[w], &f, v, &[d]).unwrap();
            let (v, [d]) = const_receivers_in_positions_grad(w, xs);
            let f = |p: &[f64]| const_receivers_in_positions(p[0], xs);
            check_flat("const_receivers_in_positions", &[w], &f, v, &[d]).unwrap();
            let mut dx = vec![0.0; xs.len()];
            let (v, [dw]) = const_receiver_of_differentiated_reduction_grad(w, xs, &mut dx);
            let mut p = vec![w];
            p.extend_from_slice(xs);
            let mut grad = vec![dw];
            grad.extend_from_slice(&dx);
            let f = |p: &[f64]| const_receiver_of_differentiated_reduction(p[0], &p[1..]);
            check_flat(
                "const_receiver_of_differentiated_reduction",
                &p,
                &f,
                v,
                &grad,
            )
            .unwrap();
        }
    }
}

/// Two carried variables that feed each other with nothing else (`let t = a; a = b + y; b = t;`,
/// or `std::mem::swap`): the backward loop carries both adjoints (found by the differential
/// tester: one of them was dropped and the expansion did not compile).
#[gradient]
fn carried_permutation(ys: &[f64], x: f64) -> f64 {
    let mut a = x;
    let mut b = 0.5;
    for &y in ys {
        let t = a;
        a = b + y * x;
        b = t;
    }
    let (mut p, mut q) = (a, b * x);
    for _ in 0..3 {
        std::mem::swap(&mut p, &mut q);
        p *= 0.5;
    }
    a * b + p * q
}

#[test]
fn carried_variables_that_feed_each_other() {
    let ys = [0.5, 0.7, -0.2, 1.1];
    let mut d = [0.0; 4];
    let (v, g) = carried_permutation_grad(&ys, 0.8, &mut d);
    let mut p = ys.to_vec();
    p.push(0.8);
    let mut grad = d.to_vec();
    grad.push(g[0]);
    common::check_flat(
        "carried_permutation",
        &p,
        &|p: &[f64]| carried_permutation(&p[..4], p[4]),
        v,
        &grad,
    )
    .unwrap();
}

/// A closure call that starts an expression (`f1(z) * 0.5`, a closure's body, a statement): the
/// inlined call is a block, which printed at the start of a statement was read back as that block
/// followed by `*0.5` (found by the differential tester: the value was 0.5).
#[gradient]
fn inlined_call_starts_an_expression(x1: f64, xs: &[f64]) -> f64 {
    let f1 = |z: f64| z * x1;
    let g2 = |z: f64| f1(z) * 0.5;
    let s = xs.iter().map(|&q| g2(q * 0.9)).sum::<f64>();
    let mut t = 0.0;
    for &q in xs {
        t += f1(q) * 2.0 - 1.0;
    }
    let k = match xs.len() {
        0 => 1.0,
        _ => x1 * 3.0,
    };
    s + t * k + f1(x1) * 0.25
}

#[test]
fn inlined_calls_that_start_an_expression() {
    let xs = [0.5, 0.7, -0.2];
    let mut d = [0.0; 3];
    let (v, g) = inlined_call_starts_an_expression_grad(1.5, &xs, &mut d);
    let mut p = vec![1.5];
    p.extend_from_slice(&xs);
    let mut grad = vec![g[0]];
    grad.extend_from_slice(&d);
    common::check_flat(
        "inlined_call_starts_an_expression",
        &p,
        &|p: &[f64]| inlined_call_starts_an_expression(p[0], &p[1..]),
        v,
        &grad,
    )
    .unwrap();
}

// A vector- or tuple-valued call with constant arguments in a generic function, made on one
// branch only (here: after an early `return`): its result is data of a type built from `T`, whose
// placeholder on the other branch needs `T: Default` (in `grad::Real`).
#[gradient]
fn pair_of<T: grad::Real>(s: &[T], a: T) -> [T; 2] {
    [s[0] * a, a]
}

#[gradient]
fn tuple_of<T: grad::Real>(s: &[T], a: T) -> (T, T) {
    (s[0] * a, a + s[0])
}

// The loop reads `h` by index, the form the tester found this with.
#[allow(clippy::needless_range_loop)]
#[gradient(wrt(x))]
fn constant_vector_call_after_return<T: grad::Real>(x: T, xs: &[T], c: bool) -> T {
    if c {
        return x;
    }
    let h = pair_of(xs, T::one());
    let t = tuple_of(xs, T::one());
    let mut s = x;
    for i in 0..h.len() {
        s = s * h[i] + t.1;
    }
    s
}

#[test]
fn generic_constant_vector_calls_on_one_branch() {
    let xs = [0.5_f64, -1.5];
    for c in [false, true] {
        let (v, [dx]) = constant_vector_call_after_return_grad(1.25, &xs, c);
        assert_eq!(
            v.to_bits(),
            constant_vector_call_after_return(1.25, &xs, c).to_bits()
        );
        let f = |x: f64| constant_vector_call_after_return(x, &xs, c);
        let fd = (f(1.25 + 1e-6) - f(1.25 - 1e-6)) / 2e-6;
        assert!((dx - fd).abs() < 1e-6, "{dx} vs {fd}");
        let xs32 = [0.5f32, -1.5];
        let (v, _) = constant_vector_call_after_return_grad(1.25f32, &xs32, c);
        assert_eq!(
            v.to_bits(),
            constant_vector_call_after_return(1.25f32, &xs32, c).to_bits()
        );
    }
}

/// A name bound by `if let Some(&last) = w.last()` that is also the method's name was taken for
/// a read of the binding and refused.
#[gradient]
fn binds_the_methods_name(w: &[f64]) -> f64 {
    let mut l = 0.0;
    if let Some(&last) = w.last() {
        l += last * last;
    }
    if let Some(first) = w.first() {
        l += first * 3.0;
    }
    l
}

#[test]
fn binding_named_like_the_method() {
    let mut d = [0.0; 3];
    let v = binds_the_methods_name_grad(&[1.0, 2.0, 3.0], &mut d);
    assert_eq!(v, 12.0);
    assert_eq!(d, [3.0, 0.0, 6.0]);
}

/// A piece's own reduction at the start of the body of a reduction over zipped pieces (`p.iter()
/// .sum() * y`): the rewrite wrote the body after `let`s in a block, where the reduction's block
/// ended the statement once printed, so `* y` was lost — a wrong value the differential tester
/// found (seed 9401).
#[gradient]
fn sum_of_pieces_times(ys: &[f64], a: f64) -> f64 {
    let mut acc = a;
    acc += ys
        .chunks(2)
        .zip(ys)
        .map(|(p, y)| p.iter().sum::<f64>() * y.tanh() * acc)
        .sum::<f64>();
    acc
}

#[test]
fn piece_reduction_at_the_start_of_a_body() {
    let ys = [0.5, -0.2, 1.0, 0.7, 2.0];
    let mut d = [0.0; 5];
    let (v, [da]) = sum_of_pieces_times_grad(&ys, 1.3, &mut d);
    assert_eq!(v.to_bits(), sum_of_pieces_times(&ys, 1.3).to_bits());
    let h = 1e-6;
    for k in 0..5 {
        let (mut p, mut q) = (ys, ys);
        p[k] += h;
        q[k] -= h;
        let fd = (sum_of_pieces_times(&p, 1.3) - sum_of_pieces_times(&q, 1.3)) / (2.0 * h);
        assert!((d[k] - fd).abs() < 1e-7, "ys[{k}]: {} against {fd}", d[k]);
    }
    let fd = (sum_of_pieces_times(&ys, 1.3 + h) - sum_of_pieces_times(&ys, 1.3 - h)) / (2.0 * h);
    assert!((da - fd).abs() < 1e-7);
}

#[gradient]
fn times_first(a: f64, s: &[f64]) -> f64 {
    a * s[0]
}

/// A call on data with a sub-slice argument whose bound is a local, in a loop, with `jvp`: the
/// bound's `let` was dropped from `NAME_jvp` (the call's bounds were not counted as read) — a
/// compile error in generated code the differential tester found (seed 9501).
#[gradient(jvp, wrt(x0))]
fn data_call_with_a_bound(xs: &[f64], x0: f64) -> f64 {
    let a: usize = xs.len() - 1;
    let mut acc = x0;
    for i in 0..2 {
        acc += (i as f64) * times_first(-2.34, &xs[a..]) * x0;
    }
    acc
}

/// A sub-slice bound to a name, read in macros (`vec![..]`, `assert!`).
#[gradient]
fn named_part_in_macros(xs: &[f64], x0: f64) -> f64 {
    let ss = &xs[..xs.len()];
    let h: Vec<f64> = vec![(ss.iter().map(|v| v * 1.23).sum::<f64>() * x0).tanh(); 2];
    assert!(!ss.is_empty(), "{}", ss.len());
    h[0] + h[1] * ss[0]
}

#[test]
fn sub_slice_bounds_and_macros() {
    let xs = [0.5, 1.5];
    let (v, t) = data_call_with_a_bound_jvp(&xs, 0.7, 1.0);
    assert_eq!(v.to_bits(), data_call_with_a_bound(&xs, 0.7).to_bits());
    assert!((t - (1.0 + (-2.34 * 1.5))).abs() < 1e-12, "{t}");
    let mut d = [0.0; 2];
    let (v, [dx]) = named_part_in_macros_grad(&xs, 0.7, &mut d);
    assert_eq!(v.to_bits(), named_part_in_macros(&xs, 0.7).to_bits());
    let h = 1e-6;
    for k in 0..2 {
        let (mut p, mut q) = (xs, xs);
        p[k] += h;
        q[k] -= h;
        let fd = (named_part_in_macros(&p, 0.7) - named_part_in_macros(&q, 0.7)) / (2.0 * h);
        assert!((d[k] - fd).abs() < 1e-7, "xs[{k}]: {} against {fd}", d[k]);
    }
    let fd = (named_part_in_macros(&xs, 0.7 + h) - named_part_in_macros(&xs, 0.7 - h)) / (2.0 * h);
    assert!((dx - fd).abs() < 1e-7);
}

const LONG_BLOCK_C: f64 = 1.7;

/// A reference to a computed constant among more than 32 values of one block (the generated code
/// declares such values in batches and assigns them later: the reference must not borrow a
/// temporary dropped at once). Found by the differential tester.
#[gradient]
fn reference_in_a_long_block(x: f64) -> f64 {
    let a1 = (x * 0.99).sin() + x * 0.01;
    let a2 = (a1 * 0.99).sin() + a1 * 0.01;
    let a3 = (a2 * 0.99).sin() + a2 * 0.01;
    let a4 = (a3 * 0.99).sin() + a3 * 0.01;
    let a5 = (a4 * 0.99).sin() + a4 * 0.01;
    let a6 = (a5 * 0.99).sin() + a5 * 0.01;
    let a7 = (a6 * 0.99).sin() + a6 * 0.01;
    let a8 = (a7 * 0.99).sin() + a7 * 0.01;
    let a9 = (a8 * 0.99).sin() + a8 * 0.01;
    let a10 = (a9 * 0.99).sin() + a9 * 0.01;
    let a11 = (a10 * 0.99).sin() + a10 * 0.01;
    let a12 = (a11 * 0.99).sin() + a11 * 0.01;
    let a13 = (a12 * 0.99).sin() + a12 * 0.01;
    let a14 = (a13 * 0.99).sin() + a13 * 0.01;
    let a15 = (a14 * 0.99).sin() + a14 * 0.01;
    let a16 = (a15 * 0.99).sin() + a15 * 0.01;
    let a17 = (a16 * 0.99).sin() + a16 * 0.01;
    let a18 = (a17 * 0.99).sin() + a17 * 0.01;
    let p: &f64 = &(LONG_BLOCK_C.floor());
    let q = *p * 0.5 + p.tanh();
    let a19 = (a18 * 0.99).sin() + a18 * 0.01;
    let a20 = (a19 * 0.99).sin() + a19 * 0.01;
    let a21 = (a20 * 0.99).sin() + a20 * 0.01;
    let a22 = (a21 * 0.99).sin() + a21 * 0.01;
    let a23 = (a22 * 0.99).sin() + a22 * 0.01;
    let a24 = (a23 * 0.99).sin() + a23 * 0.01;
    let a25 = (a24 * 0.99).sin() + a24 * 0.01;
    let a26 = (a25 * 0.99).sin() + a25 * 0.01;
    let a27 = (a26 * 0.99).sin() + a26 * 0.01;
    let a28 = (a27 * 0.99).sin() + a27 * 0.01;
    let a29 = (a28 * 0.99).sin() + a28 * 0.01;
    let a30 = (a29 * 0.99).sin() + a29 * 0.01;
    let a31 = (a30 * 0.99).sin() + a30 * 0.01;
    let a32 = (a31 * 0.99).sin() + a31 * 0.01;
    let a33 = (a32 * 0.99).sin() + a32 * 0.01;
    let a34 = (a33 * 0.99).sin() + a33 * 0.01;
    let a35 = (a34 * 0.99).sin() + a34 * 0.01;
    let a36 = (a35 * 0.99).sin() + a35 * 0.01;
    let a37 = (a36 * 0.99).sin() + a36 * 0.01;
    let a38 = (a37 * 0.99).sin() + a37 * 0.01;
    let a39 = (a38 * 0.99).sin() + a38 * 0.01;
    let a40 = (a39 * 0.99).sin() + a39 * 0.01;
    a40 + q * a3
}

#[test]
fn a_reference_to_a_computed_value_in_a_long_block() {
    let (v, g) = reference_in_a_long_block_grad(0.7);
    check_scalar(
        "reference_in_a_long_block",
        &reference_in_a_long_block,
        &reference_in_a_long_block_grad,
        0.7,
    );
    assert!(v.is_finite() && g[0].is_finite());
}

/// An output-parameter helper and a vector-valued helper whose `wrt(..)` leaves a slice out,
/// called with data for it (rustc rejected the expansion: one buffer too many).
#[gradient(wrt(w))]
fn layer_into(w: &[f64], x: &[f64], out: &mut [f64]) {
    for k in 0..out.len() {
        out[k] = (w[k] * x[k]).tanh();
    }
}

#[gradient(wrt(w))]
fn layer_vec(w: &[f64], x: &[f64]) -> Vec<f64> {
    vec![w[0] * x[0], w[1] * x[1]]
}

#[gradient(wrt(w))]
fn through_helpers_with_wrt(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    layer_into(w, x, &mut h);
    let v = layer_vec(w, x);
    h[0] * h[1] + v[0] * v[1]
}

/// `&[]` passed for a slice parameter of a `#[gradient]` helper (rustc rejected the expansion:
/// no buffer for it).
#[gradient]
fn penalty_with(w: &[f64], extra: &[f64]) -> f64 {
    w.iter().map(|v| v * v).sum::<f64>() + extra.iter().sum::<f64>()
}

#[gradient]
fn empty_slices(w: &[f64]) -> f64 {
    penalty_with(w, &[]) + penalty_with(&[], w) * 0.5 + penalty_with(w, &[1.0, 2.0])
}

#[test]
fn helpers_with_wrt_given_data_and_empty_slices() {
    let x = [1.5, -0.5];
    check1(
        "through_helpers_with_wrt",
        &|w| through_helpers_with_wrt(w, &x),
        &|w, d| through_helpers_with_wrt_grad(w, &x, d),
        &[0.3, 0.8],
    )
    .unwrap();
    check1(
        "empty_slices",
        &empty_slices,
        &empty_slices_grad,
        &[0.3, 0.8],
    )
    .unwrap();
}

/// A condition kept as written that names a local inside a macro (`&vec![v, 0.5]` passed to a
/// helper in an `else if`): the name is renamed there too (rustc rejected the expansion).
#[gradient]
fn listed_sum(s: &[f64]) -> f64 {
    s.iter().sum()
}

#[gradient]
fn local_in_a_macro_of_a_condition(x: f64, k: usize) -> f64 {
    let v = x * 2.0;
    let mut acc = x;
    if k == 0 {
        acc *= 2.0;
    } else if listed_sum(&vec![v, 0.5]) > 1.0 {
        acc += v;
    } else {
        acc -= v;
    }
    assert!(acc.is_finite(), "acc = {}", acc);
    acc
}

#[test]
fn a_local_named_in_a_macro_of_a_condition() {
    for (x, k) in [(0.7, 1), (0.1, 1), (0.7, 0)] {
        check_scalar(
            "local_in_a_macro_of_a_condition",
            &|x| local_in_a_macro_of_a_condition(x, k),
            &|x| local_in_a_macro_of_a_condition_grad(x, k),
            x,
        );
    }
}

/// An accumulator chosen through `&mut` whose places are read later inside a macro
/// (`vec![pa.max(x), 0.32]`): refused before ("cannot differentiate this expression").
#[gradient]
fn chosen_place_read_in_a_macro(x: f64, k: i32) -> f64 {
    let mut pa = x.tanh();
    let mut pb = 0.5;
    let slot = if k == 0 { &mut pa } else { &mut pb };
    *slot += x.sin();
    *slot *= 0.5;
    let v = *slot * 0.5;
    let listed = vec![pb.max(x), 0.32, pa * x];
    listed[0] + listed[2] + v
}

#[test]
fn a_chosen_place_read_in_a_macro() {
    for (x, k) in [(0.7, 0), (0.3, 1), (-0.4, 0)] {
        check_scalar(
            "chosen_place_read_in_a_macro",
            &|x| chosen_place_read_in_a_macro(x, k),
            &|x| chosen_place_read_in_a_macro_grad(x, k),
            x,
        );
    }
}

/// A buffer of a generic float type given new contents by `collect` in a loop (`h =
/// h.chunks(2).map(..).collect();`), after branches gave it different lengths: refused before
/// ("cannot differentiate a range used as a value"; the collected `let` was made only for
/// buffers typed `f64`/`f32`). Found by the differential tester's long run (seed 41001).
#[gradient]
fn generic_collected_halving<T: grad::Real + core::iter::Sum>(x: T) -> T {
    let mut h: Vec<T> = vec![x * x; 2];
    if x < T::one() {
        h = vec![x; 4];
    }
    for _ in 0..4 {
        h = h
            .chunks(2)
            .map(|c| T::tanh(c[0] * T::from(0.5).unwrap() + c[c.len() - 1]))
            .collect();
    }
    h.iter().copied().sum::<T>()
}

#[test]
fn a_generic_buffer_collected_in_a_loop() {
    for x in [0.3, 1.7] {
        check_scalar(
            "generic_collected_halving",
            &|x| generic_collected_halving(x),
            &|x| generic_collected_halving_grad(x),
            x,
        );
    }
}

/// `while let Some(&v) = ss.get(k)` and `if let Some(&l) = ss.last()` over a view `let ss =
/// &xs[n / 2..];`: refused before ("cannot follow a differentiated slice", then "`v` is used
/// before it is assigned"). Found by the differential tester's long run (seed 36001).
#[gradient]
fn view_elements_by_get(xs: &[f64]) -> f64 {
    let n = xs.len();
    let ss = &xs[n / 2..];
    let mut k = 0;
    let mut s = 0.0;
    while let Some(&v) = ss.get(k) {
        s += v * v * (k as f64 + 1.0);
        k += 1;
    }
    if let Some(&l) = ss.last() {
        s += l.sin();
    }
    let head = &xs[..n - 1];
    if let Some(&f) = head.first() {
        s *= f.cos();
    }
    s
}

#[test]
fn elements_of_a_view_by_get() {
    for xs in [vec![1.0, 2.0, 3.0, 4.0], vec![0.3, -0.2, 0.7]] {
        let mut d = vec![0.0; xs.len()];
        let v = view_elements_by_get_grad(&xs, &mut d);
        check_flat(
            "view_elements_by_get",
            &xs,
            &|p| view_elements_by_get(p),
            v,
            &d,
        )
        .unwrap();
    }
}

/// A `match` on the `Ordering` of a suffixed literal and a value (`(1.64f64).total_cmp(&h(x))`):
/// the generated comparison lost the literal's type (E0689, found by the long run, seed 45001).
#[gradient]
fn squared_for_ordering(x: f64) -> f64 {
    x * x
}

#[gradient]
fn ordering_of_a_literal(x0: f64, x2: f64) -> f64 {
    let v = match (1.64f64).total_cmp(&(squared_for_ordering(x0))) {
        std::cmp::Ordering::Less => x0.sin(),
        std::cmp::Ordering::Greater => 0.9_f64.hypot(x2),
        std::cmp::Ordering::Equal => x2,
    };
    let w = match 0.5f64.partial_cmp(&x2) {
        Some(std::cmp::Ordering::Less) => x2 * 2.0,
        _ => x0,
    };
    v + w
}

#[test]
fn an_ordering_of_a_literal() {
    for (a, b) in [(0.5, 0.7), (1.5, 0.2)] {
        let (v, g) = ordering_of_a_literal_grad(a, b);
        check_flat(
            "ordering_of_a_literal",
            &[a, b],
            &|p| ordering_of_a_literal(p[0], p[1]),
            v,
            &g,
        )
        .unwrap();
    }
}

/// A struct literal of constants bound after an early `return` in a `match` arm, read by a
/// method of data, under `jvp`: the forward sweep carried the value out of a branch with
/// `Default::default()` in the other, which the user's type does not implement (a build
/// failure found by the long runs).
#[derive(Clone, Copy)]
struct Scorer {
    w: [f64; 2],
    k: f64,
}

impl Scorer {
    #[gradient(wrt(x, ys))]
    fn score(&self, x: f64, ys: &[f64]) -> f64 {
        self.k * (x * self.w[0]).tanh() + self.w[1] * ys[0].tanh()
    }
}

#[gradient(jvp, wrt(x1, xs))]
fn literal_after_early_return(xs: &[f64], x1: f64, n: usize) -> f64 {
    let mut acc = x1 * xs[0];
    match n % 4 {
        1 => acc += x1,
        3 => return xs[1],
        _ => {}
    }
    let mut j = 0usize;
    while j < 1 {
        j += 1;
        acc *= 1.0 + 0.1 * xs.iter().sum::<f64>().tanh();
    }
    let d = Scorer {
        w: [0.75, -0.5],
        k: 1.25,
    };
    let v = d.score(x1, xs);
    acc + v + v
}

#[test]
fn constant_data_literal_after_an_early_return() {
    for n in 0..4 {
        let p = [0.5, 1.0, 0.3];
        let f = |q: &[f64]| literal_after_early_return(&q[..2], q[2], n);
        let mut d = [0.0; 2];
        let (v, [dx]) = literal_after_early_return_grad(&p[..2], p[2], n, &mut d);
        check_flat("literal_after_early_return", &p, &f, v, &[d[0], d[1], dx]).unwrap();
        let (vj, t) = literal_after_early_return_jvp(&p[..2], p[2], n, &[1.0, -0.5], 2.0);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want = d[0] - 0.5 * d[1] + 2.0 * dx;
        assert!((t - want).abs() < 1e-12, "n = {n}: {t} vs {want}");
    }
}

/// A reference chosen by a condition (`if c { &mut pa } else { &mut pb }`), then one of its
/// targets declared again (`let pb = pb * 0.5 + a;`): the reference's reads and writes before
/// that are the chosen local's (was refused by the tester's case 84, seed 45).
#[gradient]
fn chosen_then_shadowed(a: f64, x: f64) -> f64 {
    let mut pa = a * 0.5;
    let mut pb = 0.5;
    let slot = if x > 0.0 { &mut pa } else { &mut pb };
    *slot += x * x;
    *slot *= 0.5;
    let v = *slot * 0.5;
    let pb = pb * 0.5 + a;
    v + pa + pb
}

#[test]
fn chosen_reference_then_a_target_shadowed() {
    for (a, x) in [(0.7, 0.4), (0.7, -0.4), (-1.2, 1.5)] {
        let (v, g) = chosen_then_shadowed_grad(a, x);
        check_flat(
            "chosen_then_shadowed",
            &[a, x],
            &|p| chosen_then_shadowed(p[0], p[1]),
            v,
            &g,
        )
        .unwrap();
    }
}

/// The `Ordering` of a constant's value and a differentiated one matched (`C.abs().total_cmp(&(x
/// + y[0]))`, `C` a module constant): was refused (tester, seed 88001).
const LIMIT: f64 = -0.4;

#[gradient]
fn ordering_with_a_constant(ys: &[f64], x: f64) -> f64 {
    let twice = x * 2.0;
    match (LIMIT.abs()).total_cmp(&(x + ys[0])) {
        std::cmp::Ordering::Less => twice * ys[1],
        std::cmp::Ordering::Greater => x.sin() + ys[0],
        std::cmp::Ordering::Equal => 0.0,
    }
}

#[test]
fn ordering_of_a_constant_and_a_differentiated_value() {
    for (ys, x) in [([0.3, 1.5], 0.6), ([-0.9, 2.0], 0.1)] {
        let mut d = [0.0; 2];
        let (v, [dx]) = ordering_with_a_constant_grad(&ys, x, &mut d);
        let mut g = d.to_vec();
        g.push(dx);
        check_flat(
            "ordering_with_a_constant",
            &[ys[0], ys[1], x],
            &|p| ordering_with_a_constant(&p[..2], p[2]),
            v,
            &g,
        )
        .unwrap();
    }
}

/// A list of pieces (`Vec<&[f64]>` of `chunks_exact`) of a parameter whose name a later `for`
/// declares again (`for xs in 0..n`): was refused (tester, seed 88001, case 23).
#[gradient]
#[allow(clippy::needless_range_loop)]
fn pieces_then_name_reused(xs: &[f64], x0: f64) -> f64 {
    let pts: Vec<&[f64]> = xs.chunks_exact(2).collect();
    let mut v: f64 = 0.0;
    for w in pts.windows(2) {
        v += w[0][0] * w[1][1];
    }
    let weights = [1.0, 2.0];
    for xs in 0..weights.len() {
        v += weights[xs] * 0.5;
    }
    v * x0
}

#[test]
fn pieces_of_a_parameter_whose_name_is_reused() {
    let (xs, x0) = ([1.0, -2.0, 3.0, 0.5, 0.25, 2.0], 0.7);
    let mut d = [0.0; 6];
    let (v, [dx]) = pieces_then_name_reused_grad(&xs, x0, &mut d);
    let mut g = d.to_vec();
    g.push(dx);
    let mut p = xs.to_vec();
    p.push(x0);
    check_flat(
        "pieces_then_name_reused",
        &p,
        &|p| pieces_then_name_reused(&p[..6], p[6]),
        v,
        &g,
    )
    .unwrap();
}

/// A struct local of the user's (no `Default`) made in a loop after a `return` that may leave
/// it, in a function of rows: the branch that returns needs a stand-in for the struct, made
/// again from its constants (was `Default::default()`, E0277 in the expansion; tester seed 43).
struct RowScorer {
    w: [f64; 2],
    k: f64,
}

impl RowScorer {
    #[gradient(wrt(x, ys))]
    fn score(&self, x: f64, ys: &[f64]) -> f64 {
        self.k * (x * self.w[0]).tanh() + self.w[1] * ys[0].tanh()
    }
}

#[gradient(jvp)]
fn scored_rows(xs: &[f64], ys: &[f64], ws: &[&[f64]]) -> f64 {
    let mut acc = 0.5;
    for &e in xs.iter().skip(1) {
        if e > 10.0 {
            return xs[0].max(0.3);
        }
        let s = RowScorer {
            w: [0.75, -0.5],
            k: 1.25,
        };
        let v = s.score(ws[ws.len() - 1][0] * e, ys);
        acc += acc / 1.1 + v;
    }
    acc + xs[0]
}

#[test]
fn struct_local_after_a_return_in_a_loop() {
    let (xs, ys) = ([0.3, 0.8, -0.4], [0.5, 0.1]);
    let rows: [&[f64]; 2] = [&[0.2, 0.1], &[0.6, -0.3]];
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 2]);
    let (mut dw0, mut dw1) = ([0.0; 2], [0.0; 2]);
    let mut dw: [&mut [f64]; 2] = [&mut dw0, &mut dw1];
    let v = scored_rows_grad(&xs, &ys, &rows, &mut dx, &mut dy, &mut dw);
    assert_eq!(v.to_bits(), scored_rows(&xs, &ys, &rows).to_bits());
    let f = |p: &[f64]| {
        let (r0, r1) = ([p[5], p[6]], [p[7], p[8]]);
        let rows: [&[f64]; 2] = [&r0, &r1];
        scored_rows(&p[..3], &p[3..5], &rows)
    };
    let p = [0.3, 0.8, -0.4, 0.5, 0.1, 0.2, 0.1, 0.6, -0.3];
    let mut g = dx.to_vec();
    g.extend_from_slice(&dy);
    g.extend(dw0.iter().chain(&dw1));
    check_flat("scored_rows", &p, &f, v, &g).unwrap();
}

/// A slice handed on under the same name, which read zeros (value and gradient 0, silently): a
/// nested function passing its `s` to another whose parameter is `s` (the inlining bound `let s:
/// &[f64] = s;`), plain helpers doing the same, and the user's own `let s: &[f64] = s;` of a local
/// buffer (taken for a copy into a new `s`, which read the new one).
#[gradient]
fn same_name_slices(x0: f64, y: f64) -> f64 {
    fn outer(a0: f64, s: &[f64]) -> f64 {
        inner(a0, s) * 0.75
    }
    fn inner(a0: f64, s: &[f64]) -> f64 {
        s[0] * a0 + s[1] * s[1]
    }
    let s: &[f64] = &[1.5, y];
    let s: &[f64] = s;
    outer(x0, &[1.5, y]) + same_name_helper(x0, &[y, x0]) + s[0] * s[1] * x0
}

fn same_name_helper(a0: f64, s: &[f64]) -> f64 {
    same_name_leaf(a0, s) + 0.5
}

fn same_name_leaf(a0: f64, s: &[f64]) -> f64 {
    s[0] * s[1] + a0
}

#[test]
fn slices_handed_on_under_the_same_name() {
    for (x, y) in [(0.3, 0.2), (-1.2, 0.7)] {
        let (v, g) = same_name_slices_grad(x, y);
        assert_eq!(v.to_bits(), same_name_slices(x, y).to_bits());
        // f = 0.75 (1.5 x + y²) + (y x + x + 0.5) + 1.5 y x
        let want = [0.75 * 1.5 + y + 1.0 + 1.5 * y, 0.75 * 2.0 * y + x + 1.5 * x];
        for (d, w) in g.iter().zip(want) {
            assert!((d - w).abs() < 1e-12, "{g:?} {want:?}");
        }
    }
}

#[gradient]
fn squashed(s: &[f64], a: f64) -> Vec<f64> {
    s.iter().map(|v| (v * a).tanh() + a).collect()
}

/// A local `let s: &[f64] = &[..];` (a buffer the user holds by reference) handed by its name to
/// a `#[gradient]` function taking `&[f64]`, also through a plain helper: the generated code asked
/// for a copy of a slice (E0277 `FromBufferValue`).
#[gradient(jvp)]
fn slice_local_to_vector_fn(x0: f64) -> f64 {
    let s: &[f64] = &[x0, x0 * 2.0];
    let h = squashed(s, 0.5);
    h[0] + h[1] + through_squashed(x0, &[x0, 1.0])
}

fn through_squashed(a: f64, s: &[f64]) -> f64 {
    squashed(s, a)[1]
}

#[test]
fn slice_locals_handed_to_vector_functions() {
    for x in [0.3, -0.8] {
        check_scalar(
            "slice_local_to_vector_fn",
            &slice_local_to_vector_fn,
            &slice_local_to_vector_fn_grad,
            x,
        );
    }
}

#[gradient]
fn tanh_pair(s: &[f64], a: f64) -> (f64, f64) {
    let m = s.iter().map(|v| v * a).sum::<f64>().tanh();
    (m, a.sin())
}

fn through_pair(a0: f64, a1: f64, s: &[f64]) -> f64 {
    let (p, q): (f64, f64) = tanh_pair(s, a1);
    p + q * a0
}

/// A plain helper that destructures a tuple-valued `#[gradient]` call, inlined both where it is
/// differentiated and into a condition kept as written: the condition's copy carried the
/// engine's marker attribute to rustc ("cannot find attribute", found by the tester).
#[gradient]
fn tuple_helper_in_condition(x0: f64, ys: &[f64]) -> f64 {
    let mut acc = 1.0;
    if x0 > 0.0 {
        acc *= through_pair(x0, 1.25, ys);
    } else if through_pair(-2.5, 1.0, &ys[0..][..1]) < -acc {
        acc += x0;
    }
    while through_pair(0.5, 0.25, ys) > acc {
        acc += 1.0;
    }
    acc * x0
}

#[test]
fn tuple_helpers_inlined_into_conditions() {
    let ys = [0.4, -0.3, 1.1];
    for x in [0.7, -0.6] {
        check_scalar(
            "tuple_helper_in_condition",
            &|x| tuple_helper_in_condition(x, &ys),
            &|x| {
                let mut d_ys = [0.0; 3];
                let (v, g) = tuple_helper_in_condition_grad(x, &ys, &mut d_ys);
                (v, g)
            },
            x,
        );
    }
}

fn stepped_inclusive(a0: f64, s0: &[f64]) -> f64 {
    let mut acc: f64 = s0[0] * a0;
    let mut pv: f64 = 0.5;
    for i in (0..=s0.len() - 1).step_by(2) {
        let po = pv;
        pv = f64::tanh(s0.iter().map(|&v| v * 1.25).sum::<f64>());
        acc = f64::tanh(acc * 0.5 + po * s0[i].sinh()) * 10.0;
    }
    acc + pv
}

/// A loop over a stepped inclusive range (`(0..=n).step_by(2)`) whose adjoint walks it
/// backwards: E0277 (`RangeInclusive<usize>: ExactSizeIterator`) inside generated code (found by
/// the tester).
#[gradient]
fn stepped_inclusive_taped(xs: &[f64]) -> f64 {
    let mut cv = Vec::new();
    for &e in xs {
        cv.push(e * 2.0);
    }
    let mut s = 0.0;
    for k in (1..=xs.len()).step_by(2) {
        s += (xs[k - 1] * s).sin() + xs[k - 1];
    }
    cv[0] * stepped_inclusive(0.35, xs) + s
}

#[test]
fn stepped_inclusive_ranges_walked_backwards() {
    let xs = [0.3, -0.2, 0.7, 0.1, -0.5];
    let mut d = [0.0; 5];
    let v = stepped_inclusive_taped_grad(&xs, &mut d);
    check_flat(
        "stepped_inclusive_taped",
        &xs,
        &|p: &[f64]| stepped_inclusive_taped(p),
        v,
        &d,
    )
    .unwrap();
}

/// `skip_while` in a reduction (reversed or not): "supports `break` and `continue` as statements
/// of a loop body or of an `if` in it" at the attribute (the test's statements were lifted into
/// a block around the `continue`).
#[gradient]
fn skipped_runs(x: &[f64]) -> f64 {
    x.iter()
        .rev()
        .skip_while(|&&v| v < 0.0)
        .map(|v| v.exp())
        .sum::<f64>()
        + x.iter()
            .skip_while(|v| **v > 0.5)
            .map(|v| v * v)
            .sum::<f64>()
}

#[test]
fn skip_while_in_reductions() {
    for x in [[0.3, -0.5, 0.9, -0.2], [0.7, 0.6, -0.1, 0.4]] {
        let mut d = [0.0; 4];
        let v = skipped_runs_grad(&x, &mut d);
        check_flat("skipped_runs", &x, &|p: &[f64]| skipped_runs(p), v, &d).unwrap();
    }
}

/// A closure whose body starts with a branch and goes on (`|p| if c { a } else { b } * w`) over
/// the rows of a local matrix, of rows pushed, of a list of structs: the rewrites wrote the body
/// as the tail of a block, read back as the statement `if ..` and the value `*w` — a wrong value
/// and gradient (session 52; the matrix's form was wrong before it too).
#[gradient]
fn branch_then_operator(x: &[f64]) -> f64 {
    let m = vec![[x[0], 1.0], [x[1], 2.0], [x[2], 0.5]];
    let a: f64 = m
        .iter()
        .map(|p| if p[0] > 0.5 { p[0] } else { -p[0] } * p[1])
        .sum();
    let mut res = Vec::new();
    for (&v, &y) in x.iter().zip([0.5, -0.2, 1.0, 0.3].iter()) {
        res.push((v - y, y));
    }
    let b: f64 = res
        .iter()
        .map(|&(r, w)| if r.abs() < 0.5 { 0.5 * r * r } else { 0.5 * (r.abs() - 0.25) } * (1.0 + w * w))
        .sum();
    let c = m.iter().fold(0.0, |acc, p| {
        acc + match p[1] > 1.0 {
            true => p[0],
            false => -p[0],
        } * 2.0
    });
    a + b + c
}

#[test]
fn branches_then_operators_in_closures_over_rows() {
    for x in [[0.3, -0.5, 0.9, -0.2], [0.7, 0.6, -0.1, 0.4]] {
        let mut d = [0.0; 4];
        let v = branch_then_operator_grad(&x, &mut d);
        check_flat(
            "branch_then_operator",
            &x,
            &|p: &[f64]| branch_then_operator(p),
            v,
            &d,
        )
        .unwrap();
    }
}

#[derive(Clone, Debug, grad::Params)]
struct Rotated {
    x0: f64,
    b: f64,
}

impl Rotated {
    /// A rotation of a data slice (`xs[1..].iter().chain(&xs[..1])`) zipped with it, in a
    /// method differentiated by `self`: the positions' `Chain` has no exact length, which the
    /// derivative's loop asked of it — a compile error inside the generated code (long mode seed
    /// 5208, session 52; before it too).
    #[gradient(wrt(self))]
    fn rotated(&self, xs: &[f64]) -> f64 {
        let v: f64 = xs[1..]
            .iter()
            .chain(&xs[..1])
            .zip(xs.iter())
            .map(|(r, q)| r * q * self.x0.tanh())
            .sum();
        v * self.b
    }
}

#[test]
fn rotations_of_data_in_a_method() {
    let m = Rotated { x0: 0.3, b: 0.4 };
    let xs = [0.5, -0.2, 0.9];
    let mut d = Rotated { x0: 0.0, b: 0.0 };
    let v = m.rotated_grad(&xs, &mut d);
    assert_eq!(v.to_bits(), m.rotated(&xs).to_bits());
    let s: f64 = xs[1..]
        .iter()
        .chain(&xs[..1])
        .zip(xs.iter())
        .map(|(r, q)| r * q)
        .sum();
    let t = m.x0.tanh();
    assert!((d.b - s * t).abs() < 1e-12, "{} vs {}", d.b, s * t);
    assert!((d.x0 - s * (1.0 - t * t) * m.b).abs() < 1e-12, "{}", d.x0);
}

// ---- Found by long mode, seed 5303: refused before ---------------------------------------------

/// Refills the `Vec` it is lent and writes through a `&mut f64`.
#[gradient]
fn refill_and_accumulate(s: &[f64], a: f64, acc: &mut f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for &v in s {
        buf.push((v * 0.5 + a).tanh());
    }
    *acc * 0.25 + buf[0] * a
}

/// The local lent `&mut` declared again after the call (and after a reference to it is last
/// used, in a plain `let p = &mut s;`).
#[gradient]
fn shadowed_after_lending(x: &[f64]) -> f64 {
    let mut acc: f64 = 0.5;
    let mut buf = vec![0.1; 3];
    let r = refill_and_accumulate(x, x[0], &mut acc, &mut buf);
    let acc = acc * 0.5 + x[1] * r;
    let mut s = x[0];
    let p = &mut s;
    *p += x[1] * 2.0;
    let q = *p * x[0];
    let s = q + *p;
    acc + s + buf[1]
}

#[test]
fn locals_lent_mutably_then_declared_again() {
    for p in [[0.3, -0.7, 1.1], [-1.2, 0.4, 0.9]] {
        let mut d = [0.0; 3];
        let v = shadowed_after_lending_grad(&p, &mut d);
        check_flat(
            "shadowed_after_lending",
            &p,
            &|q| shadowed_after_lending(q),
            v,
            &d,
        )
        .unwrap();
    }
}

// ---- Found by long mode, seed 5304: refused before ---------------------------------------------

/// Writes through a `&mut f64` and a `&mut [f64]` and returns a float.
#[gradient]
fn step_in_place(s: &[f64], a: f64, acc: &mut f64, buf: &mut [f64]) -> f64 {
    *acc = *acc * 0.5 + a * s[0] * 0.5;
    for b in buf.iter_mut() {
        *b = (*b * 0.5 + a).tanh();
    }
    *acc * 0.25 + buf[0] * a
}

/// Its value used in an expression, given an argument that names differentiated values only
/// in a condition (the call is on data), then one that reaches them.
#[gradient(wrt(a0, a1))]
fn lent_with_a_condition(a0: f64, a1: f64, s0: &[f64]) -> f64 {
    let mut held = [0.5; 2];
    let mut buf = vec![0.5; 2];
    let on_data = 0.5
        * step_in_place(
            s0,
            if a1 >= (if a0 > 0.0 { 1.0 } else { a0 }) {
                -1.5
            } else {
                s0[0]
            },
            &mut held[1],
            &mut buf,
        );
    let reached = 0.5 * step_in_place(s0, a0 * a1, &mut held[0], &mut buf);
    on_data + reached + held[0] * held[1] + buf[1] * a1
}

#[test]
fn calls_lending_floats_on_data_after_all() {
    let s0 = [0.7, -0.2];
    for p in [[0.3, 1.4], [-0.6, 0.2], [1.2, 0.9]] {
        let (v, g) = lent_with_a_condition_grad(p[0], p[1], &s0);
        check_flat(
            "lent_with_a_condition",
            &p,
            &|q| lent_with_a_condition(q[0], q[1], &s0),
            v,
            &g,
        )
        .unwrap();
    }
}

/// A float cloned (`acc.clone()`) whose name a closure's parameter `acc: &mut f64` takes
/// again: "`__grad_tv125` is used before it is assigned" and "does not know the derivative of
/// the method `len`" before (the clone was read as a copy of a buffer, the closure's `&mut`
/// binding taken for one), long mode seed 5305 `g120`.
#[allow(clippy::clone_on_copy, clippy::redundant_clone)]
#[gradient]
fn cloned_beside_a_ref_parameter(xs: &[f64], x0: f64) -> f64 {
    let mut acc: f64 = xs[0] * x0;
    let (a, b) = if x0 > 0.0 {
        (acc.clone(), 1.0)
    } else {
        (2.0, acc)
    };
    for &e in xs {
        let bump = |acc: &mut f64, v: f64| *acc -= v * 0.5;
        bump(&mut acc, e);
    }
    a * b + acc * x0
}

#[test]
fn clones_beside_closures_taking_references() {
    let xs = [0.7, -0.2, 1.1];
    for x0 in [0.4, -0.9] {
        let mut d = [f64::NAN; 3];
        let (v, [dx0]) = cloned_beside_a_ref_parameter_grad(&xs, x0, &mut d);
        assert_eq!(
            v.to_bits(),
            cloned_beside_a_ref_parameter(&xs, x0).to_bits()
        );
        check_flat(
            "cloned_beside_a_ref_parameter",
            &[xs[0], xs[1], xs[2], x0],
            &|q| cloned_beside_a_ref_parameter(&q[..3], q[3]),
            v,
            &[d[0], d[1], d[2], dx0],
        )
        .unwrap();
    }
}

/// A helper pushing integers into a local vector, called in a condition (which `#[gradient]`
/// keeps as written, with the helper inlined there): "cannot find attribute `grad_integers`"
/// before (the marker desugaring puts on the vector reached the emitted code), long mode seed
/// 5413 `g108`.
fn even_rows_scaled(a0: f64, a1: f64, s: &[f64]) -> f64 {
    let mut idx = Vec::new();
    let mut i = 0usize;
    while i < s.len() {
        if i % 2 == 0 {
            idx.push(i);
        }
        i += 1;
    }
    idx.iter().map(|&i| s[i] * 0.5).sum::<f64>() * a1 + a0
}

#[gradient(jvp)]
fn integers_pushed_in_a_condition(xs: &[f64], mut x0: f64) -> f64 {
    let mut j = 0usize;
    while j < 3 {
        x0 *= 1.0
            + 0.1
                * f64::tanh(if even_rows_scaled(0.1, x0, xs) > 0.5 {
                    xs[0]
                } else {
                    0.3
                });
        j += 1;
    }
    x0 + even_rows_scaled(x0, 0.3, xs) * even_rows_scaled(0.2, x0, xs)
}

#[test]
fn helpers_pushing_integers_inside_conditions() {
    // Both sides of the condition: the helper's value above 0.5 at the first, below at the second.
    for (xs, x0) in [([1.0, 2.0, 3.0], 0.5), ([0.2, -0.4, 0.1], -0.3)] {
        let mut d = [f64::NAN; 3];
        let (v, [dx0]) = integers_pushed_in_a_condition_grad(&xs, x0, &mut d);
        assert_eq!(
            v.to_bits(),
            integers_pushed_in_a_condition(&xs, x0).to_bits()
        );
        check_flat(
            "integers_pushed_in_a_condition",
            &[xs[0], xs[1], xs[2], x0],
            &|q| integers_pushed_in_a_condition(&q[..3], q[3]),
            v,
            &[d[0], d[1], d[2], dx0],
        )
        .unwrap();
        let (vj, t) = integers_pushed_in_a_condition_jvp(&xs, x0, &[1.0, 0.0, -1.0], 0.5);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want = d[0] - d[2] + 0.5 * dx0;
        assert!(
            (t - want).abs() <= 1e-12 * (1.0 + want.abs()),
            "{t} vs {want}"
        );
    }
}

/// Helpers writing through `&mut`, inlined: one whose loop item is named as the caller's buffer
/// it is lent (`for b in buf.iter_mut()` given `&mut b`), one exchanging its two `&mut f64`
/// parameters with `std::mem::swap`. Both refused before ("cannot differentiate this
/// expression"), found probing.
fn scale_all(buf: &mut [f64], k: f64) {
    for b in buf.iter_mut() {
        *b *= k;
    }
}

fn order(a: &mut f64, b: &mut f64) {
    if *a > *b {
        std::mem::swap(a, b);
    }
}

#[gradient]
fn lent_to_writers(x: &[f64]) -> f64 {
    let mut b = x.to_vec();
    scale_all(&mut b, x[0]);
    let (mut lo, mut hi) = (x[1], x[2]);
    order(&mut lo, &mut hi);
    b.iter().sum::<f64>() + lo * 2.0 + hi
}

#[test]
fn helpers_writing_through_references_inlined() {
    // Both orders of the pair.
    for p in [[0.4, -0.3, 0.8], [1.2, 0.5, -0.6]] {
        let mut d = [f64::NAN; 3];
        let v = lent_to_writers_grad(&p, &mut d);
        assert_eq!(v.to_bits(), lent_to_writers(&p).to_bits());
        check_flat("lent_to_writers", &p, &|q| lent_to_writers(q), v, &d).unwrap();
    }
}

/// Rows of differentiated values collected from a map giving `vec![..]` (or `[..].to_vec()`):
/// kept as written, a zero gradient, the value right (silently wrong before, found probing).
/// Also rows listed as `vec![vec![..], ..]` (refused before).
#[gradient]
fn rows_of_listed_vecs(x: &[f64]) -> f64 {
    let rows: Vec<Vec<f64>> = (0..x.len() / 2)
        .map(|i| vec![x[2 * i], x[2 * i + 1]])
        .collect();
    let twice = (0..2)
        .map(|i: usize| [x[i] * 2.0, x[i + 1]].to_vec())
        .collect::<Vec<Vec<f64>>>();
    let listed: Vec<Vec<f64>> = vec![vec![x[0], x[1] * x[2]], vec![1.5, x[3]]];
    let mut s = 0.0;
    for (i, r) in listed[1..].iter().enumerate() {
        s += r[1] * (i as f64 + 0.5);
    }
    for r in &rows {
        s += r[0] * r[1];
    }
    s + twice[1][0] * twice[0][1] + rows[rows.len() - 1][1] + listed[0][1] * listed[1][1]
        - listed[1][0] * listed[0][0]
}

/// `enumerate` over part of rows (`rows[1..].iter().enumerate()`, `w[a..b]` of a rows
/// parameter): the count was the position in the rows, not in the part (a wrong value, and a
/// gradient to match, before).
#[gradient(wrt(w))]
fn enumerated_parts_of_rows(w: &[Vec<f64>], off: &[usize]) -> f64 {
    let mut s = 0.0;
    for l in 0..off.len() - 1 {
        for (i, row) in w[off[l]..off[l + 1]].iter().enumerate() {
            s += row[0] * (i as f64 + 0.5) + row[1] * row[0];
        }
    }
    for (i, row) in w[1..].iter().enumerate() {
        s += row[1] * i as f64;
    }
    s
}

/// A name declared without a value, assigned in a `loop` (always run) and read after it, in a
/// loop whose items a `filter` chooses: "used before it is assigned" (long mode seed 5601; the
/// declaration was copied into the loop, where it hid the one read after).
#[gradient]
fn late_init_in_loop_of_filter(x: &[f64]) -> f64 {
    let mut acc = x[0];
    for &e in x.iter().filter(|a| **a > -0.7) {
        let mut t;
        let mut i: usize = 0;
        loop {
            t = 0.3 * e + i as f64 * 0.25;
            i += 1;
            if i > 2 {
                break;
            }
        }
        acc += t * e;
    }
    acc
}

#[test]
fn rows_collected_and_listed_and_their_parts() {
    let p = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];
    let mut d = [f64::NAN; 6];
    let v = rows_of_listed_vecs_grad(&p, &mut d);
    assert_eq!(v.to_bits(), rows_of_listed_vecs(&p).to_bits());
    check_flat(
        "rows_of_listed_vecs",
        &p,
        &|q| rows_of_listed_vecs(q),
        v,
        &d,
    )
    .unwrap();

    let w = vec![vec![0.1, 0.2], vec![0.3, -0.4], vec![0.5, 0.6]];
    let off = [0usize, 2, 3];
    let mut dw = vec![vec![f64::NAN; 2]; 3];
    let v = enumerated_parts_of_rows_grad(&w, &off, &mut dw);
    assert_eq!(v.to_bits(), enumerated_parts_of_rows(&w, &off).to_bits());
    // By hand: s = Σ_parts Σ_i (w_i0 (i + 0.5) + w_i1 w_i0) + Σ_{r ≥ 1} w_r1 (r − 1).
    let want = 0.1 * 0.5 + 0.02 + 0.3 * 1.5 - 0.12 + 0.5 * 0.5 + 0.3 + 0.6;
    assert!((v - want).abs() < 1e-12, "{v} vs {want}");
    let dwant = [[0.5 + 0.2, 0.1], [1.5 - 0.4, 0.3], [0.5 + 0.6, 0.5 + 1.0]];
    for r in 0..3 {
        for c in 0..2 {
            assert!(
                (dw[r][c] - dwant[r][c]).abs() < 1e-12,
                "d[{r}][{c}] {}",
                dw[r][c]
            );
        }
    }

    let mut d = [f64::NAN; 6];
    let v = late_init_in_loop_of_filter_grad(&p, &mut d);
    assert_eq!(v.to_bits(), late_init_in_loop_of_filter(&p).to_bits());
    check_flat(
        "late_init_in_loop_of_filter",
        &p,
        &|q| late_init_in_loop_of_filter(q),
        v,
        &d,
    )
    .unwrap();
}

/// A part of a part (`&s[0..][..1]`) given to a `#[gradient]` helper in an `else if` condition
/// of a plain helper: `s[(0) + (..1)]`, a compile error inside the expansion (long mode seed
/// 5603, `g19`; the part's position added to a range).
#[gradient]
fn part_reader(a: f64, s: &[f64]) -> f64 {
    s[s.len() - 1] * a + s[0]
}

fn parts_in_conditions(a: f64, s: &[f64]) -> f64 {
    if a > 5.0 {
        a
    } else if 0.1 < part_reader(a, &s[0..][..1]) {
        a * 2.0 + part_reader(a, &s[1..][..2])
    } else {
        1.0
    }
}

#[gradient]
fn part_of_part_in_a_condition(x: &[f64]) -> f64 {
    parts_in_conditions(x[0], x)
}

#[test]
fn parts_of_parts_given_to_helpers_in_conditions() {
    for p in [[0.7, -1.2, 0.45], [-0.3, 0.2, 0.9]] {
        let mut d = [f64::NAN; 3];
        let v = part_of_part_in_a_condition_grad(&p, &mut d);
        assert_eq!(v.to_bits(), part_of_part_in_a_condition(&p).to_bits());
        check_flat(
            "part_of_part_in_a_condition",
            &p,
            &|q| part_of_part_in_a_condition(q),
            v,
            &d,
        )
        .unwrap();
    }
}
