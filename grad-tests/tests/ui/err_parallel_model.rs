// `parallel` on the loss of a model, or with an unknown option, is a clear error at the option.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Line {
    a: f64,
    b: f64,
}

impl Line {
    #[gradient(parallel)]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += (self.a * x[i] + self.b - y[i]).powi(2);
        }
        s
    }
}

#[gradient(wrt(m), parallel)]
fn free(m: &Line, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += m.a * v;
    }
    s
}

#[gradient(parallel(chunks = 4))]
fn unknown_option(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in w {
        s += v * v;
    }
    s
}

fn main() {}
