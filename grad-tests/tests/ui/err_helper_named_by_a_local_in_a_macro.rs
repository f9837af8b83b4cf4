// A helper without `#[gradient]` whose name a local takes, where that local is read inside a
// macro's tokens (which cannot be renamed): the helper is not copied, and a call of it with a
// differentiated argument is reported at its call. Read in a macro before the local's `let` or
// outside its block, the name is the helper's, and it is copied as any other.
use grad::gradient;

fn scale(x: f64) -> f64 {
    let mut s = 0.5;
    if { s += x.tanh(); s > 0.4 } || true {
        s -= 0.1;
    }
    s * x
}

#[gradient]
fn f(x: f64) -> f64 {
    let y = scale(x);
    let scale = 2.0;
    let v = vec![scale; 3];
    y * v[0]
}

fn main() {}
