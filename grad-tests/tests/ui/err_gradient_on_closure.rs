// `#[gradient]` on a closure: rustc refuses attributes on expressions, and the macro says what to
// write instead, with no parse error after it.
use grad::gradient;

fn main() {
    let f = #[gradient]
    |x: f64| -> f64 { x * x };
    let _ = f(2.0);
}
