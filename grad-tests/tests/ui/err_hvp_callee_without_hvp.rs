use grad::gradient;

// A function with `hvp` differentiates its callees twice through their own `hvp`: a callee
// without it is named in the error (`helper__hvp_call` is what `hvp` on `helper` emits).
#[gradient]
fn helper(x: f64) -> f64 {
    x.sin()
}

#[gradient(hvp)]
fn calls(x: f64) -> f64 {
    helper(x) * x
}

fn main() {
    let _ = calls_hessian(1.0);
}
