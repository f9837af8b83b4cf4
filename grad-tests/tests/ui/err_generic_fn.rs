use grad::gradient;

// A type parameter as the float type needs a bound that gives it arithmetic.
#[gradient]
fn f<T>(x: T) -> T {
    x
}

fn main() {}
