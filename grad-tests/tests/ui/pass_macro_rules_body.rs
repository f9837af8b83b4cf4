// `#[gradient]` inside a `macro_rules!` whose body comes from the invocation (e.g. to define f32 and
// f64 versions at once): locals read by conditions must resolve.
#![deny(warnings)]
use grad::gradient;

macro_rules! define {
    ($name:ident, ($($p:ident),*), $body:block) => {
        #[gradient]
        fn $name($($p: f64),*) -> f64 $body
    };
}

define!(f, (x), {
    let z = x * 2.0;
    if z > 0.0 {
        z * z
    } else {
        -z
    }
});

fn main() {
    assert_eq!(f_grad(1.0), (f(1.0), [8.0]));
    assert_eq!(f_grad(-1.0), (f(-1.0), [-2.0]));
}
