// Reads of a differentiated model that the macro does not follow yet: a method called on it, the
// model passed as a whole, a field read both as a number and as a count, rows of `self`.
use grad::{gradient, Params};

#[derive(Clone, Params)]
struct Model {
    w: Vec<f64>,
    grid: Vec<Vec<f64>>,
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
    fn rows_of_self(&self) -> f64 {
        self.grid[0][0] * self.b
    }
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
