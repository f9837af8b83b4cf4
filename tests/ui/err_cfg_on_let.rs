// `#[cfg]` on a statement is kept (the compiler decides, the gradient follows); on a `let` it has
// no clear meaning for the code after it, so it is an error with the rewrite.
use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    #[cfg(any())]
    let _s = x * x;
    x
}

fn main() {}
