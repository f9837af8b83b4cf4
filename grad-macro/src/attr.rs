//! The attribute arguments: `#[gradient]`, `#[gradient(wrt(a, b))]`, `#[gradient(jvp)]`,
//! `#[gradient(hvp)]`.

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
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key == "jvp" || key == "hvp" {
                let slot = if key == "jvp" {
                    &mut args.jvp
                } else {
                    &mut args.hvp
                };
                if slot.is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{key}` is given twice"),
                    ));
                }
                *slot = Some(key.span());
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
                        "unknown argument `{key}`: the arguments are `wrt(param, ...)`, `jvp`, `hvp` and `check(at(..), ..)`"
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
