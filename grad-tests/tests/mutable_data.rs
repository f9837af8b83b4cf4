//! Data lent mutably that the body changes and reads (issue 8): a parameter `g: &mut State`
//! whose method changes a field the body then reads in a loop, and methods taking `&mut self`
//! or `self` (their receivers data, `wrt` naming what is differentiated). Before: a read of
//! such data after a change was read again in the reverse sweep, where it held its last value
//! (a wrong gradient); `&mut self` and `self` were refused. Each against central finite
//! differences, the value bit for bit, the data changed as the function changes it.

mod common;

use common::derivative_agrees;
use grad::gradient;

pub struct State {
    pub y: f64,
    pub n: usize,
}

impl State {
    pub fn bump(&mut self) {
        self.y += 1.0;
        self.n += 1;
    }
    pub fn get(&self) -> f64 {
        self.y
    }
}

/// A field read after each change, in the loop's body and in its condition.
#[gradient(wrt(s0))]
fn stepped(g: &mut State, s0: f64) -> f64 {
    let mut s = s0;
    for _ in 0..3 {
        g.bump();
        s = (s * g.y * 0.1).sin() + s;
    }
    while g.n < 5 {
        g.bump();
        let y = g.y;
        let q = g.get();
        s = if y > 4.0 {
            (s * y * 0.1).tanh() + s
        } else {
            s * q
        };
    }
    s
}

pub struct Walker {
    pub y: f64,
    pub scale: f64,
}

impl Walker {
    fn step(&mut self) {
        self.y += self.scale;
    }

    /// Changes itself through its own method, reads its field after.
    #[gradient(wrt(s0))]
    pub fn walk(&mut self, s0: f64) -> f64 {
        let mut s = s0;
        for _ in 0..3 {
            self.step();
            s = (s * self.y * 0.1).sin() + s;
        }
        s * self.scale
    }

    /// Takes itself by value.
    #[gradient(wrt(a, b))]
    pub fn spent(self, a: f64, b: f64) -> f64 {
        self.y * a * a + (b * self.scale).sin()
    }
}

#[test]
fn data_changed_then_read() {
    let fresh = || State { y: 0.5, n: 0 };
    let mut g = fresh();
    let (v, [d]) = stepped_grad(&mut g, 0.7);
    assert_eq!(v.to_bits(), stepped(&mut fresh(), 0.7).to_bits());
    assert_eq!(
        (g.y, g.n),
        (5.5, 5),
        "the data changes as the function changes it"
    );
    assert!(derivative_agrees(
        &|t| stepped(&mut fresh(), 0.7 + t),
        1e-5,
        d,
        1.0
    ));
}

#[test]
fn receivers_lent_mutably_or_by_value() {
    let fresh = || Walker { y: 0.5, scale: 0.8 };
    let mut w = fresh();
    let (v, [d]) = w.walk_grad(0.7);
    assert_eq!(v.to_bits(), fresh().walk(0.7).to_bits());
    assert!((w.y - 2.9).abs() < 1e-12, "{}", w.y);
    assert!(derivative_agrees(&|t| fresh().walk(0.7 + t), 1e-5, d, 1.0));
    let (v, [da, db]) = fresh().spent_grad(0.3, -1.1);
    assert_eq!(v.to_bits(), fresh().spent(0.3, -1.1).to_bits());
    assert!(derivative_agrees(
        &|t| fresh().spent(0.3 + t, -1.1),
        1e-5,
        da,
        1.0
    ));
    assert!(derivative_agrees(
        &|t| fresh().spent(0.3, -1.1 + t),
        1e-5,
        db,
        1.0
    ));
}
