use grad::gradient;

#[gradient]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..x.len() {
        for j in 0..x.len() {
            if x[j] > x[i] {
                break 'rows;
            }
            s += x[i] * x[j];
        }
    }
    s
}

fn main() {}
