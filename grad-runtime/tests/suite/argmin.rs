//! argmin's solvers through the adapter (feature `argmin`).

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::{HagerZhangLineSearch, MoreThuenteLineSearch};
use argmin::solver::quasinewton::LBFGS;
use grad_runtime::argmin::ArgminProblem;

use crate::common::{assert_close, rosenbrock_grad};

#[test]
fn argmin_lbfgs_with_more_thuente_solves_rosenbrock() {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(1e-10)
        .unwrap();
    let result = Executor::new(ArgminProblem::new(rosenbrock_grad), solver)
        .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(200))
        .run()
        .unwrap();
    assert_close(result.state().get_best_param().unwrap(), &[1.0, 1.0], 1e-8);
}

#[test]
fn argmin_lbfgs_with_hager_zhang_solves_a_slice_objective() {
    let rosenbrock = |w: &[f64], g: &mut [f64]| {
        let (value, grad) = rosenbrock_grad(w[0], w[1]);
        g.copy_from_slice(&grad);
        value
    };
    let solver = LBFGS::new(HagerZhangLineSearch::new(), 7)
        .with_tolerance_grad(1e-10)
        .unwrap();
    let result = Executor::new(ArgminProblem::new(rosenbrock), solver)
        .configure(|state| state.param(vec![-1.2, 1.0]).max_iters(200))
        .run()
        .unwrap();
    assert_close(result.state().get_best_param().unwrap(), &[1.0, 1.0], 1e-8);
}

#[test]
fn cost_and_gradient_share_one_evaluation() {
    let problem = ArgminProblem::new(rosenbrock_grad);
    let x = vec![0.5, -0.3];
    let cost = problem.cost(&x).unwrap();
    let grad = problem.gradient(&x).unwrap();
    let (value, expected) = rosenbrock_grad(0.5, -0.3);
    assert_eq!((cost, grad), (value, expected.to_vec()));
    assert_eq!(problem.evaluations(), 1);
    problem.gradient(&vec![0.0, 0.0]).unwrap();
    assert_eq!(problem.evaluations(), 2);
}

#[test]
fn wrong_lengths_are_argmin_errors() {
    let problem = ArgminProblem::new(rosenbrock_grad);
    let err = problem.cost(&vec![1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the parameter vector has length 3, expected 2"
    );
}

/// Rosenbrock in `n` dimensions (the sum over consecutive pairs), its minimum at all ones.
#[cfg(any(feature = "argmin-ndarray", feature = "argmin-nalgebra"))]
fn extended_rosenbrock(w: &[f64], g: &mut [f64]) -> f64 {
    g.fill(0.0);
    let mut value = 0.0;
    for i in 0..w.len() - 1 {
        let (a, b) = (w[i], w[i + 1]);
        value += (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        g[i] += -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[i + 1] += 200.0 * (b - a * a);
    }
    value
}

/// The usual start of the extended Rosenbrock function: (−1.2, 1, −1.2, 1, …).
#[cfg(any(feature = "argmin-ndarray", feature = "argmin-nalgebra"))]
fn extended_rosenbrock_start(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect()
}

#[cfg(feature = "argmin-ndarray")]
mod ndarray_backend {
    use super::*;
    use ndarray::{Array1, array, s};

    #[test]
    fn argmin_lbfgs_solves_rosenbrock_over_array1() {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-10)
            .unwrap();
        let problem = ArgminProblem::with_param_type::<Array1<f64>>(rosenbrock_grad);
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(array![-1.2, 1.0]).max_iters(200))
            .run()
            .unwrap();
        let best: &Array1<f64> = result.state().get_best_param().unwrap();
        assert_close(best.as_slice().unwrap(), &[1.0, 1.0], 1e-8);
    }

    #[test]
    fn argmin_lbfgs_solves_a_slice_objective_over_array1() {
        let solver = LBFGS::new(HagerZhangLineSearch::new(), 7)
            .with_tolerance_grad(1e-10)
            .unwrap();
        let problem = ArgminProblem::with_param_type::<Array1<f64>>(extended_rosenbrock);
        let start = Array1::from_vec(extended_rosenbrock_start(10));
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(500))
            .run()
            .unwrap();
        let best = result.state().get_best_param().unwrap();
        assert_close(best.as_slice().unwrap(), &[1.0; 10], 1e-8);
    }

    #[test]
    fn a_strided_array1_is_read_in_order() {
        let problem = ArgminProblem::with_param_type::<Array1<f64>>(rosenbrock_grad);
        // Reversed: not contiguous in order, so the adapter reads a copy.
        let x = array![-0.3, 0.5].slice_move(s![..;-1]);
        assert!(x.as_slice().is_none());
        let (value, grad) = rosenbrock_grad(0.5, -0.3);
        assert_eq!(problem.cost(&x).unwrap(), value);
        assert_eq!(
            problem.gradient(&x).unwrap(),
            Array1::from_vec(grad.to_vec())
        );
        assert_eq!(problem.evaluations(), 1);
    }
}

#[cfg(feature = "argmin-nalgebra")]
mod nalgebra_backend {
    use super::*;
    use nalgebra::{DVector, dvector};

    #[test]
    fn argmin_lbfgs_solves_rosenbrock_over_dvector() {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-10)
            .unwrap();
        let problem = ArgminProblem::with_param_type::<DVector<f64>>(rosenbrock_grad);
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(dvector![-1.2, 1.0]).max_iters(200))
            .run()
            .unwrap();
        let best: &DVector<f64> = result.state().get_best_param().unwrap();
        assert_close(best.as_slice(), &[1.0, 1.0], 1e-8);
    }

    #[test]
    fn argmin_lbfgs_solves_a_slice_objective_over_dvector() {
        let solver = LBFGS::new(HagerZhangLineSearch::new(), 7)
            .with_tolerance_grad(1e-10)
            .unwrap();
        let problem = ArgminProblem::with_param_type::<DVector<f64>>(extended_rosenbrock);
        let start = DVector::from_vec(extended_rosenbrock_start(10));
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(start).max_iters(500))
            .run()
            .unwrap();
        let best = result.state().get_best_param().unwrap();
        assert_close(best.as_slice(), &[1.0; 10], 1e-8);
    }

    #[test]
    fn wrong_lengths_are_argmin_errors_over_dvector() {
        let problem = ArgminProblem::with_param_type::<DVector<f64>>(rosenbrock_grad);
        let err = problem.gradient(&dvector![1.0, 2.0, 3.0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the parameter vector has length 3, expected 2"
        );
    }
}
