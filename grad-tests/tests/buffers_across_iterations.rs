//! Buffers that live across iterations (issue 8): a scratch buffer reused for every sample, a
//! hidden state overwritten at every step, an element read by the next iteration, a buffer
//! updated in place. The backward pass must see each buffer as the forward pass saw it when it
//! read it; every function here is checked against central finite differences, value bit for bit,
//! at several points, and the f32 forms against their f64 twins.

// Written as users write them (`vec!` for buffers whose size is a constant).
#![allow(
    clippy::needless_range_loop,
    clippy::manual_memcpy,
    clippy::useless_vec
)]

mod common;

use common::{check_flat, split};
use grad::gradient;

const H: usize = 3;
const D: usize = 2;

/// The way an MLP's forward pass is usually written: one hidden buffer for every sample.
#[gradient(wrt(w1, w2))]
fn mlp_shared_hidden(w1: &[f64], w2: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let mut hidden = vec![0.0; H];
    let mut loss = 0.0;
    for i in 0..ys.len() {
        for k in 0..H {
            let mut z = 0.0;
            for j in 0..D {
                z += w1[k * D + j] * xs[i * D + j];
            }
            hidden[k] = z.tanh();
        }
        let mut out = 0.0;
        for k in 0..H {
            out += w2[k] * hidden[k];
        }
        loss += (out - ys[i]) * (out - ys[i]);
    }
    loss / ys.len() as f64
}

#[gradient(wrt(w1, w2))]
fn mlp_shared_hidden_f32(w1: &[f32], w2: &[f32], xs: &[f32], ys: &[f32]) -> f32 {
    let mut hidden = [0.0f32; H];
    let mut loss = 0.0;
    for i in 0..ys.len() {
        for k in 0..H {
            let mut z = 0.0;
            for j in 0..D {
                z += w1[k * D + j] * xs[i * D + j];
            }
            hidden[k] = z.tanh();
        }
        let out: f32 = (0..H).map(|k| w2[k] * hidden[k]).sum();
        loss += (out - ys[i]) * (out - ys[i]);
    }
    loss
}

/// A vector RNN whose state and next state are both buffers declared before the time loop.
#[gradient(wrt(w, u))]
fn rnn_state_buffers(w: &[f64], u: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    let mut h_new = vec![0.0; 2];
    let mut loss = 0.0;
    for t in 0..xs.len() {
        for k in 0..2 {
            let mut z = u[k] * xs[t];
            for j in 0..2 {
                z += w[k * 2 + j] * h[j];
            }
            h_new[k] = z.tanh();
        }
        for k in 0..2 {
            h[k] = h_new[k];
        }
        loss += h[0] * h[0] + h[1];
    }
    loss
}

/// The state in a top-level buffer, the next state in a per-step buffer; `w` is `m × m`.
#[gradient]
fn vector_rnn(w: &[f64], x: &[f64]) -> f64 {
    let m = (w.len() as f64).sqrt() as usize;
    let mut h = vec![0.0; m];
    let mut loss = 0.0;
    for t in 0..x.len() {
        let mut hn = vec![0.0; m];
        for k in 0..m {
            let mut a = x[t];
            for j in 0..m {
                a += w[k * m + j] * h[j];
            }
            hn[k] = a.tanh();
        }
        for k in 0..m {
            h[k] = hn[k];
        }
        loss += h[0] * h[m - 1];
    }
    loss
}

/// The state reset at the start of every sequence, then updated in place, element by element
/// (each update reads elements already updated in this step: Gauss–Seidel order).
#[gradient(wrt(w))]
fn sequences_in_place(w: &[f64], seqs: &[f64], len: usize) -> f64 {
    let mut h = [0.0; 3];
    let mut loss = 0.0;
    for s in 0..seqs.len() / len {
        for k in 0..3 {
            h[k] = 0.0;
        }
        for t in 0..len {
            for k in 0..3 {
                let prev = if k == 0 { h[2] } else { h[k - 1] };
                h[k] = (w[k] * prev + seqs[s * len + t] + h[k] * 0.5).sin();
            }
            loss += h[0] * h[1] - h[2];
        }
    }
    loss
}

/// `z ← sin(z + x)` three times, read by another inner loop after each update.
#[gradient]
fn iterated_map(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut s = 0.0;
    for _t in 0..3 {
        for i in 0..n {
            z[i] = (z[i] + x[i]).sin();
        }
        for i in 0..n {
            s += z[i] * x[i];
        }
    }
    s
}

#[gradient]
fn norm2(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>()
}

/// A buffer passed to a helper inside a loop and rewritten between the calls.
#[gradient]
fn buffer_to_helper_in_loop(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut s = 0.0;
    for t in 0..3 {
        for i in 0..n {
            z[i] = (z[i] * a + x[i] * (t as f64 + 1.0)).sin();
        }
        s += norm2(&z) * a;
    }
    s
}

/// An element written at the end of one iteration and read, in a branch, by the next.
#[gradient]
fn previous_element(x: &[f64]) -> f64 {
    let mut b = vec![0.0; 1];
    let mut s = 0.0;
    for i in 0..x.len() {
        if i > 0 {
            s += (b[0] * x[i]).sin();
        }
        b[0] = x[i];
    }
    s
}

/// A buffer read by a nested loop and then written at the top level after the loop.
#[gradient]
fn written_after_the_loop(x: &[f64]) -> f64 {
    let mut z = vec![0.5; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..2 {
            s += z[j] * x[i] * x[i];
        }
    }
    z[0] = x[0].exp();
    for j in 0..2 {
        s += z[j].sin();
    }
    s
}

/// Written only on some iterations (a branch), read by a nested loop in every iteration.
#[gradient]
fn written_in_a_branch(x: &[f64]) -> f64 {
    let mut best = [0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            best[i % 2] = x[i] * x[i];
        }
        for j in 0..2 {
            s += (best[j] + x[i]).cos();
        }
    }
    s
}

fn points(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn mlp_with_one_hidden_buffer_for_all_samples() {
    let xs = points(8, 1);
    let ys = points(4, 2);
    for seed in 3..6 {
        let p = points(H * D + H, seed);
        let f = |p: &[f64]| {
            let v = split(p, &[H * D]);
            mlp_shared_hidden(v[0], v[1], &xs, &ys)
        };
        let (mut d1, mut d2) = (vec![0.0; H * D], vec![0.0; H]);
        let v = split(&p, &[H * D]);
        let value = mlp_shared_hidden_grad(v[0], v[1], &xs, &ys, &mut d1, &mut d2);
        check_flat("mlp_shared_hidden", &p, &f, value, &[d1, d2].concat()).unwrap();
    }
}

#[test]
fn mlp_f32_matches_its_f64_twin() {
    let xs = points(8, 1);
    let ys = points(4, 2);
    let p = points(H * D + H, 7);
    let v = split(&p, &[H * D]);
    let (mut d1, mut d2) = (vec![0.0; H * D], vec![0.0; H]);
    mlp_shared_hidden_grad(v[0], v[1], &xs, &ys, &mut d1, &mut d2);
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let (mut e1, mut e2) = (vec![0.0f32; H * D], vec![0.0f32; H]);
    let (w1, w2, x32, y32) = (f32s(v[0]), f32s(v[1]), f32s(&xs), f32s(&ys));
    let value = mlp_shared_hidden_f32_grad(&w1, &w2, &x32, &y32, &mut e1, &mut e2);
    assert_eq!(value, mlp_shared_hidden_f32(&w1, &w2, &x32, &y32));
    // The f32 loss is the sum, the f64 one the mean.
    let n = ys.len() as f64;
    for (a, b) in e1.iter().chain(&e2).zip(d1.iter().chain(&d2)) {
        assert!((f64::from(*a) - b * n).abs() < 1e-4, "{a} vs {}", b * n);
    }
}

#[test]
fn rnn_with_state_buffers_declared_before_the_loop() {
    let xs = points(6, 11);
    for seed in 12..15 {
        let p = points(6, seed);
        let f = |p: &[f64]| rnn_state_buffers(&p[..4], &p[4..], &xs);
        let (mut dw, mut du) = (vec![0.0; 4], vec![0.0; 2]);
        let value = rnn_state_buffers_grad(&p[..4], &p[4..], &xs, &mut dw, &mut du);
        check_flat("rnn_state_buffers", &p, &f, value, &[dw, du].concat()).unwrap();
    }
}

#[test]
fn vector_rnn_with_a_top_level_state() {
    for seed in 20..23 {
        let p = points(9 + 5, seed);
        let f = |p: &[f64]| vector_rnn(&p[..9], &p[9..]);
        let (mut dw, mut dx) = (vec![0.0; 9], vec![0.0; 5]);
        let value = vector_rnn_grad(&p[..9], &p[9..], &mut dw, &mut dx);
        check_flat("vector_rnn", &p, &f, value, &[dw, dx].concat()).unwrap();
    }
}

#[test]
fn state_reset_per_sequence_and_updated_in_place() {
    let seqs = points(12, 30);
    for seed in 31..34 {
        let p = points(3, seed);
        let f = |p: &[f64]| sequences_in_place(p, &seqs, 4);
        let mut dw = vec![0.0; 3];
        let value = sequences_in_place_grad(&p, &seqs, 4, &mut dw);
        check_flat("sequences_in_place", &p, &f, value, &dw).unwrap();
    }
}

#[test]
fn buffers_rewritten_and_read_again() {
    for seed in 40..43 {
        let p = points(5, seed);
        let mut d = vec![0.0; 5];
        let value = iterated_map_grad(&p, &mut d);
        check_flat("iterated_map", &p, &|p| iterated_map(p), value, &d).unwrap();

        let mut d = vec![0.0; 5];
        let value = previous_element_grad(&p, &mut d);
        check_flat("previous_element", &p, &|p| previous_element(p), value, &d).unwrap();

        let mut d = vec![0.0; 5];
        let value = written_after_the_loop_grad(&p, &mut d);
        let f = |p: &[f64]| written_after_the_loop(p);
        check_flat("written_after_the_loop", &p, &f, value, &d).unwrap();

        let mut d = vec![0.0; 5];
        let value = written_in_a_branch_grad(&p, &mut d);
        let f = |p: &[f64]| written_in_a_branch(p);
        check_flat("written_in_a_branch", &p, &f, value, &d).unwrap();

        let mut d = vec![0.0; 4];
        let (value, [da]) = buffer_to_helper_in_loop_grad(&p[..4], p[4], &mut d);
        let f = |p: &[f64]| buffer_to_helper_in_loop(&p[..4], p[4]);
        let g = [d, vec![da]].concat();
        check_flat("buffer_to_helper_in_loop", &p, &f, value, &g).unwrap();
    }
}

/// The state copied over from the next state with `copy_from_slice`, as an RNN step is written.
#[gradient(wrt(w))]
fn rnn_copy_from_slice(w: &[f64], xs: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    let mut h_new = vec![0.0; 2];
    let mut loss = 0.0;
    for t in 0..xs.len() {
        for k in 0..h.len() {
            h_new[k] = (w[k] * h[1 - k] + xs[t]).tanh();
        }
        h.copy_from_slice(&h_new);
        loss += h[0] * h[1];
    }
    loss
}

/// `fill` and `swap` on a local buffer, f32.
#[gradient(wrt(w))]
fn fill_and_swap_f32(w: &[f32], xs: &[f32]) -> f32 {
    let mut h = [0.0f32; 3];
    let mut loss = 0.0;
    for t in 0..xs.len() {
        h.fill(w[0] * xs[t]);
        h[1] += w[1];
        h.swap(0, 1);
        loss += h[0] * h[1] + h[2].sin();
    }
    loss
}

#[test]
fn copy_from_slice_fill_and_swap_are_element_writes() {
    let xs = points(5, 50);
    for seed in 51..54 {
        let p = points(2, seed);
        let mut d = vec![0.0; 2];
        let value = rnn_copy_from_slice_grad(&p, &xs, &mut d);
        let f = |p: &[f64]| rnn_copy_from_slice(p, &xs);
        check_flat("rnn_copy_from_slice", &p, &f, value, &d).unwrap();

        // f32: against central differences of the f32 function in f64 arithmetic on the same
        // operations, h = 1e-3 (an f32 difference is good to about 1e-3 relative here).
        let (w, x): (Vec<f32>, Vec<f32>) = (
            p.iter().map(|&v| v as f32).collect(),
            xs.iter().map(|&v| v as f32).collect(),
        );
        let mut d = vec![0.0f32; 2];
        let value = fill_and_swap_f32_grad(&w, &x, &mut d);
        assert_eq!(value, fill_and_swap_f32(&w, &x));
        let twin = |w: &[f64]| {
            let mut loss = 0.0;
            for &xt in &xs {
                let xt = f64::from(xt as f32);
                let mut h = [w[0] * xt; 3];
                h[1] += w[1];
                h.swap(0, 1);
                loss += h[0] * h[1] + h[2].sin();
            }
            loss
        };
        let wp: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
        for k in 0..2 {
            let (mut a, mut b) = (wp.clone(), wp.clone());
            a[k] += 1e-6;
            b[k] -= 1e-6;
            let fd = (twin(&a) - twin(&b)) / 2e-6;
            let g = f64::from(d[k]);
            assert!(
                (g - fd).abs() <= 1e-4 * (1.0 + fd.abs()),
                "d[{k}] = {g}, fd {fd}"
            );
        }
    }
}

/// An undone store at the top level (a call read the buffer before it), then a loop at the end of
/// the body with a buffer of its own that is read in a branch before it is written.
#[gradient]
fn undo_then_inner_buffer(x: &[f64]) -> f64 {
    let mut b = vec![0.0; 2];
    b[0] = x[0];
    let s1 = norm2(&b);
    b[0] = x[1];
    let s2 = norm2(&b);
    let mut s = s1 + 2.0 * s2;
    for _ in 0..2 {
        let mut c = vec![0.0; 1];
        for j in 0..x.len() {
            if j > 0 {
                s += (c[0] * x[j]).sin();
            }
            c[0] = x[j];
        }
    }
    s
}

#[test]
fn undo_planning_visits_the_whole_block() {
    for seed in 60..63 {
        let p = points(4, seed);
        let mut d = vec![0.0; 4];
        let value = undo_then_inner_buffer_grad(&p, &mut d);
        let f = |p: &[f64]| undo_then_inner_buffer(p);
        check_flat("undo_then_inner_buffer", &p, &f, value, &d).unwrap();
    }
}

#[gradient]
fn mix_layer(h: &[f64], w: &[f64]) -> Vec<f64> {
    vec![h[0] * w[0] + h[1], (h[1] * w[1]).tanh()]
}

#[gradient]
fn split_pair(a: f64, b: f64) -> (f64, f64) {
    (a * b, a.sin() + b)
}

/// A state replaced whole by a `vec!` of a layer's outputs at every step (`h = vec![o[0] * g,
/// o[1]];`): the outputs are read only inside the macro, which is where the call's result must be
/// seen to be a vector.
#[gradient]
fn state_from_layer_outputs(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![x[0], x[1]];
    for i in 0..3 {
        let o = mix_layer(&h, w);
        h = vec![o[0] * w[i % 2], o[1]];
    }
    let t = split_pair(h[0], h[1]);
    let v = vec![t.0, t.1 * 2.0];
    let r = vec![o_last(&h, w); 2];
    v[0] * v[1] + r[1]
}

#[gradient]
fn o_last(h: &[f64], w: &[f64]) -> f64 {
    let o = mix_layer(h, w);
    let k = vec![o[1]; 3];
    k.iter().sum::<f64>() * o[0]
}

#[test]
fn a_vector_result_read_only_inside_vec() {
    for seed in 70..73 {
        let p = points(4, seed);
        let mut d = vec![0.0; 4];
        let (w, x) = (&p[..2], &p[2..]);
        let (dw, dx) = d.split_at_mut(2);
        let value = state_from_layer_outputs_grad(w, x, dw, dx);
        let f = |p: &[f64]| state_from_layer_outputs(&p[..2], &p[2..]);
        check_flat("state_from_layer_outputs", &p, &f, value, &d).unwrap();
    }
}
