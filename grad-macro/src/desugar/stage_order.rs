//! Iterator chains whose adapters that only pair or order items (`rev`, `zip`) come after stages
//! that compute them (`x.iter().map(f).rev()`, `x.iter().map(f).zip(&w)`), written with those
//! adapters first, next to the source, where every rewrite of chains reads them; the stages after
//! them then run on the same items in the same order.

use syn::visit_mut::VisitMut;

/// Rewrites every chain of `body` (see [`reorder`]).
pub fn rewrite(body: &mut syn::Block) {
    struct Order;
    impl VisitMut for Order {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            if let syn::Expr::MethodCall(m) = e {
                if let Some(r) = reorder(m) {
                    *e = r;
                }
            }
        }
        // `vec![x.iter().map(f).rev().enumerate()..sum(), 0.5]`: the elements' chains too.
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            if m.path.is_ident("vec") {
                super::vec_parts(m, |e| self.visit_expr_mut(e));
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Order.visit_block_mut(body);
}

/// A stage that passes items on one for one, computing each from the item alone: `map`,
/// `copied`, `cloned`. The closure of a `map`, if any.
fn one_for_one(m: &syn::ExprMethodCall) -> Option<Option<&syn::ExprClosure>> {
    match (m.method.to_string().as_str(), m.args.len(), m.args.first()) {
        ("copied" | "cloned", 0, _) => Some(None),
        ("map", 1, Some(syn::Expr::Closure(c))) if c.inputs.len() == 1 => Some(Some(c)),
        _ => None,
    }
}

/// Whether a closure's body could do something besides give its value (change a name outside
/// it, print, jump out, pull an iterator), so that calling it on one item more or fewer, as a
/// `zip` of unequal lengths may, would be seen.
fn has_effects(c: &syn::ExprClosure) -> bool {
    super::iterators::changes_outer(c) || super::split_collects::effects(&c.body, true)
}

/// Input: `Y.map(F).rev()` (also after `filter`, `copied`, `cloned`: stages std runs from the back
/// as it runs them from the front). Output: `Y.rev().map(F)`: the same calls of `F` in the same
/// order (`Map::next_back` is `F` of the source's `next_back`).
///
/// Input: `Y.map(|p| B).zip(Z)`, or `Z.zip(Y.map(|p| B))`, where `B` only gives a value. Output:
/// `Y.zip(Z).map(|(p, Q)| (B, Q))` (`Z.zip(Y).map(|(Q, p)| (Q, B))`): the same pairs (each
/// `B` of the item it was paired with; a `zip` of unequal lengths may call `F` on an item it then
/// drops, which a closure without effects does not show).
fn reorder(m: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let inner = |e: &syn::Expr| match super::unparen(e) {
        syn::Expr::MethodCall(r) => Some(r.clone()),
        _ => None,
    };
    if m.method == "rev" && m.args.is_empty() {
        let stage = inner(&m.receiver)?;
        let filter = stage.method == "filter" && stage.args.len() == 1;
        if !filter && one_for_one(&stage).is_none() {
            return None;
        }
        let y = &stage.receiver;
        let mut flipped = syn::Expr::MethodCall(syn::parse_quote!(#y.rev()));
        // `Y.map(F).map(G).rev()`: the `rev` goes down to the source.
        if let syn::Expr::MethodCall(r) = &flipped {
            if let Some(deeper) = reorder(r) {
                flipped = deeper;
            }
        }
        let mut out = stage.clone();
        *out.receiver = flipped;
        return Some(syn::Expr::MethodCall(out));
    }
    if m.method != "zip" || m.args.len() != 1 {
        return None;
    }
    let q = crate::naming::fresh("paired");
    // The receiver's last stage first (`Y.map(F).map(G).zip(Z)` takes two rewrites: `G`, then
    // `F` by the rewrite of the new `zip`).
    if let Some(stage) = inner(&m.receiver) {
        if let Some(Some(c)) = one_for_one(&stage).filter(|_| stage.method == "map") {
            if !has_effects(c) {
                let (y, z, p, b) = (
                    &stage.receiver,
                    &m.args[0],
                    super::iterators::untyped(&c.inputs[0]),
                    &c.body,
                );
                let mut zipped: syn::ExprMethodCall = syn::parse_quote!(#y.zip(#z));
                if let Some(syn::Expr::MethodCall(r)) = reorder(&zipped) {
                    zipped = r;
                }
                return Some(syn::parse_quote!(#zipped.map(|(#p, #q)| (#b, #q))));
            }
        }
    }
    let stage = inner(&m.args[0])?;
    let c = one_for_one(&stage)?.filter(|_| stage.method == "map")?;
    if has_effects(c) {
        return None;
    }
    let (z, y, p, b) = (
        &m.receiver,
        &stage.receiver,
        super::iterators::untyped(&c.inputs[0]),
        &c.body,
    );
    let mut zipped: syn::ExprMethodCall = syn::parse_quote!(#z.zip(#y));
    if let Some(syn::Expr::MethodCall(r)) = reorder(&zipped) {
        zipped = r;
    }
    Some(syn::parse_quote!(#zipped.map(|(#q, #p)| (#q, #b))))
}
