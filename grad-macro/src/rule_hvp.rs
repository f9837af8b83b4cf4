//! Second order of a `#[custom_gradient]` rule: the `NAME__hvp_call` that `#[gradient(hvp)]`
//! callers of `NAME` use (see `hvp::call_item` for its form).
//!
//! - `#[custom_gradient(hvp)]` derives it from the rule itself: each component of the gradient
//!   the rule returns is a function of the parameters, differentiated in forward mode
//!   (`NAME_grad__dK_jvp`), so `H·t` is one forward sweep per component.
//! - `#[custom_gradient(hvp = f)]` takes it from `f`, written with the signature
//!   `#[gradient(hvp)]` gives `NAME_hvp`: `(params.., v_x.., d_w.., hv_w..) -> (T, [T; K], [T; K])`.
//! - Without either, `NAME__hvp_call` is a function whose bound cannot hold, checked where it is
//!   called: a `hvp` caller gets one error naming what to write (never a missing function).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};

/// What a rule says about its second order.
pub enum SecondOrder {
    None,
    Derive(Span),
    Given(syn::Path),
}

/// A parameter of the rule as `NAME__hvp_call` sees it.
struct RuleParam {
    ident: Ident,
    ty: syn::Type,
    /// Table class: 0 constant, 1 scalar slot, 2 sequence with a buffer.
    class: u8,
    /// A float sequence by type (callers pass tangents and buffers for each, data or not).
    seq: bool,
}

/// Input: the rule `NAME_grad`, its table classes and its float type. Output: `NAME__hvp_call`
/// (and for `Derive`, the forward-mode components it calls), or an error at the rule.
pub fn items(f: &syn::ItemFn, flags: &[u8], ty: &Ident, second: &SecondOrder) -> TokenStream {
    let typed = crate::custom::typed(&f.sig);
    let receiver = f.sig.receiver().is_some();
    let own = flags.len() - usize::from(receiver);
    let mut params = Vec::new();
    for (k, t) in typed.iter().take(own).enumerate() {
        let syn::Pat::Ident(pi) = &*t.pat else {
            return match second {
                SecondOrder::None => TokenStream::new(),
                _ => syn::Error::new_spanned(
                    &t.pat,
                    "a rule with a second order takes its parameters by name (`x: f64`), not by pattern",
                )
                .to_compile_error(),
            };
        };
        params.push(RuleParam {
            ident: pi.ident.clone(),
            ty: (*t.ty).clone(),
            class: flags[k + usize::from(receiver)],
            seq: crate::sig::differentiable(&t.ty) && !crate::sig::is_scalar(&t.ty),
        });
    }
    if receiver {
        // A method's rule is called as a method; its callers pass `self` first.
        return match second {
            SecondOrder::None => TokenStream::new(),
            _ => syn::Error::new_spanned(
                &f.sig.ident,
                "a second order is given for rules that are free functions: move the rule out of the `impl`",
            )
            .to_compile_error(),
        };
    }
    let k = params.iter().filter(|p| p.class == 1).count();
    let n = flags.len();
    let vis = &f.vis;
    let rule = f.sig.ident.to_string();
    let base = rule.strip_suffix("_grad").unwrap_or(&rule);
    let name = format_ident!("{}__hvp_call", base);
    let generics = &f.sig.generics;
    let where_clause = &generics.where_clause;
    let t = crate::naming::hidden("t");
    let own_params = params_of(&params);
    // After `t`: a tangent for each float sequence, then its gradient buffer, then its H·v buffer.
    let seq_param = |prefix: &str, mutable: bool| -> Vec<TokenStream> {
        params
            .iter()
            .filter(|p| p.seq)
            .map(|p| {
                let id = format_ident!("{}{}", prefix, p.ident);
                let buf = match crate::sig::array_len(&p.ty) {
                    Some(len) => quote!([#ty; #len]),
                    None => quote!([#ty]),
                };
                if mutable {
                    quote!(#id: &mut #buf)
                } else {
                    quote!(#id: &#buf)
                }
            })
            .collect()
    };
    let (tangents, grads, hvs) = (
        seq_param("__v_", false),
        seq_param("__d_", true),
        seq_param("__hv_", true),
    );
    let allows = quote!(#[allow(non_snake_case, clippy::too_many_arguments, clippy::similar_names, clippy::many_single_char_names, dead_code, unused_variables)]);
    let head = quote! {
        #[doc(hidden)]
        #allows
        #vis fn #name #generics (#(#own_params,)* #t: [#ty; #n], #(#tangents,)* #(#grads,)* #(#hvs),*) -> (#ty, [#ty; #k], [#ty; #k])
    };
    match second {
        SecondOrder::None => {
            let bound = quote!(for<'__grad_a> ::grad::runtime::__private::NoSecondOrderRule<'__grad_a>: ::grad::runtime::__private::SecondOrderRule);
            let mut preds = where_clause
                .as_ref()
                .map(|w| w.predicates.clone())
                .unwrap_or_default();
            preds.push(syn::parse_quote!(#bound));
            let where_clause = quote!(where #preds);
            let own_params = params_of(&params);
            quote! {
                #[doc(hidden)]
                #allows
                #vis fn #name #generics (#(#own_params,)* #t: [#ty; #n], #(#tangents,)* #(#grads,)* #(#hvs),*) -> (#ty, [#ty; #k], [#ty; #k]) #where_clause {
                    ::core::unreachable!()
                }
            }
        }
        SecondOrder::Given(path) => {
            let turbofish = turbofish(generics);
            let args = params.iter().map(|p| {
                let i = &p.ident;
                quote!(#i)
            });
            let scalar_tangents = params
                .iter()
                .enumerate()
                .filter(|(_, p)| p.class == 1)
                .map(|(i, _)| quote!(#t[#i]));
            let pick = |prefix: &str| -> Vec<TokenStream> {
                params
                    .iter()
                    .filter(|p| p.seq && p.class == 2)
                    .map(|p| {
                        let id = format_ident!("{}{}", prefix, p.ident);
                        quote!(#id)
                    })
                    .collect()
            };
            let (v, d, h) = (pick("__v_"), pick("__d_"), pick("__hv_"));
            let call =
                quote!(#path #turbofish (#(#args,)* #(#scalar_tangents,)* #(#v,)* #(#d,)* #(#h),*));
            // `NAME_hvp` returns the value alone when only sequences are differentiated.
            let body = if k == 0 && params.iter().any(|p| p.class == 2) {
                quote!((#call, [], []))
            } else {
                call
            };
            quote!(#head #where_clause { #body })
        }
        SecondOrder::Derive(span) => derive(f, &params, k, ty, *span, head, &t),
    }
}

fn params_of(params: &[RuleParam]) -> Vec<TokenStream> {
    params
        .iter()
        .map(|p| {
            let (i, ty) = (&p.ident, &p.ty);
            quote!(#i: #ty)
        })
        .collect()
}

/// `NAME__hvp_call` from the rule's own gradient: a function per component, differentiated in
/// forward mode along the tangents.
#[allow(clippy::too_many_arguments)]
fn derive(
    f: &syn::ItemFn,
    params: &[RuleParam],
    k: usize,
    ty: &Ident,
    span: Span,
    head: TokenStream,
    t: &Ident,
) -> TokenStream {
    if params.iter().any(|p| p.class == 2) {
        return syn::Error::new(
            span,
            "`hvp` derives the second order of rules whose differentiated parameters are scalars; for a rule of slices, write `NAME_hvp` by hand and name it: `hvp = NAME_hvp`",
        )
        .to_compile_error();
    }
    let rule = &f.sig.ident;
    let generics = &f.sig.generics;
    let where_clause = &generics.where_clause;
    let turbofish = turbofish(generics);
    let wrt: Vec<&Ident> = params
        .iter()
        .filter(|p| p.class == 1)
        .map(|p| &p.ident)
        .collect();
    let Some(components) = components(f, k) else {
        return syn::Error::new(
            span,
            "`hvp` derives the second order from a rule that ends in the pair `(value, [∂f/∂x, ..])`, written out, with no `return` before: end the rule so, or write `NAME_hvp` by hand and name it: `hvp = NAME_hvp`",
        )
        .to_compile_error();
    };
    let own = params_of(params);
    let args: Vec<&Ident> = params.iter().map(|p| &p.ident).collect();
    let tangents: Vec<TokenStream> = params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.class == 1)
        .map(|(i, _)| quote!(#t[#i]))
        .collect();
    let mut out = TokenStream::new();
    let mut hs = Vec::new();
    for (c, body) in components.into_iter().enumerate() {
        let cname = format_ident!("{}__d{}", rule, c);
        let item: syn::ItemFn = syn::parse_quote! {
            #[doc(hidden)]
            #[allow(unused, non_snake_case, clippy::all, clippy::pedantic)]
            fn #cname #generics (#(#own),*) -> #ty #where_clause #body
        };
        out.extend(crate::expand::expand(
            quote!(wrt(#(#wrt),*), jvp),
            quote!(#item),
        ));
        let jvp = format_ident!("{}_jvp", cname);
        hs.push(quote!(#jvp #turbofish (#(#args,)* #(#tangents),*).1));
    }
    let value = crate::naming::hidden("value");
    let g = crate::naming::hidden("g");
    out.extend(quote! {
        #head #where_clause {
            let (#value, #g) = #rule #turbofish (#(#args),*);
            (#value, #g, [#(#hs),*])
        }
    });
    out
}

/// The body of each gradient component, `{ stmts; g_c }`, from a rule that ends in the literal
/// `(value, [g_0, ..])` (the value, which the rule exists to compute, is left out); `None` for a
/// rule written otherwise (or that returns early).
fn components(f: &syn::ItemFn, k: usize) -> Option<Vec<syn::Block>> {
    let stmts = &f.block.stmts;
    let returns = crate::naming::mentions(f.block.to_token_stream(), &|i| i == "return");
    let Some(syn::Stmt::Expr(syn::Expr::Tuple(tuple), None)) = stmts.last() else {
        return None;
    };
    let (2, Some(syn::Expr::Array(arr))) = (tuple.elems.len(), tuple.elems.iter().nth(1)) else {
        return None;
    };
    if returns || arr.elems.len() != k {
        return None;
    }
    let before = &stmts[..stmts.len() - 1];
    Some(
        arr.elems
            .iter()
            .map(|e| syn::parse_quote!({ #(#before)* #e }))
            .collect(),
    )
}

fn turbofish(generics: &syn::Generics) -> Option<TokenStream> {
    (!generics.params.is_empty()).then(|| {
        let (_, ty_generics, _) = generics.split_for_impl();
        let t = ty_generics.as_turbofish();
        quote!(#t)
    })
}
