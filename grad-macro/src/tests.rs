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
    let text = std::fs::read_to_string(path).unwrap();
    let file = syn::parse_file(&text).unwrap();
    for item in file.items {
        if let syn::Item::Fn(mut f) = item {
            let Some(pos) = f.attrs.iter().position(|a| a.path().is_ident("gradient")) else {
                continue;
            };
            let attr = f.attrs.remove(pos);
            let args = match attr.meta {
                syn::Meta::List(l) => l.tokens,
                _ => TokenStream::new(),
            };
            let out = crate::expand::expand(args, quote::quote!(#f));
            println!("{out}");
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

#[test]
fn expansion_grows_linearly_with_the_body() {
    let small = token_count(expand("", &chain(100)));
    let large = token_count(expand("", &chain(500)));
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

#[test]
fn expansion_of_500_lets_is_valid_rust() {
    let out = expand("", &chain(500));
    let file: syn::File = syn::parse2(out).expect("the expansion parses as Rust items");
    assert_eq!(
        file.items.len(),
        2,
        "the original function and `chain_grad`"
    );
}
