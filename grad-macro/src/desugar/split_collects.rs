//! `let (a, b): (Vec<A>, Vec<B>) = pairs.unzip();` and `let (a, b): (Vec<T>, Vec<T>) =
//! items.partition(|v| ..);`: two collections made at once, each made by a `collect` of its own
//! over the same items, which the rest of `desugar` follows.

use syn::visit_mut::VisitMut;

/// Input: a block. Output: each such `let` of an `unzip` as `let t: Vec<(A, B)> = pairs.collect();
/// let a: Vec<A> = t.iter().map(|p| p.0).collect(); let b: Vec<B> = t.iter().map(|p| p.1)
/// .collect();`, and of a `partition` (of a source without effects, by a closure without them)
/// as `let a: Vec<T> = items.filter(f).copied().collect(); let b: Vec<T> = items.filter(|v|
/// !f(v)).copied().collect();` (`copied` where the items are references): the same elements in
/// the same order.
pub(super) fn split(block: &mut syn::Block) {
    // (Blocks inside `vec![..]` too: an element may be a block holding such a `let`.)
    struct Split;
    impl VisitMut for Split {
        fn visit_block_mut(&mut self, b: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, b);
            let mut out = Vec::with_capacity(b.stmts.len());
            for s in std::mem::take(&mut b.stmts) {
                match &s {
                    syn::Stmt::Local(l) => match split_let(l) {
                        Some(stmts) => out.extend(stmts),
                        None => out.push(s),
                    },
                    _ => out.push(s),
                }
            }
            b.stmts = out;
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            if m.path.is_ident("vec") {
                super::vec_parts(m, |e| self.visit_expr_mut(e));
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    Split.visit_block_mut(block);
}

fn split_let(l: &syn::Local) -> Option<Vec<syn::Stmt>> {
    let syn::Pat::Type(pt) = &l.pat else {
        return None;
    };
    let (syn::Pat::Tuple(names), syn::Type::Tuple(types)) = (&*pt.pat, &*pt.ty) else {
        return None;
    };
    let [a, b] = &names.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let [ta, tb] = &types.elems.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let plain =
        |p: &syn::Pat| matches!(p, syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none());
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let syn::Expr::MethodCall(m) = &*init.expr else {
        return None;
    };
    if !plain(a) || !plain(b) || m.turbofish.is_some() {
        return None;
    }
    let (ea, eb) = (crate::rows::vec_elem(ta)?, crate::rows::vec_elem(tb)?);
    let src = &m.receiver;
    match (m.method.to_string().as_str(), m.args.len()) {
        // (Pairs of floats: a `Vec` of pairs with a count in them is not followed.)
        ("unzip", 0) if float(ea) && float(eb) => {
            let (t, p) = (crate::naming::fresh("pairs"), crate::naming::fresh("pair"));
            Some(vec![
                syn::parse_quote!(let #t: ::std::vec::Vec<(#ea, #eb)> = #src.collect();),
                syn::parse_quote!(let #a: #ta = #t.iter().map(|#p| #p.0).collect();),
                syn::parse_quote!(let #b: #tb = #t.iter().map(|#p| #p.1).collect();),
            ])
        }
        ("partition", 1) => {
            let syn::Expr::Closure(c) = &m.args[0] else {
                return None;
            };
            if c.inputs.len() != 1 || !without_effects(src) || !without_effects(&c.body) {
                return None;
            }
            let mut negated = c.clone();
            let body = &c.body;
            *negated.body = syn::parse_quote!(!(#body));
            let copied = match super::filters::yields_refs(src)? {
                true => quote::quote!(.copied()),
                false => quote::quote!(),
            };
            Some(vec![
                syn::parse_quote!(let #a: #ta = #src.filter(#c)#copied.collect();),
                syn::parse_quote!(let #b: #tb = #src.filter(#negated)#copied.collect();),
            ])
        }
        _ => None,
    }
}

/// Whether `ty` is the function's float (`f64`, `f32`, its generic one).
fn float(ty: &syn::Type) -> bool {
    crate::sig::float_of(ty).is_some()
}

/// Whether evaluating `e` twice computes the same as once: no assignment, macro or call that
/// takes from an iterator or changes a collection.
pub(super) fn without_effects(e: &syn::Expr) -> bool {
    !effects(e, false)
}

/// Whether evaluating `e` may do more than give its value: write a place (`locals_written`:
/// writes and loans of places are the caller's to judge, as a closure's own locals), call a
/// method that changes its receiver or advances an iterator, expand a macro, or leave (`return`,
/// `?`, `yield`).
pub(super) fn effects(e: &syn::Expr, locals_written: bool) -> bool {
    struct Effects(bool, bool);
    impl<'a> syn::visit::Visit<'a> for Effects {
        fn visit_expr(&mut self, e: &'a syn::Expr) {
            match e {
                syn::Expr::Return(_)
                | syn::Expr::Try(_)
                | syn::Expr::Macro(_)
                | syn::Expr::Yield(_) => self.0 = true,
                syn::Expr::Assign(_) => self.0 |= !self.1,
                syn::Expr::Binary(b) if crate::lower::is_compound_assign(&b.op) => {
                    self.0 |= !self.1;
                }
                syn::Expr::Reference(r) if r.mutability.is_some() => self.0 |= !self.1,
                syn::Expr::MethodCall(m) => {
                    let name = m.method.to_string();
                    // (`take()` of an `Option`, not the iterator's `take(n)`.)
                    self.0 |= name.ends_with("_mut")
                        || (name == "take" && m.args.is_empty())
                        || [
                            "next", "by_ref", "push", "pop", "insert", "remove", "clear", "extend",
                            "truncate", "swap", "fill", "set", "retain", "append", "drain", "sort",
                            "sort_by", "resize", "replace", "set_len",
                        ]
                        .contains(&name.as_str());
                }
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Effects(false, locals_written);
    syn::visit::Visit::visit_expr(&mut f, e);
    f.0
}
