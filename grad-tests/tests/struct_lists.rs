//! A `Vec` of structs of floats made in the body (collected from a `map`, grown by pushes)
//! handed to plain helpers taking `&[P]`, and the element `max_by`/`min_by` choose by a field
//! (issue 8, found by a probe of realistic code: the helper stayed a call, so the derivative
//! could not follow; the search was refused). Each against central finite differences, values
//! equal to the function's; fields of arrays (`pos: [f64; 2]`) in lists made by a `map`.

#![allow(
    clippy::cast_precision_loss,
    clippy::needless_range_loop,
    // (A list written as users write it, `vec![P { .. }; n]` then by index.)
    clippy::useless_vec,
    // (A copy written as users write it, `ps.iter().copied().collect()`.)
    clippy::iter_cloned_collect
)]

mod common;

use common::check;
use grad::gradient;

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

/// A body in the plane: fields of arrays.
#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 2],
    vel: [f64; 2],
    m: f64,
}

#[derive(Clone, Copy)]
struct Body32 {
    pos: [f32; 2],
    m: f32,
}

/// Made by a `map` over a range, the rows array literals; stepped component by component.
#[gradient]
fn bodies_from_a_range(x: &[f64]) -> f64 {
    let mut ps: Vec<Body> = (0..x.len() / 2)
        .map(|i| Body {
            pos: [x[2 * i], x[2 * i + 1]],
            vel: [0.0; 2],
            m: 1.0 + i as f64,
        })
        .collect();
    for _ in 0..3 {
        for p in ps.iter_mut() {
            p.vel[1] -= 0.98 / p.m;
            for d in 0..2 {
                p.pos[d] += p.vel[d] * 0.1;
            }
        }
    }
    ps.iter().map(|p| p.pos[0] * p.pos[1] * p.m).sum()
}

/// Made from chunks of the parameters; read pairwise by index.
#[gradient]
fn bodies_from_chunks(x: &[f64]) -> f64 {
    let ps: Vec<Body> = x
        .chunks(2)
        .map(|c| Body {
            pos: [c[0], c[1]],
            vel: [c[1], 0.5],
            m: 2.0,
        })
        .collect();
    let mut e = 0.0;
    for i in 0..ps.len() {
        for j in (i + 1)..ps.len() {
            let dx = ps[i].pos[0] - ps[j].pos[0];
            let dy = ps[i].pos[1] - ps[j].pos[1];
            e += ps[i].m * ps[j].m / (dx * dx + dy * dy + 0.1).sqrt();
        }
        e += 0.5 * ps[i].m * (ps[i].vel[0].powi(2) + ps[i].vel[1].powi(2));
    }
    e
}

/// Made from a table of data by a closure with `let`s; rows `[e; 2]`; a field written from
/// another.
#[gradient]
fn bodies_from_data(x: &[f64]) -> f64 {
    let data = [[1.0, 2.0], [0.5, -1.0], [2.0, 0.25]];
    let mut ps: Vec<Body> = data
        .iter()
        .map(|d| {
            let a = d[0] * x[0];
            Body {
                pos: [a, d[1] * x[1]],
                vel: [a * x[2]; 2],
                m: d[0],
            }
        })
        .collect();
    for p in ps.iter_mut() {
        p.vel[0] = p.pos[1] - p.pos[0] + p.vel[1];
    }
    let heaviest = ps.iter().max_by(|a, b| a.m.total_cmp(&b.m)).unwrap();
    ps.iter().map(|p| p.vel[0].powi(2) * p.m).sum::<f64>() + heaviest.pos[1]
}

#[gradient]
fn bodies_f32(x: &[f32]) -> f32 {
    let mut ps: Vec<Body32> = (0..2)
        .map(|i: usize| Body32 {
            pos: [x[i] * 0.5; 2],
            m: 1.5,
        })
        .collect();
    for p in &mut ps {
        p.pos[1] += p.pos[0] * p.m;
    }
    ps.iter().map(|p| p.pos[0] * p.pos[1]).sum()
}

#[test]
fn bodies_with_fields_of_arrays_made_by_a_map() {
    check(
        "bodies_from_a_range",
        &bodies_from_a_range,
        &bodies_from_a_range_grad,
        &P,
    );
    check(
        "bodies_from_chunks",
        &bodies_from_chunks,
        &bodies_from_chunks_grad,
        &P,
    );
    check(
        "bodies_from_data",
        &bodies_from_data,
        &bodies_from_data_grad,
        &P,
    );
    // f32 against the same function written in f64 by hand.
    let x = [0.7f32, -1.2, 0.45];
    let mut d = [f32::NAN; 3];
    let v = bodies_f32_grad(&x, &mut d);
    assert_eq!(v.to_bits(), bodies_f32(&x).to_bits());
    // Each body: pos = [a, a + 1.5a] with a = x[i] / 2, so a term 2.5 a² = 0.625 x[i]².
    for i in 0..2 {
        let want = 1.25 * f64::from(x[i]);
        assert!(
            (f64::from(d[i]) - want).abs() < 1e-5,
            "d[{i}] {} vs {want}",
            d[i]
        );
    }
    assert_eq!(d[2], 0.0);
}

#[derive(Clone, Copy)]
struct Mass {
    pos: [f64; 2],
    m: f64,
}

/// Copies of elements of a list of structs with a field of arrays (`let q = ps[i];`), one
/// field or several read of the copy, the copy written after (the list keeps its values), and a
/// copy taken before the list is written. Before: a compile error at the attribute naming an
/// internal local ("is used before it is assigned"), or "does not support sub-slices".
#[gradient(jvp, hvp)]
fn copied_masses(x: &[f64]) -> f64 {
    let ps: Vec<Mass> = (0..3)
        .map(|i| Mass {
            pos: [x[2 * i], x[2 * i + 1]],
            m: 1.0 + i as f64,
        })
        .collect();
    let mut e = 0.0;
    for i in 0..ps.len() {
        let mut q = ps[i];
        q.pos[0] += 0.5 * q.m;
        q.m *= 2.0;
        e += q.pos[0] * q.pos[1] * q.m + ps[i].pos[0];
    }
    let last = ps[ps.len() - 1];
    let first = ps[0];
    e + last.pos.iter().sum::<f64>() + first.pos[1] * first.m
}

#[gradient(jvp, hvp)]
fn copied_then_written(x: &[f64]) -> f64 {
    let mut ps = vec![
        Mass {
            pos: [0.0, 0.0],
            m: 1.0
        };
        3
    ];
    for i in 0..3 {
        ps[i].pos = [x[i], x[i + 3]];
        ps[i].m = x[i] * x[i];
    }
    let a = ps[1];
    ps[1].pos[0] = 5.0;
    a.pos[0] * a.m + ps[1].pos[0] * ps[2].pos[1] + a.pos[1]
}

/// Rows collected from pieces with the type as a turbofish (`collect::<Vec<Vec<f64>>>()`).
/// Before: "cannot follow a differentiated slice through this closure".
#[gradient(jvp, hvp)]
fn pieces_by_turbofish(x: &[f64]) -> f64 {
    let rows = x.chunks(2).map(|c| c.to_vec()).collect::<Vec<Vec<f64>>>();
    rows.iter().map(|r| r[0] * r[1]).sum::<f64>() + rows[2][0]
}

#[test]
fn copies_of_elements_with_fields_of_arrays() {
    let p = [0.31, -0.72, 0.53, 0.94, -0.45, 0.27];
    check("copied_masses", &copied_masses, &copied_masses_grad, &p);
    check(
        "copied_then_written",
        &copied_then_written,
        &copied_then_written_grad,
        &p,
    );
    check(
        "pieces_by_turbofish",
        &pieces_by_turbofish,
        &pieces_by_turbofish_grad,
        &p,
    );
    jvp_agrees(&copied_masses_grad, &copied_masses_jvp, &p);
}

/// `NAME_jvp` of a function of one slice.
type Jvp = dyn Fn(&[f64], &[f64]) -> (f64, f64);

/// Forward mode against the gradient along a fixed direction: the value bit for bit, the
/// directional derivative the gradient's dot product with it.
fn jvp_agrees(g: &dyn Fn(&[f64], &mut [f64]) -> f64, j: &Jvp, p: &[f64; 6]) {
    let v = [0.2, -0.5, 0.7, 0.1, 0.3, -0.4];
    let mut d = [0.0; 6];
    let value = g(p, &mut d);
    let (jv, t) = j(p, &v);
    assert_eq!(jv.to_bits(), value.to_bits());
    let want: f64 = d.iter().zip(&v).map(|(a, b)| a * b).sum();
    assert!(
        (t - want).abs() < 1e-12 * (1.0 + want.abs()),
        "{t} vs {want}"
    );
}

#[derive(Clone, Copy)]
struct Body2 {
    pos: [f64; 2],
    vel: [f64; 2],
}

/// A simulation step that reads the state before it (`let before = bodies.clone();`) while it
/// writes the bodies in place, through `iter_mut().enumerate()` and by index. Before: "follows a
/// struct of differentiated floats held in a local .., not one made here for a collection".
#[gradient(jvp, hvp)]
fn attracted_bodies(x: &[f64]) -> f64 {
    let mut bodies: Vec<Body2> = (0..3)
        .map(|i| Body2 {
            pos: [x[i], x[i + 3]],
            vel: [0.0; 2],
        })
        .collect();
    for step in 0..3 {
        let before = bodies.clone();
        if step % 2 == 0 {
            for (i, b) in bodies.iter_mut().enumerate() {
                let mut f = [0.0; 2];
                for (j, o) in before.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let d = [o.pos[0] - b.pos[0], o.pos[1] - b.pos[1]];
                    let r2 = d[0] * d[0] + d[1] * d[1] + 0.1;
                    f[0] += d[0] / r2;
                    f[1] += d[1] / r2;
                }
                for k in 0..2 {
                    b.vel[k] += 0.1 * f[k];
                    b.pos[k] += 0.1 * b.vel[k];
                }
            }
        } else {
            let old = before.to_vec();
            for i in 0..bodies.len() {
                for j in 0..old.len() {
                    bodies[i].pos[0] += 0.05 * (old[j].pos[0] - old[i].pos[0]);
                }
            }
        }
    }
    bodies.iter().map(|b| b.pos[0] * b.pos[1] + b.vel[0]).sum()
}

#[test]
fn states_before_a_step_copied_whole() {
    let p = [0.31, -0.72, 0.53, 0.94, -0.45, 0.27];
    check(
        "attracted_bodies",
        &attracted_bodies,
        &attracted_bodies_grad,
        &p,
    );
    jvp_agrees(&attracted_bodies_grad, &attracted_bodies_jvp, &p);
}

#[derive(Clone, Copy)]
struct Charge {
    x: f64,
    v: f64,
    q: f64,
}

/// The state before each step copied whole (`ps.clone()`) of a list of structs of floats alone,
/// read while the list is written in place. Before: refused ("holds the `Vec` of structs `ps` as
/// one buffer per field .. Not this use").
#[gradient(jvp, hvp)]
fn charges_cloned(x: &[f64]) -> f64 {
    let mut ps: Vec<Charge> = (0..3)
        .map(|i| Charge {
            x: x[i],
            v: x[i + 3],
            q: 1.0 + i as f64,
        })
        .collect();
    for _ in 0..2 {
        let before = ps.clone();
        for (i, p) in ps.iter_mut().enumerate() {
            let mut f = 0.0;
            for (j, o) in before.iter().enumerate() {
                if i != j {
                    f += o.q * (o.x - p.x).tanh();
                }
            }
            p.v += 0.1 * f;
            p.x += 0.1 * p.v;
        }
    }
    ps.iter().map(|p| p.x * p.x + p.v).sum()
}

/// Grown by pushes, copied by `to_vec()`, the copy read after the list is written by index.
#[gradient]
fn charges_pushed_then_copied(x: &[f64]) -> f64 {
    let mut ps = Vec::new();
    for i in 0..3 {
        ps.push(Charge {
            x: x[i],
            v: x[i + 3],
            q: 0.5 * i as f64,
        });
    }
    let before = ps.to_vec();
    for i in 0..3 {
        let mut f = 0.0;
        for j in 0..3 {
            if i != j {
                f += before[j].q * (before[j].x - ps[i].x).sin();
            }
        }
        ps[i].v += f;
        ps[i].x += 0.1 * ps[i].v;
    }
    ps.iter().map(|p| p.v * p.x).sum::<f64>() + before[0].x * before[2].v
}

/// The copy written as a map over the list's fields, one of them computed, the others copied as
/// they are. Before: a wrong value and gradient (a field copied as it is was read from the list
/// where the copy was read, after the list was written).
#[gradient]
fn charges_copied_by_a_map(x: &[f64]) -> f64 {
    let mut ps: Vec<Charge> = (0..3)
        .map(|i| Charge {
            x: x[i],
            v: x[i + 3],
            q: 1.0 + i as f64,
        })
        .collect();
    for _ in 0..2 {
        let before: Vec<Charge> = (0..ps.len())
            .map(|k| Charge {
                x: ps[k].x,
                v: ps[k].v * 1.0,
                q: ps[k].q,
            })
            .collect();
        for (i, p) in ps.iter_mut().enumerate() {
            let mut f = 0.0;
            for (j, o) in before.iter().enumerate() {
                if i != j {
                    f += o.q * (o.x - p.x).tanh() + o.v;
                }
            }
            p.v += 0.1 * f;
            p.x += 0.1 * p.v;
        }
    }
    ps.iter().map(|p| p.x * p.x + p.v).sum()
}

/// Copied by `iter().copied().collect()` into a typed `let`, a field read from the copy and the
/// list zipped.
#[gradient]
fn charges_copied_by_items(x: &[f64]) -> f64 {
    let mut ps: Vec<Charge> = (0..3)
        .map(|i| Charge {
            x: x[i],
            v: x[i + 3],
            q: 0.5,
        })
        .collect();
    let snap: Vec<Charge> = ps.iter().copied().collect();
    for p in &mut ps {
        p.x += p.v * p.q;
    }
    snap.iter().zip(ps.iter()).map(|(a, b)| a.x * b.x).sum()
}

#[test]
fn lists_of_floats_copied_whole() {
    let p = [0.31, -0.72, 0.53, 0.94, -0.45, 0.27];
    check(
        "charges_copied_by_items",
        &charges_copied_by_items,
        &charges_copied_by_items_grad,
        &p,
    );
    check("charges_cloned", &charges_cloned, &charges_cloned_grad, &p);
    jvp_agrees(&charges_cloned_grad, &charges_cloned_jvp, &p);
    check(
        "charges_pushed_then_copied",
        &charges_pushed_then_copied,
        &charges_pushed_then_copied_grad,
        &p,
    );
    check(
        "charges_copied_by_a_map",
        &charges_copied_by_a_map,
        &charges_copied_by_a_map_grad,
        &p,
    );
}
