//! The shapes of objective, start and optimizer that `minimize` accepts without glue.

use crate::common::{quadratic, rosenbrock_grad};
use grad_runtime::core::Objective;
use grad_runtime::optim::Optimizer;
use grad_runtime::prelude::*;

fn f1(a: f64) -> (f64, [f64; 1]) {
    (a * a, [2.0 * a])
}
fn f3(a: f64, b: f64, c: f64) -> (f64, [f64; 3]) {
    (a * a + b * b + c * c, [2.0 * a, 2.0 * b, 2.0 * c])
}
#[allow(clippy::too_many_arguments)]
fn f8(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64, g: f64, h: f64) -> (f64, [f64; 8]) {
    let x = [a, b, c, d, e, f, g, h];
    (
        x.iter().map(|v| (v - 1.0).powi(2)).sum(),
        x.map(|v| 2.0 * (v - 1.0)),
    )
}

#[test]
fn scalar_functions_of_every_arity_plug_in() {
    let opts = || Options::new().grad_tol(1e-10);
    assert!(
        minimize(f1, [3.0], Lbfgs::default(), opts())
            .unwrap()
            .converged()
    );
    assert!(
        minimize(f3, [1.0, 2.0, 3.0], Lbfgs::default(), opts())
            .unwrap()
            .converged()
    );
    let report = minimize(f8, [0.0; 8], Lbfgs::default(), opts()).unwrap();
    assert!(report.x.iter().all(|v| (v - 1.0).abs() < 1e-9));
    // Closures with scalar parameters too.
    let shift = 2.0;
    let report = minimize(
        |x: f64, y: f64| ((x - shift).powi(2) + y * y, [2.0 * (x - shift), 2.0 * y]),
        [0.0, 1.0],
        Lbfgs::default(),
        opts(),
    )
    .unwrap();
    assert!((report.x[0] - shift).abs() < 1e-9);
}

#[test]
fn starts_may_be_arrays_slices_or_vectors() {
    let opts = || Options::new().max_iters(3);
    let owned = vec![-1.2, 1.0];
    let a = minimize(rosenbrock_grad, [-1.2, 1.0], Adam::default(), opts()).unwrap();
    let b = minimize(rosenbrock_grad, &owned, Adam::default(), opts()).unwrap();
    let c = minimize(rosenbrock_grad, owned.as_slice(), Adam::default(), opts()).unwrap();
    let d = minimize(rosenbrock_grad, owned, Adam::default(), opts()).unwrap();
    assert!(a.x == b.x && b.x == c.x && c.x == d.x);
}

#[test]
fn slice_objectives_bind_data_in_closures() {
    fn loss_grad(w: &[f64], x: &[f64], y: &[f64], d_w: &mut [f64]) -> f64 {
        let r: Vec<f64> = x.iter().zip(y).map(|(xi, yi)| w[0] * xi - yi).collect();
        d_w[0] = r.iter().zip(x).map(|(r, x)| r * x).sum();
        0.5 * r.iter().map(|r| r * r).sum::<f64>()
    }
    let (x, y) = (vec![1.0, 2.0, 3.0], vec![2.0, 4.0, 6.0]);
    let report = minimize(
        |w: &[f64], g: &mut [f64]| loss_grad(w, &x, &y, g),
        [0.0],
        Lbfgs::default(),
        Options::new(),
    )
    .unwrap();
    assert!((report.x[0] - 2.0).abs() < 1e-9);
    // A mutable closure, passed by reference and used again.
    let mut calls = 0;
    let mut counting = |w: &[f64], g: &mut [f64]| {
        calls += 1;
        loss_grad(w, &x, &y, g)
    };
    let first = minimize(&mut counting, [0.0], Lbfgs::default(), Options::new()).unwrap();
    minimize(&mut counting, [5.0], Lbfgs::default(), Options::new()).unwrap();
    assert!(calls > first.evaluations);
}

struct Model {
    a: Vec<f64>,
}

impl Objective<f64> for Model {
    fn eval(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        quadratic(&self.a)(x, grad)
    }
}

#[test]
fn user_types_implement_objective() {
    let model = Model { a: vec![1.0, 2.0] };
    let report = minimize(model, [1.0, 1.0], Lbfgs::default(), Options::new()).unwrap();
    assert!(report.converged());
}

#[test]
fn optimizers_can_be_borrowed_boxed_or_chosen_at_run_time() {
    let mut adam = Adam::new(0.1).unwrap();
    let opts = || Options::new().max_iters(10);
    let first = minimize(f1, [1.0], &mut adam, opts()).unwrap();
    let second = minimize(f1, [1.0], &mut adam, opts()).unwrap();
    assert_eq!(first.x, second.x, "init resets the state between runs");

    let choose = |name: &str| -> Box<dyn Optimizer<f64>> {
        match name {
            "adam" => Box::new(Adam::default()),
            _ => Box::new(Lbfgs::default()),
        }
    };
    let report = minimize(f1, [1.0], choose("lbfgs"), Options::new()).unwrap();
    assert_eq!(report.optimizer, "L-BFGS");
}

#[test]
fn reports_print_what_happened() {
    let report = minimize(
        rosenbrock_grad,
        [-1.2, 1.0],
        Lbfgs::default(),
        Options::new(),
    )
    .unwrap();
    let text = report.to_string();
    assert!(
        text.starts_with("L-BFGS: converged: gradient norm below tolerance after"),
        "{text}"
    );
    assert!(text.contains("x: [1.000000, 1.000000]"), "{text}");
    let long = minimize(
        quadratic(&[1.0; 12]),
        [1.0; 12],
        GradientDescent::default(),
        Options::new().max_iters(1),
    )
    .unwrap();
    assert!(long.to_string().contains("(4 more)"), "{long}");
}

#[cfg(feature = "progress")]
#[test]
fn progress_bar_runs() {
    let report = minimize(
        rosenbrock_grad,
        [-1.2, 1.0],
        Adam::default(),
        Options::new().max_iters(500).progress_bar(),
    )
    .unwrap();
    assert_eq!(report.iterations, 500);
    let unbounded = Options::new().max_epochs(2).progress_bar();
    let objective = |w: &[f64], _: &[usize], g: &mut [f64]| {
        g[0] = w[0];
        w[0] * w[0]
    };
    minimize_batches(
        objective,
        [1.0],
        Sgd::default(),
        Batches::new(4, 2).unwrap(),
        unbounded,
    )
    .unwrap();
}
