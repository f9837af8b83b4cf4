//! The attribute arguments: `#[gradient]`, `#[gradient(wrt(a, b))]`, `#[gradient(jvp)]`,
//! `#[gradient(hvp)]`, `#[gradient(parallel)]` (or `parallel(min_len = N)`), `#[gradient(fast)]`.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

/// What the user asked for in the attribute.
#[derive(Default)]
pub struct Args {
    /// The parameters named in `wrt(...)`, or `None` for "every float parameter".
    pub wrt: Option<Vec<Ident>>,
    /// `jvp`: also emit the forward-mode `NAME_jvp` (value and directional derivative).
    pub jvp: Option<proc_macro2::Span>,
    /// `hvp`: also emit the second-order `NAME_hvp` and `NAME_hessian`.
    pub hvp: Option<proc_macro2::Span>,
    /// `check(at(..), ..)`: points where a generated test compares `NAME_grad` with differences.
    pub check: crate::custom::Checks,
    /// `parallel`: split the outermost sum over data points across threads (see `parallel`).
    pub parallel: Option<Parallel>,
    /// `fast`: `NAME_grad` may reassociate the loops' sums (see `jam`), its value equal to the
    /// function's up to rounding.
    pub fast: Option<proc_macro2::Span>,
}

/// `parallel` or `parallel(min_len = N)`.
pub struct Parallel {
    /// The `parallel` token: errors about the split point here.
    pub span: proc_macro2::Span,
    /// `min_len = N`: the fewest iterations worth splitting, instead of the estimate.
    pub min_len: Option<syn::LitInt>,
}

impl Parallel {
    fn parse_rest(key: &Ident, input: ParseStream) -> syn::Result<Self> {
        let mut min_len = None;
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            while !content.is_empty() {
                let name: Ident = content.parse()?;
                if name != "min_len" {
                    return Err(syn::Error::new(
                        name.span(),
                        format!("unknown argument `{name}` of `parallel`: the only one is `min_len = N`, the fewest iterations of the loop worth splitting across threads"),
                    ));
                }
                content.parse::<Token![=]>()?;
                let n: syn::LitInt = content.parse()?;
                if n.base10_parse::<usize>()? == 0 {
                    return Err(syn::Error::new(n.span(), "`min_len` must be at least 1"));
                }
                min_len = Some(n);
                if !content.is_empty() {
                    content.parse::<Token![,]>()?;
                }
            }
        }
        Ok(Parallel {
            span: key.span(),
            min_len,
        })
    }
}

/// The attribute's tokens without `parallel` (or `parallel(..)`): what the serial expansion and
/// the hidden functions of a parallel one are given.
pub fn without_parallel(tokens: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for tt in tokens.clone() {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut().expect("one part at least").push(tt),
        }
    }
    let kept = parts.into_iter().filter(|p| {
        !p.is_empty() && !matches!(p.first(), Some(TokenTree::Ident(i)) if i == "parallel")
    });
    let mut out = proc_macro2::TokenStream::new();
    for (k, part) in kept.enumerate() {
        if k > 0 {
            out.extend(quote::quote!(,));
        }
        out.extend(part);
    }
    out
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            // `hessian` is the name a user reaches for first: the same second-order set as `hvp`.
            if key == "jvp" || key == "hvp" || key == "hessian" || key == "fast" {
                let slot = if key == "jvp" {
                    &mut args.jvp
                } else if key == "hvp" || key == "hessian" {
                    &mut args.hvp
                } else {
                    &mut args.fast
                };
                if slot.is_some() {
                    let message = if key == "hvp" || key == "hessian" {
                        "`hvp` and `hessian` emit the same functions (`NAME_hvp`, `NAME_hessian`, `NAME_hessian_diag`), once: give one of them".to_string()
                    } else {
                        format!("`{key}` is given twice")
                    };
                    return Err(syn::Error::new(key.span(), message));
                }
                *slot = Some(key.span());
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                continue;
            }
            if key == "parallel" {
                if args.parallel.is_some() {
                    return Err(syn::Error::new(key.span(), "`parallel` is given twice"));
                }
                args.parallel = Some(Parallel::parse_rest(&key, input)?);
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                continue;
            }
            if key == "check" {
                let content;
                syn::parenthesized!(content in input);
                args.check = crate::custom::Checks::parse_inner(&content)?;
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                continue;
            }
            if key != "wrt" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{key}`: the arguments are `wrt(param, ...)`, `jvp`, `hvp` (or `hessian`), `parallel`, `fast` and `check(at(..), ..)`"
                    ),
                ));
            }
            if args.wrt.is_some() {
                return Err(syn::Error::new(key.span(), "`wrt` is given twice"));
            }
            let content;
            syn::parenthesized!(content in input);
            // `self` is a keyword, and a method's receiver can be named.
            let names =
                Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    key.span(),
                    "`wrt()` names no parameter: name the parameters to differentiate, or drop `wrt`",
                ));
            }
            args.wrt = Some(names.into_iter().collect());
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
