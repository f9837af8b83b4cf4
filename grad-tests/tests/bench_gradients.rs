//! The `#[gradient]` versions of the benchmark problems B1–B6 (`benches/problems/generated.rs`)
//! at the benchmark's own data: the value equals the plain function's bit for bit, the gradient
//! matches the hand-written one in `benches/problems/mod.rs` to rounding, and a seeded subset of
//! components matches central finite differences. The buffers are overwritten (filled with NaN
//! before the call). The same checks run on smaller data from the same generator with other
//! seeds and shapes (rows not a multiple of four, `d = 1`, `h = 1`).
//!
//! Tolerances, relative to the gradient's largest component ‖g‖∞:
//! * generated vs hand: 1e-10. Both are exact up to rounding, in different operation orders;
//!   for the 10 000-term sums of B3/B4/B6 the rounding is ≈ sqrt(n)·eps·Σ|terms| ≲ 1e-12·‖g‖∞
//!   (Σ|terms| / ‖g‖∞ ≲ 10² here); observed ≤ 6e-15.
//! * finite differences: 1e-6, argued in `tests/bench_problems.rs` (expected error
//!   ≲ 2e-7·‖g‖∞ for B2, much less for the others).

#[path = "../benches/problems/mod.rs"]
mod problems;

#[path = "../benches/problems/generated.rs"]
mod generated;

use problems::{
    fd_partial, Lcg, LinregProblem, LogregProblem, MlpProblem, Problem, RnnProblem, Rosen2Problem,
    RosenNProblem,
};

const HAND_RTOL: f64 = 1e-10;
const FD_RTOL: f64 = 1e-6;

/// A problem with its `#[gradient]`-generated gradient on flat parameters.
trait Generated: Problem {
    /// Writes the generated gradient into `g` (which the call must overwrite) and returns the
    /// value.
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64;
}

impl Generated for Rosen2Problem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (f, d) = generated::rosen2_grad(p[0], p[1]);
        g.copy_from_slice(&d);
        f
    }
}

impl Generated for RosenNProblem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        generated::rosen_n_grad(p, g)
    }
}

impl Generated for LinregProblem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        generated::linreg_grad(p, &self.x, &self.y, g)
    }
}

impl Generated for LogregProblem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (g_w, g_b) = g.split_at_mut(self.d);
        let (f, [d_b]) = generated::logreg_grad(&p[..self.d], p[self.d], &self.x, &self.y, g_w);
        g_b[0] = d_b;
        f
    }
}

impl Generated for MlpProblem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (w1, b1, w2, &b2) = self.split(p);
        let (g_w1, rest) = g.split_at_mut(self.h * self.d);
        let (g_b1, rest) = rest.split_at_mut(self.h);
        let (g_w2, rest) = rest.split_at_mut(self.h);
        let (f, [g_b2]) = generated::mlp_grad(w1, b1, w2, b2, &self.x, &self.y, g_w1, g_b1, g_w2);
        rest[0] = g_b2;
        f
    }
}

impl Generated for RnnProblem {
    fn grad_gen_flat(&self, p: &[f64], g: &mut [f64]) -> f64 {
        let (f, d) = generated::rnn_grad(p[0], p[1], p[2], &self.x, &self.y);
        g.copy_from_slice(&d);
        f
    }
}

fn inf_norm(g: &[f64]) -> f64 {
    g.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Seeded distinct coordinates: the first, the last and random ones, `count` in all (every
/// coordinate when there are fewer).
fn sample_indices(len: usize, count: usize, seed: u64) -> Vec<usize> {
    if len <= count {
        return (0..len).collect();
    }
    let mut rng = Lcg::new(seed);
    let mut idx = vec![0, len - 1];
    while idx.len() < count {
        let k = (rng.next_f64() * len as f64) as usize;
        if !idx.contains(&k) {
            idx.push(k);
        }
    }
    idx
}

/// The generated gradient: bit-equal value, every component against the hand-written gradient,
/// `fd_count` seeded components against finite differences; the same again with a buffer left
/// dirty by the first call.
fn check<P: Generated>(prob: &P, fd_count: usize, seed: u64) {
    let name = P::NAME;
    let p = prob.params();
    let n = p.len();
    let plain = prob.value_flat(&p);

    let mut g = vec![f64::NAN; n];
    let f = prob.grad_gen_flat(&p, &mut g);
    assert_eq!(
        f.to_bits(),
        plain.to_bits(),
        "{name}: generated value {f:e} != plain value {plain:e}"
    );

    let mut g_hand = vec![0.0; n];
    let f_hand = prob.grad_hand_flat(&p, &mut g_hand);
    assert_eq!(f_hand, plain, "{name}: hand value != plain value");
    let scale = inf_norm(&g_hand);
    assert!(scale > 0.0 && scale.is_finite(), "{name}: |g|inf = {scale}");
    let mut worst_hand = 0.0f64;
    for k in 0..n {
        let err = (g[k] - g_hand[k]).abs();
        worst_hand = worst_hand.max(err / scale);
        assert!(
            err <= HAND_RTOL * scale,
            "{name}: generated d[{k}] = {:e}, hand {:e}, |err| = {err:e} > {HAND_RTOL:e} * {scale:e}",
            g[k],
            g_hand[k]
        );
    }

    let mut scratch = p.clone();
    let mut fun = |q: &[f64]| prob.value_flat(q);
    let mut worst_fd = 0.0f64;
    for k in sample_indices(n, fd_count, seed) {
        let fd = fd_partial(&mut fun, &mut scratch, k);
        let err = (g[k] - fd).abs();
        worst_fd = worst_fd.max(err / scale);
        assert!(
            err <= FD_RTOL * scale,
            "{name}: generated d[{k}] = {:e}, finite difference {fd:e}, |err| = {err:e} > {FD_RTOL:e} * {scale:e}",
            g[k]
        );
    }

    // A second call into the same (now full) buffer overwrites it.
    let f2 = prob.grad_gen_flat(&p, &mut g);
    assert_eq!(f2.to_bits(), f.to_bits(), "{name}: second call");
    let mut g2 = vec![1e9; n];
    prob.grad_gen_flat(&p, &mut g2);
    assert_eq!(
        g, g2,
        "{name}: gradient depends on the buffer's previous contents"
    );

    eprintln!(
        "{name} (n = {n}): worst |gen - hand| / |g|inf = {worst_hand:e}, worst |gen - fd| / |g|inf = {worst_fd:e}"
    );
}

// ---------------------------------------------------------------------------------------------
// The signatures documented in generated.rs
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::type_complexity)]
fn generated_signatures() {
    let _: fn(f64, f64) -> (f64, [f64; 2]) = generated::rosen2_grad;
    let _: fn(&[f64], &mut [f64]) -> f64 = generated::rosen_n_grad;
    let _: fn(&[f64], &[f64], &[f64], &mut [f64]) -> f64 = generated::linreg_grad;
    let _: fn(&[f64], f64, &[f64], &[f64], &mut [f64]) -> (f64, [f64; 1]) = generated::logreg_grad;
    let _: fn(f64) -> (f64, [f64; 1]) = generated::sigmoid_grad;
    let _: fn(
        &[f64],
        &[f64],
        &[f64],
        f64,
        &[f64],
        &[f64],
        &mut [f64],
        &mut [f64],
        &mut [f64],
    ) -> (f64, [f64; 1]) = generated::mlp_grad;
    let _: fn(f64, f64, f64, &[f64], &[f64]) -> (f64, [f64; 3]) = generated::rnn_grad;
}

// ---------------------------------------------------------------------------------------------
// At the benchmark's data
// ---------------------------------------------------------------------------------------------

#[test]
fn b1_rosen2() {
    check(&Rosen2Problem::new(), 2, 1);
    let (f, g) = generated::rosen2_grad(-1.2, 1.0);
    assert_eq!(f, generated::rosen2(-1.2, 1.0));
    assert!(
        (f - 24.2).abs() < 1e-12 && (g[0] + 215.6).abs() < 1e-10 && (g[1] + 88.0).abs() < 1e-10
    );
}

#[test]
fn b2_rosen_n() {
    check(&RosenNProblem::new(), 40, 2);
}

#[test]
fn b3_linreg() {
    check(&LinregProblem::new(), 16, 3);
}

#[test]
fn b4_logreg() {
    check(&LogregProblem::new(), 17, 4);
}

#[test]
fn b5_mlp() {
    check(&MlpProblem::new(), 24, 5);
}

#[test]
fn b6_rnn() {
    check(&RnnProblem::new(), 3, 6);
}

#[test]
fn generated_sigmoid() {
    for z in [-30.0, -2.5, 0.0, 0.7, 12.0] {
        let (s, [ds]) = generated::sigmoid_grad(z);
        assert_eq!(s, generated::sigmoid(z));
        assert_eq!(s, problems::sigmoid(z));
        assert!((ds - s * (1.0 - s)).abs() <= 1e-15, "sigmoid'({z}) = {ds}");
    }
}

// ---------------------------------------------------------------------------------------------
// Smaller data from the same generator: other seeds and shapes
// ---------------------------------------------------------------------------------------------

#[test]
fn small_shapes() {
    for n in [2, 3, 7] {
        check(&RosenNProblem::with_n(n), 8, 10 + n as u64);
    }
    // One coordinate, no terms: value 0, gradient 0.
    let mut d = [f64::NAN];
    assert_eq!(generated::rosen_n_grad(&[0.5], &mut d), 0.0);
    assert_eq!(d, [0.0]);
    for (n, d, seed) in [(1, 1, 7), (5, 3, 8), (37, 4, 9), (64, 1, 10)] {
        check(&LinregProblem::generate(n, d, seed), 8, seed);
        check(&LogregProblem::generate(n, d, seed), 8, seed);
    }
    for (n, d, h, seed) in [(1, 1, 1, 11), (6, 3, 5, 12), (13, 2, 4, 13)] {
        check(&MlpProblem::generate(n, d, h, seed), 10, seed);
    }
    for (t, seed) in [(0, 14), (1, 15), (50, 16)] {
        let prob = RnnProblem::generate(t, seed);
        if t == 0 {
            // No steps: value 0 and gradient 0 (the hand gradient's scale would be 0).
            let (f, g) = generated::rnn_grad(prob.a, prob.u, prob.c, &prob.x, &prob.y);
            assert_eq!((f, g), (0.0, [0.0; 3]));
        } else {
            check(&prob, 3, seed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// B3–B5 with `parallel` (the `generated_parallel` benchmark entries)
// ---------------------------------------------------------------------------------------------

/// The parallel gradient at the benchmark's data, in the global pool: the value within 1e-12 of
/// the plain function's (the chunks' sums are added in another order), the gradient within
/// `HAND_RTOL` of the serial generated one, and the same bits from call to call.
fn check_parallel<P: Generated>(prob: &P, par: impl Fn(&[f64], &mut [f64]) -> f64) {
    let name = P::NAME;
    let p = prob.params();
    let n = p.len();
    let (mut g, mut g_par, mut g_again) = (vec![0.0; n], vec![f64::NAN; n], vec![1e9; n]);
    let f = prob.grad_gen_flat(&p, &mut g);
    let f_par = par(&p, &mut g_par);
    assert!(
        (f_par - f).abs() <= 1e-12 * f.abs(),
        "{name}: parallel value {f_par:e} != {f:e}"
    );
    let scale = inf_norm(&g);
    for k in 0..n {
        assert!(
            (g_par[k] - g[k]).abs() <= HAND_RTOL * scale,
            "{name}: parallel d[{k}] = {:e}, serial {:e}",
            g_par[k],
            g[k]
        );
    }
    assert_eq!(par(&p, &mut g_again).to_bits(), f_par.to_bits());
    assert_eq!(
        g_par, g_again,
        "{name}: parallel gradient not deterministic"
    );
}

#[test]
fn b3_b4_b5_parallel() {
    let b3 = LinregProblem::new();
    check_parallel(&b3, |p, g| generated::linreg_par_grad(p, &b3.x, &b3.y, g));
    let b4 = LogregProblem::new();
    check_parallel(&b4, |p, g| {
        let (g_w, g_b) = g.split_at_mut(b4.d);
        let (f, [d_b]) = generated::logreg_par_grad(&p[..b4.d], p[b4.d], &b4.x, &b4.y, g_w);
        g_b[0] = d_b;
        f
    });
    let b5 = MlpProblem::new();
    check_parallel(&b5, |p, g| {
        let (w1, b1, w2, &b2) = b5.split(p);
        let (g_w1, rest) = g.split_at_mut(b5.h * b5.d);
        let (g_b1, rest) = rest.split_at_mut(b5.h);
        let (g_w2, g_b2) = rest.split_at_mut(b5.h);
        let (f, [d_b2]) = generated::mlp_par_grad(w1, b1, w2, b2, &b5.x, &b5.y, g_w1, g_b1, g_w2);
        g_b2[0] = d_b2;
        f
    });
}

/// B5 with its hidden layer a vector-valued `#[gradient]` call per sample (through the layer's
/// split), on flat slices and on the `Mlp` struct: value bit for bit the plain one's, gradient
/// the hand-written one's.
#[test]
fn b5_layered() {
    use grad::runtime::Params;
    for (prob, seed) in [
        (MlpProblem::new(), 0),
        (MlpProblem::generate(7, 3, 5, 11), 11),
    ] {
        let p = prob.params();
        let mut g_hand = vec![0.0; p.len()];
        let f_hand = prob.grad_hand_flat(&p, &mut g_hand);
        let scale = inf_norm(&g_hand);
        let (w1, b1, w2, &b2) = prob.split(&p);
        let (mut d_w1, mut d_b1, mut d_w2) = (
            vec![f64::NAN; w1.len()],
            vec![f64::NAN; b1.len()],
            vec![f64::NAN; w2.len()],
        );
        let (f, [d_b2]) = generated::mlp_layered_grad(
            w1, b1, w2, b2, &prob.x, &prob.y, &mut d_w1, &mut d_b1, &mut d_w2,
        );
        let plain = generated::mlp_layered(w1, b1, w2, b2, &prob.x, &prob.y);
        assert_eq!(f.to_bits(), plain.to_bits(), "seed {seed}");
        assert!(
            (f - f_hand).abs() <= 1e-12 * f_hand.abs().max(1.0),
            "seed {seed}"
        );
        let mut g = [d_w1.as_slice(), &d_b1, &d_w2].concat();
        g.push(d_b2);
        let model = generated::Mlp {
            hidden: generated::Dense {
                w: w1.to_vec(),
                b: b1.to_vec(),
                n_in: w1.len() / b1.len(),
            },
            w2: w2.to_vec(),
            b2,
        };
        let mut d_model = model.zeros_like();
        let fs = model.loss_layered_grad(&prob.x, &prob.y, &mut d_model);
        assert_eq!(fs.to_bits(), model.loss_layered(&prob.x, &prob.y).to_bits());
        for (what, got) in [("flat", g), ("struct", d_model.to_flat())] {
            for (k, (a, b)) in got.iter().zip(&g_hand).enumerate() {
                assert!(
                    (a - b).abs() <= HAND_RTOL * scale,
                    "B5 layered ({what}, seed {seed}): d[{k}] = {a:e}, hand {b:e}"
                );
            }
        }
    }
}
