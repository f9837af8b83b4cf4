// A local changed inside the right side of `&&` (which runs or not depending on the left):
// refused where the change is, instead of the change being lost.
use grad::gradient;

#[gradient]
fn set_ref(r: &mut f64, x: f64) -> f64 {
    *r = x * x;
    *r
}

#[gradient]
fn behind_and(x: f64, enabled: bool) -> f64 {
    let mut r = 0.0;
    if enabled && set_ref(&mut r, x) != 0.0 {}
    r
}

fn main() {
    let _ = behind_and_grad(2.0, true);
}
