//! The seed examples of the specification, checked exactly (or to a few ulps where the hand-derived
//! value is itself a rounded decimal).

use grad::gradient;

/// `|got - want| <= tol`, with both printed on failure.
fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol
}

macro_rules! assert_close {
    ($got:expr, $want:expr) => {
        assert_close!($got, $want, 1e-12)
    };
    ($got:expr, $want:expr, $tol:expr) => {{
        let (g, w): (f64, f64) = ($got, $want);
        assert!(
            close(g, w, $tol),
            "{} = {g:e}, want {w:e} (tol {:e})",
            stringify!($got),
            $tol
        );
    }};
}

#[gradient]
fn quad2(x: f64, y: f64) -> f64 {
    x * x + 3.0 * x * y + y * y
}

#[test]
fn quad2_at_1_2() {
    let (v, g) = quad2_grad(1.0, 2.0);
    assert_eq!(v, quad2(1.0, 2.0));
    assert_eq!(v, 11.0);
    // ∂x = 2x + 3y = 8, ∂y = 3x + 2y = 7: small integers, exact in floating point.
    assert_eq!(g, [8.0, 7.0]);
}

#[gradient]
fn quad3(x: f64, y: f64, z: f64) -> f64 {
    x * x + 3.0 * x * y - z * z + 2.0 * z
}

#[test]
fn quad3_at_1_2_3() {
    let (v, g) = quad3_grad(1.0, 2.0, 3.0);
    assert_eq!(v, quad3(1.0, 2.0, 3.0));
    assert_eq!(v, 1.0 + 6.0 - 9.0 + 6.0);
    // ∂x = 2x + 3y = 8, ∂y = 3x = 3, ∂z = -2z + 2 = -4.
    assert_eq!(g, [8.0, 3.0, -4.0]);
}

#[gradient]
fn bowl(x: f64, y: f64) -> f64 {
    x * x + y * y
}

#[test]
fn bowl_value_gradient_and_one_step() {
    let (v, g) = bowl_grad(3.0, 4.0);
    assert_eq!(v, 25.0);
    assert_eq!(g, [6.0, 8.0]);
    let alpha = 0.1;
    let (x1, y1) = (3.0 - alpha * g[0], 4.0 - alpha * g[1]);
    // 0.1 is not a binary fraction: 3 - 0.1·6 lands within an ulp of 2.4, not exactly on it.
    assert_close!(x1, 2.4, 1e-15);
    assert_close!(y1, 3.2, 1e-15);
    let (v1, _) = bowl_grad(x1, y1);
    assert_close!(v1, 16.0, 1e-13);
    assert_eq!(v1, bowl(x1, y1));
}

#[gradient]
fn weights(w1: f64, w2: f64) -> f64 {
    w1 * w1 + 3.0 * w2 * w2
}

#[test]
fn weights_at_three_points() {
    assert_eq!(weights_grad(3.0, 1.0), (12.0, [6.0, 6.0]));
    assert_eq!(weights_grad(0.0, 2.0), (12.0, [0.0, 12.0]));
    assert_eq!(weights_grad(0.0, 0.0), (0.0, [0.0, 0.0]));
}

/// One neuron with squared loss; only the weight is differentiated, the sample `(x, y)` is data.
#[gradient(wrt(w))]
fn neuron(w: f64, x: f64, y: f64) -> f64 {
    (w * x - y) * (w * x - y)
}

#[test]
fn neuron_gradient_is_2_wx_minus_y_times_x() {
    let points = [
        (0.5, 2.0, 1.0),
        (1.0, 1.0, 1.0),
        (-1.5, 0.25, 3.0),
        (2.0, -3.0, 0.5),
        (0.0, 4.0, -2.0),
        (1e3, 1e-3, 7.0),
    ];
    for (w, x, y) in points {
        let (v, [dw]): (f64, [f64; 1]) = neuron_grad(w, x, y);
        assert_eq!(v, neuron(w, x, y));
        let want = 2.0 * (w * x - y) * x;
        assert_close!(dw, want, 1e-12 * want.abs().max(1.0));
    }
    // A perfect fit has zero gradient.
    assert_eq!(neuron_grad(2.0, 3.0, 6.0), (0.0, [0.0]));
}

#[gradient]
fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

#[test]
fn rosenbrock_at_start_point() {
    let (v, [dx, dy]) = rosenbrock_grad(-1.2, 1.0);
    assert_eq!(v, rosenbrock(-1.2, 1.0));
    // -1.2 is not exact in binary: the hand values hold to ~1e-13.
    assert_close!(v, 24.2, 1e-12);
    assert_close!(dx, -215.6, 1e-11);
    assert_close!(dy, -88.0, 1e-12);
    // The minimum.
    assert_eq!(rosenbrock_grad(1.0, 1.0), (0.0, [0.0, 0.0]));
}
