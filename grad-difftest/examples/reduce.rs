//! Shrinks a generated case that fails the differential test to a small one that still fails the
//! same way, by deleting lines of its source one at a time (a one-pass ddmin).
//!
//! `cargo run -p grad-difftest --example reduce -- SEED ID KIND [f64]` with KIND one of
//! `wrong_gradient`, `value_mismatch`, `panics`, or `compile:TEXT` (does not compile, with TEXT in
//! the error); `f64` checks the case's f64 twin only.
//! Uses the scratch crate `<target>/difftest/reduce`.

use grad_difftest::gen::{Float, Gen};
use grad_difftest::harness::{unit, Harness};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let seed: u64 = a[1].parse().expect("SEED");
    let id: usize = a[2].parse().expect("ID");
    let kind = a[3].clone();
    let mut case = Gen::new(seed).case(id);
    if a.get(4).map(String::as_str) == Some("f64") {
        case.float = Float::F64;
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let harness = Harness::new(root);
    let fails = |items: &str| {
        let mut c = case.clone();
        c.items = items.to_string();
        let r = harness.run("reduce", &[unit(&c)]);
        match kind.strip_prefix("compile:") {
            // Still rejected with an error that contains the given text.
            Some(text) => r.compile_failures.iter().any(|f| f.2.contains(text)),
            None => r.compile_failures.is_empty() && r.stat(&kind) > 0,
        }
    };
    let mut lines: Vec<String> = case.items.lines().map(String::from).collect();
    assert!(
        fails(&lines.join("\n")),
        "the case does not fail with {kind}"
    );
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        // Keep signatures, attributes and braces that close them.
        if l.starts_with("fn ") || l.starts_with("#[gradient") || l == "}" {
            i += 1;
            continue;
        }
        let mut trial = lines.clone();
        trial.remove(i);
        if fails(&trial.join("\n")) {
            lines = trial;
            eprintln!("{} lines", lines.len());
        } else {
            i += 1;
        }
    }
    println!("{}", lines.join("\n").replace("FLT", case.float.name()));
}
