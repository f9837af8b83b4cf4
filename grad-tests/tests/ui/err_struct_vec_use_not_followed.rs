// A `Vec` of structs whose fields are written, then used in a way its rewrite does not follow
// (`truncate`): the error is at that use, naming what is followed.
use grad::gradient;

#[derive(Clone, Copy)]
struct P {
    x: f64,
    v: f64,
}

#[gradient(wrt(k))]
fn f(k: f64, init: &[P]) -> f64 {
    let mut ps = init.to_vec();
    for p in ps.iter_mut() {
        p.x += k * p.v;
    }
    ps.truncate(1);
    ps[0].x
}

fn main() {
    let init = [P { x: 1.0, v: 0.5 }, P { x: -1.0, v: 0.25 }];
    let _ = f_grad(0.5, &init);
}
