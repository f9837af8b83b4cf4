// What `#[gradient]` generates for one function (`inner_grad`, `sq_jvp`) called inside another:
// refused at the call, naming the function it was generated for and the second-order options.
use grad::gradient;

#[gradient]
fn inner_xy(x: f64, y: f64) -> f64 {
    x * y
}

#[gradient(jvp)]
fn sq(x: f64) -> f64 {
    x * x
}

#[gradient]
fn nested(x: f64) -> f64 {
    let (_, [_, d]) = inner_xy_grad(x, 1.0);
    x * d
}

#[gradient]
fn through_jvp(x: f64) -> f64 {
    sq_jvp(x, 1.0).0
}

fn main() {
    let _ = nested_grad(4.0);
    let _ = through_jvp_grad(5.0);
}
