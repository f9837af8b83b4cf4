//! `for (o, row) in out.iter_mut().zip(&m.w) { .. }`: a buffer written element by element beside
//! the rows of a model's field, the other way round from the form the rewrite of a model's rows
//! follows (`for (row, o) in m.w.iter().zip(out.iter_mut())`).

use syn::visit_mut::VisitMut;

/// Input: `for (a, b) in x.iter_mut().zip(&m.ys) { .. }` (also `zip(m.ys)`, `zip(m.ys.iter())`).
/// Output: `for (b, a) in m.ys.iter().zip(x.iter_mut()) { .. }`: the same pairs
/// (`zip` stops at the shorter either way, and neither side does anything but yield).
pub fn rewrite(item: &mut syn::ItemFn) {
    struct Swap;
    impl VisitMut for Swap {
        fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
            syn::visit_mut::visit_expr_for_loop_mut(self, f);
            let syn::Expr::MethodCall(zip) = &*f.expr else {
                return;
            };
            let syn::Pat::Tuple(t) = &*f.pat else {
                return;
            };
            if zip.method != "zip" || zip.args.len() != 1 || t.elems.len() != 2 {
                return;
            }
            let mutable = matches!(&*zip.receiver, syn::Expr::MethodCall(m)
                if m.method == "iter_mut" && m.args.is_empty());
            // A field (of a model: its rows are followed from the receiver's side only), lent or
            // iterated. (A parameter's rows are followed either way, and a slice's elements
            // from this side.)
            let collection = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Field(_));
            let other: syn::Expr = match &zip.args[0] {
                syn::Expr::Reference(r) if r.mutability.is_none() && collection(&r.expr) => {
                    let e = &r.expr;
                    syn::parse_quote!(#e.iter())
                }
                syn::Expr::MethodCall(m)
                    if m.method == "iter" && m.args.is_empty() && collection(&m.receiver) =>
                {
                    syn::Expr::MethodCall(m.clone())
                }
                e @ syn::Expr::Field(_) => syn::parse_quote!(#e.iter()),
                _ => return,
            };
            if !mutable {
                return;
            }
            let receiver = &zip.receiver;
            let (a, b) = (&t.elems[0], &t.elems[1]);
            *f.pat = syn::parse_quote!((#b, #a));
            *f.expr = syn::parse_quote!(#other.zip(#receiver));
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Swap.visit_block_mut(&mut item.block);
}
