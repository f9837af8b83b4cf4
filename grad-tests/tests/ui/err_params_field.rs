// A field of a type that is not `Params` and not marked `#[params(skip)]`: reported at the field.
use grad::Params;

struct Config {
    rate: f64,
}

#[derive(Params)]
struct Model {
    w: Vec<f64>,
    cfg: Config,
}

fn main() {
    let m = Model { w: vec![1.0], cfg: Config { rate: 0.1 } };
    let _ = (m.cfg.rate, m.w);
}
