//! Engine fuzz (issue 7): the engine never panics. Every generated `#[gradient]` function
//! (`grad-difftest`'s generator), many token-level mutations of each, and mutations of the test
//! files of the workspace go through [`crate::expand::expand`] under `catch_unwind`; the macro may
//! reject an input (with `compile_error!`), never panic on it.
//!
//! CI-sized by default (a few thousand inputs); the long run is
//! `GRAD_FUZZ_INPUTS=1000000 cargo test -p grad-macro --release fuzz_long -- --ignored --nocapture`
//! (`GRAD_FUZZ_SEED` to vary it).

// Test-only as a whole, so that `lib.rs` registers it with a single line.
#![cfg(test)]

use grad_difftest::gen::{Float, Gen};
use grad_difftest::mutate::mutate;
use grad_difftest::rng::Rng;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

/// Splits a source text into `(attribute arguments, item)` pairs, one per `#[gradient...]` at the
/// top level (the item runs to the next top-level `#`). `None` if it does not even lex (unbalanced
/// delimiters): the compiler never hands such input to a macro.
fn items(src: &str) -> Option<Vec<(TokenStream, TokenStream)>> {
    let ts = TokenStream::from_str(src).ok()?;
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        let is_attr = matches!(&tts[i], TokenTree::Punct(p) if p.as_char() == '#')
            && matches!(tts.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket
                && matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(id)) if id == "gradient"));
        if !is_attr {
            i += 1;
            continue;
        }
        let TokenTree::Group(g) = &tts[i + 1] else {
            unreachable!()
        };
        let args: TokenStream = g
            .stream()
            .into_iter()
            .skip(1)
            .find_map(|t| match t {
                TokenTree::Group(a) if a.delimiter() == Delimiter::Parenthesis => Some(a.stream()),
                _ => None,
            })
            .unwrap_or_default();
        let mut j = i + 2;
        while j < tts.len() && !matches!(&tts[j], TokenTree::Punct(p) if p.as_char() == '#') {
            j += 1;
        }
        out.push((args, tts[i + 2..j].iter().cloned().collect()));
        i = j;
    }
    Some(out)
}

/// What a fuzz run saw.
#[derive(Default)]
struct Outcome {
    expanded: usize,
    unlexable: usize,
    panics: Vec<String>,
}

/// The input being expanded and when it started, for [`watchdog`].
static CURRENT: std::sync::Mutex<Option<(String, std::time::Instant)>> =
    std::sync::Mutex::new(None);

/// A macro that never returns hangs the user's build, which is worse than a panic: a thread that
/// prints the input taking longer than `limit` and aborts the run.
fn watchdog(limit: std::time::Duration) {
    std::thread::spawn(move || loop {
        std::thread::sleep(limit / 4);
        let slow = CURRENT.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(_, t)| t.elapsed() > limit)
                .map(|(s, _)| s.clone())
        });
        if let Some(input) = slow {
            eprintln!("the engine has not returned after {limit:?} on:\n{input}");
            std::process::abort();
        }
    });
}

impl Outcome {
    /// Expands every `#[gradient]` item of `src`, recording a panic with its input.
    fn feed(&mut self, src: &str) {
        let Some(its) = items(src) else {
            self.unlexable += 1;
            return;
        };
        for (mut args, item) in its {
            self.expanded += 1;
            // Two items in three also ask for forward mode or second order, so `forward` and
            // `hvp` are fuzzed too.
            let text = args.to_string();
            if !text.contains("jvp") && !text.contains("hvp") {
                let modes = match self.expanded % 3 {
                    1 => Some(quote::quote!(jvp)),
                    2 => Some(quote::quote!(jvp, hvp)),
                    _ => None,
                };
                if let Some(modes) = modes {
                    let rest = args;
                    args = if rest.is_empty() {
                        modes
                    } else {
                        quote::quote!(#modes, #rest)
                    };
                }
            }
            let (a, it) = (args.to_string(), item.to_string());
            if let Ok(mut c) = CURRENT.lock() {
                *c = Some((format!("#[gradient({a})]\n{it}"), std::time::Instant::now()));
            }
            let result = catch_unwind(AssertUnwindSafe(|| crate::expand::expand(args, item)));
            if let Ok(mut c) = CURRENT.lock() {
                *c = None;
            }
            if let Err(e) = result {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.panics
                    .push(format!("panic: {msg}\n#[gradient({a})]\n{it}"));
            }
        }
    }
}

/// The workspace's test files, a corpus of realistic `#[gradient]` functions.
fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "rs") {
                if let Ok(t) = std::fs::read_to_string(&p) {
                    if t.contains("#[gradient") {
                        out.push(t);
                    }
                }
            }
        }
    }
    out
}

/// About `inputs` expansions: generated functions, then mutations of them and of the corpus.
fn run(seed: u64, inputs: usize) -> Outcome {
    watchdog(std::time::Duration::from_secs(30));
    let mut o = Outcome::default();
    let mut rng = Rng::new(seed);
    let corpus = corpus();
    let gen = Gen::new(seed).with_pending(&["all"]);
    let mut id = 0;
    let start = std::time::Instant::now();
    let mut next_report = 100_000;
    while o.expanded < inputs {
        if o.expanded >= next_report {
            // Long runs say how far they got.
            eprintln!("{} expansions in {:.0?}", o.expanded, start.elapsed());
            next_report += 100_000;
        }
        let case = gen.case(id);
        id += 1;
        let float = if id % 3 == 0 { Float::F32 } else { Float::F64 };
        let src = case.render(float);
        o.feed(&src);
        for _ in 0..8 {
            o.feed(&mutate(&src, &mut rng, 4));
        }
        if !corpus.is_empty() {
            // A file holds many functions: mutate it whole, a few tokens at a time.
            let file = rng.pick(&corpus).clone();
            o.feed(&mutate(&file, &mut rng, 3));
        }
    }
    o
}

fn report(o: &Outcome) {
    eprintln!(
        "engine fuzz: {} expansions, {} inputs did not lex, {} panics",
        o.expanded,
        o.unlexable,
        o.panics.len()
    );
    assert!(
        o.panics.is_empty(),
        "the engine panicked on {} inputs; the first ones:\n\n{}",
        o.panics.len(),
        o.panics
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn fuzz_never_panics() {
    report(&run(11, 3_000));
}

#[test]
#[ignore = "long: GRAD_FUZZ_INPUTS=1000000 cargo test -p grad-macro --release fuzz_long -- --ignored"]
fn fuzz_long() {
    let var = |n: &str, d: u64| {
        std::env::var(n)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    report(&run(
        var("GRAD_FUZZ_SEED", 1),
        var("GRAD_FUZZ_INPUTS", 1_000_000) as usize,
    ));
}

/// Inputs the long runs found, each once a panic or a hang.
#[test]
fn found_inputs_stay_fixed() {
    let mut o = Outcome::default();
    for src in [
        // A part of a tuple `let` that `let` alone cannot take (an or-pattern).
        "#[gradient(wrt(x))] fn f(x: f64, d: &[(usize, f64)]) -> f64 { let (0 | 1, y) = d[0]; x * y }",
        "#[gradient] fn f(p: &[(f64, f64)]) -> f64 { let mut s = 0.0; for &(a | a, b) in p.iter() { s += a * b; } s }",
        // A tuple local computed by a `match` whose arm is a call (the rewriter looped).
        "#[gradient(wrt(x))] fn f(x: f64, k: usize) -> f64 { let t = match k { 0 => (x, 1.0), _ => h(x) }; t.0 }",
    ] {
        o.feed(src);
    }
    assert_eq!(o.expanded, 3);
    assert!(o.panics.is_empty(), "{}", o.panics.join("\n\n"));
}
