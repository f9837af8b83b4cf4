// A field of data lent mutably, read in a branch of a loop whose derivative runs the loop's
// iterations again, after a method of the data changed it: read again there it would give
// what the data holds by then.
use grad::gradient;

pub struct State {
    pub y: f64,
}
impl State {
    pub fn bump(&mut self) {
        self.y += 1.0;
    }
}

#[gradient(wrt(s0))]
fn stepped(g: &mut State, s0: f64) -> f64 {
    let mut s = s0;
    for _ in 0..3 {
        g.bump();
        if s > 0.0 {
            s = (s * g.y * 0.1).sin() + s;
        }
    }
    s
}

fn main() {}
