use grad::gradient;

pub struct Layer {
    w: Vec<f64>,
}

impl Layer {
    #[gradient(wrt(x))]
    pub fn weighted(&self, x: &[f64], weights: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += weights[i] * x[i] * self.w[i];
        }
        s
    }
}

// The layer is data, its method's `wrt` leaves `weights` out, and a differentiated slice is
// given there.
#[gradient(wrt(x))]
fn misuse(layer: &Layer, x: &[f64]) -> f64 {
    layer.weighted(&[0.5, 0.5, 0.5], x)
}

fn main() {}
