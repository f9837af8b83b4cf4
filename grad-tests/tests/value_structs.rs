//! Small structs of floats used as values, the way physics and geometry code is written: a
//! `Vec3` with a constructor, methods (`dot`, `cross`, `length`, `normalized`, one changing it in
//! place) and operators (`+`, `-`, `* f64`, unary `-`, `+=` through `AddAssign`), locals of it
//! updated in loops, built by blocks and `if`s, read in conditions, closures and call arguments,
//! data parameters of it. Each gradient against central differences, the value bit for bit.

#![allow(
    clippy::float_cmp,
    clippy::many_single_char_names,
    clippy::assign_op_pattern,
    clippy::vec_init_then_push,
    // (A copy written as users write it, `cs.iter().copied().collect()`.)
    clippy::iter_cloned_collect
)]

mod common;

use common::{check_flat, fd_hessian};
use grad::gradient;
use std::ops::{Add, AddAssign, Mul, Neg, Sub};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    pub const fn new(x: f64, y: f64, z: f64) -> Self {
        Self { x, y, z }
    }
    pub fn zero() -> Self {
        Self::new(0.0, 0.0, 0.0)
    }
    pub fn dot(&self, o: &Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }
    pub fn cross(&self, o: &Vec3) -> Vec3 {
        Vec3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }
    pub fn length(&self) -> f64 {
        self.dot(self).sqrt()
    }
    pub fn normalized(&self) -> Vec3 {
        let l = self.length();
        *self * (1.0 / l)
    }
    /// Changes it in place.
    pub fn clamp_length(&mut self, most: f64) {
        let l = self.length();
        if l > most {
            let k = most / l;
            self.x *= k;
            self.y *= k;
            self.z *= k;
        }
    }
}

impl Add for Vec3 {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl Sub for Vec3 {
    type Output = Self;
    fn sub(self, o: Self) -> Self::Output {
        Vec3 {
            x: self.x - o.x,
            y: self.y - o.y,
            z: self.z - o.z,
        }
    }
}

impl Mul<f64> for Vec3 {
    type Output = Vec3;
    fn mul(self, s: f64) -> Vec3 {
        Vec3::new(self.x * s, self.y * s, self.z * s)
    }
}

/// A number on the left (`dt * v`).
impl Mul<Vec3> for f64 {
    type Output = Vec3;
    fn mul(self, v: Vec3) -> Vec3 {
        v * self
    }
}

impl Neg for Vec3 {
    type Output = Vec3;
    fn neg(self) -> Vec3 {
        Vec3::new(-self.x, -self.y, -self.z)
    }
}

impl AddAssign for Vec3 {
    fn add_assign(&mut self, o: Vec3) {
        self.x += o.x;
        self.y += o.y;
        self.z += o.z;
    }
}

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, v: f64, g: &[f64], p: &[f64]) {
    check_flat(what, p, f, v, g).unwrap();
}

/// A projectile with drag, stepped in a loop: the distance of where it ends from a target.
#[gradient(wrt(v0), jvp, hvp)]
fn shot(v0: &[f64], drag: f64, steps: usize) -> f64 {
    let dt = 0.01;
    let g = Vec3::new(0.0, 0.0, -9.81);
    let mut p = Vec3::zero();
    let mut v = Vec3::new(v0[0], v0[1], v0[2]);
    for _ in 0..steps {
        let a = g - v * (drag * v.length());
        v = v + a * dt;
        p += dt * v;
    }
    let target = Vec3::new(10.0, 2.0, 0.0);
    let miss = p - target;
    miss.dot(&miss)
}

#[test]
fn a_projectile_stepped_with_operators() {
    let v0 = [8.0, 1.5, 6.0];
    let mut d = [0.0; 3];
    let v = shot_grad(&v0, 0.05, 120, &mut d);
    assert_eq!(v.to_bits(), shot(&v0, 0.05, 120).to_bits());
    check("shot", &|p| shot(p, 0.05, 120), v, &d, &v0);
    let dir = [0.3, -0.2, 0.5];
    let (vj, t) = shot_jvp(&v0, 0.05, 120, &dir);
    assert_eq!(vj.to_bits(), v.to_bits());
    let want: f64 = d.iter().zip(dir).map(|(a, b)| a * b).sum();
    assert!((t - want).abs() < 1e-9 * want.abs().max(1.0), "{t} {want}");
    let (mut d2, mut hv) = ([0.0; 3], [0.0; 3]);
    let _ = shot_hvp(&v0, 0.05, 120, &dir, &mut d2, &mut hv);
    let h = fd_hessian(&|p| shot(p, 0.05, 120), &v0);
    for i in 0..3 {
        let want: f64 = (0..3).map(|j| h[i * 3 + j] * dir[j]).sum();
        assert!(
            (hv[i] - want).abs() < 1e-3 * want.abs().max(1.0),
            "{hv:?} {want}"
        );
    }
}

/// A triangle's area and how its normal leans: `cross` of differences, a struct update from a
/// constructor, unary minus, a method returning the type.
#[gradient]
fn triangle(q: &[f64]) -> f64 {
    let a = Vec3::new(q[0], q[1], q[2]);
    let b = Vec3::new(q[3], q[4], q[5]);
    let c = Vec3::new(q[6], q[7], q[8]);
    let n = (b - a).cross(&(c - a));
    let area = 0.5 * n.length();
    let up = Vec3 {
        z: 1.0,
        ..Vec3::zero()
    };
    let align = n.normalized().dot(&up);
    let m = -a;
    area + align * align + m.x
}

/// `+=` through `AddAssign`, a method changing a local in place, fields written one by one.
#[gradient]
fn accumulated(q: &[f64]) -> f64 {
    let mut s = Vec3::zero();
    for i in 0..q.len() / 3 {
        s += Vec3::new(q[3 * i], q[3 * i + 1], q[3 * i + 2]);
    }
    s.clamp_length(1.5);
    s.y += q[0] * 0.5;
    s.z = s.z * s.x;
    s.length()
}

#[test]
fn cross_products_updates_and_in_place_methods() {
    let q = [0.1, 0.2, 0.3, 1.0, 0.1, -0.2, 0.3, 1.2, 0.5];
    let mut d = [0.0; 9];
    let v = triangle_grad(&q, &mut d);
    assert_eq!(v.to_bits(), triangle(&q).to_bits());
    check("triangle", &triangle, v, &d, &q);
    // Clamped and not.
    for scale in [1.0, 0.2] {
        let q: Vec<f64> = q.iter().map(|v| v * scale).collect();
        let mut d = [0.0; 9];
        let v = accumulated_grad(&q, &mut d);
        assert_eq!(v.to_bits(), accumulated(&q).to_bits());
        check("accumulated", &accumulated, v, &d, &q);
    }
}

/// Values in every position: built by an `if` and by a block, read in a condition, a closure,
/// a call's argument and a loop's body; `Vec3::dot(&a, &b)` called by path; a data parameter
/// of the type.
#[gradient(wrt(w))]
fn positions(w: &[f64], origin: Vec3, far: bool) -> f64 {
    let a = Vec3::new(w[0], w[1], w[2]) - origin;
    let b = if far { a * 2.0 } else { -a };
    let c = {
        let t = a.cross(&b);
        t + origin
    };
    let r = |s: f64| (a * s).length();
    let mut acc = f64::max(c.length(), b.x) + r(0.5);
    if a.dot(&b) > 0.0 {
        acc += Vec3::dot(&a, &c);
    } else {
        acc -= c.z;
    }
    for k in 1..3 {
        let p = a * f64::from(k);
        acc += p.normalized().y * origin.x;
    }
    acc
}

#[test]
fn values_in_every_position() {
    let w = [0.4, -0.3, 0.8];
    let origin = Vec3::new(0.1, 0.2, -0.3);
    for far in [true, false] {
        let mut d = [0.0; 3];
        let v = positions_grad(&w, origin, far, &mut d);
        assert_eq!(v.to_bits(), positions(&w, origin, far).to_bits());
        check("positions", &|p| positions(p, origin, far), v, &d, &w);
    }
}

/// A small 2-D type whose operators return `Self::Output`, its constructor written with field
/// shorthand, in `f32`.
#[derive(Clone, Copy)]
struct P2 {
    x: f32,
    y: f32,
}

impl P2 {
    fn new(x: f32, y: f32) -> P2 {
        P2 { x, y }
    }
    fn norm2(self) -> f32 {
        self.x * self.x + self.y * self.y
    }
}

impl Sub for P2 {
    type Output = P2;
    fn sub(self, o: P2) -> Self::Output {
        P2::new(self.x - o.x, self.y - o.y)
    }
}

#[gradient]
fn spring(p: &[f32], k: f32) -> f32 {
    let a = P2::new(p[0], p[1]);
    let b = P2::new(p[2], p[3]);
    let e = (a - b).norm2().sqrt() - 1.0;
    k * e * e
}

#[test]
fn a_spring_in_f32() {
    let p = [0.3f32, -0.2, 1.1, 0.7];
    let mut d = [0.0f32; 4];
    let (v, [dk]) = spring_grad(&p, 2.0, &mut d);
    assert_eq!(v.to_bits(), spring(&p, 2.0).to_bits());
    let dist = ((p[0] - p[2]).powi(2) + (p[1] - p[3]).powi(2)).sqrt();
    let e = dist - 1.0;
    assert!((dk - e * e).abs() < 1e-6);
    let want = 2.0 * 2.0 * e * (p[0] - p[2]) / dist;
    assert!((d[0] - want).abs() < 1e-5, "{d:?} {want}");
    assert!((d[2] + want).abs() < 1e-5, "{d:?} {want}");
}

/// A plain helper taking and giving a value.
fn pull(p: Vec3, m: f64) -> Vec3 {
    let r2 = p.dot(&p) + 0.1;
    p * (-m / (r2 * r2.sqrt()))
}

/// A sphere fitted to points given as data (`&[Vec3]`): elements iterated (`for p in pts`,
/// `for &q in pts.iter()`) and indexed, handed with a local to a plain helper.
#[gradient(wrt(c))]
fn sphere_fit(c: &[f64], pts: &[Vec3]) -> f64 {
    let center = Vec3::new(c[0], c[1], c[2]);
    let mut s = 0.0;
    for p in pts {
        let d = *p - center;
        let e = d.length() - c[3];
        s += e * e;
    }
    for &q in pts.iter() {
        s += (q - center).dot(&pull(q, 0.1)) * 0.01;
    }
    for i in 1..pts.len() {
        s += (pts[i] - pts[i - 1]).cross(&center).z * 0.1;
    }
    s
}

#[test]
fn points_given_as_data_and_a_plain_helper() {
    let pts = [
        Vec3::new(1.0, 0.1, 0.2),
        Vec3::new(-0.3, 0.9, 0.1),
        Vec3::new(0.2, -0.1, 1.1),
        Vec3::new(-0.8, -0.5, 0.3),
    ];
    let c = [0.1, 0.05, 0.2, 0.9];
    let mut d = [0.0; 4];
    let v = sphere_fit_grad(&c, &pts, &mut d);
    assert_eq!(v.to_bits(), sphere_fit(&c, &pts).to_bits());
    check("sphere_fit", &|q| sphere_fit(q, &pts), v, &d, &c);
}

/// Local sequences of values, one vector per field: collected from a `map`, filled by pushes,
/// `vec![v; n]`, an array literal; read and written by index (whole and by field), iterated
/// (`for q in &pts`, `.iter().enumerate()`), their length read.
#[gradient(wrt(p))]
fn relaxed_chain(p: &[f64], k: f64) -> f64 {
    let start: Vec<Vec3> = (0..p.len() / 3)
        .map(|i| Vec3::new(p[3 * i], p[3 * i + 1], p[3 * i + 2]))
        .collect();
    let mut pts = Vec::new();
    for q in &start {
        pts.push(*q * 1.5);
    }
    let mut vel = vec![Vec3::zero(); pts.len()];
    for _ in 0..3 {
        for i in 1..pts.len() {
            let d = pts[i] - pts[i - 1];
            vel[i] = vel[i] * 0.5 - d * k;
        }
        for (i, v) in vel.iter().enumerate() {
            pts[i] += *v * 0.1;
        }
        pts[0].y *= 0.9;
    }
    let anchors = [Vec3::zero(), Vec3::new(1.0, 0.5, -0.25)];
    let mut e = 0.0;
    for q in &pts {
        e += (*q - anchors[1]).length() + q.x * anchors[1].z;
    }
    e + pts[pts.len() - 1].dot(&start[0])
}

#[test]
fn local_sequences_of_values() {
    let p = [0.1, 0.2, 0.3, 0.9, -0.1, 0.4, 1.7, 0.4, -0.2, 2.2, 1.0, 0.6];
    let mut d = [0.0; 12];
    let v = relaxed_chain_grad(&p, 0.3, &mut d);
    assert_eq!(v.to_bits(), relaxed_chain(&p, 0.3).to_bits());
    check("relaxed_chain", &|q| relaxed_chain(q, 0.3), v, &d, &p);
}

/// A plain helper (no attribute) that fills a list of values by pushing what another plain
/// helper gives (`pts.push(pull(c, ..))`, the call inlined before the list is taken apart),
/// called with differentiated floats; helpers taking a value whose bodies fill lists; values
/// pushed by statements of a body; arguments naming the callee's parameters in another order;
/// helpers a value is lent to by `&mut`; values taken apart by `let` patterns.
fn fan(a: f64, b: f64, k: f64) -> f64 {
    let c = Vec3::new(a, b, 0.5);
    let mut pts = Vec::new();
    for i in 0..3 {
        pts.push(pull(c, k + i as f64 * 0.5));
    }
    let mut near = vec![Vec3::zero(); pts.len()];
    for i in 0..near.len() {
        near[i] = pts[i] * 0.5;
        near[i].y += k * 0.1;
    }
    pts.iter().map(|q| q.x).sum::<f64>() + near[2].dot(&near[1])
}

/// Plain helpers taking a value (by value, by reference) whose bodies fill lists by pushes.
fn spread(p: Vec3, k: f64) -> f64 {
    let mut pts = Vec::new();
    for i in 0..3 {
        pts.push(p * (k + f64::from(i)));
    }
    pts.iter().map(|q| q.y * q.x).sum()
}

fn spread_ref(p: &Vec3, k: f64) -> f64 {
    let mut pts: Vec<Vec3> = Vec::with_capacity(2);
    pts.push(*p * k);
    pts.push(pull(*p, k));
    pts[0].dot(&pts[1]) + pts.len() as f64
}

/// A plain helper and a method whose float parameters a call names in another order.
fn crossed(p: Vec3, a: f64, b: f64) -> f64 {
    p.x * a + b * b
}

impl Vec3 {
    fn crossed_by(self, a: f64, b: f64) -> f64 {
        self.y * a - b * b * 0.5
    }
}

/// Arguments naming the callee's parameters in another order (`crossed(p, b, a)` into
/// `fn crossed(p: Vec3, a: f64, b: f64)`): each argument is the caller's value (once a wrong
/// value: the second parameter read the first one, already bound).
#[gradient]
fn arguments_crossed(a: f64, b: f64) -> f64 {
    let p = Vec3::new(a, b, 1.0);
    crossed(p, b, a) + p.crossed_by(b, a) * 2.0 + crossed(p * b, a * b, b - a)
}

/// Plain helpers taking a value by `&mut` (giving nothing, giving a float), called on a local
/// in the body and in a loop: they write the caller's value.
fn kick(v: &mut Vec3, k: f64) {
    v.x += k * v.y;
    v.y *= k;
}

fn damped(v: &mut Vec3, k: f64) -> f64 {
    v.z *= k;
    v.length()
}

#[gradient]
fn lent_values(a: f64, b: f64) -> f64 {
    let mut p = Vec3::new(a, b, 0.5);
    kick(&mut p, a);
    let l = damped(&mut p, b);
    for _ in 0..2 {
        kick(&mut p, 0.5);
    }
    p.x * p.y + l + p.z
}

/// Values taken apart by `let` patterns: all fields, some with `..`, renamed across (`let Vec3 {
/// x: y, y: x, .. }`), in a loop; tuple structs alike (`tuple_structs.rs`).
#[gradient]
fn destructured(a: f64, b: f64) -> f64 {
    let p = Vec3::new(a, b, a * b) * 2.0;
    let Vec3 { x, y, z } = p;
    let Vec3 { x: y2, y: x2, .. } = Vec3::new(y, x, 1.0);
    let mut s = 0.0;
    for k in 0..2 {
        let Vec3 { z: w, .. } = p * f64::from(k);
        s += w;
    }
    x * y + z + x2 * 0.5 + y2 + s
}

/// Values pushed by statements of the body (not in a loop), into lists typed and untyped.
#[gradient]
fn pushed_by_statements(a: f64, b: f64) -> f64 {
    let p = Vec3::new(b, 0.25, a);
    let mut pts = Vec::new();
    pts.push(p * a);
    pts.push(Vec3::new(a, b, a * b));
    if a > 0.0 {
        pts.push(-p);
    }
    let mut typed: Vec<Vec3> = Vec::with_capacity(2);
    typed.push(pts[1] + p);
    typed.push(pull(p, b));
    pts[0].dot(&pts[1]) + pts[pts.len() - 1].z + typed[0].dot(&typed[1]) + pts.len() as f64
}

#[gradient]
fn fanned(a: f64, b: f64) -> f64 {
    let p = Vec3::new(b, 0.25, a);
    fan(a, b, a * b) + fan(0.3, a, 0.2) + spread(Vec3::new(a, b, 0.5), b) + spread_ref(&p, a)
}

#[test]
fn lists_filled_by_a_helpers_values_in_a_plain_helper() {
    for (a, b) in [(0.7, -0.4), (1.3, 0.9), (-0.6, 0.5)] {
        let (v, g) = fanned_grad(a, b);
        assert_eq!(v.to_bits(), fanned(a, b).to_bits());
        check("fanned", &|q| fanned(q[0], q[1]), v, &g, &[a, b]);
        let (v, g) = arguments_crossed_grad(a, b);
        assert_eq!(v.to_bits(), arguments_crossed(a, b).to_bits());
        let f = |q: &[f64]| arguments_crossed(q[0], q[1]);
        check("arguments_crossed", &f, v, &g, &[a, b]);
        let (v, g) = lent_values_grad(a, b);
        assert_eq!(v.to_bits(), lent_values(a, b).to_bits());
        check("lent_values", &|q| lent_values(q[0], q[1]), v, &g, &[a, b]);
        let (v, g) = destructured_grad(a, b);
        assert_eq!(v.to_bits(), destructured(a, b).to_bits());
        check(
            "destructured",
            &|q| destructured(q[0], q[1]),
            v,
            &g,
            &[a, b],
        );
        let (v, g) = pushed_by_statements_grad(a, b);
        assert_eq!(v.to_bits(), pushed_by_statements(a, b).to_bits());
        let f = |q: &[f64]| pushed_by_statements(q[0], q[1]);
        check("pushed_by_statements", &f, v, &g, &[a, b]);
    }
}

/// A state deriving `Default`: `State::default()`, `..Default::default()`, a typed
/// `Default::default()`.
#[derive(Clone, Copy, Default)]
struct State {
    pos: f64,
    vel: f64,
}

impl State {
    fn step(self, a: f64, dt: f64) -> State {
        State {
            pos: self.pos + self.vel * dt,
            vel: self.vel + a * dt,
        }
    }
}

#[gradient]
fn defaulted(v0: f64, k: f64) -> f64 {
    let mut s = State {
        vel: v0,
        ..Default::default()
    };
    let mut best = State::default();
    for _ in 0..20 {
        s = s.step(-k * s.pos, 0.05);
        if s.pos > best.pos {
            best = s;
        }
    }
    let zero: State = Default::default();
    best.pos + s.vel * 0.5 + zero.vel
}

#[test]
fn states_deriving_default() {
    let (v, [dv, dk]) = defaulted_grad(1.2, 3.0);
    assert_eq!(v.to_bits(), defaulted(1.2, 3.0).to_bits());
    check(
        "defaulted",
        &|p| defaulted(p[0], p[1]),
        v,
        &[dv, dk],
        &[1.2, 3.0],
    );
}

/// Closures taking or giving values, called in the body, reading the caller's names.
#[gradient]
fn closures_of_values(q: &[f64]) -> f64 {
    let origin = Vec3::new(q[0], q[1], q[2]);
    let dist = |p: Vec3| (p - origin).length();
    let scaled = |k: f64| -> Vec3 { origin * k };
    let mut s = 0.0;
    for k in 1..4 {
        let p = scaled(f64::from(k) * 0.4);
        s += dist(p) * q[3] + scaled(0.25).dot(&p);
    }
    s
}

#[test]
fn closures_taking_and_giving_values() {
    let q = [0.3, -0.4, 0.5, 1.5];
    let mut d = [0.0; 4];
    let v = closures_of_values_grad(&q, &mut d);
    assert_eq!(v.to_bits(), closures_of_values(&q).to_bits());
    check("closures_of_values", &closures_of_values, v, &d, &q);
}

/// A value type with a count beside its floats.
#[derive(Clone, Copy)]
struct Tagged {
    w: f64,
    hits: usize,
}

impl Tagged {
    fn bumped(self, by: f64) -> Tagged {
        Tagged {
            w: self.w * by,
            hits: self.hits + 1,
        }
    }
}

#[gradient]
fn tagged(a: f64) -> f64 {
    let mut t = Tagged { w: a, hits: 0 };
    while t.hits < 3 {
        t = t.bumped(a);
    }
    t.w + t.hits as f64
}

#[test]
fn value_types_with_counts() {
    let (v, [da]) = tagged_grad(0.7);
    assert_eq!(v.to_bits(), tagged(0.7).to_bits());
    assert!((da - 4.0 * 0.7f64.powi(3)).abs() < 1e-12, "{da}");
}

/// A value type that is also a model (`derive(Params)`): a parameter of it differentiated, read
/// through its operators and methods.
#[derive(Clone, Copy, Debug, grad::Params)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    fn dot(&self, o: &Self) -> f64 {
        self.x * o.x + self.y * o.y
    }
    /// The same as a method of the model: `self` read whole (`*self - *target`).
    #[gradient(wrt(self), jvp)]
    fn pulled_by(&self, target: &Point, k: f64) -> f64 {
        let d = *self - *target;
        let m = Point::new(self.x * k, 0.5);
        d.dot(&d) + m.dot(&d)
    }
}

impl Sub for Point {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self::new(self.x - o.x, self.y - o.y)
    }
}

#[gradient(wrt(p))]
fn pulled(p: &Point, target: &Point, k: f64) -> f64 {
    let d = *p - *target;
    let m = Point::new(p.x * k, 0.5);
    d.dot(&d) + m.dot(&d)
}

#[test]
fn a_model_of_a_value_type() {
    let (p, t) = (Point::new(0.3, 0.4), Point::new(1.0, -1.0));
    let mut d = grad::runtime::Params::zeros_like(&p);
    let v = pulled_grad(&p, &t, 2.0, &mut d);
    assert_eq!(v.to_bits(), pulled(&p, &t, 2.0).to_bits());
    check(
        "pulled",
        &|q| pulled(&Point::new(q[0], q[1]), &t, 2.0),
        v,
        &[d.x, d.y],
        &[0.3, 0.4],
    );
    let mut dm = grad::runtime::Params::zeros_like(&p);
    let vm = p.pulled_by_grad(&t, 2.0, &mut dm);
    assert_eq!(vm.to_bits(), p.pulled_by(&t, 2.0).to_bits());
    assert_eq!(vm.to_bits(), v.to_bits());
    assert!((dm.x - d.x).abs() < 1e-12 && (dm.y - d.y).abs() < 1e-12);
    let (vj, tj) = p.pulled_by_jvp(&t, 2.0, &Point::new(1.0, 0.0));
    assert_eq!(vj.to_bits(), v.to_bits());
    assert!((tj - d.x).abs() < 1e-12);
}

/// A trait of the file implemented for `f64`, its method called on floats.
trait Activation {
    fn sigmoid(self) -> f64;
    fn softplus(self, beta: f64) -> f64;
}

impl Activation for f64 {
    fn sigmoid(self) -> f64 {
        1.0 / (1.0 + (-self).exp())
    }
    fn softplus(self, beta: f64) -> f64 {
        (1.0 + (beta * self).exp()).ln() / beta
    }
}

#[gradient]
fn activations(w: &[f64], x: f64) -> f64 {
    let mut s = 0.0;
    for &wi in w {
        s += (wi * x).sigmoid() + wi.softplus(2.0) * 0.5;
    }
    s
}

#[test]
fn methods_of_float_traits() {
    let w = [0.3, -1.2, 0.8];
    let mut d = [0.0; 3];
    let (v, [dx]) = activations_grad(&w, 0.7, &mut d);
    assert_eq!(v.to_bits(), activations(&w, 0.7).to_bits());
    let g = [d[0], d[1], d[2], dx];
    check(
        "activations",
        &|p| activations(&p[..3], p[3]),
        v,
        &g,
        &[0.3, -1.2, 0.8, 0.7],
    );
}

/// One trait implemented for both float types: each function calls its own type's.
trait Squash {
    fn squash(self) -> Self;
}

impl Squash for f64 {
    fn squash(self) -> f64 {
        self / (1.0 + self * self).sqrt()
    }
}

impl Squash for f32 {
    fn squash(self) -> f32 {
        self / (1.0 + self * self).sqrt()
    }
}

#[gradient]
fn squashed64(x: f64) -> f64 {
    (2.0 * x).squash()
}

#[gradient]
fn squashed32(x: f32) -> f32 {
    (2.0 * x).squash()
}

#[test]
fn a_float_trait_for_both_types() {
    let (v, [d]) = squashed64_grad(0.6);
    assert_eq!(v.to_bits(), squashed64(0.6).to_bits());
    let u = 1.2f64;
    assert!((d - 2.0 / (1.0 + u * u).powf(1.5)).abs() < 1e-12, "{d}");
    let (v32, [d32]) = squashed32_grad(0.6);
    assert_eq!(v32.to_bits(), squashed32(0.6).to_bits());
    let u = 1.2f32;
    assert!((d32 - 2.0 / (1.0 + u * u).powf(1.5)).abs() < 1e-5, "{d32}");
}

/// Elements of a local sequence of values changed through `iter_mut()`, and read by
/// `iter().map(..)` chains.
#[gradient(wrt(p))]
fn through_iterators(p: &[f64], k: f64) -> f64 {
    let mut pts: Vec<Vec3> = (0..p.len() / 3)
        .map(|i| Vec3::new(p[3 * i], p[3 * i + 1], p[3 * i + 2]))
        .collect();
    for q in pts.iter_mut() {
        q.z += k * q.x;
        *q = *q * 0.5;
    }
    for q in &mut pts {
        q.y *= 1.5;
    }
    let energy: f64 = pts.iter().map(|q| q.dot(q)).sum();
    let far = pts.iter().map(|&q| q.length()).fold(0.0, f64::max);
    energy + far
}

#[test]
fn local_sequences_through_iterators() {
    let p = [0.1, 0.2, 0.3, 0.9, -0.1, 0.4, 1.7, 0.4, -0.2];
    let mut d = [0.0; 9];
    let v = through_iterators_grad(&p, 0.3, &mut d);
    assert_eq!(v.to_bits(), through_iterators(&p, 0.3).to_bits());
    check(
        "through_iterators",
        &|q| through_iterators(q, 0.3),
        v,
        &d,
        &p,
    );
}

/// A value type generic over its float, the way numeric crates write one: its methods and
/// operators made concrete for the function's float (`T::one()`, `T::from(..)`, `T::zero()`,
/// `T::epsilon()`, `T::sqrt` as the float's own).
#[derive(Clone, Copy, Debug)]
pub struct G2<T> {
    pub x: T,
    pub y: T,
}

impl<T: num_traits::Float> Sub for G2<T> {
    type Output = G2<T>;
    fn sub(self, o: G2<T>) -> G2<T> {
        G2 {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

// (Its parameter named otherwise than the struct's.)
impl<U: num_traits::Float> Mul<U> for G2<U> {
    type Output = Self;
    fn mul(self, k: U) -> Self {
        Self {
            x: self.x * k,
            y: self.y * k,
        }
    }
}

impl<T: num_traits::Float> G2<T> {
    pub fn new(x: T, y: T) -> Self {
        Self { x, y }
    }
    pub fn norm(self) -> T {
        T::sqrt(self.x * self.x + self.y * self.y)
    }
    pub fn soft_norm(&self) -> T {
        (self.x.powi(2) + self.y.powi(2) + T::from(1e-3).unwrap()).sqrt() * T::one()
            + T::zero() * T::epsilon()
    }
    pub fn dot(&self, o: &G2<T>) -> T {
        self.x * o.x + self.y * o.y
    }
    pub fn damp(&mut self, k: T) {
        let f = T::one() / (T::one() + k * self.dot(&*self) * T::from(0.01).unwrap());
        self.x = self.x * f;
        self.y = self.y * f;
    }
}

#[gradient]
fn generic_values(px: f64, py: f64) -> f64 {
    let p = G2 { x: px, y: py };
    let q = G2::new(1.0, 2.0);
    let mut d: G2<f64> = (p - q) * 0.5;
    d.damp(2.0);
    d.norm() + d.soft_norm() + p.dot(&q)
}

#[gradient]
fn generic_values32(px: f32, py: f32) -> f32 {
    let p = G2::<f32>::new(px, py);
    let q = G2 { x: 1.0f32, y: 2.0 };
    (p - q).soft_norm() * p.norm()
}

/// Anchors given as data of the generic type, read through iterator adapters' closures and
/// zipped loops (`zip`, `map`, `filter`, `enumerate`, `fold`).
#[gradient(wrt(px, py))]
fn trilateration(px: f64, py: f64, anchors: &[G2<f64>], dists: &[f64]) -> f64 {
    let p = G2::new(px, py);
    let near: f64 = anchors
        .iter()
        .zip(dists)
        .map(|(a, &d)| {
            let r = (p - *a).norm() - d;
            r * r
        })
        .sum();
    let mut far = 0.0;
    for (&d, a) in dists.iter().zip(anchors) {
        far += ((p - *a).soft_norm() - d).abs() * 0.1;
    }
    let right = anchors
        .iter()
        .filter(|a| a.x > 0.5)
        .map(|a| a.dot(&p))
        .sum::<f64>();
    let weighted = anchors
        .iter()
        .enumerate()
        .fold(0.0, |acc, (i, a)| acc + (p - *a).norm() * (i as f64 + 1.0));
    near + far + 0.1 * right + 0.01 * weighted
}

#[test]
fn generic_value_types() {
    for p in [[0.3, 0.4], [-1.2, 0.7]] {
        let (v, g) = generic_values_grad(p[0], p[1]);
        assert_eq!(v.to_bits(), generic_values(p[0], p[1]).to_bits());
        check("generic_values", &|q| generic_values(q[0], q[1]), v, &g, &p);
        let (v32, g32) = generic_values32_grad(p[0] as f32, p[1] as f32);
        assert_eq!(
            v32.to_bits(),
            generic_values32(p[0] as f32, p[1] as f32).to_bits()
        );
        let f = |q: &[f64]| {
            let (a, b) = (G2::new(q[0], q[1]), G2::new(1.0, 2.0));
            (a - b).soft_norm() * a.norm()
        };
        let h = 1e-6;
        for k in 0..2 {
            let (mut a, mut b) = (p, p);
            a[k] += h;
            b[k] -= h;
            let want = (f(&a) - f(&b)) / (2.0 * h);
            assert!(
                (f64::from(g32[k]) - want).abs() < 1e-3 * (1.0 + want.abs()),
                "{g32:?}"
            );
        }
    }
    let anchors = [G2::new(0.0, 0.0), G2::new(1.0, 0.0), G2::new(0.0, 1.0)];
    let dists = [0.5, 0.8, 0.7];
    for p in [[0.3, 0.4], [0.9, -0.2]] {
        let (v, g) = trilateration_grad(p[0], p[1], &anchors, &dists);
        assert_eq!(
            v.to_bits(),
            trilateration(p[0], p[1], &anchors, &dists).to_bits()
        );
        check(
            "trilateration",
            &|q| trilateration(q[0], q[1], &anchors, &dists),
            v,
            &g,
            &p,
        );
    }
}

/// A local sequence of values iterated by iterator chains: zipped with data (either side), with
/// itself shifted, enumerated in a `fold`, reversed; in closures and `for` loops.
#[gradient(wrt(p))]
fn chained_points(p: &[f64], ws: &[f64]) -> f64 {
    let pts: Vec<Vec3> = (0..3)
        .map(|i| Vec3::new(p[2 * i], p[2 * i + 1], 0.5))
        .collect();
    let a: f64 = pts.iter().zip(ws).map(|(q, w)| q.length() * w).sum();
    let b = pts
        .iter()
        .enumerate()
        .fold(0.0, |acc, (i, q)| acc + q.x * i as f64);
    let c: f64 = ws.iter().zip(pts.iter()).map(|(w, q)| q.y * w).sum();
    let mut d = 0.0;
    for (q, r) in pts.iter().zip(pts.iter().skip(1)) {
        d += (*r - *q).length();
    }
    let e = pts
        .iter()
        .rev()
        .map(|q| q.x)
        .fold(0.0, |m: f64, v| m.max(v));
    let any_far = pts.iter().any(|q| q.x > 5.0);
    a + b + c + d + e + if any_far { 1.0 } else { 0.0 }
}

#[test]
fn local_sequences_through_iterator_chains() {
    let ws = [1.0, 0.5, 2.0];
    for p in [
        [0.1, 0.2, 1.0, 0.5, -0.3, 0.8],
        [0.7, -0.4, 0.2, 1.5, 0.9, 0.1],
    ] {
        let mut d = [0.0; 6];
        let v = chained_points_grad(&p, &ws, &mut d);
        assert_eq!(v.to_bits(), chained_points(&p, &ws).to_bits());
        check("chained_points", &|q| chained_points(q, &ws), v, &d, &p);
    }
}

/// A plain helper giving a value.
fn rotated(p: Vec3, a: f64) -> Vec3 {
    Vec3::new(
        p.x * a.cos() - p.y * a.sin(),
        p.x * a.sin() + p.y * a.cos(),
        p.z,
    )
}

/// An empty `Vec` whose type only the helper pushed into it tells (it had to be written,
/// `Vec<Vec3>`).
#[gradient]
fn pushed_from_a_helper(a: f64, b: f64) -> f64 {
    let mut pts = Vec::new();
    for i in 0..3 {
        let q = Vec3::new(i as f64, 1.0, 0.5);
        pts.push(rotated(q, a * b));
    }
    pts.iter().map(|p| p.dot(p) * p.x).sum()
}

#[test]
fn a_vec_filled_by_a_helper_giving_values() {
    for p in [[0.3, 0.5], [-1.2, 0.8]] {
        let (v, g) = pushed_from_a_helper_grad(p[0], p[1]);
        assert_eq!(v.to_bits(), pushed_from_a_helper(p[0], p[1]).to_bits());
        check(
            "pushed_from_a_helper",
            &|q| pushed_from_a_helper(q[0], q[1]),
            v,
            &g,
            &p,
        );
    }
}

/// A trait of the file implemented for `f64` and for an integer type, and one taking `&self`:
/// the float's `impl` inlined for floats only (an integer receiver, a parameter, a typed `let` or
/// a literal's, was handed the float's body: a rustc error in the expansion), `&self` lent.
trait Clip {
    fn clip(self) -> Self;
}

impl Clip for f64 {
    fn clip(self) -> f64 {
        self.tanh()
    }
}

impl Clip for i32 {
    fn clip(self) -> i32 {
        self.clamp(-1, 1)
    }
}

trait Doubled {
    fn doubled(&self) -> f64;
}

impl Doubled for f64 {
    fn doubled(&self) -> f64 {
        *self * 2.0 + self.sin()
    }
}

/// One giving a float for an integer too (`n.halved()` of an `i32` parameter: rewritten as a
/// call of a copy that was never made, E0425, before).
trait Halved {
    fn halved(&self) -> f64;
}

impl Halved for f64 {
    fn halved(&self) -> f64 {
        *self * 0.5
    }
}

impl Halved for i32 {
    fn halved(&self) -> f64 {
        f64::from(*self) * 0.5
    }
}

#[gradient]
fn float_and_integer_impls(x: f64, n: i32) -> f64 {
    let k = n.clip();
    let m: i32 = 3;
    x.clip() * f64::from(k)
        + x.doubled()
        + (x * 2.0).doubled()
        + f64::from(m.clip())
        + x.halved() * n.halved()
}

#[test]
fn a_trait_for_floats_and_integers() {
    for (x, n) in [(0.3, -2), (-1.1, 5)] {
        let (v, g) = float_and_integer_impls_grad(x, n);
        assert_eq!(v.to_bits(), float_and_integer_impls(x, n).to_bits());
        check(
            "float_and_integer_impls",
            &|q| float_and_integer_impls(q[0], n),
            v,
            &g,
            &[x],
        );
    }
}

/// Bodies pulled together, the state a `vec![a, b, c]` of a generic value type (each field's
/// vector made from the list), updated by index in a time-stepping loop.
#[gradient(wrt(m))]
fn gravity(m: &[f64], steps: usize) -> f64 {
    let mut pos: Vec<G2<f64>> = vec![G2::new(0.0, 0.0), G2::new(1.0, 0.0), G2::new(0.0, 1.0)];
    let mut vel: Vec<G2<f64>> = vec![G2::new(0.0, 0.1); 3];
    let dt = 0.01;
    for _ in 0..steps {
        for i in 0..3 {
            let mut acc = G2::new(0.0, 0.0);
            for j in 0..3 {
                if i != j {
                    let d = pos[j] - pos[i];
                    let r = d.norm() + 0.1;
                    acc = G2::new(
                        acc.x + d.x * m[j] / (r * r * r),
                        acc.y + d.y * m[j] / (r * r * r),
                    );
                }
            }
            vel[i] = G2::new(vel[i].x + acc.x * dt, vel[i].y + acc.y * dt);
        }
        for i in 0..3 {
            pos[i] = G2::new(pos[i].x + vel[i].x * dt, pos[i].y + vel[i].y * dt);
        }
    }
    pos.iter()
        .zip(vel.iter())
        .map(|(p, v)| p.dot(p) + v.dot(v))
        .sum()
}

#[test]
fn a_vec_list_of_generic_values_stepped() {
    let m = [1.0, 0.5, 2.0];
    let mut d = [0.0; 3];
    let v = gravity_grad(&m, 20, &mut d);
    assert_eq!(v.to_bits(), gravity(&m, 20).to_bits());
    check("gravity", &|q| gravity(q, 20), v, &d, &m);
}

/// A particle holding values of another value type, as physics code writes it.
#[derive(Clone, Copy, Debug)]
struct Particle {
    pos: Vec3,
    vel: Vec3,
    m: f64,
}

impl Particle {
    fn kinetic(&self) -> f64 {
        0.5 * self.m * self.vel.dot(&self.vel)
    }
    fn drift(&mut self, dt: f64) {
        self.pos += self.vel * dt;
    }
}

fn potential(p: Particle) -> f64 {
    p.m * 9.81 * p.pos.z
}

fn gap(a: &Particle, b: &Particle) -> Option<f64> {
    let d = (a.pos - b.pos).length();
    if d < 3.0 {
        Some(3.0 - d)
    } else {
        None
    }
}

fn moved(p: &Particle, dt: f64) -> Particle {
    Particle {
        pos: p.pos + p.vel * dt,
        vel: p.vel,
        m: p.m,
    }
}

/// Structs of values (`Particle { pos: Vec3, vel: Vec3, m: f64 }`): made by literals, their
/// values' fields read and written (`p.pos.x += ..`), a value replaced (`p.vel = ..`) or
/// stepped (`p.pos += ..`), `&self` and `&mut self` methods, copies of a value (`let q =
/// p.pos;`), methods of the inner values (`p.pos.length()`), a list of them stepped by index
/// (`ps[0].vel += pull;`) and through `iter_mut()`, helpers taking and giving them (and one
/// giving an `Option`).
#[gradient(jvp)]
fn particles(px: f64, pz: f64, v: f64) -> f64 {
    let mut p = Particle {
        pos: Vec3::new(px, 0.5, pz),
        vel: Vec3::new(v, 0.0, 0.0),
        m: 2.0,
    };
    let e0 = p.kinetic() + potential(p) + p.pos.length();
    p.pos.x += 0.1 * p.vel.x;
    p.vel = p.vel * 0.9;
    p.pos += p.vel * 0.1;
    p.drift(0.05);
    let q = p.pos;
    let d = q - Vec3::new(1.0, 0.0, 0.0);
    let mut ps = vec![
        p,
        Particle {
            pos: Vec3::new(0.0, px, 0.5),
            vel: Vec3::new(0.0, v * 0.5, 0.0),
            m: 1.5,
        },
    ];
    for _ in 0..3 {
        let pull = (ps[1].pos - ps[0].pos) * 0.2;
        ps[0].vel += pull;
        ps[1].vel = ps[1].vel - pull;
        ps[1].pos.x -= 0.01 * ps[0].m;
        for r in ps.iter_mut() {
            r.pos += r.vel * 0.1;
            r.vel.z -= 9.81 * 0.1;
        }
    }
    let mut e = e0 + d.length() + p.pos.y * p.vel.x;
    for r in &ps {
        e += r.kinetic() + potential(*r);
    }
    if let Some(g) = gap(&ps[0], &ps[1]) {
        e += g * g;
    }
    e += gap(&p, &ps[1]).unwrap_or(0.0);
    e + moved(&ps[0], 0.2).pos.x + (ps[0].pos - ps[1].pos).length()
}

/// The same read from data (`&[Particle]`).
#[gradient(wrt(v))]
fn particles_of_data(v: f64, ps: &[Particle]) -> f64 {
    ps.iter()
        .map(|p| p.m * (p.vel.x + v) * (p.vel.x + v) + p.pos.length() * v)
        .sum::<f64>()
}

#[test]
fn structs_of_values() {
    for p in [[0.5, 1.0, 2.0], [-0.7, 0.3, -1.1]] {
        let (v, g) = particles_grad(p[0], p[1], p[2]);
        check("particles", &|q| particles(q[0], q[1], q[2]), v, &g, &p);
        let (vj, t) = particles_jvp(p[0], p[1], p[2], 0.3, -0.2, 0.5);
        assert_eq!(vj.to_bits(), v.to_bits());
        let want = 0.3 * g[0] - 0.2 * g[1] + 0.5 * g[2];
        assert!((t - want).abs() < 1e-9 * (1.0 + want.abs()), "{t} {want}");
    }
    let ps = [
        Particle {
            pos: Vec3::new(1.0, 2.0, 0.5),
            vel: Vec3::new(0.3, 0.0, 0.0),
            m: 1.0,
        },
        Particle {
            pos: Vec3::new(-1.0, 0.2, 0.1),
            vel: Vec3::new(-0.3, 1.0, 0.0),
            m: 2.5,
        },
    ];
    let (v, [dv]) = particles_of_data_grad(0.7, &ps);
    check(
        "particles_of_data",
        &|q| particles_of_data(q[0], &ps),
        v,
        &[dv],
        &[0.7],
    );
}

/// A model of a struct of values (`#[derive(Params)]` on both).
#[derive(Clone, Copy, Debug, Default, grad::Params)]
struct MV {
    x: f64,
    y: f64,
}

impl MV {
    fn dot(self, o: MV) -> f64 {
        self.x * o.x + self.y * o.y
    }
}

impl Sub for MV {
    type Output = MV;
    fn sub(self, o: MV) -> MV {
        MV {
            x: self.x - o.x,
            y: self.y - o.y,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, grad::Params)]
struct Body {
    pos: MV,
    vel: MV,
    m: f64,
}

impl Body {
    fn kinetic(&self) -> f64 {
        0.5 * self.m * self.vel.dot(self.vel)
    }
    #[gradient(wrt(self))]
    fn total(&self, g: f64) -> f64 {
        self.kinetic() + self.m * g * self.pos.y + (self.pos - self.vel).dot(self.pos)
    }
}

#[gradient(wrt(b))]
fn body_energy(b: &Body, g: f64) -> f64 {
    b.kinetic() + b.m * g * b.pos.y + (b.pos - b.vel).dot(b.pos)
}

#[test]
fn models_of_structs_of_values() {
    let b = Body {
        pos: MV { x: 1.0, y: 2.0 },
        vel: MV { x: 0.3, y: -0.1 },
        m: 1.5,
    };
    let flat = |b: &Body| [b.pos.x, b.pos.y, b.vel.x, b.vel.y, b.m];
    let of = |p: &[f64]| Body {
        pos: MV { x: p[0], y: p[1] },
        vel: MV { x: p[2], y: p[3] },
        m: p[4],
    };
    let mut d = Body::default();
    let v = body_energy_grad(&b, 9.81, &mut d);
    check(
        "body_energy",
        &|p| body_energy(&of(p), 9.81),
        v,
        &flat(&d),
        &flat(&b),
    );
    let mut d = Body::default();
    let v = b.total_grad(9.81, &mut d);
    check("total", &|p| of(p).total(9.81), v, &flat(&d), &flat(&b));
}

/// A bead on a chain: position and velocity.
#[derive(Clone, Copy)]
struct Bead {
    x: f64,
    v: f64,
}

/// Beads pushed into a `Vec`, then the springs between neighbours written by index on both
/// sides (`ps[i].v -= f; ps[i - 1].v += f;`), stepped in time (a compile error before: "can
/// assign only to local variables here", the neighbour's index bound in a block that could not
/// be written).
#[gradient(jvp, hvp)]
fn bead_chain(k: f64, x0: &[f64]) -> f64 {
    let mut ps = Vec::new();
    for &x in x0 {
        ps.push(Bead { x, v: 0.0 });
    }
    for _ in 0..3 {
        for i in 1..ps.len() {
            let f = k * (ps[i].x - ps[i - 1].x - 0.5);
            ps[i].v -= f * 0.1;
            ps[i - 1].v += f * 0.1;
        }
        for p in &mut ps {
            p.x += p.v * 0.1;
        }
        let last = ps.len() - 1;
        ps[last - 1].x *= 0.99;
    }
    ps.iter().map(|p| p.x * p.x + p.v).sum()
}

#[test]
fn neighbours_of_pushed_values_written_by_index() {
    let x0 = [0.1, 0.7, 1.1, 1.9];
    let mut d = [0.0; 4];
    let (v, [dk]) = bead_chain_grad(0.8, &x0, &mut d);
    assert_eq!(v.to_bits(), bead_chain(0.8, &x0).to_bits());
    let mut g = vec![dk];
    g.extend(d);
    let mut p = vec![0.8];
    p.extend(x0);
    check("bead_chain", &|q| bead_chain(q[0], &q[1..]), v, &g, &p);
    let h = fd_hessian(&|q: &[f64]| bead_chain(q[0], &q[1..]), &p);
    let mut gh = [0.0; 4];
    let mut hh = [0.0; 4];
    let (vh, [gk], [hk]) = bead_chain_hvp(0.8, &x0, 1.0, &[0.0; 4], &mut gh, &mut hh);
    assert_eq!(vh.to_bits(), v.to_bits());
    assert!((gk - dk).abs() < 1e-12);
    assert!((hk - h[0]).abs() < 1e-4 * (1.0 + hk.abs()), "{hk} {}", h[0]);
    for j in 0..4 {
        assert!(
            (hh[j] - h[j + 1]).abs() < 1e-4 * (1.0 + hh[j].abs()),
            "{j}: {} {}",
            hh[j],
            h[j + 1]
        );
    }
}

#[derive(Clone, Copy)]
struct Pt {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy)]
struct Pair(f64, f64);

/// Patterns of value types where only `let`s were taken apart before: `match` arms (with
/// guards, `..`, `_`, a name bound by one arm read from outside by the next), a `for` loop's
/// pattern (by reference and by value), closures' parameters (typed, by reference). Before:
/// "differentiates float scalars: tuples, arrays and structs are not supported here", or "with
/// a plain name: destructure in separate `let`s".
#[gradient]
fn patterned(x: &[f64]) -> f64 {
    let a = x[4];
    let p = Pt { x: x[0], y: x[1] };
    let r = match p {
        Pt { x: a, y } if a > y => a - y,
        Pt { y, .. } => y * a,
    };
    let q = Pair(x[2], x[3]);
    let t = match q {
        Pair(u, _) if u > 0.5 => u * a,
        Pair(u, v) => u * v + a,
    };
    let qs = [Pair(x[0], x[1]), Pair(x[2], x[3])];
    let mut s = 0.0;
    for &Pair(u, v) in &qs {
        s += u * v;
    }
    for Pair(u, _) in qs {
        s += u.exp();
    }
    let pts = [p, Pt { x: x[3], y: a }];
    for &Pt { x: u, y: w } in pts.iter() {
        s += u * w;
    }
    let d = |Pt { x, y }: Pt, Pt { x: x2, y: y2 }: Pt| ((x - x2).powi(2) + (y - y2).powi(2)).sqrt();
    let mut tot = d(p, Pt { x: 0.1, y: 0.2 });
    for k in 0..3 {
        match (Pt {
            x: p.x * f64::from(k),
            y: p.y,
        }) {
            Pt { x, y } if x > 0.5 => tot += x * y,
            _ => tot -= 0.1,
        }
    }
    r + t + s + tot + qs.iter().map(|&Pair(u, v)| u - v).sum::<f64>()
}

#[test]
fn patterns_of_value_types() {
    for p in [
        [0.7, -0.4, 1.3, 0.2, -0.9],
        [-0.3, 0.8, 0.1, 0.6, 0.4],
        [0.2, 0.1, 0.9, -0.5, 1.1],
    ] {
        let mut g = [0.0; 5];
        let v = patterned_grad(&p, &mut g);
        check("patterned", &|q| patterned(q), v, &g, &p);
    }
}

/// Closures giving a value without a written return type (`|a: f64| Vec3::new(a, ..)`, a
/// literal as a block's tail): E0599 `new__split` inside the expansion before, found by a probe.
#[gradient]
fn closures_giving_values(p: &[f64]) -> f64 {
    let lift = |a: f64| Vec3::new(a, a * 2.0, 1.0);
    let bent = |a: f64, b: f64| {
        let t = a * b;
        Vec3 { x: t, y: a, z: b }
    };
    let u = lift(p[0]);
    let v = lift(p[1]);
    let w = bent(p[0], u.y);
    u.dot(&v) + w.cross(&u).length()
}

/// A model's method whose helpers take the file's value type by reference (`Vec3::dot` called
/// by path, a helper lending one `&mut`): refused before (`tuples, arrays and structs are not
/// supported here`), the helpers taken for ones given the model.
#[derive(Clone, Debug, grad::Params)]
struct Aim {
    a: f64,
    b: f64,
}

fn nudge(v: &mut Vec3, k: f64) {
    v.x += k;
    v.y -= k * 0.5;
}

fn along(a: &Vec3, b: &Vec3) -> f64 {
    a.dot(b)
}

impl Aim {
    #[gradient(wrt(self))]
    fn miss(&self) -> f64 {
        let a = Vec3::new(self.a, self.b, 1.0);
        let mut c = Vec3::new(self.b, 1.0, self.a);
        nudge(&mut c, 0.1);
        along(&a, &c) + (a - c).length() + Vec3 { x: self.a, ..c }.z
    }
}

#[test]
fn closures_and_method_helpers_of_values() {
    let p = [0.7, -0.4];
    let mut g = [0.0; 2];
    let v = closures_giving_values_grad(&p, &mut g);
    check(
        "closures_giving_values",
        &|q| closures_giving_values(q),
        v,
        &g,
        &p,
    );
    let m = Aim { a: 0.3, b: -0.7 };
    let mut d = grad::runtime::Params::zeros_like(&m);
    let v = m.miss_grad(&mut d);
    check(
        "miss",
        &|q| Aim { a: q[0], b: q[1] }.miss(),
        v,
        &[d.a, d.b],
        &[0.3, -0.7],
    );
}

/// Values bound together by a tuple `let` (also swapped, and beside a float), and closures
/// combining values with no return type written (`|a: Vec3, b: Vec3| a + b`, a method giving
/// `Self`): refused before (the tuple) or not followed (the closure's type read from its body
/// only when it built the value itself).
#[gradient]
fn values_paired(p: &[f64]) -> f64 {
    let (u, v) = (Vec3::new(p[0], p[1], 1.0), Vec3::new(p[2], 0.5, p[0]));
    let (v, u, k) = (u, v * 2.0, p[1].sin());
    let add = |a: Vec3, b: Vec3| a + b;
    let turn = |a: Vec3, b: Vec3| a.cross(&b);
    let scaled = |a: Vec3, s: f64| a * s;
    let w = add(u, scaled(v, k));
    let t = if w.x > 0.0 { turn(u, w) } else { turn(w, v) };
    w.dot(&t) + (u - v).length() + add(w, w).z
}

#[test]
fn values_in_tuple_lets_and_closures_without_types() {
    for p in [[0.7, -0.4, 1.3], [-0.9, 0.6, 0.2]] {
        let mut g = [0.0; 3];
        let v = values_paired_grad(&p, &mut g);
        check("values_paired", &|q| values_paired(q), v, &g, &p);
    }
}

fn midpoint(a: Vec3, b: Vec3) -> Vec3 {
    (a + b) * 0.5
}

fn kinetic(v: &Vec3) -> f64 {
    0.5 * v.dot(v)
}

/// Closures giving values beside plain helpers of the module (a helper lending a value `&mut`,
/// one combining two values, one reading one by reference): a closure building a value by the
/// constructor (`|s: f64| Vec3::new(..)`), one computing a value from one it captures
/// (`|k: f64| m * k`), one stepping a value in a loop, one calling a helper. Refused before
/// (the helpers inlined, the constructor was a copied helper the closure's type was not read
/// from; a value computed from a capture gave the closure no type).
#[gradient]
fn closures_beside_value_helpers(p: &[f64]) -> f64 {
    let a = Vec3::new(p[0], p[1], p[2]);
    let mut c = Vec3::new(p[3], p[0], 1.0);
    nudge(&mut c, 0.1);
    let make = |s: f64| Vec3::new(s * 0.5, s - 0.25, s);
    let m = midpoint(a, c);
    let scale = |k: f64| m * k;
    let step = |q: Vec3, dt: f64| q + c * dt;
    let centre = |u: Vec3, w: Vec3| midpoint(u, w);
    let mut q = a;
    for _ in 0..3 {
        q = step(q, 0.1);
        nudge(&mut q, 0.05);
    }
    make(a.y).length() + scale(2.0).dot(&a) + kinetic(&q) + centre(a, q).x + m.z
}

#[test]
fn closures_giving_values_beside_helpers() {
    for p in [[0.7, -0.4, 1.3, 0.2], [-0.9, 0.6, 0.2, -1.1]] {
        let mut g = [0.0; 4];
        let v = closures_beside_value_helpers_grad(&p, &mut g);
        check(
            "closures_beside_value_helpers",
            &|q| closures_beside_value_helpers(q),
            v,
            &g,
            &p,
        );
    }
}

#[derive(Clone, Copy)]
struct Charge {
    x: f64,
    q: f64,
}

/// A list of structs of floats copied whole (`cs.clone()`) beside values of `Vec3` built and
/// lent to a helper: the copy was a use of the list the rewrite of values did not follow, which
/// then left the `Vec3` values unfollowed too (refused before).
#[gradient]
fn list_copied_beside_values(p: &[f64]) -> f64 {
    let mut cs: Vec<Charge> = p.iter().map(|&t| Charge { x: t, q: 0.5 * t }).collect();
    let before = cs.clone();
    let copied: Vec<Charge> = cs.iter().copied().collect();
    for (i, c) in cs.iter_mut().enumerate() {
        c.x += 0.1 * before[(i + 1) % before.len()].q;
    }
    let mut v = Vec3::new(p[0], p[1], 1.0);
    nudge(&mut v, 0.25);
    cs.iter().map(|c| c.x * c.q).sum::<f64>() + v.length() + copied[0].x * before[1].x
}

#[test]
fn lists_of_structs_copied_beside_values() {
    let p = [0.7, -0.4, 1.3];
    let mut g = [0.0; 3];
    let v = list_copied_beside_values_grad(&p, &mut g);
    check(
        "list_copied_beside_values",
        &|q| list_copied_beside_values(q),
        v,
        &g,
        &p,
    );
}
