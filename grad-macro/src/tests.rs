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
