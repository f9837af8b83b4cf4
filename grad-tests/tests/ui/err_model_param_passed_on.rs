use grad::{gradient, Params};

#[derive(Params, Clone)]
struct Line {
    w: f64,
    b: f64,
}

#[gradient(wrt(pred))]
fn mse(pred: &[f64], y: &[f64]) -> f64 {
    pred.iter().zip(y).map(|(p, t)| (p - t) * (p - t)).sum::<f64>()
}

impl Line {
    #[gradient]
    fn loss(&self, x: &[f64], y: &[f64]) -> f64 {
        let pred: Vec<f64> = x.iter().map(|v| self.w * v + self.b).collect();
        mse(&pred, y)
    }
}

// `loss` passes `y` to `mse`, which does not differentiate it: a caller that differentiates
// `y` through `loss` is told so.
#[gradient(wrt(m, y))]
fn outer(m: &Line, x: &[f64], y: &[f64]) -> f64 {
    m.loss(x, y)
}

fn main() {
    let m = Line { w: 1.0, b: 0.0 };
    let _ = outer(&m, &[1.0], &[2.0]);
}
