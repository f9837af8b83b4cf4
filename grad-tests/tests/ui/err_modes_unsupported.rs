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

// Models do not have second order yet either.
#[gradient(hvp, wrt(m))]
fn fit2(m: &Line, x: f64) -> f64 {
    (m.a * x + m.b).powi(2)
}

fn main() {
}
