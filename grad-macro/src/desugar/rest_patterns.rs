//! A slice pattern that binds the rest (`[first, rest @ ..]`, `[a, mid @ .., z]`) over a place:
//! the rest becomes a part of the place bound where the pattern matched (`let rest =
//! &w[1..w.len() - 0];`), which the sub-slice rewrite follows like any part the user takes, and
//! the pattern tests the length alone there (`[first, ..]`). In `if let`, `let .. else` and
//! `match` arms; the place is one that reads the same each time (a name, a field, a part, `&`
//! or `*` of one), so binding the part after the test reads what the test saw.

use syn::visit_mut::VisitMut;

/// Rewrites every such pattern in `block`.
pub fn split(block: &mut syn::Block) {
    Split.visit_block_mut(block);
}

struct Split;

impl VisitMut for Split {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        syn::visit_mut::visit_block_mut(self, b);
        let mut out = Vec::with_capacity(b.stmts.len());
        for mut s in std::mem::take(&mut b.stmts) {
            let bind = match &mut s {
                syn::Stmt::Local(l) => match &l.init {
                    Some(init) if init.diverge.is_some() => {
                        let place = (*init.expr).clone();
                        rest_of(&mut l.pat, &place)
                    }
                    _ => None,
                },
                _ => None,
            };
            out.push(s);
            out.extend(bind);
        }
        b.stmts = out;
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::If(i) => {
                if let syn::Expr::Let(l) = &mut *i.cond {
                    let place = (*l.expr).clone();
                    if let Some(bind) = rest_of(&mut l.pat, &place) {
                        i.then_branch.stmts.insert(0, bind);
                    }
                }
            }
            syn::Expr::Match(m) => {
                let place = (*m.expr).clone();
                for arm in &mut m.arms {
                    // A guard reads the rest before the arm's body could bind it.
                    if arm.guard.is_some() {
                        continue;
                    }
                    if let Some(bind) = rest_of(&mut arm.pat, &place) {
                        let body = &arm.body;
                        *arm.body = syn::parse_quote!({ #bind #body });
                    }
                }
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// For a slice pattern (maybe under `&`) with an element `name @ ..` over `place`: the element
/// made `..`, and `let name = &place[k..place.len() - after];`.
fn rest_of(pat: &mut syn::Pat, place: &syn::Expr) -> Option<syn::Stmt> {
    if !stable(place) {
        return None;
    }
    let pat = match pat {
        syn::Pat::Reference(r) => &mut *r.pat,
        p => p,
    };
    let syn::Pat::Slice(s) = pat else {
        return None;
    };
    let at = s.elems.iter().position(|p| {
        matches!(p, syn::Pat::Ident(i) if i.by_ref.is_none()
            && matches!(i.subpat.as_ref().map(|(_, p)| &**p), Some(syn::Pat::Rest(_))))
    })?;
    let syn::Pat::Ident(i) = &s.elems[at] else {
        return None;
    };
    let name = i.ident.clone();
    let after = s.elems.len() - at - 1;
    s.elems[at] = syn::parse_quote!(..);
    let mut place: syn::Expr = match place {
        syn::Expr::Reference(r) => (*r.expr).clone(),
        p => p.clone(),
    };
    // `&xs[..]` is `xs` whole.
    while let syn::Expr::Index(ix) = &place {
        match &*ix.index {
            syn::Expr::Range(r) if r.start.is_none() && r.end.is_none() => {
                place = (*ix.expr).clone();
            }
            _ => break,
        }
    }
    // A name as it is (`&w[1..]`, the form the sub-slice rewrite reads), anything else in
    // parentheses.
    let place: syn::Expr = match place {
        syn::Expr::Path(_) | syn::Expr::Field(_) => place,
        p => syn::parse_quote!((#p)),
    };
    Some(if after == 0 {
        syn::parse_quote!(let #name = &#place[#at..];)
    } else {
        syn::parse_quote!(let #name = &#place[#at..#place.len() - #after];)
    })
}

/// Whether `e` reads the same place each time: a place (see [`super::is_place`]), a part of
/// one by a range of integer arithmetic over places and literals, `&` or `*` of one.
fn stable(e: &syn::Expr) -> bool {
    match super::unparen(e) {
        syn::Expr::Reference(r) => r.mutability.is_none() && stable(&r.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && stable(&u.expr),
        syn::Expr::Index(ix) => match &*ix.index {
            syn::Expr::Range(r) => {
                let bound =
                    |b: &Option<Box<syn::Expr>>| b.as_deref().is_none_or(super::integer_index);
                stable(&ix.expr) && bound(&r.start) && bound(&r.end)
            }
            _ => super::is_place(e),
        },
        e => super::is_place(e),
    }
}
