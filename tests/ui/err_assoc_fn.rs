use grad::gradient;

struct Model;

impl Model {
    #[gradient]
    fn loss(x: f64) -> f64 {
        x * x
    }
}

fn main() {
    let _ = Model::loss_grad(2.0);
}
