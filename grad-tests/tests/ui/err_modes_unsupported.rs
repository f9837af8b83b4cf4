use grad::gradient;

// The tangent of `x` is called `v_x`: a parameter of that name is refused at its name.
#[gradient(jvp, wrt(x))]
fn clash(x: f64, v_x: f64) -> f64 {
    x * v_x
}

// `jvp` twice.
#[gradient(jvp, jvp)]
fn twice(x: f64) -> f64 {
    x * x
}

// `hessian` is another name for `hvp`: both at once is an error at the second.
#[gradient(hvp, hessian)]
fn both(x: f64) -> f64 {
    x * x
}

// `NAME_hessian_diag` of a function of sequences writes into `diag`, or `diag_` where a
// parameter takes that name: accepted.
#[gradient(hvp, wrt(x))]
fn damped(x: &[f64], diag: &[f64]) -> f64 {
    x.iter().zip(diag).map(|(v, d)| d * v * v).sum::<f64>()
}

fn main() {
}
