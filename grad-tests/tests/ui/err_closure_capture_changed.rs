// A closure is inlined at its calls only while the names it reads still mean what they meant at
// its definition; after `a` is declared again, the call would read another `a`, so the closure is
// reported instead.
use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    let a = x;
    let scale = |t: f64| t * a;
    let a = 2.0;
    scale(x) + a
}

fn main() {}
