//! Checks of the benchmark problems B1–B6 (`benches/problems/`): the data generator against the
//! LCG formula, the plain losses against reference values, and every hand-written gradient against
//! central finite differences and against forward-mode dual numbers.

#[path = "../benches/problems/mod.rs"]
mod problems;

use problems::dual::{self, DualProblem};
use problems::*;

// ---------------------------------------------------------------------------------------------
// Tolerances
// ---------------------------------------------------------------------------------------------

/// Finite differences vs exact gradient, relative to the gradient's largest component.
///
/// With h = cbrt(eps)·max(1, |p_k|) ≈ 6.1e-6, the central difference has truncation error
/// h²/6·|f'''| ≈ 6e-12·|f'''| and rounding error ≈ δ·|f|/h, where δ is the relative rounding error
/// of one evaluation of f (~sqrt(m)·eps for an m-term sum: 3.5e-15 for B2's 999 terms, 2e-14 for
/// the 10 000-term sums). Here |f|/‖g‖∞ is 3.2e2 for B2, 4 for B3, 9 for B4 and < 1 for the rest,
/// and |f'''| is of the order of ‖g‖∞, so the expected error is ≲ 2e-7·‖g‖∞ in the worst case
/// (B2: 3.5e-15·320/6.1e-6); observed ≤ 6e-9. 1e-6 is above that bound, while a real mistake in
/// a gradient shows up at O(1).
const FD_RTOL: f64 = 1e-6;

/// Dual numbers vs hand-written: both exact up to rounding in different operation orders.
const DUAL_RTOL: f64 = 1e-10;

fn inf_norm(g: &[f64]) -> f64 {
    g.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

fn assert_close_norm(what: &str, k: usize, got: f64, want: f64, scale: f64, rtol: f64) {
    let err = (got - want).abs();
    assert!(
        err <= rtol * scale,
        "{what}[{k}]: got {got:e}, want {want:e}, |err| = {err:e} > {rtol:e} * {scale:e}"
    );
}

fn assert_rel(what: &str, got: f64, want: f64, rtol: f64) {
    let err = (got - want).abs();
    assert!(
        err <= rtol * want.abs(),
        "{what}: got {got:e}, want {want:e}, rel err {:e}",
        err / want.abs()
    );
}

/// Seeded distinct coordinates: `count` random ones plus the first and the last.
fn sample_indices(len: usize, count: usize, seed: u64) -> Vec<usize> {
    let mut rng = Lcg::new(seed);
    let mut idx = vec![0, len - 1];
    while idx.len() < count.min(len) {
        let k = (rng.next_f64() * len as f64) as usize;
        if !idx.contains(&k) {
            idx.push(k);
        }
    }
    idx
}

/// Hand gradient: value equals the plain loss bit for bit (same operations by construction), and
/// the chosen components match central finite differences.
fn check_hand_vs_fd<P: Problem>(prob: &P, coords: Option<&[usize]>) -> Vec<f64> {
    let p = prob.params();
    let mut g = vec![f64::NAN; p.len()];
    let f = prob.grad_hand_flat(&p, &mut g);
    assert!(
        g.iter().all(|v| v.is_finite()),
        "{}: non-finite gradient",
        P::NAME
    );
    assert_eq!(
        f,
        prob.value_flat(&p),
        "{}: hand value != plain value",
        P::NAME
    );
    let scale = inf_norm(&g);
    let mut scratch = p.clone();
    let mut fun = |q: &[f64]| prob.value_flat(q);
    let all: Vec<usize> = (0..p.len()).collect();
    let mut worst = 0.0f64;
    for &k in coords.unwrap_or(&all) {
        let fd = fd_partial(&mut fun, &mut scratch, k);
        worst = worst.max((g[k] - fd).abs() / scale);
        assert_close_norm(
            &format!("{} hand vs fd", P::NAME),
            k,
            g[k],
            fd,
            scale,
            FD_RTOL,
        );
    }
    eprintln!(
        "{}: |f| = {f:e}, |g|inf = {scale:e}, worst |hand - fd| / |g|inf = {worst:e}",
        P::NAME
    );
    assert_eq!(scratch, p, "fd_partial must restore the point");
    g
}

/// Hand gradient vs the dual-number gradient: full (one pass per coordinate) or on a subset, plus
/// one random directional derivative that checks all components at once.
fn check_hand_vs_dual<P: DualProblem>(prob: &P, g_hand: &[f64], coords: Option<&[usize]>) {
    let p = prob.params();
    let f_plain = prob.value_flat(&p);
    let scale = inf_norm(g_hand);
    let name = format!("{} hand vs dual", P::NAME);
    match coords {
        None => {
            let mut g = vec![f64::NAN; p.len()];
            let f = prob.grad_dual_flat(&p, &mut g);
            assert_rel(&format!("{} dual value", P::NAME), f, f_plain, 1e-14);
            let mut worst = 0.0f64;
            for k in 0..p.len() {
                worst = worst.max((g_hand[k] - g[k]).abs() / scale);
                assert_close_norm(&name, k, g_hand[k], g[k], scale, DUAL_RTOL);
            }
            eprintln!("{name}: worst |hand - dual| / |g|inf = {worst:e}");
        }
        Some(ks) => {
            for &k in ks {
                let (f, gk) = prob.partial_dual_flat(&p, k);
                assert_rel(&format!("{} dual value", P::NAME), f, f_plain, 1e-14);
                assert_close_norm(&name, k, g_hand[k], gk, scale, DUAL_RTOL);
            }
        }
    }
    let v = dual::random_direction(p.len(), 7);
    let (_, dd) = prob.directional_dual_flat(&p, &v);
    let hand_dd: f64 = g_hand.iter().zip(&v).map(|(a, b)| a * b).sum();
    let l1: f64 = g_hand.iter().map(|a| a.abs()).sum();
    assert!(
        (dd - hand_dd).abs() <= DUAL_RTOL * l1,
        "{}: directional derivative {dd:e} vs hand {hand_dd:e}",
        P::NAME
    );
}

// ---------------------------------------------------------------------------------------------
// Data generator
// ---------------------------------------------------------------------------------------------

/// The spec's formula, written out independently of `Lcg`.
fn formula_draws(seed: u64, count: usize) -> Vec<f64> {
    let a: u64 = 6364136223846793005;
    let c: u64 = 1442695040888963407;
    let mut state = seed.wrapping_mul(a).wrapping_add(c);
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(a).wrapping_add(c);
            (state >> 11) as f64 * 2f64.powi(-53)
        })
        .collect()
}

#[test]
fn lcg_matches_formula() {
    for seed in [0u64, 1, 42, 43, 44, 45, u64::MAX] {
        let mut rng = Lcg::new(seed);
        for (k, want) in formula_draws(seed, 100).into_iter().enumerate() {
            let got = rng.next_f64();
            assert_eq!(got, want, "seed {seed}, draw {k}");
            assert!((0.0..1.0).contains(&got));
        }
    }
    // First draws for seed 42, computed once with an independent Python implementation.
    let mut rng = Lcg::new(42);
    assert_eq!(rng.next_f64(), 0.2254634289477513);
    assert_eq!(rng.next_f64(), 0.41283831882951183);
    assert_eq!(rng.next_f64(), 0.6303980498395979);
    let mut rng = Lcg::new(42);
    assert_eq!(rng.uniform(-1.0, 1.0), -1.0 + 2.0 * 0.2254634289477513);
}

#[test]
fn b3_data_layout() {
    let p = LinregProblem::new();
    let (n, d) = (B3_N, B3_D);
    assert_eq!((p.x.len(), p.y.len(), p.w.len()), (n * d, n, d));
    let u = formula_draws(B3_SEED, n * d + d + n);
    let uni = |k: usize, lo: f64, hi: f64| lo + (hi - lo) * u[k];
    assert_eq!(p.x[0], uni(0, -1.0, 1.0));
    assert_eq!(p.x[n * d - 1], uni(n * d - 1, -1.0, 1.0));
    assert_eq!(p.w_true[0], uni(n * d, -1.0, 1.0));
    assert_eq!(p.noise[n - 1], uni(n * d + d + n - 1, -0.1, 0.1));
    // y_0 = X_0 . w_true + noise_0, left-to-right.
    let mut y0 = 0.0;
    for j in 0..d {
        y0 += uni(j, -1.0, 1.0) * uni(n * d + j, -1.0, 1.0);
    }
    y0 += uni(n * d + d, -0.1, 0.1);
    assert_eq!(p.y[0], y0);
    // Independent Python values.
    assert_eq!(p.x[0], -0.5490731421044974);
    assert_eq!(p.w_true[0], 0.3800153322469366);
    assert_eq!(p.y[0], -1.0049853877443207);
    assert_eq!(p.y[n - 1], -0.0321594291580477);
    assert_eq!(p.w[0], 0.01);
    assert_eq!(p.w[15], 0.16);
    assert_eq!(linreg(&p.w, &p.x, &p.y), 28241.861211556115);
}

#[test]
fn b4_data_layout() {
    let p = LogregProblem::new();
    let (n, d) = (B4_N, B4_D);
    let u = formula_draws(B4_SEED, n * d + d + n);
    assert_eq!(p.w_true[d - 1], -2.0 + 4.0 * u[n * d + d - 1]);
    // The label draws come after all of X and w_true.
    for i in [0usize, 1, 2, n - 1] {
        let z = dot(&p.x[i * d..(i + 1) * d], &p.w_true);
        let ui = u[n * d + d + i];
        let want = if ui < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        };
        assert_eq!(p.y[i], want, "label {i}");
    }
    assert!(p.y.iter().all(|&v| v == 0.0 || v == 1.0));
    // Independent Python values: 4987 positives, first ten labels, loss.
    assert_eq!(p.y.iter().sum::<f64>(), 4987.0);
    assert_eq!(&p.y[..10], &[0., 0., 0., 1., 1., 0., 1., 1., 1., 1.]);
    assert_eq!((p.w[0], p.b), (0.05 - 0.4, 0.1));
    assert_rel(
        "B4 loss",
        logreg(&p.w, p.b, &p.x, &p.y),
        0.7192592241381451,
        1e-13,
    );
}

#[test]
fn b5_data_layout() {
    let p = MlpProblem::new();
    let (n, d, h) = (B5_N, B5_D, B5_H);
    assert_eq!((p.w1.len(), p.b1.len(), p.w2.len()), (h * d, h, h));
    let total = n * d + n + h * d + h + h + 1;
    let u = formula_draws(B5_SEED, total);
    assert_eq!(p.y[0], u[n * d]);
    assert_eq!(p.w1[0], -0.5 + u[n * d + n]);
    assert_eq!(p.b1[0], -0.1 + 0.2 * u[n * d + n + h * d]);
    assert_eq!(p.w2[h - 1], -0.5 + u[total - 2]);
    assert_eq!(p.b2, -0.1 + 0.2 * u[total - 1]);
    assert_eq!(p.b2, 0.035538213046995476); // Python
    let f = mlp(&p.w1, &p.b1, &p.w2, p.b2, &p.x, &p.y);
    assert_rel("B5 loss", f, 0.19269747770241552, 1e-13);
}

#[test]
fn b6_data_layout() {
    let p = RnnProblem::new();
    let u = formula_draws(B6_SEED, 2 * B6_T);
    assert_eq!(p.x[0], -1.0 + 2.0 * u[0]);
    assert_eq!(p.y[0], -0.5 + u[B6_T]);
    assert_eq!((p.a, p.u, p.c), (0.8, 0.6, -0.1));
    assert_rel(
        "B6 loss",
        rnn(p.a, p.u, p.c, &p.x, &p.y),
        2894.1759278083982,
        1e-12,
    );
}

// ---------------------------------------------------------------------------------------------
// Finite-difference helper
// ---------------------------------------------------------------------------------------------

#[test]
fn fd_helper_on_known_function() {
    let f = |q: &[f64]| q[0].sin() * q[1].exp() + q[2].powi(3);
    let p = [0.3, -0.7, 2.5];
    let mut g = [0.0; 3];
    let v = fd_gradient(f, &p, &mut g);
    assert_eq!(v, f(&p));
    let want = [
        0.3f64.cos() * (-0.7f64).exp(),
        0.3f64.sin() * (-0.7f64).exp(),
        3.0 * 2.5 * 2.5,
    ];
    for k in 0..3 {
        assert_rel("fd", g[k], want[k], 1e-9);
    }
    // The step grows with |x|: still accurate far from the origin.
    let mut one = [0.0];
    fd_gradient(|q: &[f64]| q[0].powi(3), &[-1.5e3], &mut one);
    assert_rel("fd large x", one[0], 3.0 * 1.5e3 * 1.5e3, 1e-9);
    assert_eq!(fd_step(0.5), f64::EPSILON.cbrt());
    assert_eq!(fd_step(-4.0), 4.0 * f64::EPSILON.cbrt());
}

// ---------------------------------------------------------------------------------------------
// Gradients
// ---------------------------------------------------------------------------------------------

#[test]
fn b1_known_value_and_gradient() {
    let p = Rosen2Problem::new();
    assert_eq!((p.x, p.y), (-1.2, 1.0));
    let v = rosen2(p.x, p.y);
    assert!((v - 24.2).abs() < 1e-12, "{v}");
    let (f, [dx, dy]) = rosen2_grad_hand(p.x, p.y);
    assert_eq!(f, v);
    assert!((dx - -215.6).abs() < 1e-12, "{dx}");
    assert!((dy - -88.0).abs() < 1e-12, "{dy}");
    let (fd_, [ddx, ddy]) = dual::rosen2_grad_dual(p.x, p.y);
    assert!(
        (fd_ - 24.2).abs() < 1e-12 && (ddx - -215.6).abs() < 1e-12 && (ddy - -88.0).abs() < 1e-12
    );
    let g = check_hand_vs_fd(&p, None);
    check_hand_vs_dual(&p, &g, None);
}

#[test]
fn b2_rosen_n_gradient() {
    let p = RosenNProblem::new();
    assert_eq!(p.x.len(), B2_N);
    assert_eq!(rosen_n(&p.x), 253616.0000000023); // Python
    let g = check_hand_vs_fd(&p, None);
    check_hand_vs_dual(&p, &g, None);
    // Natural-signature dual entry point agrees with the flat one.
    let mut d = vec![0.0; B2_N];
    dual::rosen_n_grad_dual(&p.x, &mut d);
    assert_eq!(d, {
        let mut g2 = vec![0.0; B2_N];
        p.grad_dual_flat(&p.x, &mut g2);
        g2
    });
    // Small sizes.
    let mut d1 = [7.0];
    assert_eq!(rosen_n_grad_hand(&[3.0], &mut d1), 0.0);
    assert_eq!(d1, [0.0]);
    let mut d2 = [0.0; 2];
    let (f2, g2) = rosen2_grad_hand(0.5, 2.0);
    assert_eq!(rosen_n_grad_hand(&[0.5, 2.0], &mut d2), f2);
    assert_eq!(d2, g2);
}

#[test]
fn b3_linreg_gradient() {
    let p = LinregProblem::new();
    let g = check_hand_vs_fd(&p, None);
    check_hand_vs_dual(&p, &g, None);
    let mut d = vec![0.0; B3_D];
    let f = dual::linreg_grad_dual(&p.w, &p.x, &p.y, &mut d);
    assert_rel("B3 dual value", f, linreg(&p.w, &p.x, &p.y), 1e-14);
}

#[test]
fn b3_linreg_odd_sizes() {
    // n not a multiple of the four-row blocks, odd d.
    for (n, d) in [(1, 1), (3, 5), (1003, 5)] {
        let p = LinregProblem::generate(n, d, 1);
        let g = check_hand_vs_fd(&p, None);
        check_hand_vs_dual(&p, &g, None);
    }
}

#[test]
fn b4_logreg_odd_sizes() {
    for (n, d) in [(1, 1), (3, 5), (1003, 5)] {
        let p = LogregProblem::generate(n, d, 2);
        let g = check_hand_vs_fd(&p, None);
        check_hand_vs_dual(&p, &g, None);
    }
}

#[test]
fn b4_logreg_gradient() {
    let p = LogregProblem::new();
    let g = check_hand_vs_fd(&p, None);
    check_hand_vs_dual(&p, &g, None);
    let mut d_w = vec![0.0; B4_D];
    let (_, [d_b]) = dual::logreg_grad_dual(&p.w, p.b, &p.x, &p.y, &mut d_w);
    assert_close_norm(
        "B4 natural dual d_b",
        0,
        d_b,
        g[B4_D],
        inf_norm(&g),
        DUAL_RTOL,
    );
}

#[test]
fn b5_mlp_gradient() {
    let p = MlpProblem::new();
    let len = p.n_params();
    assert_eq!(len, B5_H * B5_D + 2 * B5_H + 1);
    // A seeded subset (first and last coordinate included), covering all four parameter blocks.
    let mut ks = sample_indices(len, 24, 5);
    ks.extend([B5_H * B5_D, B5_H * B5_D + B5_H, len - 2]);
    ks.sort_unstable();
    ks.dedup();
    let g = check_hand_vs_fd(&p, Some(&ks));
    check_hand_vs_dual(&p, &g, Some(&ks));
}

#[test]
fn b5_mlp_odd_and_wide_hidden_layers() {
    // h = 7: the four-unit blocks leave a remainder; h = 81 > the stack buffer (heap path) and
    // leaves a remainder too.
    for h in [1, 7, 81] {
        let p = MlpProblem::generate(20, 3, h, 9);
        let g = check_hand_vs_fd(&p, None);
        check_hand_vs_dual(&p, &g, None);
    }
}

#[test]
fn b6_rnn_gradient() {
    let p = RnnProblem::new();
    let g = check_hand_vs_fd(&p, None);
    check_hand_vs_dual(&p, &g, None);
    let (f, gr) = rnn_grad_hand_reverse(p.a, p.u, p.c, &p.x, &p.y);
    assert_eq!(f, rnn(p.a, p.u, p.c, &p.x, &p.y));
    for k in 0..3 {
        assert_close_norm(
            "B6 forward-tangent vs adjoint",
            k,
            g[k],
            gr[k],
            inf_norm(&g),
            DUAL_RTOL,
        );
    }
}
