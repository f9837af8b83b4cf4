// A helper without `#[gradient]` of another module, called by its path, whose body reads a
// private constant of its module: moved into the caller it would not see it, so it is refused,
// with an error at the call (rustc's E0425 for a `scaled_grad` before). A method of the model
// without `#[gradient]` of a trait's generic `impl`, read from the file, whose body converts with
// `.into()`: an error at the call naming `into` (rustc's E0599 for a `predict__model` before,
// then "cannot follow `.predict(..)`" while generic `impl`s were not read).
use grad::{gradient, Params};

mod nn {
    const K: f64 = 2.0;
    pub fn scaled(z: f64) -> f64 {
        K * z
    }
}

#[gradient]
fn f(w: &[f64]) -> f64 {
    nn::scaled(w[0]) + w[1]
}

pub trait Predict {
    fn predict(&self, x: &[f64]) -> f64;
}

#[derive(Clone, Params)]
pub struct Linear<T> {
    pub w: Vec<T>,
}

impl<T: Copy + Into<f64>> Predict for Linear<T> {
    fn predict(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| (*a).into() * b).sum()
    }
}

#[gradient(wrt(m))]
fn g(m: &Linear<f64>, x: &[f64]) -> f64 {
    m.predict(x)
}

fn main() {}
