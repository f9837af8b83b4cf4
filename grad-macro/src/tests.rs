//! Tests of the engine on token streams, without a compiler in the loop: expansion size, structure
//! and diagnostics that are easier to check here than through trybuild.

use proc_macro2::TokenStream;
use std::str::FromStr;

/// Expands `#[gradient(ARGS)] ITEM` and returns the output tokens.
pub fn expand(args: &str, item: &str) -> TokenStream {
    crate::expand::expand(
        TokenStream::from_str(args).unwrap(),
        TokenStream::from_str(item).unwrap(),
    )
}

/// For debugging: `GRAD_EXPAND=path/to/file.rs cargo test -p grad-macro dump -- --nocapture` prints
/// the expansion of every `#[gradient]` function of the file.
#[test]
fn dump() {
    let Ok(path) = std::env::var("GRAD_EXPAND") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    crate::prescan::file_at(std::path::Path::new(&path));
    let file = syn::parse_file(&text).unwrap();
    let expand_one = |attrs: &mut Vec<syn::Attribute>| {
        let pos = attrs.iter().position(|a| a.path().is_ident("gradient"))?;
        Some(match attrs.remove(pos).meta {
            syn::Meta::List(l) => l.tokens,
            _ => TokenStream::new(),
        })
    };
    for item in file.items {
        match item {
            syn::Item::Fn(mut f) => {
                if let Some(args) = expand_one(&mut f.attrs) {
                    println!("{}", crate::expand::expand(args, quote::quote!(#f)));
                }
            }
            // Methods expand one by one, as the attribute sees them inside their `impl`.
            syn::Item::Impl(i) => {
                for it in i.items {
                    if let syn::ImplItem::Fn(mut f) = it {
                        if let Some(args) = expand_one(&mut f.attrs) {
                            println!("{}", crate::expand::expand(args, quote::quote!(#f)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A chain of `n` dependent `let`s, each using the previous value twice (so a naive symbolic
/// expansion would double at every step).
fn chain(n: usize) -> String {
    let mut body = String::from("let a0 = x * y;\n");
    for i in 1..=n {
        body.push_str(&format!(
            "let a{i} = (a{p} * 0.5).sin() + a{p} * x;\n",
            p = i - 1
        ));
    }
    format!("fn chain(x: f64, y: f64) -> f64 {{ {body} a{n} }}")
}

fn token_count(ts: TokenStream) -> usize {
    ts.into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => 1 + token_count(g.stream()),
            _ => 1,
        })
        .sum()
}

/// The tokens of the item `name` of an expansion.
fn item_tokens(out: TokenStream, name: &str) -> usize {
    let file: syn::File = syn::parse2(out).expect("the expansion parses as Rust items");
    let item = file
        .items
        .into_iter()
        .find(|i| matches!(i, syn::Item::Fn(f) if f.sig.ident == name))
        .unwrap_or_else(|| panic!("the expansion has `{name}`"));
    token_count(quote::quote!(#item))
}

#[test]
fn expansion_grows_linearly_with_the_body() {
    let small = item_tokens(expand("", &chain(100)), "chain_grad");
    let large = item_tokens(expand("", &chain(500)), "chain_grad");
    // Five times the statements must give about five times the code; a quadratic or exponential
    // expansion would give 25x or far more.
    let ratio = large as f64 / small as f64;
    assert!(
        (4.5..5.5).contains(&ratio),
        "100 lets → {small} tokens, 500 lets → {large} tokens (ratio {ratio:.2})"
    );
    // Per statement: the forward `let`s and their adjoints, a few dozen tokens each.
    assert!(large / 500 < 120, "{} tokens per statement", large / 500);
}

/// Straight-line code of `n` statements mixing arithmetic and methods, like a long hand-written
/// loss.
fn straight_line(n: usize) -> String {
    let mut body = String::from("let a0 = x * y + z;\n");
    for i in 1..n {
        let (p, q) = (i - 1, i / 2);
        let e = match i % 4 {
            0 => format!("a{p} * 0.7 + a{q} * 0.2"),
            1 => format!("a{p}.sin() + 0.1 * a{q}"),
            2 => format!("a{p} * 0.9 + a{q}.tanh()"),
            _ => format!("(a{p} * a{p} + 1.0).sqrt() * 0.5 - a{q} * 0.3"),
        };
        body.push_str(&format!("let a{i} = {e};\n"));
    }
    format!(
        "fn big(x: f64, y: f64, z: f64) -> f64 {{ {body} a{}.tanh() }}",
        n - 1
    )
}

/// The gradient of straight-line code is at most 4 times the function's tokens, at any size.
#[test]
fn straight_line_expansion_is_at_most_four_times_the_input() {
    for n in [50, 500, 2000] {
        let src = straight_line(n);
        let input = token_count(src.parse().unwrap());
        let out = expand("", &src);
        let grad = item_tokens(out.clone(), "big_grad");
        let ratio = grad as f64 / input as f64;
        eprintln!("{n} statements: {input} → {grad} tokens ({ratio:.2}×)");
        assert!(
            ratio <= 4.0,
            "{n} statements: {input} → {grad} tokens ({ratio:.2}×)"
        );
        // Besides the original and `big_grad`, a few small items (a function of floats has no
        // `NAME__dyn_grad`, the body again for callers that pass data of unseen types).
        let rest = token_count(out) - input - grad;
        assert!(
            rest < 400,
            "{n} statements: {rest} tokens beside the gradient"
        );
    }
}

#[test]
fn expansion_of_500_lets_is_valid_rust() {
    let out = expand("", &chain(500));
    let file: syn::File = syn::parse2(out).expect("the expansion parses as Rust items");
    assert_eq!(
        file.items.len(),
        4,
        "the original function, the table `chain_grad_wrt`, `chain_grad` and the stand-in `chain__hvp_call` (a function of floats has no `NAME__dyn_grad`)"
    );
}

/// Unusual inputs: each must expand (to code or to compile errors), never panic the macro.
#[test]
fn odd_inputs_do_not_panic() {
    let cases: &[(&str, &str)] = &[
        ("", "fn f() -> f64 { 1.0 }"),
        ("", "fn f(x: f64) -> f64 { x }"),
        ("", "fn f(x: f64) -> f64 { return x; }"),
        ("", "fn f(x: f64) -> f64 { let y; y = x; y }"),
        ("", "fn f(x: f64) -> f64 { let y; if x > 0.0 { y = x; } else { y = -x; } y }"),
        ("", "fn f(x: f64) -> f64 { if x > 0.0 { return x; } else { return -x; } }"),
        ("", "fn f(x: f64) -> f64 { if x > 0.0 { return x; } }"),
        ("", "fn f(x: f64) -> f64 { { { x } } }"),
        ("", "fn f(x: f64) -> f64 { let _ = x.sin(); x }"),
        ("", "fn f(x: f64) -> f64 { x.powi(-3) + x.powf(0.0) + f64::max(x, 1.0) }"),
        ("", "fn f(x: f64, n: i32) -> f64 { x.powi(n) + x.powi(n - 1) }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for _ in 0..0 { s += 1.0; } s + x.len() as f64 }"),
        ("", "fn f(x: &[f64]) -> f64 { x.iter().sum::<f64>() }"),
        ("", "fn f(x: &[f64]) -> f64 { x.iter().map(|v| v).sum::<f64>() }"),
        ("", "fn f(x: &[f64]) -> f64 { x.iter().fold(0.0, |a, v| a + v) }"),
        ("", "fn f(x: &[f64]) -> f64 { x.iter().fold(0.0, |(a, b), v| a + v) }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut i = 0; while i < x.len() { i += 1; } i as f64 }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for v in x { s += v; } s }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for (i, (a, b)) in x.iter().zip(x).enumerate() { s += a * b * i as f64; } s }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut z = vec![0.0; 3]; z[0] = x[0]; z[0] }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut z = vec![x[0]; 3]; z[0] }"),
        ("", "fn f(x: &[f64]) -> f64 { let z = vec![1.0, 2.0]; z[0] * x[0] }"),
        ("", "fn f(x: &[f64; 3]) -> f64 { let mut z = [0.0; 3]; for i in 0..3 { z[i] = x[i]; } z[2] }"),
        ("", "fn f(x: [f64; 2]) -> f64 { x[0] * x[1] }"),
        ("", "fn f(x: f64) -> f64 { 'a: loop { break 'a x; } }"),
        ("", "fn f(x: f64) -> f64 { let (a, b) = (x, x); a * b }"),
        ("", "fn f(x: f64) -> f64 { match x { _ => x } }"),
        ("", "fn f(x: f64) -> f64 { (|| x)() }"),
        ("", "fn f(x: f64) -> f64 { x % 2.0 }"),
        ("", "fn f(x: f64) -> f64 { helper(x) + other::g(x, 1, &[1.0]) }"),
        ("", "fn f(x: f64) -> f64 { x.sin_cos().0 }"),
        ("", "fn f(x: f64) -> f64 { std::f64::consts::PI * x + f64::EPSILON + 2.0f32 as f64 }"),
        ("wrt(x, x)", "fn f(x: f64) -> f64 { x }"),
        ("wrt()", "fn f(x: f64) -> f64 { x }"),
        ("with(x)", "fn f(x: f64) -> f64 { x }"),
        ("", "fn f<'a>(x: &'a [f64]) -> f64 { x[0] }"),
        ("", "fn f<T>(x: T) -> T { x }"),
        ("", "fn f(self) -> f64 { 1.0 }"),
        ("", "fn f(x: f64) -> (f64, f64) { (x, x) }"),
        ("", "fn f(x: f64) -> f64 { unsafe { x } }"),
        ("", "fn f(x: f64) -> f64 { let mut y = x; y += { if y > 0.0 { return y; } 1.0 }; y }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for i in 0..x.len() { if x[i] > 0.0 { continue; } if i > 3 { break; } s += x[i]; } s }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; for _ in 0..2 { for j in 0..x.len() { s = s * x[j] + 1.0; } } s }"),
        ("", "fn f(x: &[f64]) -> f64 { let mut s = 0.0; let mut k = 0usize; while k < x.len() { if x[k] < 0.0 { break; } s += x[k].exp(); k += 1; } s }"),
    ];
    for (args, item) in cases {
        let out = std::panic::catch_unwind(|| expand(args, item).to_string());
        assert!(
            out.is_ok(),
            "the macro panicked on `#[gradient({args})] {item}`"
        );
    }
}

/// Prints how long the macro takes on straight-line bodies of growing size (run with
/// `cargo test --release -p grad-macro expansion_time -- --ignored --nocapture`): the figures
/// should grow linearly.
#[test]
#[ignore = "timing figures for the notes, not a test"]
fn expansion_time() {
    for n in [500, 1000, 2000, 4000] {
        let src = straight_line(n);
        let t = std::time::Instant::now();
        let out = expand("", &src);
        eprintln!(
            "{n} statements: {:?}, {} tokens",
            t.elapsed(),
            token_count(out)
        );
    }
}

/// The rustdoc of `NAME_grad` shows each partial derivative of a function of scalars without
/// loops, simplified, and for loops how their adjoint is computed.
#[test]
fn derivative_formulas_in_the_docs() {
    let out = expand(
        "",
        "fn rosenbrock(x: f64, y: f64) -> f64 { (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2) }",
    )
    .to_string();
    assert!(
        out.contains("∂rosenbrock/∂x = −400·x·(y − x²) − 2·(1 − x)"),
        "{out}"
    );
    assert!(out.contains("∂rosenbrock/∂y = 200·(y − x²)"), "{out}");
    let out = expand(
        "",
        "fn sum(w: &[f64]) -> f64 { let mut s = 0.0; for i in 0..w.len() { s += w[i] * w[i]; } s }",
    )
    .to_string();
    assert!(
        out.contains("Loop 1 (in order of appearance) is fused"),
        "{out}"
    );
}

/// An edition-2024 `if let .. && ..` chain (and a `while` one): the generated functions read
/// only nested `if`s, which every edition parses (the expansion's spans may be of an edition
/// without chains).
#[test]
fn let_chains_become_nested_ifs() {
    let src = "fn chained(x: &[f64], i: usize) -> f64 {
        let mut s = x[0];
        if let Some(&v) = x.get(i) && v > 0.0 && i > 0 { s += v * v; } else { s -= 1.0; }
        let mut k = 0;
        while let Some(&w) = x.get(k) && w < 5.0 { s += w * s; k += 1; }
        s
    }";
    let out = expand("", src);
    let file: syn::File = syn::parse2(out).expect("the expansion parses as Rust items");
    struct Chains(usize);
    impl<'a> syn::visit::Visit<'a> for Chains {
        fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
            if matches!(&*b.left, syn::Expr::Let(_)) || matches!(&*b.right, syn::Expr::Let(_)) {
                self.0 += 1;
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    for item in &file.items {
        let syn::Item::Fn(f) = item else { continue };
        let mut c = Chains(0);
        syn::visit::Visit::visit_item_fn(&mut c, f);
        // The function itself is kept as written.
        let kept = f.sig.ident == "chained";
        assert_eq!(c.0 > 0, kept, "`{}`", f.sig.ident);
    }
}
