// Reads of a differentiated model that the macro does not follow: a field read both as a number
// and as a count. (Rows of the structs of a `Vec` of structs are followed, see `layer_rows.rs`;
// plain methods called on the model or on its fields, and the model passed whole to a plain
// function of this file, compile: they are followed as the module's helpers, see
// `plain_helpers.rs`.)
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Model {
    w: Vec<f64>,
    b: f64,
    n: f64,
}

fn helper(m: &Model) -> f64 {
    m.b
}

impl Model {
    fn forward(&self, x: f64) -> f64 {
        self.b * x
    }

    #[gradient]
    fn calls_a_method(&self, x: f64) -> f64 {
        self.forward(x) * self.b
    }

    #[gradient]
    fn passes_self(&self, v: &[f64]) -> f64 {
        v.iter().map(|x| x * self.b).sum::<f64>() + v.iter().fold(0.0, |a, _| a + helper(self))
    }
}

#[derive(Clone, Params)]
struct Outer {
    inner: Model,
}

#[gradient(wrt(o))]
fn method_of_a_field(o: &Outer) -> f64 {
    o.inner.forward(2.0) * o.inner.b
}

#[gradient(wrt(m))]
fn passes_the_model(m: &Model) -> f64 {
    helper(m) * m.b
}

#[gradient(wrt(m))]
fn number_and_count(m: &Model) -> f64 {
    let mut s = m.n * m.b;
    for j in 0..m.n as usize {
        s += m.w[j];
    }
    s
}

fn main() {}
