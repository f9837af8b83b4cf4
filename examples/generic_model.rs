//! One model, two float types: a small network generic over `T: grad::Real`, its loss a
//! `#[gradient]` method written once, trained with Adam in `f32` and in `f64` on the same data
//! (a noisy sine). The generated `loss_grad` is as generic as the loss; each instantiation is
//! checked against finite differences before training.
//!
//! Run with `cargo run --release --example generic_model`.

use grad::runtime::check::check_gradient;
use grad::runtime::optim::Adam;
use grad::runtime::{minimize, Options};
use grad::{gradient, Params, Real};

/// Hidden tanh units.
const HIDDEN: usize = 12;

/// x → 12 tanh units → y, every weight of type `T`.
#[derive(Clone, Debug, Params)]
struct Net<T> {
    w1: Vec<T>,
    b1: Vec<T>,
    w2: Vec<T>,
    b2: T,
}

impl<T: Real> Net<T> {
    /// Deterministic small weights (a fixed pattern, so both types start from the same net).
    fn new() -> Self {
        let w = |k: usize, scale: f64| T::from(scale * ((k as f64 * 1.7).sin())).unwrap();
        Net {
            w1: (0..HIDDEN).map(|k| w(k, 1.5)).collect(),
            b1: (0..HIDDEN).map(|k| w(k + 31, 0.5)).collect(),
            w2: (0..HIDDEN).map(|k| w(k + 57, 0.3)).collect(),
            b2: T::zero(),
        }
    }

    /// The prediction at `x`.
    fn predict(&self, x: T) -> T {
        let mut y = self.b2;
        for h in 0..HIDDEN {
            y = y + self.w2[h] * (self.w1[h] * x + self.b1[h]).tanh();
        }
        y
    }

    /// Mean squared error over the data, plus a small weight decay.
    #[gradient]
    fn loss(&self, xs: &[T], ys: &[T]) -> T {
        let mut total = T::zero();
        for (i, &x) in xs.iter().enumerate() {
            let mut y = self.b2;
            for h in 0..HIDDEN {
                y = y + self.w2[h] * (self.w1[h] * x + self.b1[h]).tanh();
            }
            let r = y - ys[i];
            total = total + r * r;
        }
        let decay = self.w2.iter().fold(T::zero(), |acc, &w| acc + w * w);
        total / T::from(xs.len()).unwrap() + T::from(1e-4).unwrap() * decay
    }
}

/// `n` points of y = sin(2x) + noise on [-1.5, 1.5], in `T`.
fn data<T: Real>(n: usize) -> (Vec<T>, Vec<T>) {
    let xs: Vec<f64> = (0..n)
        .map(|i| -1.5 + 3.0 * i as f64 / (n - 1) as f64)
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * x).sin() + 0.05 * ((i as f64 * 12.9898).sin() * 437.58).fract())
        .collect();
    let cast = |v: &[f64]| v.iter().map(|&a| T::from(a).unwrap()).collect();
    (cast(&xs), cast(&ys))
}

/// Checks the gradient, trains, and returns the loss before and after.
fn train<T: Real>(name: &str, lr: f64, iters: usize) -> Result<(T, T), grad::runtime::Error> {
    let (xs, ys) = data::<T>(64);
    let net = Net::<T>::new();
    let check = check_gradient(|m: &Net<T>, g: &mut Net<T>| m.loss_grad(&xs, &ys, g), &net)?;
    println!("{name}: {check}");
    let before = net.loss(&xs, &ys);
    let adam = Adam::new(T::from(lr).unwrap())?;
    let report = minimize(
        |m: &Net<T>, g: &mut Net<T>| m.loss_grad(&xs, &ys, g),
        &net,
        adam,
        Options::new().max_iters(iters),
    )?;
    let trained = net.with_flat(&report.x);
    let after = trained.loss(&xs, &ys);
    println!(
        "{name}: loss {before:.5} -> {after:.5} in {} iterations; prediction at x = 0.5: {:.4} (sin 1 = {:.4})",
        report.iterations,
        trained.predict(T::from(0.5).unwrap()),
        1.0_f64.sin()
    );
    Ok((before, after))
}

fn main() -> Result<(), grad::runtime::Error> {
    let (b32, a32) = train::<f32>("f32", 0.02, 1500)?;
    let (b64, a64) = train::<f64>("f64", 0.02, 1500)?;
    assert!(
        a32 < 0.1 * b32 && a64 < 0.1 * b64,
        "training reduces the loss tenfold"
    );
    println!(
        "the two types agree to {:.1e} on the final loss",
        (f64::from(a32) - a64).abs()
    );
    Ok(())
}
