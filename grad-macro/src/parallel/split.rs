//! The hidden functions a parallel `NAME_grad` is assembled from, written as Rust source from the
//! user's body (so the engine differentiates them like any loss). With `pre` the statements
//! before the split loop, `post` those after it and `acc₀, acc₁, ..` the floats the loop adds to:
//!
//! - `NAME__bounds(params..) -> (usize, usize)`: `pre`, then the loop's range (for an iterator,
//!   `0..len`). Plain Rust. A `return` in `pre` gives an empty range, so that `NAME_grad` runs the
//!   serial gradient.
//! - `NAME__chunk(params.., lo, hi, u₀, u₁, ..) -> T`: `pre`, each accumulator from zero, the
//!   loop over iterations `lo..hi` only, and `Σ uⱼ accⱼ`. Differentiated with respect to the
//!   user's parameters (not `u`): with one accumulator `u₀ = 1` and its gradient is that of the
//!   chunk's partial sum; with several, `u` is `∂post/∂acc` and its gradient is the chunk's part
//!   of the vector–Jacobian product.
//! - `NAME__sums(params.., lo, hi) -> [T; k]` (several accumulators only): the chunk's partial
//!   sums, plain Rust.
//! - `NAME__post(params.., a₀, a₁, ..) -> T`: `pre`, each accumulator increased by its total
//!   `aⱼ` (its value when the loop ends), then `post`. Differentiated with respect to the user's
//!   parameters and every `aⱼ`.

use super::reduction::{Form, Reduction};
use crate::ir::FloatTy;
use proc_macro2::Ident;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Stmt};

/// The pieces of the body around the split loop.
pub struct Parts {
    /// Items of the body (`const`, `fn`, `use`): visible in the whole body, so in every piece.
    items: Vec<Stmt>,
    pre: Vec<Stmt>,
    the_loop: syn::ExprForLoop,
    post: Vec<Stmt>,
}

impl Parts {
    pub fn of(block: &syn::Block, r: &Reduction) -> Parts {
        let is_item = |s: &&Stmt| matches!(s, Stmt::Item(_));
        let items = block.stmts.iter().filter(is_item).cloned().collect();
        let pre = block.stmts[..r.index]
            .iter()
            .filter(|s| !is_item(s))
            .cloned()
            .collect();
        let post = block.stmts[r.index + 1..]
            .iter()
            .filter(|s| !is_item(s))
            .cloned()
            .collect();
        let Stmt::Expr(Expr::ForLoop(the_loop), _) = &block.stmts[r.index] else {
            unreachable!("the reduction is a for loop")
        };
        Parts {
            items,
            pre,
            the_loop: the_loop.clone(),
            post,
        }
    }
}

/// The hidden parameters' names.
pub struct Names {
    pub lo: Ident,
    pub hi: Ident,
    /// The cotangents of the accumulators, parameters of the chunk.
    pub u: Vec<Ident>,
    /// The accumulators' totals, parameters of the post function.
    pub a: Vec<Ident>,
}

impl Names {
    pub fn new(k: usize) -> Names {
        Names {
            lo: crate::naming::hidden("lo"),
            hi: crate::naming::hidden("hi"),
            u: (0..k)
                .map(|j| crate::naming::hidden(&format!("u{j}")))
                .collect(),
            a: (0..k)
                .map(|j| crate::naming::hidden(&format!("acc{j}")))
                .collect(),
        }
    }
}

/// A float zero as the user writes it, for the engine to read.
pub fn source_zero(float: FloatTy) -> Expr {
    match float {
        FloatTy::Generic(_) => {
            let t = Ident::new(float.name(), proc_macro2::Span::call_site());
            syn::parse_quote!(#t::zero())
        }
        _ => syn::parse_quote!(0.0),
    }
}

/// `item` renamed, its body replaced, with `extra` parameters appended and `ret` as its return
/// type: a hidden function, allowed every lint (its code is the user's, already linted).
fn hidden_fn(
    item: &syn::ItemFn,
    name: &Ident,
    extra: Vec<syn::FnArg>,
    ret: syn::ReturnType,
    stmts: Vec<Stmt>,
) -> syn::ItemFn {
    let mut f = item.clone();
    f.sig.ident = name.clone();
    f.vis = syn::Visibility::Inherited;
    f.sig.inputs.extend(extra);
    f.sig.output = ret;
    f.block.stmts = stmts;
    f.attrs = crate::expand::inherited_attributes(item)
        .into_iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
        .collect();
    f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
    f.attrs
        .push(syn::parse_quote!(#[allow(unused, non_snake_case, clippy::all, clippy::pedantic)]));
    f
}

/// Input: `return e` anywhere in `stmts` (not in closures or items). Output: `return replacement`.
fn returning(stmts: &[Stmt], replacement: &Expr) -> Vec<Stmt> {
    struct R<'a>(&'a Expr);
    impl VisitMut for R<'_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            if let Expr::Return(r) = e {
                let with = self.0;
                *e = syn::parse_quote_spanned!(r.return_token.span=> return #with);
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    let mut out = stmts.to_vec();
    for s in &mut out {
        R(replacement).visit_stmt_mut(s);
    }
    out
}

/// The loop over iterations `lo..hi` of the original only.
fn restricted_loop(parts: &Parts, r: &Reduction, names: &Names) -> Stmt {
    let mut l = parts.the_loop.clone();
    let (lo, hi) = (&names.lo, &names.hi);
    let span = l.expr.span();
    *l.expr = match &r.form {
        Form::Range { .. } => syn::parse_quote_spanned!(span=> #lo..#hi),
        Form::Iter { iter } => syn::parse_quote_spanned!(span=> (#iter).skip(#lo).take(#hi - #lo)),
    };
    Stmt::Expr(Expr::ForLoop(l), None)
}

/// `let mut acc = 0.0;` for each accumulator.
fn zeroed(r: &Reduction, zero: &Expr) -> Vec<Stmt> {
    r.accs
        .iter()
        .map(|a| syn::parse_quote!(let mut #a = #zero;))
        .collect()
}

pub fn bounds(item: &syn::ItemFn, parts: &Parts, r: &Reduction, name: &Ident) -> syn::ItemFn {
    let mut stmts = parts.items.clone();
    stmts.extend(returning(&parts.pre, &syn::parse_quote!((0, 0))));
    let range: Expr = match &r.form {
        Form::Range { lo, hi } => {
            let span = r.header.span();
            syn::parse_quote_spanned!(span=> (#lo, #hi))
        }
        Form::Iter { iter } => {
            let span = iter.span();
            syn::parse_quote_spanned!(span=> (0, ::core::iter::ExactSizeIterator::len(&#iter)))
        }
    };
    stmts.push(Stmt::Expr(range, None));
    hidden_fn(
        item,
        name,
        Vec::new(),
        syn::parse_quote!(-> (usize, usize)),
        stmts,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn chunk(
    item: &syn::ItemFn,
    parts: &Parts,
    r: &Reduction,
    names: &Names,
    float: FloatTy,
    ty: &syn::Type,
    name: &Ident,
) -> syn::ItemFn {
    let zero = source_zero(float);
    let mut stmts = parts.items.clone();
    stmts.extend(returning(&parts.pre, &zero));
    stmts.extend(zeroed(r, &zero));
    stmts.push(restricted_loop(parts, r, names));
    let terms = r.accs.iter().zip(&names.u).map(|(a, u)| quote!(#a * #u));
    let dot: Expr = syn::parse_quote!(#(#terms)+*);
    stmts.push(Stmt::Expr(dot, None));
    let (lo, hi) = (&names.lo, &names.hi);
    let mut extra: Vec<syn::FnArg> =
        vec![syn::parse_quote!(#lo: usize), syn::parse_quote!(#hi: usize)];
    extra.extend(
        names
            .u
            .iter()
            .map(|u| -> syn::FnArg { syn::parse_quote!(#u: #ty) }),
    );
    hidden_fn(item, name, extra, syn::parse_quote!(-> #ty), stmts)
}

pub fn sums(
    item: &syn::ItemFn,
    parts: &Parts,
    r: &Reduction,
    names: &Names,
    float: FloatTy,
    ty: &syn::Type,
    name: &Ident,
) -> syn::ItemFn {
    let zero = source_zero(float);
    let k = r.accs.len();
    let mut stmts = parts.items.clone();
    stmts.extend(returning(&parts.pre, &syn::parse_quote!([#zero; #k])));
    stmts.extend(zeroed(r, &zero));
    stmts.push(restricted_loop(parts, r, names));
    let accs = &r.accs;
    stmts.push(Stmt::Expr(syn::parse_quote!([#(#accs),*]), None));
    let (lo, hi) = (&names.lo, &names.hi);
    let extra: Vec<syn::FnArg> = vec![syn::parse_quote!(#lo: usize), syn::parse_quote!(#hi: usize)];
    hidden_fn(item, name, extra, syn::parse_quote!(-> [#ty; #k]), stmts)
}

pub fn post(
    item: &syn::ItemFn,
    parts: &Parts,
    r: &Reduction,
    names: &Names,
    ty: &syn::Type,
    name: &Ident,
) -> syn::ItemFn {
    let mut stmts = parts.items.clone();
    stmts.extend(parts.pre.iter().cloned());
    for (acc, a) in r.accs.iter().zip(&names.a) {
        stmts.push(syn::parse_quote!(#acc = #acc + #a;));
    }
    stmts.extend(parts.post.iter().cloned());
    let extra: Vec<syn::FnArg> = names
        .a
        .iter()
        .map(|a| -> syn::FnArg { syn::parse_quote!(#a: #ty) })
        .collect();
    let ret = item.sig.output.clone();
    hidden_fn(item, name, extra, ret, stmts)
}

/// The names of the hidden functions of `NAME`.
pub fn fn_names(item: &syn::ItemFn) -> [Ident; 5] {
    let n = &item.sig.ident;
    [
        format_ident!("{}__bounds", n),
        format_ident!("{}__chunk", n),
        format_ident!("{}__sums", n),
        format_ident!("{}__post", n),
        format_ident!("{}__serial_grad", n),
    ]
}
