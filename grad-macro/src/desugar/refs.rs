//! Mutable references to locals, rewritten into the place they name.

/// Input: `let p = &mut s;` (or `&mut buf[i]`), then `*p += x`, `*p` and `p` in the rest of the block.
/// Output: nothing (or `let I: usize = i;`), with `s` (or `buf[I]`) for `*p` and `&mut s` for `p`
/// in the rest: the reference always names that place, so reading and writing through it is
/// reading and writing the place. `None` if `p`, `s` (or `buf`) is declared again or `p` assigned.
pub fn mut_ref_let(l: &syn::Local, rest: &mut [syn::Stmt]) -> Option<Vec<syn::Stmt>> {
    let (id, ty, init) = super::plain_let(l)?;
    if ty.is_some_and(|t| !matches!(t, syn::Type::Reference(r) if r.mutability.is_some())) {
        return None;
    }
    let syn::Expr::Reference(r) = init else {
        return None;
    };
    r.mutability?;
    let (place, base, pre): (syn::Expr, syn::Ident, Vec<syn::Stmt>) = match &*r.expr {
        syn::Expr::Path(p) => {
            let base = p.path.get_ident()?.clone();
            (syn::parse_quote!(#base), base, Vec::new())
        }
        syn::Expr::Index(ix) => {
            let syn::Expr::Path(p) = &*ix.expr else {
                return None;
            };
            let base = p.path.get_ident()?.clone();
            let i = crate::naming::fresh("at");
            let idx = &ix.index;
            (
                syn::parse_quote!(#base[#i]),
                base,
                vec![syn::parse_quote!(let #i: usize = #idx;)],
            )
        }
        _ => return None,
    };
    if rest.iter().any(|s| super::redeclares(s, &[&base])) {
        return None;
    }
    let mut u = Uses {
        name: &id.ident,
        place: &place,
        other: false,
    };
    super::rewrite_rest(rest, &id.ident, &mut u, |u| !u.other)?;
    Some(pre)
}

struct Uses<'a> {
    name: &'a syn::Ident,
    place: &'a syn::Expr,
    other: bool,
}

impl Uses<'_> {
    fn is_p(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.name))
    }
}

impl syn::visit_mut::VisitMut for Uses<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) && self.is_p(&u.expr) => {
                let place = self.place;
                *e = syn::parse_quote!(#place);
            }
            syn::Expr::Assign(a) if self.is_p(&a.left) => self.other = true,
            e if self.is_p(e) => {
                let place = self.place;
                *e = syn::parse_quote!((&mut #place));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
