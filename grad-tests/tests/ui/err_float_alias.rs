// A parameter whose type is `f64` under another name would silently be a constant: the macro
// sees names, not what they alias, so the expansion asks the compiler, and a parameter of an
// alias of the float type is an error at its type. Other types by any name are constants, and
// `wrt(..)` may leave an alias out on purpose.
use grad::gradient;

type Real = f64;
type Count = usize;

#[derive(Clone, Copy)]
struct Cfg {
    k: f64,
}

#[gradient]
fn aliased(x: Real, y: f64) -> f64 {
    x * y + x.sin()
}

#[gradient]
fn aliased_slice(w: &[Real], y: f64) -> f64 {
    w[0] * y
}

#[gradient]
fn others(x: f64, c: Cfg, n: Count, w: &[Cfg], t: (usize, Cfg)) -> f64 {
    x * c.k * n as f64 + w[0].k + t.1.k
}

#[gradient(wrt(y))]
fn left_out(x: Real, y: f64) -> f64 {
    x * y
}

// The return type too: a hint to write `f64`.
#[gradient]
fn returns_alias(x: f64) -> Real {
    x * x
}

fn main() {}
