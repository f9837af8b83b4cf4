// A field of data lent mutably written by the body is kept for its effect; beside a `&mut`
// number (whose value the generated functions recompute by running the function once more)
// it would be made twice, and is refused at the write.
use grad::gradient;

pub struct Stats {
    pub n: usize,
}

#[gradient(wrt(x))]
fn counted(x: &[f64], calls: &mut usize, stats: &mut Stats) -> f64 {
    *calls += 1;
    stats.n += x.len();
    x.iter().map(|v| v * v).sum()
}

fn main() {}
