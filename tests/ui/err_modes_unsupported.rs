use grad::{gradient, Params};

#[derive(Params)]
struct Line {
    a: f64,
    b: f64,
}

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

#[gradient]
fn helper(x: f64) -> f64 {
    x.sin()
}

// Second order does not differentiate a call twice yet: an error at the call, and stubs of
// `NAME_hvp` and `NAME_hessian` so that their callers see no cascade.
#[gradient(hvp)]
fn calls(x: f64) -> f64 {
    helper(x) * x
}

// Models do not have second order yet either.
#[gradient(hvp, wrt(m))]
fn fit2(m: &Line, x: f64) -> f64 {
    (m.a * x + m.b).powi(2)
}

fn main() {
    let _ = calls_hessian(1.0);
}
