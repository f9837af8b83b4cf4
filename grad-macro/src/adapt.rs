//! Parameters the derivation takes in another form than the user's signature gives them:
//!
//! - models passed by value, `fn energy(p: Particle, k: f64) -> f64` with `wrt(p)` (the way
//!   Enzyme's and `std::autodiff`'s tests pass small `Copy` structs), derived as `p: &Particle`
//!   (a body reads fields, calls methods and indexes the same way through a reference); the
//!   gradient is a model of the same type, `d_p: &mut Particle`, as for `p: &Particle`;
//! - matrices by value, `m: [[f64; 3]; 3]`, derived as `m: &[[f64; 3]; 3]`, rows as any other;
//! - tuples of floats, `fn f(x: (f64, f64)) -> f64` (or `x: &(f64, f64)`), derived as `x: [f64;
//!   2]` (`&[f64; 2]`; `x.0` read as `x[0]`, `let (a, b) = x;` as `let [a, b] = x;`); the
//!   gradient is a tuple, `d_x: &mut (f64, f64)`, and so are the tangent `v_x: &(f64, f64)` and
//!   the product `hv_x`;
//! - three-dimensional arrays, `x: &[[[f64; 2]; 2]; 2]`, derived as their rows `&[[f64; 2]]`
//!   (`x[i][j][k]` read as `x[i * 2 + j][k]`), the gradient flattened alike;
//! - parameters given as patterns, `(a, b): (f64, f64)`, named (see [`name_patterns`]).
//!
//! Each function the derivation makes for users (`NAME_grad`, `NAME_jvp`, ..) is kept, hidden, as
//! `NAME_grad__adapted`, and `NAME_grad` takes the parameters as the user's function does and
//! hands them on in the derivation's form (`&p`, `[x.0, x.1]`), copying a tuple's gradient back.
//! The derivation's own functions call each other in its form; where they call the user's
//! function for its value (a model passed whole to another `#[gradient]` function) they call
//! `NAME__all`, the same body taking the reference.

use crate::attr::Args;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// How a parameter is taken by the derivation.
enum Form {
    /// A model or a matrix by value, derived as a reference.
    Reference,
    /// A tuple of `n` floats, derived as an array (by reference if `by_ref`: `&(T, T)` as
    /// `&[T; 2]`).
    Tuple {
        tuple: Box<syn::Type>,
        n: usize,
        by_ref: bool,
    },
    /// A three-dimensional array `&[[[T; N]; M]; K]`, derived as its `K · M` rows `&[[T; N]]`
    /// (`x[i][j][k]` read as `x[i * M + j][k]`); its gradient, tangent and product are
    /// flattened alike (`as_flattened`).
    Cube(Box<syn::Type>),
}

/// A parameter the derivation takes in another form.
struct Adapted {
    ident: Ident,
    /// The user's type (`Particle`, `(f64, f64)`).
    ty: syn::Type,
    form: Form,
    /// The type the derivation sees (`&Particle`, `[f64; 2]`), as tokens to recognise it again.
    derived: String,
}

pub fn expand(args_tokens: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    let args: Args = syn::parse2(args_tokens.clone()).ok()?;
    let mut adapted = item.clone();
    let named_patterns = name_patterns(&mut adapted);
    let mut found = Vec::new();
    for input in &mut adapted.sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        let syn::Pat::Ident(pi) = &mut *pt.pat else {
            continue;
        };
        let named = args.wrt.as_ref().map(|w| w.contains(&pi.ident));
        let ty = (*pt.ty).clone();
        let (form, derived): (Form, syn::Type) = match &ty {
            syn::Type::Path(_) if named == Some(true) => {
                let reference: syn::Type = syn::parse_quote!(&#ty);
                if !crate::fields::is_struct_ref(&reference) {
                    continue;
                }
                // `mut p: Particle` would be `mut p: &Particle`: not written through.
                pi.mutability = None;
                (Form::Reference, reference)
            }
            // A matrix by value, `m: [[T; N]; M]`, read as the rows `&[[T; N]; M]` are (not one
            // the body writes: `mut m`).
            syn::Type::Array(a) if named != Some(false) && pi.mutability.is_none() => {
                let syn::Type::Array(row) = &*a.elem else {
                    continue;
                };
                if crate::sig::float_of(&row.elem).is_none() {
                    continue;
                }
                (Form::Reference, syn::parse_quote!(&#ty))
            }
            syn::Type::Reference(r) if named != Some(false) && cube(&r.elem).is_some() => {
                let Some((row, m, k)) = cube(&r.elem) else {
                    continue;
                };
                if r.mutability.is_some() || !cube_as_rows(&mut adapted.block, &pi.ident, &m, &k) {
                    continue;
                }
                (
                    Form::Cube(Box::new((*r.elem).clone())),
                    syn::parse_quote!(&[#row]),
                )
            }
            syn::Type::Tuple(_) | syn::Type::Reference(_) if named != Some(false) => {
                // `(T, T, ..)` or `&(T, T, ..)`.
                let (t, by_ref) = match &ty {
                    syn::Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
                        syn::Type::Tuple(t) => (t, true),
                        _ => continue,
                    },
                    syn::Type::Tuple(t) => (t, false),
                    _ => continue,
                };
                if t.elems.len() < 2 {
                    continue;
                }
                let elem = t.elems[0].clone();
                let same = t
                    .elems
                    .iter()
                    .all(|e| e.to_token_stream().to_string() == elem.to_token_stream().to_string());
                if !same || crate::sig::float_of(&elem).is_none() {
                    continue;
                }
                let n = t.elems.len();
                if !tuple_as_array(&mut adapted.block, &pi.ident, n, by_ref) {
                    continue;
                }
                let array: syn::Type = if by_ref {
                    syn::parse_quote!(&[#elem; #n])
                } else {
                    syn::parse_quote!([#elem; #n])
                };
                (
                    Form::Tuple {
                        tuple: Box::new(syn::Type::Tuple(t.clone())),
                        n,
                        by_ref,
                    },
                    array,
                )
            }
            _ => continue,
        };
        found.push(Adapted {
            ident: pi.ident.clone(),
            ty,
            form,
            derived: derived.to_token_stream().to_string(),
        });
        *pt.ty = derived;
    }
    if found.is_empty() && !named_patterns {
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
    if found.is_empty() {
        // Only patterns named: the generated functions take the named parameters.
        return Some(file.into_token_stream());
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
                .any(|i| derived_param(i, &found).is_some())
    };
    let renamed: HashMap<Ident, Ident> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Fn(f) if for_users(f) => Some(f.sig.ident.clone()),
            _ => None,
        })
        .map(|n| (n.clone(), format_ident!("{n}__adapted")))
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
                items.push(syn::Item::Fn(for_user(&f, &found, &renamed)));
                let mut inner = f;
                inner.sig.ident = renamed[&inner.sig.ident].clone();
                inner.attrs.retain(|a| !a.path().is_ident("doc"));
                inner.attrs.push(syn::parse_quote!(#[doc(hidden)]));
                items.push(syn::Item::Fn(inner));
            }
            other => items.push(other),
        }
    }
    Some(quote!(#(#items)*))
}

/// Parameters given as patterns (`(a, b): (f64, f64)`, `&(lo, hi): &(usize, usize)`, `[x, y]:
/// [f64; 2]`) take a name made of the pattern's (`a_b`), and the body starts by binding the
/// pattern to it (`let (a, b) = a_b;`), which the derivation follows as any such `let`; the
/// generated functions take the named parameter (its gradient `d_a_b`). Whether any was named.
fn name_patterns(item: &mut syn::ItemFn) -> bool {
    let mut binds: Vec<syn::Stmt> = Vec::new();
    let mut taken: Vec<String> = item
        .sig
        .inputs
        .iter()
        .filter_map(|i| typed(i).map(|(id, _)| id.to_string()))
        .collect();
    for (k, input) in item.sig.inputs.iter_mut().enumerate() {
        let syn::FnArg::Typed(pt) = input else {
            continue;
        };
        if matches!(&*pt.pat, syn::Pat::Ident(_) | syn::Pat::Wild(_)) {
            continue;
        }
        let mut names = Vec::new();
        crate::desugar::tuples::names_of(&pt.pat, &mut names);
        let mut name = names
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("_");
        if name.is_empty() || taken.contains(&name) {
            name = format!("arg{k}");
        }
        taken.push(name.clone());
        let id = Ident::new(&name, syn::spanned::Spanned::span(&pt.pat));
        // `&(lo, hi)` binds the copies `*x` holds, as `let (lo, hi) = *x;`.
        binds.push(match &*pt.pat {
            syn::Pat::Reference(r) => {
                let inner = &r.pat;
                syn::parse_quote!(let #inner = *#id;)
            }
            pat => syn::parse_quote!(let #pat = #id;),
        });
        *pt.pat = syn::parse_quote!(#id);
    }
    if binds.is_empty() {
        return false;
    }
    binds.append(&mut item.block.stmts);
    item.block.stmts = binds;
    true
}

/// The parameter of the user's function an input of a generated function stands for, in the
/// derivation's form (`p: &Particle`, `x: [f64; 2]`).
fn derived_param<'a>(input: &syn::FnArg, found: &'a [Adapted]) -> Option<&'a Adapted> {
    let (id, ty) = typed(input)?;
    found.iter().find(|b| b.ident == id && b.derived == ty)
}

/// A typed input's name and its type's tokens.
fn typed(input: &syn::FnArg) -> Option<(Ident, String)> {
    let syn::FnArg::Typed(pt) = input else {
        return None;
    };
    let syn::Pat::Ident(pi) = &*pt.pat else {
        return None;
    };
    Some((pi.ident.clone(), pt.ty.to_token_stream().to_string()))
}

/// `[[[T; N]; M]; K]` of the float type: its row type `[T; N]`, `M` and `K`.
fn cube(ty: &syn::Type) -> Option<(syn::Type, syn::Expr, syn::Expr)> {
    let syn::Type::Array(outer) = ty else {
        return None;
    };
    let syn::Type::Array(mid) = &*outer.elem else {
        return None;
    };
    let syn::Type::Array(row) = &*mid.elem else {
        return None;
    };
    crate::sig::float_of(&row.elem)?;
    Some((
        syn::Type::Array(row.clone()),
        mid.len.clone(),
        outer.len.clone(),
    ))
}

/// `x[i][j][k]` as `x[i * M + j][k]` and `x.len()` as `K` in the body of a function whose `x` is
/// a `&[[[T; N]; M]; K]`; `false` (the body unchanged) where it reads `x` any other way (a plane
/// `x[i]` alone, iterated), which its rows could not stand for.
fn cube_as_rows(block: &mut syn::Block, x: &Ident, m: &syn::Expr, k: &syn::Expr) -> bool {
    struct Rewrite<'a> {
        x: &'a Ident,
        m: &'a syn::Expr,
        k: &'a syn::Expr,
        ok: bool,
    }
    impl Rewrite<'_> {
        fn is_x(&self, e: &syn::Expr) -> bool {
            matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.x))
        }
    }
    impl VisitMut for Rewrite<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            // `x[i][j]` (under any further index): the row `x[i * M + j]`.
            if let syn::Expr::Index(outer) = e {
                if let syn::Expr::Index(inner) = &mut *outer.expr {
                    if self.is_x(&inner.expr) {
                        self.visit_expr_mut(&mut inner.index);
                        self.visit_expr_mut(&mut outer.index);
                        let (x, m, i, j) = (self.x, self.m, &inner.index, &outer.index);
                        *e = syn::parse_quote!(#x[(#i) * (#m) + (#j)]);
                        return;
                    }
                }
            }
            match e {
                syn::Expr::MethodCall(mc)
                    if self.is_x(&mc.receiver) && mc.method == "len" && mc.args.is_empty() =>
                {
                    let k = self.k;
                    *e = syn::parse_quote!((#k));
                }
                e if self.is_x(e) => self.ok = false,
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            if crate::naming::mentions(mac.tokens.clone(), &|i| i == self.x) {
                self.ok = false;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    rewrite_body(block, x, &mut Rewrite { x, m, k, ok: true }, |r| r.ok)
}

/// Applies `v` to a copy of the body (a later binding of `x` named apart first) and keeps the
/// copy if `ok(v)` holds after; whether it did.
fn rewrite_body<V: VisitMut>(
    block: &mut syn::Block,
    x: &Ident,
    v: &mut V,
    ok: impl Fn(&V) -> bool,
) -> bool {
    let mut stmts = block.stmts.clone();
    if !crate::desugar::sub_slices::unshadow(&mut stmts, x) {
        return false;
    }
    for s in &mut stmts {
        v.visit_stmt_mut(s);
    }
    let kept = ok(v);
    if kept {
        block.stmts = stmts;
    }
    kept
}

/// In a macro's tokens, `x.0` as `x[0]` (also inside groups); and the tokens without those
/// reads, where any other read of `x` is left to find.
fn fields_as_elements(tokens: TokenStream, x: &Ident) -> (TokenStream, TokenStream) {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let (mut out, mut rest) = (Vec::with_capacity(trees.len()), Vec::new());
    let mut k = 0;
    while k < trees.len() {
        match (&trees[k], trees.get(k + 1), trees.get(k + 2)) {
            (TokenTree::Ident(i), Some(TokenTree::Punct(p)), Some(TokenTree::Literal(l)))
                if i == x && p.as_char() == '.' && l.to_string().parse::<usize>().is_ok() =>
            {
                let index: usize = l.to_string().parse().expect("checked just above");
                out.push(trees[k].clone());
                out.push(TokenTree::Group(Group::new(
                    Delimiter::Bracket,
                    quote!(#index),
                )));
                k += 3;
            }
            (TokenTree::Group(g), ..) => {
                let (inner, inner_rest) = fields_as_elements(g.stream(), x);
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
                rest.push(TokenTree::Group(Group::new(g.delimiter(), inner_rest)));
                k += 1;
            }
            (t, ..) => {
                out.push(t.clone());
                rest.push(t.clone());
                k += 1;
            }
        }
    }
    (out.into_iter().collect(), rest.into_iter().collect())
}

/// `x.0` as `x[0]`, `let (a, b) = x;` as `let [a, b] = x;` in the body of a function whose `x` is
/// a tuple of `n` floats, and `x` read whole as the tuple of the elements (`dist(x, q)` as
/// `dist((x[0], x[1]), q)`; `*x` so where `x` is a reference, and `x` itself as `&(x[0], x[1])`);
/// `false` (the body unchanged) where it reads `x` any other way (assigns it, lends it mutably),
/// which the array could not stand for.
fn tuple_as_array(block: &mut syn::Block, x: &Ident, n: usize, by_ref: bool) -> bool {
    struct Rewrite<'a> {
        x: &'a Ident,
        n: usize,
        by_ref: bool,
        ok: bool,
    }
    impl Rewrite<'_> {
        fn is_x(&self, e: &syn::Expr) -> bool {
            matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.x))
        }
        fn whole(&self) -> syn::Expr {
            let x = self.x;
            let k = 0..self.n;
            syn::parse_quote!((#(#x[#k]),*))
        }
    }
    impl VisitMut for Rewrite<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            match e {
                syn::Expr::Assign(a) if self.is_x(&a.left) => self.ok = false,
                syn::Expr::Binary(b)
                    if self.is_x(&b.left) && crate::lower::is_compound_assign(&b.op) =>
                {
                    self.ok = false;
                }
                syn::Expr::Reference(r) if r.mutability.is_some() && self.is_x(&r.expr) => {
                    self.ok = false;
                }
                syn::Expr::Unary(u)
                    if self.by_ref && matches!(u.op, syn::UnOp::Deref(_)) && self.is_x(&u.expr) =>
                {
                    *e = self.whole();
                }
                // The reference handed on (`norm(p)`): a reference to the tuple of the elements.
                syn::Expr::Path(p) if p.path.is_ident(self.x) && self.by_ref => {
                    let whole = self.whole();
                    *e = syn::parse_quote!((&#whole));
                }
                syn::Expr::Path(p) if p.path.is_ident(self.x) => *e = self.whole(),
                syn::Expr::Field(f) if matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident(self.x)) => {
                    match &f.member {
                        syn::Member::Unnamed(i) if (i.index as usize) < self.n => {
                            let (x, k) = (self.x, i.index as usize);
                            *e = syn::parse_quote!(#x[#k]);
                        }
                        _ => self.ok = false,
                    }
                }
                _ => syn::visit_mut::visit_expr_mut(self, e),
            }
        }
        fn visit_local_mut(&mut self, l: &mut syn::Local) {
            let whole = l.init.as_ref().is_some_and(|i| {
                matches!(&*i.expr, syn::Expr::Path(p) if p.path.is_ident(self.x))
                    && i.diverge.is_none()
            });
            if let (true, syn::Pat::Tuple(t)) = (whole, &l.pat) {
                if t.elems.len() == self.n {
                    let elems = &t.elems;
                    l.pat = syn::parse_quote!([#elems]);
                    return;
                }
            }
            syn::visit_mut::visit_local_mut(self, l);
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            // `println!("{:.3}", x.0)`: the field read as the element; any other read of `x` in
            // a macro's tokens (`println!("{x:?}")`) would see the array.
            let (elements, rest) = fields_as_elements(m.tokens.clone(), self.x);
            m.tokens = elements;
            if crate::naming::mentions(rest, &|i| i == self.x) {
                self.ok = false;
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    rewrite_body(
        block,
        x,
        &mut Rewrite {
            x,
            n,
            by_ref,
            ok: true,
        },
        |r| r.ok,
    )
}

/// `NAME_grad` as users call it: the parameters as the user's function takes them, handed on in
/// the derivation's form to `NAME_grad__adapted`; a tuple's gradient (and product) copied back
/// into the user's tuple.
fn for_user(f: &syn::ItemFn, found: &[Adapted], renamed: &HashMap<Ident, Ident>) -> syn::ItemFn {
    let mut out = f.clone();
    let (mut args, mut pre, mut post) = (Vec::new(), Vec::new(), Vec::new());
    for input in &mut out.sig.inputs {
        let pt = match input {
            syn::FnArg::Receiver(r) => {
                let s = r.self_token;
                args.push(quote!(#s));
                continue;
            }
            syn::FnArg::Typed(pt) => pt,
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            return f.clone();
        };
        let id = pi.ident.clone();
        if let Some(a) = derived_param(&syn::FnArg::Typed(pt.clone()), found) {
            *pt.ty = a.ty.clone();
            args.push(match a.form {
                Form::Reference => quote!(&#id),
                Form::Tuple { n, by_ref, .. } => {
                    let parts = (0..n).map(syn::Index::from);
                    let amp = by_ref.then(|| quote!(&));
                    quote!(#amp[#(#id.#parts),*])
                }
                Form::Cube(_) => quote!(#id.as_flattened()),
            });
            continue;
        }
        // A cube's gradient, product or tangent: flattened to its rows the same way.
        let cube_buffer = found.iter().find_map(|a| match &a.form {
            Form::Cube(ty) => ["d_", "hv_", "v_"]
                .iter()
                .any(|p| id == format!("{p}{}", a.ident))
                .then_some(ty),
            _ => None,
        });
        if let (Some(ty), syn::Type::Reference(r)) = (cube_buffer, &*pt.ty) {
            if r.mutability.is_some() {
                *pt.ty = syn::parse_quote!(&mut #ty);
                args.push(quote!(#id.as_flattened_mut()));
            } else {
                *pt.ty = syn::parse_quote!(&#ty);
                args.push(quote!(#id.as_flattened()));
            }
            continue;
        }
        // A tuple's gradient, product (`&mut`) or tangent (`&`): `d_x`, `hv_x`, `v_x`.
        let buffer = found.iter().find_map(|a| match &a.form {
            Form::Tuple { tuple, n, .. } => ["d_", "hv_", "v_"]
                .iter()
                .any(|p| id == format!("{p}{}", a.ident))
                .then_some((a, tuple, *n)),
            Form::Reference | Form::Cube(_) => None,
        });
        let (ty, n, mutable) = match (&buffer, &*pt.ty) {
            (Some((_, tuple, n)), syn::Type::Reference(r))
                if matches!(&*r.elem, syn::Type::Array(_)) =>
            {
                (*tuple, *n, r.mutability.is_some())
            }
            _ => {
                args.push(quote!(#id));
                continue;
            }
        };
        let parts: Vec<syn::Index> = (0..n).map(syn::Index::from).collect();
        if mutable {
            *pt.ty = syn::parse_quote!(&mut #ty);
            let local = crate::naming::hidden(&format!("tuple_{id}"));
            let ks = 0..parts.len();
            pre.push(quote!(let mut #local = [#(#id.#parts),*];));
            post.push(quote!(*#id = (#(#local[#ks]),*);));
            args.push(quote!(&mut #local));
        } else {
            *pt.ty = syn::parse_quote!(&#ty);
            args.push(quote!(&[#(#id.#parts),*]));
        }
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
    let result = crate::naming::hidden("adapted");
    *out.block = syn::parse_quote!({
        #(#pre)*
        let #result = #call;
        #(#post)*
        #result
    });
    // By value because the user's function is; a type that is not `Copy` is the user's choice
    // there too.
    out.attrs
        .push(syn::parse_quote!(#[allow(clippy::needless_pass_by_value)]));
    out
}

/// In `NAME__all`, the user's body over the reference: a model (or matrix) the user hands to a
/// function by value (`pair(p, 0.5)`) is handed a copy (the user's own `p` could be used after
/// it only if it is `Copy`, and any parameter type given a value of its own is `Clone` in
/// practice).
struct Handed<'a> {
    found: &'a [Adapted],
}

impl Handed<'_> {
    fn hand(&self, args: &mut syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) {
        for a in args.iter_mut() {
            if let syn::Expr::Path(p) = a {
                let lent =
                    |b: &&Adapted| matches!(b.form, Form::Reference) && p.path.is_ident(&b.ident);
                if let Some(b) = self.found.iter().find(lent) {
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
        } else if let (Some(all), true) = (self.all, m.method == *self.original) {
            m.method = all.clone();
        }
    }
}
