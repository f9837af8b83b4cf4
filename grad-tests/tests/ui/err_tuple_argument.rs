// A tuple of differentiated floats handed to a function the macro cannot read (here a module a
// macro writes, as another crate's would be) is not followed: the error says how to pass it
// instead. (A function of the file taking a tuple is followed, see `plain_helpers`.)
use grad::gradient;

macro_rules! unseen {
    () => {
        mod shapes {
            use grad::gradient;

            #[gradient]
            pub fn area(p: (f64, f64)) -> f64 {
                p.0 * p.1
            }
        }
    };
}
unseen!();

#[gradient]
fn scaled_area(s: f64) -> f64 {
    shapes::area((s, 2.0 * s)) + s * shapes::area((1.0, 2.0))
}

fn main() {}
