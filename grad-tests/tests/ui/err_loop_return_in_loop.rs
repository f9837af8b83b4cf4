use grad::gradient;

// A `return` inside a loop whose value a `let` takes: the loop is not a statement.
#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let last = loop {
        if s > 1.0 {
            return s;
        }
        s += x[0] * x[0];
        if s > 0.5 {
            break s;
        }
    };
    last
}

// The same for a `loop` whose value is the function's.
#[gradient]
fn g(x: f64) -> f64 {
    let mut t = 0.0;
    loop {
        t += x;
        if t > 10.0 {
            return t;
        }
        if t > 5.0 {
            break t * 2.0;
        }
    }
}

fn main() {}
