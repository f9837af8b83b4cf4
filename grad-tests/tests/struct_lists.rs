//! A `Vec` of structs of floats made in the body (collected from a `map`, grown by pushes)
//! handed to plain helpers taking `&[P]`, and the element `max_by`/`min_by` choose by a field
//! (issue 8, found by a probe of realistic code: the helper stayed a call, so the derivative
//! could not follow; the search was refused). Each against central finite differences, values
//! equal to the function's.

#![allow(clippy::cast_precision_loss, clippy::needless_range_loop)]

mod common;

use common::check_flat;
use grad::gradient;

fn check(what: &str, f: &dyn Fn(&[f64]) -> f64, g: &dyn Fn(&[f64], &mut [f64]) -> f64, p: &[f64]) {
    let mut d = vec![f64::NAN; p.len()];
    let v = g(p, &mut d);
    check_flat(what, p, f, v, &d).unwrap();
}

const P: [f64; 6] = [0.7, -1.2, 0.45, 1.9, -0.35, 0.55];

#[derive(Clone, Copy)]
struct Particle {
    pos: f64,
    vel: f64,
}

/// Kinetic plus a spring's potential, over the particles one after another.
fn energy(ps: &[Particle]) -> f64 {
    let mut e = 0.0;
    for p in ps {
        e += 0.5 * p.vel * p.vel;
    }
    for i in 1..ps.len() {
        e += 0.5 * (ps[i].pos - ps[i - 1].pos).powi(2);
    }
    e
}

#[gradient]
fn collected_then_handed(x: &[f64]) -> f64 {
    let ps: Vec<Particle> = x
        .chunks(2)
        .map(|c| Particle {
            pos: c[0],
            vel: c[1],
        })
        .collect();
    energy(&ps)
}

#[gradient]
fn pushed_then_handed(x: &[f64]) -> f64 {
    let mut ps = Vec::new();
    for i in 0..x.len() / 2 {
        ps.push(Particle {
            pos: x[2 * i],
            vel: x[2 * i + 1].sin(),
        });
    }
    energy(&ps) * ps.len() as f64
}

#[gradient]
fn chosen(x: &[f64]) -> f64 {
    let ps: Vec<Particle> = x
        .chunks(2)
        .map(|c| Particle {
            pos: c[0],
            vel: c[1],
        })
        .collect();
    let fastest = ps.iter().max_by(|p, q| p.vel.total_cmp(&q.vel)).unwrap();
    let leftmost = ps
        .iter()
        .min_by(|p, q| p.pos.partial_cmp(&q.pos).unwrap())
        .unwrap();
    fastest.pos * fastest.vel + leftmost.vel.exp()
}

#[test]
fn particles_handed_to_helpers() {
    check(
        "collected_then_handed",
        &collected_then_handed,
        &collected_then_handed_grad,
        &P,
    );
    check(
        "pushed_then_handed",
        &pushed_then_handed,
        &pushed_then_handed_grad,
        &P,
    );
}

#[test]
fn particles_chosen_by_a_field() {
    check("chosen", &chosen, &chosen_grad, &P);
}
