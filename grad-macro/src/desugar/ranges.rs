//! Reductions over ranges, rewritten into the `for` loops lowering knows (reductions over the
//! function's slices are lowered directly, see `lower::reduce`).

use quote::quote;

/// The float type a `sum::<T>()`/`product::<T>()` turbofish names.
pub(super) fn float_turbofish(m: &syn::ExprMethodCall) -> bool {
    let Some(t) = &m.turbofish else { return false };
    t.args.len() == 1
        && matches!(&t.args[0], syn::GenericArgument::Type(ty) if crate::sig::float_of(ty).is_some())
}

/// The root of an iterator chain is a range: `(0..n)`, `(a..=b).rev()`, `(0..n).step_by(2)`,
/// `(0..n).skip(1).enumerate()`.
pub(super) fn range_rooted(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Paren(p) => range_rooted(&p.expr),
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "rev" | "step_by" | "skip" | "take" | "enumerate"
            ) && range_rooted(&m.receiver)
        }
        _ => false,
    }
}

/// The source of a reduction and the closure of its `map`, if it has one (`None` when the `map`
/// takes something other than a one-parameter closure).
pub(super) fn split_map(
    m: &syn::ExprMethodCall,
) -> Option<(&syn::Expr, Option<&syn::ExprClosure>)> {
    Some(match &*m.receiver {
        syn::Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
            match &inner.args[0] {
                syn::Expr::Closure(c) if c.inputs.len() == 1 => (&*inner.receiver, Some(c)),
                _ => return None,
            }
        }
        other => (other, None),
    })
}

/// Input: `(0..n).map(|i| body).sum::<f64>()`, `.product::<f64>()`, or
/// `(0..n).fold(init, |acc, i| body)` (with or without the `map`).
/// Output: `{ let mut ACC = -0.0; for i in (0..n) { ACC += body; } ACC }` (from `1.0` with `*=` for
/// a product; `ACC = { let acc = ACC; let i = ITEM; body }` for a fold), the same operations in the
/// same order as std's, so the value is bit for bit the original's.
pub fn reduction_to_loop(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let name = m.method.to_string();
    let (source, map) = split_map(m)?;
    if !range_rooted(source) {
        return None;
    }
    let acc = crate::naming::hidden("acc");
    let item = crate::naming::hidden("item");
    // The mapped value of the item bound by the loop.
    let mut pat = quote!(#item);
    let mapped = match map {
        // (A pattern of the `enumerate`'s pairs: the loop's own.)
        Some(c) if matches!(&c.inputs[0], syn::Pat::Tuple(_)) => {
            let (p, body) = (&c.inputs[0], super::tail_expr(&c.body));
            pat = quote!(#p);
            quote!({ #body })
        }
        Some(c) => {
            let (p, body) = (&c.inputs[0], super::tail_expr(&c.body));
            quote!({ let #p = #item; #body })
        }
        None => quote!(#item),
    };
    let step = match name.as_str() {
        "sum" if float_turbofish(m) && m.args.is_empty() => quote!(#acc += #mapped;),
        "product" if float_turbofish(m) && m.args.is_empty() => quote!(#acc *= #mapped;),
        "fold" if m.args.len() == 2 => {
            let syn::Expr::Closure(c) = &m.args[1] else {
                return None;
            };
            if c.inputs.len() != 2 {
                return None;
            }
            let (pa, pv, body) = (&c.inputs[0], &c.inputs[1], super::tail_expr(&c.body));
            if map.is_none() && matches!(pv, syn::Pat::Tuple(_)) {
                pat = quote!(#pv);
                quote!(#acc = { let #pa = #acc; #body };)
            } else {
                quote!(#acc = { let #pa = #acc; let #pv = #mapped; #body };)
            }
        }
        _ => return None,
    };
    let init = match name.as_str() {
        "sum" => quote!(-0.0),
        "product" => quote!(1.0),
        _ => {
            let i = &m.args[0];
            quote!(#i)
        }
    };
    Some(syn::parse_quote!({
        let mut #acc = #init;
        for #pat in #source {
            #step
        }
        #acc
    }))
}
