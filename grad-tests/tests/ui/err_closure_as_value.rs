// A closure is inlined at its calls; one passed on as a value (here to another name) has calls
// the macro cannot see, so the closure is reported. (A closure called after a name it reads was
// declared again is inlined: it reads what it captured.)
use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let a = x;
    let scale = |t: f64| t * a;
    let other = scale;
    other(x) + a
}

fn main() {}
