// A `#[gradient]` helper lent a generator: its derivative runs it again, which would draw twice.
use grad::gradient;

pub struct Lcg(pub u64);
impl Lcg {
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[gradient(wrt(w))]
fn noisy_dot(w: &[f64], rng: &mut Lcg) -> f64 {
    w.iter().map(|a| a * rng.next_f64()).sum()
}

#[gradient(wrt(w))]
fn noisy_loss(w: &[f64], rng: &mut Lcg) -> f64 {
    let z = noisy_dot(w, rng);
    z * z
}

fn main() {}
