// A closure is inlined at its calls; one passed on as a value the macro does not follow (here
// inside a tuple) has calls it cannot see, so the closure is reported. (A closure called through
// a second name, `let other = scale;`, or called after a name it reads was declared again is
// inlined: it reads what it captured.)
use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let a = x;
    let scale = |t: f64| t * a;
    let pair = (scale, 1.0);
    (pair.0)(x) + a * pair.1
}

fn main() {}
