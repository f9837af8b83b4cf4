//! Rust's evaluation order and the laziness of iterators, kept by the derivative code (found by
//! an outside probe, each a silently wrong value and gradient before): a compound assignment runs
//! its right side before it reads its place, `any`/`all` stop at the first item that decides
//! (with a closure that changes a local). (A loop label declared again by an inner loop, which
//! names the inner loop, is `ui/pass_shadowed_label.rs`: rustc's warning about it cannot be
//! allowed.) Each against central finite differences, the value bit for bit, and in forward and
//! second order where those apply.

#![allow(
    clippy::assign_op_pattern,
    clippy::ptr_arg,
    clippy::blocks_in_conditions,
    clippy::needless_range_loop,
    clippy::unused_enumerate_index,
    clippy::needless_return,
    unused_assignments
)]

mod common;

use common::{check, check_flat, check_model};
use grad::gradient;

/// The right side changes the place it is added to: `s = 2x + 2x²`.
#[gradient(jvp, hvp)]
fn block_rhs(x: f64) -> f64 {
    let mut s = x;
    s += {
        s *= 2.0;
        s * x
    };
    s
}

/// A helper writing through `&mut` the accumulator it returns an increment for.
#[gradient]
fn halve(acc: &mut f64, x: f64) -> f64 {
    *acc *= 0.5;
    x * *acc
}

#[gradient]
fn helper_rhs(x: f64) -> f64 {
    let mut s = 3.0 * x;
    s -= halve(&mut s, x);
    s
}

/// A closure that changes the accumulator, and an index changed by the right side.
#[gradient(wrt(x))]
fn closure_and_index(x: &[f64]) -> f64 {
    let mut s = x[0];
    let mut bump = |k: f64| {
        s *= 2.0;
        s * k
    };
    s += bump(x[1]);
    let mut v = [1.0, 2.0];
    let mut k = 0;
    v[k] *= {
        k = 1;
        x[1]
    };
    s + v[0] + 10.0 * v[1]
}

/// `any` stops after the item that makes the running sum pass 2.5; `all` at the first item
/// that fails.
#[gradient(wrt(x))]
fn stops_early(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let hit = x.iter().any(|v| {
        s += v;
        s > 2.5
    });
    let mut t = 0.0;
    let ok = x.iter().all(|v| {
        t += v * v;
        *v < 1.5
    });
    (if hit { s } else { -s }) + if ok { t } else { 2.0 * t }
}

#[test]
fn compound_assignment_runs_its_right_side_first() {
    for x in [0.7, -1.3] {
        let (v, [d]) = block_rhs_grad(x);
        assert_eq!(v.to_bits(), block_rhs(x).to_bits());
        assert!((d - (2.0 + 4.0 * x)).abs() < 1e-12, "block_rhs' {d}");
        let (jv, t) = block_rhs_jvp(x, 1.0);
        assert_eq!(jv.to_bits(), v.to_bits());
        assert!((t - d).abs() < 1e-12);
        let (hv, _, [h]) = block_rhs_hvp(x, 1.0);
        assert_eq!(hv.to_bits(), v.to_bits());
        assert!((h - 4.0).abs() < 1e-12, "block_rhs'' {h}");

        let (v, [d]) = helper_rhs_grad(x);
        assert_eq!(v.to_bits(), helper_rhs(x).to_bits());
        assert!((d - (1.5 - 3.0 * x)).abs() < 1e-12, "helper_rhs' {d}");
    }
    check(
        "closure_and_index",
        &closure_and_index,
        &closure_and_index_grad,
        &[0.7, 0.5],
    );
}

/// `next()` of a map whose closure changes a local: the closure runs for the first item only.
#[gradient(wrt(x))]
fn first_of_stateful_map(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let a = x
        .iter()
        .map(|v| {
            s += v;
            s * v
        })
        .next()
        .unwrap();
    a + 10.0 * s
}

#[test]
fn any_and_all_stop_where_std_stops() {
    check(
        "first_of_stateful_map",
        &first_of_stateful_map,
        &first_of_stateful_map_grad,
        &[0.5, -1.5, 2.0],
    );
    for x in [[1.0, 2.0, 3.0, 4.0], [0.5, 0.25, 1.0, 0.6]] {
        check("stops_early", &stops_early, &stops_early_grad, &x);
    }
}

/// A user's generator: data lent mutably, drawn from by a method.
#[derive(Clone, Debug, PartialEq)]
struct Lcg(u64);

impl Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Dropout drawn in a loop (whose draws the derivative code tapes rather than draws again), a
/// draw nothing reads, draws collected before a nested loop that reads them (the rewrite the
/// error for draws in nested loops asks for), and one in a `while` condition.
#[gradient(wrt(w), jvp, hvp)]
fn dropout(w: &[f64], rng: &mut Lcg) -> f64 {
    let mut l = 0.0;
    let mut z = 0.0;
    for j in 0..w.len() {
        let keep = if rng.next_f64() < 0.5 { 2.0 } else { 0.0 };
        let noise = rng.next_f64() - 0.5;
        z += keep * w[j] + 0.1 * noise * w[j];
    }
    l += z * z + (z * rng.next_f64()).sin();
    // Drawn and never read (alone, and in a loop whose sum nothing reads): the draws after
    // them see the generator advanced.
    let _skipped = rng.next_f64();
    let mut _unread = w[0];
    for k in 0..3 {
        _unread += (w[1] * rng.next_f64() + k as f64).tanh();
    }
    let u: Vec<f64> = (0..3 * w.len()).map(|_| rng.next_f64()).collect();
    for i in 0..3 {
        let mut h = 0.0;
        for j in 0..w.len() {
            h += if u[i * w.len() + j] < 0.5 {
                2.0 * w[j]
            } else {
                0.0
            };
        }
        l += h.tanh();
    }
    let mut t = 0;
    while rng.next_f64() < 0.8 && t < 10 {
        l += w[0] * w[t % w.len()];
        t += 1;
    }
    l
}

/// A helper of numbers lent the generator: its value and derivative come from one call, which
/// runs once per iteration, in order, also in a loop whose adjoint runs backwards.
#[gradient(wrt(z), jvp, hvp)]
fn noisy_act(z: f64, rng: &mut Lcg) -> f64 {
    (z * (1.0 + 0.1 * rng.next_f64())).tanh()
}

#[gradient(wrt(w))]
fn noisy_rnn(w: &[f64], rng: &mut Lcg) -> f64 {
    let mut h = 0.0;
    for i in 0..6 {
        h = noisy_act(w[i % w.len()] * h + w[0], rng);
    }
    // Called for nothing but the draw: it runs all the same.
    let mut _unread = 0.0;
    for _ in 0..2 {
        _unread += noisy_act(w[1], rng);
    }
    h * h + noisy_act(w[2], rng)
}

#[test]
fn draws_run_once_in_order() {
    let w = [0.8, -0.4, 1.1];
    for seed in [2, 9] {
        let mut r1 = Lcg(seed);
        let f = noisy_rnn(&w, &mut r1);
        let mut r2 = Lcg(seed);
        let mut d = [f64::NAN; 3];
        let v = noisy_rnn_grad(&w, &mut r2, &mut d);
        assert_eq!(v.to_bits(), f.to_bits());
        assert_eq!(r1, r2);
        check(
            "noisy_rnn",
            &|p| noisy_rnn(p, &mut Lcg(seed)),
            &|p, d| noisy_rnn_grad(p, &mut Lcg(seed), d),
            &w,
        );
    }
    let w = [1.0, -0.5, 2.0, 0.25];
    for seed in [1, 7, 42] {
        let mut r1 = Lcg(seed);
        let f = dropout(&w, &mut r1);
        let mut r2 = Lcg(seed);
        let mut d = [f64::NAN; 4];
        let v = dropout_grad(&w, &mut r2, &mut d);
        assert_eq!(v.to_bits(), f.to_bits(), "seed {seed}");
        assert_eq!(r1, r2, "the generator advanced as the function advances it");
        // The gradient for the draws the function made: each point of the differences replays
        // them from the same seed.
        check(
            "dropout",
            &|p| dropout(p, &mut Lcg(seed)),
            &|p, d| dropout_grad(p, &mut Lcg(seed), d),
            &w,
        );
        let dir = [0.5, -1.0, 0.25, 2.0];
        let (jv, t) = dropout_jvp(&w, &mut Lcg(seed), &dir);
        assert_eq!(jv.to_bits(), f.to_bits());
        let want: f64 = d.iter().zip(&dir).map(|(a, b)| a * b).sum();
        assert!(
            (t - want).abs() <= 1e-9 * (1.0 + want.abs()),
            "{t} vs {want}"
        );
        let mut g = [f64::NAN; 4];
        let mut hv = [f64::NAN; 4];
        let hval = dropout_hvp(&w, &mut Lcg(seed), &dir, &mut g, &mut hv);
        assert_eq!(hval.to_bits(), f.to_bits());
        assert_eq!(g, d);
    }
}

impl Lcg {
    fn seeded(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(31).wrapping_add(7))
    }
}

/// The generator made in the body (by an associated function, a tuple-struct call reading a
/// parameter of data), drawn from in a loop, in a condition, in a `while` condition, in a
/// closure, and lent to a `#[gradient]` helper: each draw runs once, in order, as in the
/// function.
#[gradient(wrt(w), jvp, hvp)]
fn dropout_seeded(w: &[f64], seed: u64) -> f64 {
    let mut rng = Lcg::seeded(seed);
    let mut other = Lcg(seed + 1);
    let mut l = 0.0;
    for j in 0..w.len() {
        let keep = if rng.next_f64() < 0.5 { 2.0 } else { 0.0 };
        l += keep * w[j] * w[j] + 0.1 * (other.next_f64() - 0.5) * w[j];
    }
    let _skipped = rng.next_f64();
    let u: Vec<f64> = (0..w.len()).map(|_| rng.next_f64()).collect();
    for j in 0..w.len() {
        l += u[j] * w[j].sin();
    }
    // Helpers called for nothing but their draws (also in `NAME_hvp`, whose calls are
    // second-order ones).
    let mut _unread = 0.0;
    for _ in 0..2 {
        _unread += noisy_act(w[1], &mut rng);
    }
    let mut t = 0;
    while rng.next_f64() < 0.8 && t < 10 {
        l += w[0] * w[t % w.len()];
        t += 1;
    }
    l + noisy_act(w[1] * l * 0.1, &mut rng) + noisy_act(w[0], &mut other)
}

/// The generator made in the block of a `let`'s value, and a vector-valued helper that makes
/// its own.
#[gradient(wrt(w), jvp)]
fn drawn_in_a_block(w: &[f64], seed: u64) -> f64 {
    let r = {
        let mut g = Lcg::seeded(seed);
        let mut s = 0.0;
        for v in w {
            s += v * g.next_f64();
        }
        s + noisy_act(w[0], &mut g)
    };
    let v = noisy_pair(w[1], seed);
    // A generator made for the call.
    r * v[0] + v[1] + noisy_act(w[2], &mut Lcg::seeded(seed)) * noisy_act(w[2], &mut Lcg(seed))
}

#[gradient]
fn noisy_pair(z: f64, seed: u64) -> Vec<f64> {
    let mut g = Lcg(seed);
    vec![z * g.next_f64(), (z * g.next_f64()).sin()]
}

#[test]
fn generators_made_in_the_body() {
    let w = [0.7, -1.5, 0.2];
    for seed in [3, 11] {
        let f = drawn_in_a_block(&w, seed);
        let mut d = [f64::NAN; 3];
        let v = drawn_in_a_block_grad(&w, seed, &mut d);
        assert_eq!(v.to_bits(), f.to_bits(), "seed {seed}");
        check(
            "drawn_in_a_block",
            &|p| drawn_in_a_block(p, seed),
            &|p, d| drawn_in_a_block_grad(p, seed, d),
            &w,
        );
        let (jv, _) = drawn_in_a_block_jvp(&w, seed, &[1.0, 0.0, 0.0]);
        assert_eq!(jv.to_bits(), f.to_bits());
    }
    let w = [1.0, -0.5, 2.0, 0.25];
    for seed in [1, 7, 42] {
        let f = dropout_seeded(&w, seed);
        let mut d = [f64::NAN; 4];
        let v = dropout_seeded_grad(&w, seed, &mut d);
        assert_eq!(v.to_bits(), f.to_bits(), "seed {seed}");
        check(
            "dropout_seeded",
            &|p| dropout_seeded(p, seed),
            &|p, d| dropout_seeded_grad(p, seed, d),
            &w,
        );
        let dir = [0.5, -1.0, 0.25, 2.0];
        let (jv, t) = dropout_seeded_jvp(&w, seed, &dir);
        assert_eq!(jv.to_bits(), f.to_bits());
        let want: f64 = d.iter().zip(&dir).map(|(a, b)| a * b).sum();
        assert!(
            (t - want).abs() <= 1e-9 * (1.0 + want.abs()),
            "{t} vs {want}"
        );
        let mut g = [f64::NAN; 4];
        let mut hv = [f64::NAN; 4];
        let hval = dropout_seeded_hvp(&w, seed, &dir, &mut g, &mut hv);
        assert_eq!(hval.to_bits(), f.to_bits());
        assert_eq!(g, d);
    }
}

/// A `filter` whose predicate changes a local, in a `for`: it runs once per item, in order.
#[gradient(wrt(x))]
fn filter_with_state(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut acc = 0.0;
    for v in x.iter().filter(|v| {
        s += **v;
        **v > -0.3
    }) {
        acc += v * v;
    }
    acc + 10.0 * s
}

#[test]
fn stages_with_state_in_loops() {
    for x in [[0.5, -0.4, 0.2], [-1.0, 0.7, 0.1]] {
        check(
            "filter_with_state",
            &filter_with_state,
            &filter_with_state_grad,
            &x,
        );
    }
}

/// A loop bound that changes a local: it runs once, before the loop.
#[gradient]
fn bound_with_effect(x: f64) -> f64 {
    let mut n = 2;
    let mut acc = 0.0;
    for i in 0..({
        n += 1;
        n
    }) {
        acc += x * i as f64;
    }
    acc + f64::from(n)
}

#[test]
fn a_loop_bound_runs_once() {
    let (v, [d]) = bound_with_effect_grad(0.5);
    assert_eq!(v.to_bits(), bound_with_effect(0.5).to_bits());
    assert_eq!(d, 3.0);
}

/// A work queue lent mutably (`&mut Vec<usize>`), popped and pushed in loops and drained by a
/// `while let`: each change runs once, and the caller's queue ends as the function leaves it.
#[gradient(wrt(w))]
fn queue(w: &[f64], q: &mut Vec<usize>) -> f64 {
    let mut l = 0.0;
    for i in 0..2 {
        let k = q.pop().unwrap_or(0);
        l += w[k] * w[k];
        q.push(i);
    }
    while let Some(k) = q.pop() {
        l += (w[k] * l).sin();
    }
    q.push(1);
    l
}

#[test]
fn data_lent_mutably_changes_once() {
    let w = [1.0, 2.0, 3.0];
    let mut q1 = vec![0, 2, 1];
    let f = queue(&w, &mut q1);
    let mut q2 = vec![0, 2, 1];
    let mut d = [f64::NAN; 3];
    let v = queue_grad(&w, &mut q2, &mut d);
    assert_eq!(v.to_bits(), f.to_bits());
    assert_eq!(q1, q2);
    check(
        "queue",
        &|p| queue(p, &mut vec![0, 2, 1]),
        &|p, d| queue_grad(p, &mut vec![0, 2, 1], d),
        &w,
    );
}

/// The right side of an assignment may leave the loop or the function part-way (`continue` in a
/// `match` arm, `break 'outer` or `return` in an `else`): the value taken where it does not.
#[gradient(wrt(x))]
fn assigned_values_that_leave(x: &[f64], stop: usize) -> f64 {
    let mut s = 0.0;
    let mut v = vec![0.0; x.len()];
    'outer: for k in 0..x.len() {
        v[k] += match k % 3 {
            0 => x[k] * x[k],
            1 => continue,
            _ => x[k].sin(),
        };
        s = if k < stop {
            s * 0.5 + v[k]
        } else {
            break 'outer;
        };
        for j in 0..k {
            s -= if j == 2 { continue } else { 0.1 * x[j] * v[k] };
        }
        s *= if x[k] > -0.5 {
            1.0 + 0.01 * x[k]
        } else {
            return s.exp();
        };
    }
    s + v.iter().sum::<f64>()
}

#[test]
fn assigned_values_may_leave_the_loop() {
    for stop in [1, 4, 9] {
        for x in [
            [0.3, -0.7, 1.1, 0.5, -0.2, 0.9],
            [0.3, -0.2, 1.1, -0.9, -0.2, 0.9],
        ] {
            check(
                "assigned_values_that_leave",
                &|x| assigned_values_that_leave(x, stop),
                &|x, d| assigned_values_that_leave_grad(x, stop, d),
                &x,
            );
        }
    }
}

/// A plain helper that makes its own generator (inlined, each call with its own from the seed).
fn noisy_sum(x: f64, seed: u64) -> f64 {
    let mut g = Lcg::seeded(seed);
    let mut s = 0.0;
    for k in 0..3 {
        s += (x * g.next_f64() + f64::from(k)).tanh();
    }
    s
}

/// The helper called once inside an expression and twice more, and through a plain method of a
/// model: every call draws the same numbers the function does.
#[gradient(wrt(x), jvp, hvp)]
fn helpers_making_generators(x: f64, seed: u64) -> f64 {
    noisy_sum(x, seed) * 2.0 + noisy_sum(x * 0.5, seed) - noisy_sum(x, seed + 1)
}

#[derive(Clone, Debug, grad::Params)]
struct Noisy {
    w: Vec<f64>,
    b: f64,
}

impl Noisy {
    fn body(&self, seed: u64) -> f64 {
        let mut g = Lcg::seeded(seed);
        let mut acc = 0.0;
        for w in &self.w {
            acc += (w * g.next_f64()).tanh();
        }
        acc
    }

    #[gradient(wrt(self))]
    fn total(&self, seed: u64) -> f64 {
        self.body(seed).tanh() * 0.75 + Self::body(self, seed + 2) + self.b
    }
}

#[test]
fn helpers_that_make_their_own_generators() {
    for x in [0.7, -1.3] {
        let (v, [g]) = helpers_making_generators_grad(x, 5);
        check_flat(
            "helpers_making_generators",
            &[x],
            &|p: &[f64]| helpers_making_generators(p[0], 5),
            v,
            &[g],
        )
        .unwrap();
        let (vj, t) = helpers_making_generators_jvp(x, 5, 1.0);
        assert_eq!(vj.to_bits(), v.to_bits());
        assert!((t - g).abs() < 1e-12);
    }
    let m = Noisy {
        w: vec![0.5, -0.3, 1.2],
        b: 0.1,
    };
    check_model(
        "Noisy::total",
        &m,
        |m| m.total(9),
        |m, d| m.total_grad(9, d),
    );
}

/// A helper that makes its own generator and leaves by `return` (early in a branch, and at its
/// end): inlined, its body runs once per call, and so does the generator's `let`.
fn noisy_until(x: f64, seed: u64, stop: f64) -> f64 {
    let mut g = Lcg::seeded(seed);
    let mut s = 0.0;
    for k in 0..4 {
        let u = g.next_f64();
        s += (x * u + f64::from(k)).tanh();
    }
    let u = g.next_f64();
    if u > stop {
        return s + u * x;
    }
    return s * 0.5;
}

#[gradient(wrt(x), jvp, hvp)]
fn returning_helpers_making_generators(x: f64, seed: u64) -> f64 {
    noisy_until(x, seed, 0.5) * 0.75 + x + shifted_noise(x, seed + 1)
}

/// A helper whose generator's seed is a local of its own, called once with an expression for
/// its parameter: the locals the seed reads are constant data, declared with it.
fn shifted_noise(x: f64, seed: u64) -> f64 {
    let shift = seed * 2 + 1;
    let offset: u64 = shift + 3;
    let mut g = Lcg::seeded(offset);
    (x * g.next_f64()).sin() + g.next_f64()
}

#[derive(Clone, Debug, grad::Params)]
struct NoisyField {
    w: Vec<f64>,
    seed: u64,
}

impl NoisyField {
    fn draws(&self) -> f64 {
        let mut g = Lcg::seeded(self.seed + 3);
        let mut acc = 0.0;
        for w in &self.w {
            acc += (w * g.next_f64()).tanh();
        }
        acc
    }

    /// The model's field read by the generator of a method called once.
    #[gradient(wrt(self), jvp)]
    fn total(&self) -> f64 {
        self.draws() * 0.75 + self.w[0]
    }
}

#[derive(Clone, Debug, grad::Params)]
struct NoisyEarly {
    w: Vec<f64>,
    b: f64,
}

impl NoisyEarly {
    fn body(&self, seed: u64) -> f64 {
        let mut g = Lcg::seeded(seed);
        let mut acc = 0.0;
        for w in &self.w {
            acc += (w * g.next_f64()).tanh();
        }
        if acc > 5.0 {
            return acc;
        }
        return acc * self.b;
    }

    #[gradient(wrt(self), jvp)]
    fn total(&self, seed: u64) -> f64 {
        self.body(seed) * 0.75 + self.b
    }
}

#[test]
fn helpers_that_return_and_make_their_own_generators() {
    for seed in [1, 5, 12] {
        for x in [0.7, -1.3] {
            let (v, [g]) = returning_helpers_making_generators_grad(x, seed);
            assert_eq!(
                v.to_bits(),
                returning_helpers_making_generators(x, seed).to_bits()
            );
            check_flat(
                "returning_helpers_making_generators",
                &[x],
                &|p: &[f64]| returning_helpers_making_generators(p[0], seed),
                v,
                &[g],
            )
            .unwrap();
            let (vj, t) = returning_helpers_making_generators_jvp(x, seed, 1.0);
            assert_eq!(vj.to_bits(), v.to_bits());
            assert!((t - g).abs() <= 1e-12 * (1.0 + g.abs()));
        }
        let m = NoisyEarly {
            w: vec![0.5, -0.3, 1.2],
            b: 0.4,
        };
        check_model(
            "NoisyEarly::total",
            &m,
            |m| m.total(seed),
            |m, d| m.total_grad(seed, d),
        );
        let (vj, _) = m.total_jvp(seed, &m);
        assert_eq!(vj.to_bits(), m.total(seed).to_bits());
        let m = NoisyField {
            w: vec![0.5, -0.3, 1.2],
            seed,
        };
        check_model("NoisyField::total", &m, NoisyField::total, |m, d| {
            m.total_grad(d)
        });
        let (vj, _) = m.total_jvp(&m);
        assert_eq!(vj.to_bits(), m.total().to_bits());
    }
}
