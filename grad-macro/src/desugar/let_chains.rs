//! `if let P = e && c { .. }` chains (edition 2024): nested `if`s, which every edition reads.
//!
//! Input: `if let Some(&v) = x.get(i) && v > 0.0 { A } else { B }`. Output: `if let Some(&v) =
//! x.get(i) { if v > 0.0 { A } else { B } } else { B }`: each condition in turn, the `else`
//! wherever one fails (it runs once: only one of its copies is reached). `while` chains become
//! `loop { if .. { body; continue; } break; }` the same way. The rewritten code is emitted with
//! the spans of the macro, whose edition may not read a chain.

use syn::visit_mut::VisitMut;

/// Rewrites every `if` and `while` whose condition is a chain with a `let` in it, at any depth.
pub(super) fn unchain(body: &mut syn::Block) {
    struct U;
    impl VisitMut for U {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            match e {
                syn::Expr::If(i) if is_chain(&i.cond) => {
                    let mut parts = Vec::new();
                    conjuncts(&i.cond, &mut parts);
                    let then = syn::Expr::Block(syn::ExprBlock {
                        attrs: Vec::new(),
                        label: None,
                        block: i.then_branch.clone(),
                    });
                    let els = i.else_branch.as_ref().map(|(_, e)| (**e).clone());
                    *e = nested(&parts, then, els.as_ref());
                }
                syn::Expr::While(w) if is_chain(&w.cond) => {
                    let mut parts = Vec::new();
                    conjuncts(&w.cond, &mut parts);
                    let body = &w.body;
                    let then = syn::parse_quote!({ #body; continue; });
                    let test = nested(&parts, then, None);
                    let label = &w.label;
                    *e = syn::parse_quote!(#label loop { #test break; });
                }
                _ => {}
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    U.visit_block_mut(body);
}

/// `a && b` with a `let` among the parts.
fn is_chain(cond: &syn::Expr) -> bool {
    let mut parts = Vec::new();
    conjuncts(cond, &mut parts);
    parts.len() > 1 && parts.iter().any(|p| matches!(p, syn::Expr::Let(_)))
}

/// The parts of `a && b && c`, in order.
fn conjuncts<'a>(e: &'a syn::Expr, out: &mut Vec<&'a syn::Expr>) {
    match e {
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            conjuncts(&b.left, out);
            conjuncts(&b.right, out);
        }
        e => out.push(e),
    }
}

/// `if p0 { if p1 { .. then .. } else { els } } else { els }` (no `else` where `els` is `None`).
fn nested(parts: &[&syn::Expr], then: syn::Expr, els: Option<&syn::Expr>) -> syn::Expr {
    let Some((first, rest)) = parts.split_first() else {
        return then;
    };
    let inner = nested(rest, then, els);
    let inner: syn::Expr = match inner {
        syn::Expr::Block(_) => inner,
        other => syn::parse_quote!({ #other }),
    };
    match els {
        Some(els) => syn::parse_quote!(if #first #inner else #els),
        None => syn::parse_quote!(if #first #inner),
    }
}
