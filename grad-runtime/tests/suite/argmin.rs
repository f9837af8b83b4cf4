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
