// `parallel` splits a sum over data points; a loop that carries state from one iteration to the
// next (an RNN's hidden state) is not one: the error names the statement that carries it.
use grad::gradient;

#[gradient(wrt(a, u, c), parallel)]
fn rnn(a: f64, u: f64, c: f64, x: &[f64], y: &[f64]) -> f64 {
    let mut h = 0.0;
    let mut loss = 0.0;
    for t in 0..x.len() {
        h = (a * h + u * x[t] + c).tanh();
        let r = h - y[t];
        loss += r * r;
    }
    loss
}

// A running sum read inside the loop is state too.
#[gradient(parallel)]
fn reads_the_sum(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * (1.0 + s);
    }
    s
}

// So is a buffer declared before the loop and written in it.
#[gradient(parallel)]
fn writes_a_buffer(w: &[f64]) -> f64 {
    let mut seen = vec![0.0; w.len()];
    let mut s = 0.0;
    for i in 0..w.len() {
        seen[i] = w[i];
        s += w[i] * w[i];
    }
    s + seen[0]
}

fn main() {
    // The serial gradients are still there: no error follows from the ones above.
    let _ = rnn_grad(0.8, 0.6, -0.1, &[1.0], &[0.5]);
}
