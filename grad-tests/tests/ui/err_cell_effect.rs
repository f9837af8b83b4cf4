// A differentiated value given to a call made for its effect (a `Cell`'s `set`, a helper that
// stores it): the effect cannot be followed, so the call is refused where it is, rather than the
// unused value dropped with the effect.
use grad::gradient;
use std::cell::Cell;

fn store(c: &Cell<f64>, v: f64) {
    c.set(v);
}

#[gradient]
fn through_cell(x: f64) -> f64 {
    let r = Cell::new(1.0);
    r.set(r.get() * x);
    r.get() * 3.0
}

#[gradient]
fn through_helper(x: f64) -> f64 {
    let r = Cell::new(1.0);
    store(&r, x);
    let _ = r.replace(x * 2.0);
    r.get()
}

fn main() {
    let _ = through_cell_grad(2.0);
    let _ = through_helper_grad(2.0);
}
