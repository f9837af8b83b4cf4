//! Models passed by value: `fn energy(p: Particle, k: f64) -> f64` with `wrt(p)`, the way
//! Enzyme's and `std::autodiff`'s tests pass small `Copy` structs. The function is derived as
//! the same function taking `p: &Particle` (a body reads fields, calls methods and indexes the
//! same way through a reference). Each function that derivation makes for users (`NAME_grad`,
//! `NAME_jvp`, ..) is kept, hidden, as `NAME_grad__by_ref`, and `NAME_grad` takes the model by
//! value, as the user's function does, and passes `&p` on to it. The gradient is a model of the
//! same type, `d_p: &mut Particle`, as for `p: &Particle`. The derivation's own functions call
//! each other with the reference; where they call the user's function for its value (a model
//! passed whole to another `#[gradient]` function) they call `NAME__all`, the same body taking
//! the reference.

use crate::attr::Args;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// A parameter taken by value and derived as a reference.
struct ByValue {
    ident: Ident,
    /// The user's type (`Particle`).
    ty: syn::Type,
    /// The type the derivation sees (`&Particle`), as tokens to recognise it again.
    reference: String,
}

pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    let wrt = args.wrt.as_ref()?;
    let mut adapted = item.clone();
    let mut found = Vec::new();
    for input in &mut adapted.sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &mut *pt.pat else {
            continue;
        };
        if !wrt.contains(&pi.ident) || !matches!(&*pt.ty, syn::Type::Path(_)) {
            continue;
        }
        let ty = (*pt.ty).clone();
        let reference: syn::Type = syn::parse_quote!(&#ty);
        if !crate::fields::is_struct_ref(&reference) {
            continue;
        }
        found.push(ByValue {
            ident: pi.ident.clone(),
            ty,
            reference: reference.to_token_stream().to_string(),
        });
        // `mut p: Particle` would be `mut p: &Particle`: the binding is not written through.
        pi.mutability = None;
        *pt.ty = reference;
    }
    if found.is_empty() {
        return None;
    }
    let expanded = crate::expand::expand_item(args_tokens.clone(), &adapted);
    let original = crate::expand::original_item(item);
    let Ok(mut file) = syn::parse2::<syn::File>(expanded.clone()) else {
        return Some(quote!(#original #expanded));
    };
    // The first item is the function itself, which stays as the user wrote it.
    if let Some(first) = file.items.first_mut() {
        *first = syn::Item::Fn(original);
    }
    let prefix = format!("{}_", item.sig.ident);
    let for_users = |f: &syn::ItemFn| {
        // `NAME_grad`, not `NAME__all_grad` (the derivation's own).
        let name = f.sig.ident.to_string();
        name.strip_prefix(&prefix)
            .is_some_and(|rest| !rest.starts_with('_'))
            && !crate::in_out::hidden(&f.attrs)
            && f.sig
                .inputs
                .iter()
                .any(|i| taken_by_ref(i, &found).is_some())
    };
    let renamed: HashMap<Ident, Ident> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f) if for_users(f) => Some(f.sig.ident.clone()),
            _ => None,
        })
        .map(|n| (n.clone(), format_ident!("{n}__by_ref")))
        .collect();
    let all = format_ident!("{}__all", item.sig.ident);
    let has_all = file
        .items
        .iter()
        .any(|i| matches!(i, syn::Item::Fn(f) if f.sig.ident == all));
    let mut calls = Calls {
        renamed: &renamed,
        original: &item.sig.ident,
        all: has_all.then_some(&all),
    };
    let mut items = Vec::new();
    for mut generated in file.items.into_iter() {
        if items.is_empty() {
            items.push(generated);
            continue;
        }
        calls.visit_item_mut(&mut generated);
        if let syn::Item::Fn(f) = &mut generated {
            if f.sig.ident == all {
                Handed { found: &found }.visit_block_mut(&mut f.block);
            }
        }
        match generated {
            syn::Item::Fn(f) if renamed.contains_key(&f.sig.ident) => {
                items.push(syn::Item::Fn(by_value(&f, &found, &renamed)));
                let mut by_ref = f;
                by_ref.sig.ident = renamed[&by_ref.sig.ident].clone();
                by_ref.attrs.retain(|a| !a.path().is_ident("doc"));
                by_ref.attrs.push(syn::parse_quote!(#[doc(hidden)]));
                items.push(syn::Item::Fn(by_ref));
            }
            other => items.push(other),
        }
    }
    Some(quote!(#(#items)*))
}

/// The model a parameter of a generated function stands for, when it is one taken by value as
/// the derivation saw it (`p: &Particle`).
fn taken_by_ref<'a>(input: &syn::FnArg, found: &'a [ByValue]) -> Option<&'a ByValue> {
    let syn::FnArg::Typed(pt) = input else {
        return None;
    };
    let syn::Pat::Ident(pi) = &*pt.pat else {
        return None;
    };
    let ty = pt.ty.to_token_stream().to_string();
    found
        .iter()
        .find(|b| b.ident == pi.ident && b.reference == ty)
}

/// `NAME_grad` as users call it: the models by value, passed on by reference to
/// `NAME_grad__by_ref`, which the derivation made.
fn by_value(f: &syn::ItemFn, found: &[ByValue], renamed: &HashMap<Ident, Ident>) -> syn::ItemFn {
    let mut out = f.clone();
    let mut args = Vec::new();
    for input in &mut out.sig.inputs {
        let arg = match input {
            syn::FnArg::Receiver(r) => {
                let s = r.self_token;
                quote!(#s)
            }
            syn::FnArg::Typed(pt) => {
                let model = taken_by_ref(&syn::FnArg::Typed(pt.clone()), found);
                let id = match &*pt.pat {
                    syn::Pat::Ident(pi) => pi.ident.clone(),
                    _ => return f.clone(),
                };
                match model {
                    Some(b) => {
                        *pt.ty = b.ty.clone();
                        quote!(&#id)
                    }
                    None => quote!(#id),
                }
            }
        };
        args.push(arg);
    }
    let target = &renamed[&f.sig.ident];
    let has_self = f
        .sig
        .inputs
        .iter()
        .any(|i| matches!(i, syn::FnArg::Receiver(_)));
    let call = if has_self {
        quote!(Self::#target(#(#args),*))
    } else {
        quote!(#target(#(#args),*))
    };
    *out.block = syn::parse_quote!({ #call });
    // By value because the user's function is; a type that is not `Copy` is the user's choice
    // there too.
    out.attrs
        .push(syn::parse_quote!(#[allow(clippy::needless_pass_by_value)]));
    out
}

/// In `NAME__all`, the user's body over the reference: a model the user hands to a function by
/// value (`pair(p, 0.5)`) is handed a copy (the user's own `p` could be used after it only if
/// it is `Copy`, and any parameter type given a value of its own is `Clone` in practice).
struct Handed<'a> {
    found: &'a [ByValue],
}

impl Handed<'_> {
    fn hand(&self, args: &mut syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) {
        for a in args.iter_mut() {
            if let syn::Expr::Path(p) = a {
                if let Some(b) = self.found.iter().find(|b| p.path.is_ident(&b.ident)) {
                    let id = &b.ident;
                    *a = syn::parse_quote!(::core::clone::Clone::clone(#id));
                }
            }
        }
    }
}

impl VisitMut for Handed<'_> {
    fn visit_expr_call_mut(&mut self, c: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, c);
        self.hand(&mut c.args);
    }

    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, m);
        self.hand(&mut m.args);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Calls inside the generated functions: to a function for users, its version taking the
/// reference; to the user's function, `NAME__all`.
struct Calls<'a> {
    renamed: &'a HashMap<Ident, Ident>,
    original: &'a Ident,
    all: Option<&'a Ident>,
}

impl VisitMut for Calls<'_> {
    fn visit_expr_call_mut(&mut self, c: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, c);
        let syn::Expr::Path(p) = &mut *c.func else {
            return;
        };
        let Some(last) = p.path.segments.last_mut() else {
            return;
        };
        if let Some(to) = self.renamed.get(&last.ident) {
            last.ident = to.clone();
        } else if let (Some(all), true) = (self.all, last.ident == *self.original) {
            last.ident = all.clone();
        }
    }

    fn visit_expr_method_call_mut(&mut self, m: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, m);
        if let Some(to) = self.renamed.get(&m.method) {
            m.method = to.clone();
        }
    }
}
