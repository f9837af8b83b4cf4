//! Iterator chains over data the engine does not read by index itself — local buffers, constant
//! data of any shape (`&[(f64, f64)]`, `&[Vec<f64>]`, `&[[f64; 3]]`) — rewritten into the `for`
//! loops lowering knows. Reductions over the function's float slices are lowered directly (see
//! `lower::reduce`), over ranges in `ranges`.

use quote::quote;
use std::collections::HashSet;

/// The names of the parameters that are float sequences.
pub type SeqParams = HashSet<String>;

/// The identifier an iterator chain starts from (`exps` in `exps.iter().map(..)`).
fn root(e: &syn::Expr) -> Option<&syn::Ident> {
    match e {
        syn::Expr::Paren(p) => root(&p.expr),
        syn::Expr::Reference(r) => root(&r.expr),
        syn::Expr::Path(p) => p.path.get_ident(),
        syn::Expr::MethodCall(m) => root(&m.receiver),
        syn::Expr::Field(f) => root(&f.base),
        _ => None,
    }
}

/// `source` without a last `.cloned()` or `.copied()` (the lowered loop reads a reference to a
/// float as the float).
fn strip_copies(source: &syn::Expr) -> &syn::Expr {
    match source {
        syn::Expr::MethodCall(m)
            if (m.method == "cloned" || m.method == "copied") && m.args.is_empty() =>
        {
            strip_copies(&m.receiver)
        }
        other => other,
    }
}

/// A closure's parameter without its type annotation, which a `for` pattern cannot carry.
fn untyped(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => &t.pat,
        other => other,
    }
}

/// Whether `e` is a chain rooted in data the engine reads itself: a float-slice parameter or a
/// range (those keep their own lowering).
fn directly_lowered(e: &syn::Expr, seqs: &SeqParams) -> bool {
    match root(e) {
        Some(r) => seqs.contains(&r.to_string()),
        // A range or another expression.
        None => true,
    }
}

/// Input: `.fold(init, f64::max)` (any function path in place of the closure).
/// Output: `.fold(init, |a, b| f64::max(a, b))`, the form every reduction lowering takes.
pub fn fold_path_to_closure(m: &mut syn::ExprMethodCall) {
    if m.method != "fold" || m.args.len() != 2 {
        return;
    }
    if let syn::Expr::Path(p) = &m.args[1] {
        let (a, b) = (crate::naming::hidden("a"), crate::naming::hidden("b"));
        m.args[1] = syn::parse_quote!(|#a, #b| #p(#a, #b));
    }
}

/// Input: `SOURCE.map(|p| body).sum::<T>()` (also `.product::<T>()`, `.fold(init, |acc, v| ..)`,
/// with or without the `map`, after `.cloned()`/`.copied()`), where SOURCE is not rooted in a
/// float-slice parameter. Output: `{ let mut ACC = -0.0; for p in SOURCE { ACC += body; } ACC }`,
/// the same operations in the same order as std's (a float sum starts from -0.0).
pub fn reduction_over_data(m: &syn::ExprMethodCall, seqs: &SeqParams) -> Option<syn::Expr> {
    let name = m.method.to_string();
    let typed = m.turbofish.as_ref().is_some_and(|t| {
        t.args.len() == 1
            && matches!(&t.args[0], syn::GenericArgument::Type(ty) if crate::sig::float_of(ty).is_some())
    });
    let (source, map) = match &*m.receiver {
        syn::Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
            match &inner.args[0] {
                syn::Expr::Closure(c) if c.inputs.len() == 1 => (&*inner.receiver, Some(c)),
                _ => return None,
            }
        }
        other => (other, None),
    };
    let source = strip_copies(source);
    if directly_lowered(source, seqs) {
        return None;
    }
    let acc = crate::naming::hidden("acc");
    let item = crate::naming::hidden("item");
    let (pat, value) = match map {
        Some(c) => {
            let (p, body) = (untyped(&c.inputs[0]), &c.body);
            (quote!(#p), quote!(#body))
        }
        None => (quote!(#item), quote!(#item)),
    };
    let (init, pat, step) = match name.as_str() {
        "sum" if typed && m.args.is_empty() => (quote!(-0.0), pat, quote!(#acc += #value;)),
        "product" if typed && m.args.is_empty() => (quote!(1.0), pat, quote!(#acc *= #value;)),
        "fold" if m.args.len() == 2 => {
            let syn::Expr::Closure(c) = &m.args[1] else {
                return None;
            };
            if c.inputs.len() != 2 {
                return None;
            }
            let (pa, pv, body) = (untyped(&c.inputs[0]), untyped(&c.inputs[1]), &c.body);
            let init = &m.args[0];
            match map {
                // The mapped value gets the fold's name for it, which must then be a plain name.
                Some(_) => {
                    if !matches!(pv, syn::Pat::Ident(_)) {
                        return None;
                    }
                    (
                        quote!(#init),
                        pat,
                        quote!(#acc = { let #pa = #acc; let #pv = #value; #body };),
                    )
                }
                None => (
                    quote!(#init),
                    quote!(#pv),
                    quote!(#acc = { let #pa = #acc; #body };),
                ),
            }
        }
        _ => return None,
    };
    Some(syn::parse_quote!({
        let mut #acc = #init;
        for #pat in #source {
            #step
        }
        #acc
    }))
}

/// Input: `let name: Vec<T> = SOURCE.map(|p| body).collect();` (or `.collect::<Vec<T>>()`), with
/// SOURCE `x.iter()` (possibly `.cloned()`) or a range; also `let name = x.to_vec();`.
/// Output: a local buffer filled in order: `let mut name = vec![0.0; LEN];
/// for (K, p) in SOURCE.enumerate() { name[K] = body; }`.
pub fn collect_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let (pat, ty) = match &l.pat {
        syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
        p => (p, None),
    };
    let syn::Pat::Ident(id) = pat else {
        return None;
    };
    let init = l.init.as_ref()?;
    if init.diverge.is_some() || id.by_ref.is_some() {
        return None;
    }
    let name = &id.ident;
    let syn::Expr::MethodCall(m) = &*init.expr else {
        return None;
    };
    let k = crate::naming::hidden("k");
    if m.method == "to_vec" && m.args.is_empty() {
        let x = root(&m.receiver)?;
        if !matches!(&*m.receiver, syn::Expr::Path(_)) {
            return None;
        }
        return Some(vec![
            syn::parse_quote!(let mut #name = vec![0.0; #x.len()];),
            syn::parse_quote!(for #k in 0..#x.len() { #name[#k] = #x[#k]; }),
        ]);
    }
    if m.method != "collect" || !m.args.is_empty() {
        return None;
    }
    // The element type must be a float: from the `let`'s type or the turbofish.
    let vec_ty = ty.or_else(|| match m.turbofish.as_ref()?.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })?;
    if !float_vec(vec_ty) {
        return None;
    }
    let syn::Expr::MethodCall(map) = &*m.receiver else {
        return None;
    };
    if map.method != "map" || map.args.len() != 1 {
        return None;
    }
    let syn::Expr::Closure(c) = &map.args[0] else {
        return None;
    };
    if c.inputs.len() != 1 {
        return None;
    }
    let source = strip_copies(&map.receiver);
    let len = match source {
        syn::Expr::MethodCall(it) if it.method == "iter" && it.args.is_empty() => {
            let syn::Expr::Path(x) = &*it.receiver else {
                return None;
            };
            quote!(#x.len())
        }
        s => range_len(s)?,
    };
    let (p, body) = (untyped(&c.inputs[0]), &c.body);
    Some(vec![
        syn::parse_quote!(let mut #name = vec![0.0; #len];),
        syn::parse_quote!(for (#k, #p) in (#source).enumerate() { #name[#k] = #body; }),
    ])
}

/// `Vec<f64>` or `Vec<f32>`.
fn float_vec(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Vec" {
        return false;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => matches!(
            a.args.first(),
            Some(syn::GenericArgument::Type(t)) if crate::sig::float_of(t).is_some()
        ),
        _ => false,
    }
}

/// The length of `a..b`, `a..=b` or either with `.rev()`, as an integer expression.
fn range_len(e: &syn::Expr) -> Option<proc_macro2::TokenStream> {
    match e {
        syn::Expr::Paren(p) => range_len(&p.expr),
        syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
            range_len(&m.receiver)
        }
        syn::Expr::Range(r) => {
            let (start, end) = (r.start.as_ref()?, r.end.as_ref()?);
            Some(match r.limits {
                syn::RangeLimits::HalfOpen(_) => quote!((#end).saturating_sub(#start)),
                syn::RangeLimits::Closed(_) => quote!((#end + 1).saturating_sub(#start)),
            })
        }
        _ => None,
    }
}
