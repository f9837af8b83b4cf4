//! The checks a scratch crate runs. This file is compiled here (so it is linted and type-checked
//! with the library) and pasted verbatim into each scratch crate as `mod check`.
//!
//! # Tolerances
//!
//! **f64.** The reference is the central difference `(f(x+h) - f(x-h)) / 2h` with
//! `h = cbrt(eps) · max(1, |x|) ≈ 6.1e-6 · max(1, |x|)`, the step that balances truncation
//! `h²/6 · |f'''|` against rounding `≈ δ·|f| / h` (δ a few eps, libm being within an ulp or two),
//! as in `grad-tests/tests/ops.rs`. It is computed twice, at `h` and at `h/4`. Truncation shrinks 16-fold from
//! one to the other and rounding grows 4-fold, so when the two agree within `RTOL64 · scale`
//! (`scale = 1 + |f'| + |f|`) both are within about that of the true derivative; when they
//! disagree, a kink or jump of the function (`if`, `max`, `abs`, `floor`, `clamp`, ...) lies
//! within `h` of the point or the curvature is too high for the step, and the component is skipped
//! and counted. A gradient outside `RTOL64 · scale` of both differences is a wrong gradient: a
//! wrong rule errs by O(1) on that scale, a factor 10⁶ above the threshold. Generated values are
//! bounded (see `gen`), so `δ·|f|/h` stays near 1e-10 relative and `RTOL64 = 1e-6` has a factor
//! ~100 of headroom where the two steps agree.
//!
//! **f32.** An f32 central difference is useless (`h ≈ 5e-3`, rounding `≈ 1e-5·|f|/h`), so an f32
//! gradient is compared with the f64 differences of the case's f64 twin (the same body), at the
//! same point (each f32 input is an f64 rounded to f32, and the twin gets that value exactly). The
//! reference is then as good as above; what remains is the f32 evaluation of the gradient itself:
//! every operation rounds to `eps32/2 ≈ 6e-8` relative, a generated body chains up to a few
//! hundred operations (loops of ≤ 6 iterations, nesting ≤ 2), and the generator lets intermediate
//! values reach ~1e3 (accumulators are kept within ±950) before a `sin`, `cos` or `fract`, whose
//! condition number there is ~1e3: `300 · 1e3 · 6e-8 ≈ 2e-2` in the worst case, far less in
//! practice (a long run saw 6e-3 once, on `sin` of a value near 950). `RTOL32 = 2e-2` on the same
//! scale; a wrong rule still errs by O(1), and the f64 twin is checked at `RTOL64` anyway. A point
//! where the f32 value itself is off the twin's by more than `1e-3 · (1 + |f|)` is ill-conditioned
//! in f32 (cancellation, a branch taken differently) and is skipped and counted.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Relative tolerance of an f64 gradient, on the scale `1 + |f'| + |f|` (see the module doc).
pub const RTOL64: f64 = 1e-6;
/// Relative tolerance of an f32 gradient against the f64 twin's differences.
pub const RTOL32: f64 = 2e-2;
/// Past this relative gap between an f32 value and its twin's, the point is ill-conditioned.
pub const COND32: f64 = 1e-3;

/// A function flattened to its differentiated coordinates.
pub type F<'a> = &'a dyn Fn(&[f64]) -> f64;
/// Its `_grad`, returning the value and the gradient in the same coordinates.
pub type G<'a> = &'a dyn Fn(&[f64]) -> (f64, Vec<f64>);

/// Its `_jvp`: the value and the directional derivative along a direction in the same coordinates.
pub type J<'a> = &'a dyn Fn(&[f64], &[f64]) -> (f64, f64);

/// Its `_hvp`: the value, the gradient and the Hessian–vector product along a direction.
pub type H<'a> = &'a dyn Fn(&[f64], &[f64]) -> (f64, Vec<f64>, Vec<f64>);

/// Relative tolerance of an f64 Hessian–vector product against central differences of the
/// gradient along the direction, on the scale `1 + |difference| + max|∂f|`: the gradient is itself
/// computed with a relative error of a few hundred eps, which the step `h ≈ 6e-6` amplifies to
/// ~1e-8 of the gradient's size; a wrong second-order rule errs by O(1).
pub const HVP_RTOL64: f64 = 1e-5;

/// Relative tolerance of an f64 directional derivative against the gradient's dot product with
/// the direction, on the scale `1 + Σ|∂ₖf · vₖ| + |f|`: both are exact derivatives evaluated
/// in different orders, so they differ by rounding only; a wrong tangent rule errs by O(1).
pub const JVP_RTOL64: f64 = 1e-9;

/// The direction a `_jvp` is checked along: quarters in [-1.25, 1.25], exact in f32, none 0
/// except where the pattern puts it (so a tangent that is never read is also exercised).
pub fn direction(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.25)
        .collect()
}

/// Counts and failures of one run.
/// A generator a case is lent (`rng: &mut check::Lcg`): each evaluation gets one of its own from
/// the same seed, so the function, its differences and its derivatives all see the same draws
/// when each draw runs once, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lcg(pub u64);

impl Lcg {
    /// A generator made from `seed` (as a body that makes its own writes it).
    pub fn seeded(seed: u64) -> Self {
        Lcg(seed ^ 0x9E37_79B9)
    }

    /// A draw in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Default, Debug)]
pub struct Stats {
    /// Units run.
    pub units: usize,
    /// Points evaluated.
    pub points: usize,
    /// Gradient components compared.
    pub components: usize,
    /// Components skipped: the two steps disagree (a kink near the point).
    pub skipped_kink: usize,
    /// Points or components skipped: a value or a difference is not finite.
    pub skipped_nonfinite: usize,
    /// Points skipped: the f32 value is far from its twin's.
    pub skipped_f32: usize,
    /// `_grad`'s value differs from the function's.
    pub value_mismatch: usize,
    /// A gradient component disagrees with both differences.
    pub wrong_gradient: usize,
    /// A unit panicked.
    pub panics: usize,
    /// Points where `_jvp` was checked.
    pub jvp_points: usize,
    /// `_jvp`'s value differs from the function's.
    pub jvp_value_mismatch: usize,
    /// `_jvp`'s directional derivative differs from the gradient's dot product with the direction.
    pub jvp_wrong: usize,
    /// Points where `_hvp` was checked.
    pub hvp_points: usize,
    /// Components of `H · v` compared.
    pub hvp_components: usize,
    /// `_hvp`'s value differs from the function's, or its gradient from `_grad`'s.
    pub hvp_value_mismatch: usize,
    /// A component of `H · v` disagrees with both differences of the gradient.
    pub hvp_wrong: usize,
    failures_of_unit: usize,
}

/// Central difference of `f` along `k` at `p`, with `h = frac · cbrt(eps) · max(1, |p_k|)`.
pub fn fd(f: F<'_>, p: &[f64], k: usize, frac: f64) -> f64 {
    let h = frac * f64::EPSILON.cbrt() * p[k].abs().max(1.0);
    let (mut pp, mut pm) = (p.to_vec(), p.to_vec());
    pp[k] += h;
    pm[k] -= h;
    // The step actually taken (x ± h rounds).
    (f(&pp) - f(&pm)) / (pp[k] - pm[k])
}

impl Stats {
    fn fail(&mut self, unit: usize, kind: &str, msg: String) {
        self.failures_of_unit += 1;
        // A broken unit fails at every point: three lines say enough.
        if self.failures_of_unit <= 3 {
            println!("DIFFTEST-FAIL {unit} {kind} {msg}");
        }
    }

    /// Runs unit `unit`, counting a panic as a failure.
    pub fn run(&mut self, unit: usize, body: fn(&mut Stats)) {
        self.units += 1;
        self.failures_of_unit = 0;
        let r = catch_unwind(AssertUnwindSafe(|| body(self)));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            self.panics += 1;
            self.fail(unit, "panic", msg.replace('\n', " "));
        }
    }

    /// Checks one point: `g`'s value bit for bit against `f`, and each gradient component against
    /// central differences of `f` (f64), or of `twin` when `f` is an f32 function.
    pub fn check(&mut self, unit: usize, p: &[f64], f: F<'_>, g: G<'_>, twin: Option<F<'_>>) {
        self.points += 1;
        let v = f(p);
        let (vg, grad) = g(p);
        if !(v.to_bits() == vg.to_bits() || (v.is_nan() && vg.is_nan())) {
            self.value_mismatch += 1;
            let m = format!(
                "at {p:?}: NAME returns {v:e} ({:#x}), NAME_grad returns {vg:e} ({:#x})",
                v.to_bits(),
                vg.to_bits()
            );
            self.fail(unit, "value_mismatch", m);
        }
        if !v.is_finite() {
            self.skipped_nonfinite += 1;
            return;
        }
        let (reference, rtol) = match twin {
            Some(t) => (t, RTOL32),
            None => (f, RTOL64),
        };
        let vref = reference(p);
        // Written so that a NaN gap counts as ill-conditioned.
        let close32 = (v - vref).abs() <= COND32 * (1.0 + vref.abs());
        if twin.is_some() && !close32 {
            self.skipped_f32 += 1;
            return;
        }
        for k in 0..p.len() {
            self.components += 1;
            let d1 = fd(reference, p, k, 1.0);
            let d4 = fd(reference, p, k, 0.25);
            if !d1.is_finite() || !d4.is_finite() {
                self.skipped_nonfinite += 1;
                continue;
            }
            let scale = 1.0 + d1.abs() + vref.abs();
            let agree = (d1 - d4).abs() <= RTOL64 * scale;
            if !agree {
                self.skipped_kink += 1;
                continue;
            }
            let ok = |d: f64| (grad[k] - d).abs() <= rtol * scale;
            if !(ok(d1) || ok(d4)) {
                self.wrong_gradient += 1;
                let m = format!(
                    "at {p:?}: value {v:e}, gradient[{k}] = {:e}, finite differences {d1:e} (h), {d4:e} (h/4); whole gradient {grad:?}",
                    grad[k]
                );
                self.fail(unit, "wrong_gradient", m);
            }
        }
    }

    /// Checks `j` at one point: its value bit for bit against `f`, and its directional derivative
    /// along [`direction`] against `g`'s gradient dotted with it (`rtol` on the scale above).
    pub fn check_jvp(&mut self, unit: usize, p: &[f64], f: F<'_>, g: G<'_>, j: J<'_>, rtol: f64) {
        self.jvp_points += 1;
        let dir = direction(p.len());
        let v = f(p);
        let (vj, t) = j(p, &dir);
        if !(v.to_bits() == vj.to_bits() || (v.is_nan() && vj.is_nan())) {
            self.jvp_value_mismatch += 1;
            let m = format!(
                "at {p:?}: NAME returns {v:e} ({:#x}), NAME_jvp returns {vj:e} ({:#x})",
                v.to_bits(),
                vj.to_bits()
            );
            self.fail(unit, "jvp_value_mismatch", m);
        }
        let (_, grad) = g(p);
        let dot: f64 = grad.iter().zip(&dir).map(|(a, b)| a * b).sum();
        if !v.is_finite() || !dot.is_finite() {
            self.skipped_nonfinite += 1;
            return;
        }
        let scale = 1.0
            + grad
                .iter()
                .zip(&dir)
                .map(|(a, b)| (a * b).abs())
                .sum::<f64>()
            + v.abs();
        if (t - dot).abs() > rtol * scale || t.is_nan() {
            self.jvp_wrong += 1;
            let m = format!(
                "at {p:?} along {dir:?}: NAME_jvp gives {t:e}, the gradient {grad:?} gives {dot:e}"
            );
            self.fail(unit, "jvp_wrong", m);
        }
    }

    /// Checks `hv` at one point along [`direction`]: its value bit for bit against `f`, its
    /// gradient against `g`'s, and each component of `H · v` against central differences of the
    /// gradient `reference` (the f64 twin's for an f32 function) along the direction, at `h` and
    /// `h/4`; where the two disagree (a kink of the gradient) the component is skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn check_hvp(
        &mut self,
        unit: usize,
        p: &[f64],
        f: F<'_>,
        g: G<'_>,
        hv: H<'_>,
        reference: G<'_>,
        rtol: f64,
    ) {
        self.hvp_points += 1;
        let dir = direction(p.len());
        let v = f(p);
        let (vh, gh, h) = hv(p, &dir);
        let (_, grad) = g(p);
        // The two gradients come from differently arranged sweeps (no loop fusion in `_hvp`),
        // so they agree up to rounding: f32's when `rtol` is f32's.
        let gtol = if rtol > 1e-3 { 1e-4 } else { 1e-9 };
        let same_grad = grad
            .iter()
            .zip(&gh)
            .all(|(a, b)| (a - b).abs() <= gtol * (1.0 + a.abs()) || (a.is_nan() && b.is_nan()));
        if !(v.to_bits() == vh.to_bits() || (v.is_nan() && vh.is_nan())) || !same_grad {
            self.hvp_value_mismatch += 1;
            let m = format!("at {p:?}: NAME returns {v:e}, NAME_hvp {vh:e}; gradient {grad:?}, NAME_hvp's {gh:?}");
            self.fail(unit, "hvp_value_mismatch", m);
        }
        if !v.is_finite() {
            self.skipped_nonfinite += 1;
            return;
        }
        // An f32 function can take another path than its f64 twin at a point (a comparison or a
        // `%` that rounds the other way), where the twin's differences say nothing about it: the
        // gradient check skips such points, and so does this one.
        let twin_value = reference(p).0;
        if rtol > 1e-3 && (v - twin_value).abs() > COND32 * (1.0 + twin_value.abs()) {
            self.skipped_f32 += 1;
            return;
        }
        let size = 1.0 + grad.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let step = |frac: f64| {
            let scale = p.iter().fold(1.0f64, |m, x| m.max(x.abs()));
            let hh = frac * f64::EPSILON.cbrt() * scale;
            let plus: Vec<f64> = p.iter().zip(&dir).map(|(x, d)| x + hh * d).collect();
            let minus: Vec<f64> = p.iter().zip(&dir).map(|(x, d)| x - hh * d).collect();
            let (gp, gm) = (reference(&plus).1, reference(&minus).1);
            gp.iter()
                .zip(&gm)
                .map(|(a, b)| (a - b) / (2.0 * hh))
                .collect::<Vec<f64>>()
        };
        let (d1, d4) = (step(1.0), step(0.25));
        for k in 0..h.len() {
            self.hvp_components += 1;
            if !d1[k].is_finite() || !d4[k].is_finite() {
                self.skipped_nonfinite += 1;
                continue;
            }
            let scale = size + d1[k].abs();
            if (d1[k] - d4[k]).abs() > HVP_RTOL64 * scale {
                self.skipped_kink += 1;
                continue;
            }
            let ok = |d: f64| (h[k] - d).abs() <= rtol * scale;
            if !(ok(d1[k]) || ok(d4[k])) {
                self.hvp_wrong += 1;
                let m = format!(
                    "at {p:?} along {dir:?}: (H·v)[{k}] = {:e}, differences of the gradient {:e} (h), {:e} (h/4); whole H·v {h:?}",
                    h[k], d1[k], d4[k]
                );
                self.fail(unit, "hvp_wrong", m);
            }
        }
    }

    /// Prints the figures and exits, non-zero if anything failed.
    pub fn finish(&self) -> ! {
        println!(
            "DIFFTEST-STATS units={} points={} components={} skipped_kink={} skipped_nonfinite={} skipped_f32={} value_mismatch={} wrong_gradient={} panics={} jvp_points={} jvp_value_mismatch={} jvp_wrong={} hvp_points={} hvp_components={} hvp_value_mismatch={} hvp_wrong={}",
            self.units,
            self.points,
            self.components,
            self.skipped_kink,
            self.skipped_nonfinite,
            self.skipped_f32,
            self.value_mismatch,
            self.wrong_gradient,
            self.panics,
            self.jvp_points,
            self.jvp_value_mismatch,
            self.jvp_wrong,
            self.hvp_points,
            self.hvp_components,
            self.hvp_value_mismatch,
            self.hvp_wrong
        );
        let bad = self.value_mismatch
            + self.wrong_gradient
            + self.panics
            + self.jvp_value_mismatch
            + self.jvp_wrong
            + self.hvp_value_mismatch
            + self.hvp_wrong;
        std::process::exit(if bad > 0 { 1 } else { 0 })
    }
}
