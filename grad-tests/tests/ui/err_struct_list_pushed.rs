// A list of structs with a field of arrays grown by `push` is not followed: the error names the
// push and the two ways to make the list at once (a `map` collected, or `vec![..; n]` written
// by index), which are.
use grad::gradient;

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 2],
    m: f64,
}

#[gradient]
fn bodies(x: &[f64]) -> f64 {
    let mut ps = Vec::new();
    for i in 0..x.len() / 2 {
        ps.push(Body {
            pos: [x[2 * i], x[2 * i + 1]],
            m: 1.0,
        });
    }
    ps.iter().map(|p| p.pos[0] * p.pos[1] * p.m).sum()
}

fn main() {}
