// A draw from a generator lent to the loss, inside an inner loop of a loop whose derivative
// runs the inner loop again for each outer iteration, which would draw again. (Where the outer
// loop only sums, `l += z * z`, its adjoint runs beside it, and the same draws are accepted.)
use grad::gradient;

pub struct Lcg(pub u64);
impl Lcg {
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[gradient(wrt(w))]
fn dropout(w: &[f64], rng: &mut Lcg) -> f64 {
    let mut l = 0.0;
    for _i in 0..3 {
        let mut z = 0.0;
        for j in 0..w.len() {
            let keep = if rng.next_f64() < 0.5 { 2.0 } else { 0.0 };
            z += keep * w[j];
        }
        l = l * z + z * z;
    }
    l
}

fn main() {}
