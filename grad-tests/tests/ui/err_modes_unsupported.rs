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

fn main() {
}
