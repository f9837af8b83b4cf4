//! Data lent mutably that the body changes and reads (issue 8): a parameter `g: &mut State`
//! whose method changes a field the body then reads in a loop, methods taking `&mut self`
//! or `self` (their receivers data, `wrt` naming what is differentiated), and fields of such
//! data written by the body itself (`self.calls += 1;`, `stats.seen.push(k);`, refused
//! before). Before: a read of
//! such data after a change was read again in the reverse sweep, where it held its last value
//! (a wrong gradient); `&mut self` and `self` were refused. Each against central finite
//! differences, the value bit for bit, the data changed as the function changes it.

mod common;

use common::{derivative_agrees, jvp_agrees};
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

pub struct Stats {
    pub n: usize,
    pub last: f64,
    pub seen: Vec<f64>,
}

/// Fields of a `&mut` parameter written by assignment and by `push`, in a loop and after it,
/// read back in the loop (taped where they are written) and in a condition.
#[gradient(wrt(x), jvp)]
fn logged(x: &[f64], stats: &mut Stats) -> f64 {
    let mut s = 0.0;
    for xi in x {
        stats.n += 1;
        s += xi * stats.n as f64;
        stats.seen.push(stats.last);
        if s > stats.last {
            stats.last += 0.5;
        }
    }
    for v in x {
        stats.n += 2;
        s += (v * stats.n as f64).sin() * stats.last;
    }
    stats.last = -1.0;
    s * s
}

pub struct Trainer {
    pub scale: f64,
    pub calls: usize,
    pub sizes: Vec<usize>,
    pub big: usize,
}

impl Trainer {
    /// `&mut self`: a counter, the sizes of the batches seen and how many losses were large,
    /// kept on the receiver.
    #[gradient(wrt(w))]
    pub fn loss(&mut self, w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
        self.calls += 1;
        let mut l = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let r = w[0] * x + w[1] - y;
            l += r * r;
        }
        l *= self.scale;
        self.sizes.push(xs.len());
        if l > 0.1 {
            self.big += 1;
        }
        l
    }
}

#[test]
fn fields_of_lent_data_written_by_the_body() {
    let fresh = || Stats {
        n: 0,
        last: 0.0,
        seen: Vec::new(),
    };
    let x = [0.4, 0.9, -0.2, 0.3];
    let (mut st, mut d) = (fresh(), [f64::NAN; 4]);
    let v = logged_grad(&x, &mut st, &mut d);
    let mut plain = fresh();
    assert_eq!(v.to_bits(), logged(&x, &mut plain).to_bits());
    assert_eq!(
        (st.n, st.last.to_bits(), &st.seen),
        (plain.n, plain.last.to_bits(), &plain.seen),
        "the data is left as the function leaves it"
    );
    for (k, &dk) in d.iter().enumerate() {
        assert!(derivative_agrees(
            &|t| {
                let mut y = x;
                y[k] += t;
                logged(&y, &mut fresh())
            },
            1e-5,
            dk,
            1.0
        ));
    }
    let t = [0.5, -1.0, 0.25, 2.0];
    let mut st = fresh();
    jvp_agrees("logged", (v, &d), &t, logged_jvp(&x, &mut st, &t));
    assert_eq!((st.n, st.seen.len()), (plain.n, plain.seen.len()));

    let fresh = || Trainer {
        scale: 0.5,
        calls: 0,
        sizes: Vec::new(),
        big: 0,
    };
    let (w, xs, ys) = ([0.3, -0.2], [0.1, 0.7, 1.5], [0.4, 0.2, 1.1]);
    let mut tr = fresh();
    let mut dw = [f64::NAN; 2];
    let v1 = tr.loss_grad(&w, &xs, &ys, &mut dw);
    let v2 = tr.loss_grad(&[0.35, -0.1], &xs, &ys, &mut [0.0; 2]);
    let mut plain = fresh();
    assert_eq!(v1.to_bits(), plain.loss(&w, &xs, &ys).to_bits());
    assert_eq!(v2.to_bits(), plain.loss(&[0.35, -0.1], &xs, &ys).to_bits());
    assert_eq!(tr.calls, 2);
    assert_eq!((&tr.sizes, tr.big), (&plain.sizes, plain.big));
    for (k, &dk) in dw.iter().enumerate() {
        assert!(derivative_agrees(
            &|t| {
                let mut u = w;
                u[k] += t;
                fresh().loss(&u, &xs, &ys)
            },
            1e-5,
            dk,
            1.0
        ));
    }
}

pub struct RowCounter {
    pub calls: usize,
    pub scale: f64,
}

impl RowCounter {
    /// `&mut self` beside differentiated rows (refused before: "`w` cannot be differentiated").
    #[gradient(wrt(w))]
    pub fn fit(&mut self, w: &[Vec<f64>], x: &[f64]) -> f64 {
        self.calls += 1;
        let mut s = 0.0;
        for row in w {
            let c = row.clone();
            s += (c.iter().zip(x).map(|(p, q)| p * q).sum::<f64>() * self.scale).tanh();
        }
        s
    }
}

#[test]
fn receiver_lent_mutably_beside_rows() {
    let w = vec![vec![0.5, -1.0], vec![0.25, 2.0, 0.7]];
    let x = [0.3, -0.6, 1.2];
    let mut c = RowCounter {
        calls: 0,
        scale: 0.8,
    };
    let mut d = vec![vec![f64::NAN; 2], vec![f64::NAN; 3]];
    let v = c.fit_grad(&w, &x, &mut d);
    assert_eq!(c.calls, 1);
    let fresh = || RowCounter {
        calls: 0,
        scale: 0.8,
    };
    assert_eq!(v.to_bits(), fresh().fit(&w, &x).to_bits());
    for (i, row) in w.iter().enumerate() {
        for j in 0..row.len() {
            assert!(derivative_agrees(
                &|t| {
                    let mut u = w.clone();
                    u[i][j] += t;
                    fresh().fit(&u, &x)
                },
                1e-5,
                d[i][j],
                1.0
            ));
        }
    }
}

#[derive(Clone, Copy)]
pub struct Nudge {
    pub k: f64,
}

impl Nudge {
    fn bump(&mut self) {
        self.k += 0.25;
    }

    #[gradient(wrt(x))]
    pub fn nudged(&mut self, x: f64) -> f64 {
        self.bump();
        self.k * x.tanh()
    }
}

/// Data made in a branch and changed by its methods (a `#[gradient]` method taking `&mut self`
/// among them). Before: rustc's E0596 inside the generated code (the local was kept immutable).
#[gradient]
fn made_in_branches(x: f64, mode: usize) -> f64 {
    let mut acc = x;
    if mode > 0 {
        let mut n = Nudge { k: 1.25 };
        acc += n.nudged(-1.05 * x) * 0.5;
        n.bump();
        acc += n.k * x;
    }
    match mode % 3 {
        1 | 2 => {
            let mut m = Nudge { k: 0.5 };
            acc *= m.nudged(x);
        }
        _ => {}
    }
    acc
}

#[test]
fn data_made_in_branches() {
    for mode in 0..4 {
        for x in [0.3, -0.8] {
            let (v, [d]) = made_in_branches_grad(x, mode);
            assert_eq!(v.to_bits(), made_in_branches(x, mode).to_bits());
            assert!(derivative_agrees(
                &|t| made_in_branches(x + t, mode),
                1e-5,
                d,
                1.0
            ));
        }
    }
}

/// A plain helper that makes data and changes it by its `#[gradient]` method.
fn nudged_twice(a: f64, s: &[f64]) -> f64 {
    let mut n = Nudge { k: 0.75 };
    n.nudged(a + s[0]) * 0.25 + n.k * 0.1
}

/// Three values from one call.
#[gradient]
fn three(s: &[f64], a: f64) -> (f64, f64, f64) {
    let m = (s[0] * a).tanh();
    (m, (s[s.len() - 1] + m).sin(), m * a.cos())
}

/// The helper inlined into an argument of a call whose tuple is read (`three(.., helper(..))`),
/// its data made there. Before: rustc's E0596 inside the generated code (the call's arguments
/// were lowered from a copy, where the data's `let` was not found to be changed).
#[gradient(wrt(xs, x))]
fn data_in_a_tuple_calls_argument(xs: &[f64], x: f64) -> f64 {
    let t = three(xs, nudged_twice(x, &[x, 0.5]).tanh());
    t.1 * t.0 + t.2
}

#[test]
fn data_made_in_an_argument_of_a_tuple_call() {
    let xs = [0.4, -0.3, 0.8];
    for x in [0.3, -0.8] {
        let mut dxs = [0.0; 3];
        let (v, [dx]) = data_in_a_tuple_calls_argument_grad(&xs, x, &mut dxs);
        assert_eq!(
            v.to_bits(),
            data_in_a_tuple_calls_argument(&xs, x).to_bits()
        );
        assert!(derivative_agrees(
            &|t| data_in_a_tuple_calls_argument(&xs, x + t),
            1e-5,
            dx,
            1.0
        ));
        for k in 0..3 {
            let f = |t: f64| {
                let mut ys = xs;
                ys[k] += t;
                data_in_a_tuple_calls_argument(&ys, x)
            };
            assert!(derivative_agrees(&f, 1e-5, dxs[k], 1.0), "d{k}");
        }
    }
}
