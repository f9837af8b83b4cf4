//! Prints generated cases: `cargo run -p grad-difftest --example show -- SEED N`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.get(1).map(String::as_str) == Some("matrix") {
        for (i, c) in grad_difftest::matrix::cells().iter().enumerate() {
            println!("m{i} {}", c.keys[3]);
        }
        return;
    }
    let seed = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let n = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let g = grad_difftest::gen::Gen::new(seed);
    for i in 0..n {
        println!("{}", g.case(i).source());
    }
}
