use grad::gradient;

// A tuple of floats is a vector of outputs; a tuple with an integer in it is not.
#[gradient]
fn f(x: f64, y: f64) -> (f64, usize) {
    (x * y, 2)
}

fn main() {}
