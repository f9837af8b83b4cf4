// A helper taking data of the other float type (left out of its `wrt`), given a list written in
// the caller, a function of `f64`: refused at the argument (a compile error inside the
// expansion before), naming what to pass.
use grad::gradient;

#[gradient(wrt(z))]
fn weigh(z: f64, d: &[f32]) -> f64 {
    z * d.iter().map(|&v| f64::from(v)).sum::<f64>()
}

#[gradient]
fn caller(x: &[f64]) -> f64 {
    weigh(x[0], &[0.5, -0.25])
}

fn main() {}
