use grad::gradient;

// A function with `hvp` differentiates its callees twice through their own `hvp`: a callee
// without it is an error at the call, saying to add `hvp` to the callee (its stand-in
// `helper__hvp_call` has a bound that is never met).
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
