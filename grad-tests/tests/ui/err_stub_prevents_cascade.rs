use grad::gradient;

#[gradient]
fn f(x: f64) -> f64 {
    x.next_up()
}

fn main() {
    let (value, [dx]) = f_grad(1.0);
    let _ = (value, dx);
}
