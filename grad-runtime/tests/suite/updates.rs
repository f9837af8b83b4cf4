//! Each optimizer's first iterates on f(x) = ½(x₁² + 4x₂²) from (1, −2), against the textbook
//! update equations written out here, independently of the crate.

use crate::common::{assert_close, quadratic};
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;

const A: [f64; 2] = [1.0, 4.0];
const X0: [f64; 2] = [1.0, -2.0];

fn grad(x: &[f64]) -> Vec<f64> {
    x.iter().zip(A).map(|(x, a)| a * x).collect()
}

/// The iterates x₀, x₁, …, x_steps the optimizer produces through `minimize`.
fn iterates<O: Optimizer<f64>>(optimizer: O, steps: usize) -> Vec<Vec<f64>> {
    let options = Options::new()
        .max_iters(steps)
        .grad_tol(0.0)
        .history_points(true);
    let report = minimize(quadratic(&A), X0, optimizer, options).unwrap();
    assert_eq!(report.iterations, steps);
    report.history.points
}

fn check(actual: &[Vec<f64>], expected: &[Vec<f64>], tol: f64) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert_close(a, e, tol);
    }
}

#[test]
fn gradient_descent_follows_w_minus_alpha_grad() {
    let points = iterates(GradientDescent::new(0.1).unwrap(), 3);
    // By hand: x₁ = (1 − 0.1·1, −2 + 0.1·8) = (0.9, −1.2); x₂ = (0.81, −0.72); x₃ = (0.729, −0.432).
    check(
        &points,
        &[
            X0.to_vec(),
            vec![0.9, -1.2],
            vec![0.81, -0.72],
            vec![0.729, -0.432],
        ],
        1e-15,
    );
}

#[test]
fn heavy_ball_momentum_matches_pytorch_sgd() {
    let sgd = Sgd::builder().lr(0.1).momentum(0.9).build().unwrap();
    let points = iterates(sgd, 3);
    // b₁ = g₀ = (1, −8), x₁ = (0.9, −1.2); g₁ = (0.9, −4.8), b₂ = 0.9 b₁ + g₁ = (1.8, −12),
    // x₂ = (0.72, 0); g₂ = (0.72, 0), b₃ = (2.34, −10.8), x₃ = (0.486, 1.08).
    check(
        &points,
        &[
            X0.to_vec(),
            vec![0.9, -1.2],
            vec![0.72, 0.0],
            vec![0.486, 1.08],
        ],
        1e-14,
    );
}

#[test]
fn nesterov_momentum_matches_pytorch_sgd() {
    let sgd = Sgd::builder()
        .lr(0.1)
        .momentum(0.9)
        .nesterov(true)
        .build()
        .unwrap();
    let points = iterates(sgd, 2);
    // b₁ = g₀, d = g₀ + 0.9 b₁ = (1.9, −15.2), x₁ = (0.81, −0.48);
    // g₁ = (0.81, −1.92), b₂ = 0.9 b₁ + g₁ = (1.71, −9.12), d = g₁ + 0.9 b₂ = (2.349, −10.128),
    // x₂ = (0.5751, 0.5328).
    check(
        &points,
        &[X0.to_vec(), vec![0.81, -0.48], vec![0.5751, 0.5328]],
        1e-14,
    );
}

#[test]
fn dampening_skips_the_first_step_like_pytorch() {
    let sgd = Sgd::builder()
        .lr(0.1)
        .momentum(0.9)
        .dampening(0.5)
        .build()
        .unwrap();
    let points = iterates(sgd, 2);
    // b₁ = g₀ undamped, x₁ = (0.9, −1.2); b₂ = 0.9 b₁ + 0.5 g₁ = (1.35, −9.6), x₂ = (0.765, −0.24).
    check(
        &points,
        &[X0.to_vec(), vec![0.9, -1.2], vec![0.765, -0.24]],
        1e-14,
    );
}

#[test]
fn sgd_weight_decay_adds_lambda_x_to_the_gradient() {
    let sgd = Sgd::builder().lr(0.1).weight_decay(0.1).build().unwrap();
    let points = iterates(sgd, 1);
    // d = g + 0.1 x = (1.1, −8.2), x₁ = (0.89, −1.18).
    check(&points, &[X0.to_vec(), vec![0.89, -1.18]], 1e-15);
}

/// Adam's equations (Kingma & Ba, Algorithm 1, with PyTorch's ε placement), optionally AMSGrad
/// and AdamW's decoupled decay.
fn adam_reference(
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    amsgrad: bool,
    decoupled_wd: f64,
    steps: usize,
) -> Vec<Vec<f64>> {
    let mut x = X0.to_vec();
    let (mut m, mut v, mut vmax) = (vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]);
    let mut out = vec![x.clone()];
    for t in 1..=steps {
        let g = grad(&x);
        for i in 0..2 {
            x[i] *= 1.0 - lr * decoupled_wd;
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            vmax[i] = f64::max(vmax[i], v[i]);
            let m_hat = m[i] / (1.0 - b1.powi(t as i32));
            let v_hat = if amsgrad { vmax[i] } else { v[i] } / (1.0 - b2.powi(t as i32));
            x[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
        out.push(x.clone());
    }
    out
}

#[test]
fn adam_matches_kingma_ba() {
    let points = iterates(Adam::new(0.1).unwrap(), 4);
    // The first step of Adam is lr·sign(g) (up to ε): (0.9, −1.9).
    assert_close(&points[1], &[0.9, -1.9], 1e-8);
    check(
        &points,
        &adam_reference(0.1, 0.9, 0.999, 1e-8, false, 0.0, 4),
        1e-14,
    );
}

#[test]
fn adam_custom_betas_and_amsgrad() {
    let adam = Adam::builder()
        .lr(0.3)
        .betas(0.5, 0.6)
        .amsgrad(true)
        .build()
        .unwrap();
    let points = iterates(adam, 6);
    let reference = adam_reference(0.3, 0.5, 0.6, 1e-8, true, 0.0, 6);
    check(&points, &reference, 1e-13);
    // AMSGrad must actually differ from Adam here (v shrinks as the gradient does).
    let plain = adam_reference(0.3, 0.5, 0.6, 1e-8, false, 0.0, 6);
    assert!((plain[6][0] - reference[6][0]).abs() > 1e-6);
}

#[test]
fn adamw_decays_the_weights_directly() {
    let adamw = AdamW::builder().lr(0.1).weight_decay(0.1).build().unwrap();
    let points = iterates(adamw, 3);
    // x₁ = 0.99·x₀ − 0.1·sign(g₀) = (0.89, −1.88).
    assert_close(&points[1], &[0.89, -1.88], 1e-8);
    check(
        &points,
        &adam_reference(0.1, 0.9, 0.999, 1e-8, false, 0.1, 3),
        1e-14,
    );
}

#[test]
fn adam_coupled_weight_decay_enters_the_gradient() {
    let adam = Adam::builder().lr(0.1).weight_decay(0.5).build().unwrap();
    let points = iterates(adam, 1);
    // The first step stays lr·sign(g + 0.5x): g + 0.5x = (1.5, −9).
    assert_close(&points[1], &[0.9, -1.9], 1e-8);
}

fn rmsprop_reference(
    lr: f64,
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    steps: usize,
) -> Vec<Vec<f64>> {
    let mut x = X0.to_vec();
    let (mut v, mut mean, mut buf) = (vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]);
    let mut out = vec![x.clone()];
    for _ in 0..steps {
        let g = grad(&x);
        for i in 0..2 {
            v[i] = alpha * v[i] + (1.0 - alpha) * g[i] * g[i];
            mean[i] = alpha * mean[i] + (1.0 - alpha) * g[i];
            let denom = if centered {
                (v[i] - mean[i] * mean[i]).sqrt()
            } else {
                v[i].sqrt()
            } + eps;
            buf[i] = momentum * buf[i] + g[i] / denom;
            x[i] -= lr * buf[i];
        }
        out.push(x.clone());
    }
    out
}

#[test]
fn rmsprop_matches_tieleman_hinton() {
    let points = iterates(RmsProp::new(0.01).unwrap(), 4);
    // v₁ = 0.01 g², so the first step is 0.01·g / (0.1|g|) = 0.1·sign(g).
    assert_close(&points[1], &[0.9, -1.9], 1e-8);
    check(
        &points,
        &rmsprop_reference(0.01, 0.99, 1e-8, 0.0, false, 4),
        1e-14,
    );
}

#[test]
fn rmsprop_centered_with_momentum() {
    let rms = RmsProp::builder()
        .lr(0.01)
        .alpha(0.9)
        .momentum(0.5)
        .centered(true)
        .build()
        .unwrap();
    let points = iterates(rms, 4);
    // Centered first step: √(0.1 g² − 0.01 g²) = 0.3|g|, so 0.01/0.3 = 0.0333… per unit sign.
    assert_close(&points[1], &[1.0 - 0.01 / 0.3, -2.0 + 0.01 / 0.3], 1e-8);
    check(
        &points,
        &rmsprop_reference(0.01, 0.9, 1e-8, 0.5, true, 4),
        1e-14,
    );
}

#[test]
fn adagrad_matches_duchi_et_al() {
    let adagrad = Adagrad::builder()
        .lr(0.1)
        .lr_decay(0.5)
        .initial_accumulator_value(0.25)
        .build()
        .unwrap();
    let points = iterates(adagrad, 3);
    let mut x = X0.to_vec();
    let mut s = [0.25; 2];
    let mut expected = vec![x.clone()];
    for t in 1..=3 {
        let g = grad(&x);
        let lr = 0.1 / (1.0 + (t - 1) as f64 * 0.5);
        for i in 0..2 {
            s[i] += g[i] * g[i];
            x[i] -= lr * g[i] / (s[i].sqrt() + 1e-10);
        }
        expected.push(x.clone());
    }
    // By hand: s = 0.25 + (1, 64), x₁ = (1 − 0.1/√1.25, −2 + 0.8/√64.25).
    assert_close(
        &points[1],
        &[1.0 - 0.1 / 1.25f64.sqrt(), -2.0 + 0.8 / 64.25f64.sqrt()],
        1e-9,
    );
    check(&points, &expected, 1e-14);
}

#[test]
#[allow(clippy::needless_range_loop)] // matrix formulas read best with explicit indices
fn lbfgs_first_steps_follow_the_bfgs_update() {
    let points = iterates(Lbfgs::default(), 2);
    // Step 1: steepest descent with α = min(1, 1/‖g₀‖₁) = 1/9, which meets the strong Wolfe
    // conditions here, so x₁ = x₀ − g₀/9.
    let g0 = grad(&X0);
    let x1: Vec<f64> = X0.iter().zip(&g0).map(|(x, g)| x - g / 9.0).collect();
    assert_close(&points[1], &x1, 1e-14);
    // Step 2: d = −H₁ g₁ with H₁ = (I − ρ s yᵀ) γI (I − ρ y sᵀ) + ρ s sᵀ, γ = sᵀy / yᵀy
    // (Nocedal & Wright eq. 7.19–7.20); the unit step is accepted on this quadratic.
    let g1 = grad(&x1);
    let s: Vec<f64> = (0..2).map(|i| x1[i] - X0[i]).collect();
    let y: Vec<f64> = (0..2).map(|i| g1[i] - g0[i]).collect();
    let sy = s[0] * y[0] + s[1] * y[1];
    let rho = 1.0 / sy;
    let gamma = sy / (y[0] * y[0] + y[1] * y[1]);
    let mut h = [[0.0; 2]; 2];
    for r in 0..2 {
        for c in 0..2 {
            let mut sum = 0.0;
            for k in 0..2 {
                // (I − ρ s yᵀ)[r][k] · γ · (I − ρ y sᵀ)[k][c]
                let left = if r == k { 1.0 } else { 0.0 } - rho * s[r] * y[k];
                let right = if k == c { 1.0 } else { 0.0 } - rho * y[k] * s[c];
                sum += left * gamma * right;
            }
            h[r][c] = sum + rho * s[r] * s[c];
        }
    }
    let x2: Vec<f64> = (0..2)
        .map(|r| x1[r] - (h[r][0] * g1[0] + h[r][1] * g1[1]))
        .collect();
    assert_close(&points[2], &x2, 1e-13);
}

#[test]
fn lbfgs_converges_superlinearly_on_a_quadratic() {
    let options = Options::new().grad_tol(1e-12).history(true);
    let report = minimize(quadratic(&A), X0, Lbfgs::default(), options).unwrap();
    assert!(report.converged());
    assert!(report.iterations <= 10, "{report}");
    // The last steps shrink the gradient by far more than any fixed linear rate would.
    let norms = &report.history.grad_norms;
    let last = norms.len() - 1;
    assert!(norms[last] / norms[last - 1] < 1e-2, "{norms:?}");
}
