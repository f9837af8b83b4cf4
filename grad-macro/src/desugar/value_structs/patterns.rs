//! Patterns of a value type where the value pass reads only `let`s: a `for` loop's pattern
//! (`for &P { x, y } in pts.iter()`), a closure's parameter (`|P { x, y }: P| ..`), the arms of
//! a `match` on a value (`match p { P { x, y } if x > y => .., P { x, .. } => .. }`). Each is
//! written as a plain name and a `let` of the same pattern, which the value pass takes apart
//! (`destructured`): the same bindings, evaluated in the same order.

use proc_macro2::Ident;
use syn::visit_mut::VisitMut;

/// Input: a body and the names of the value types. Output: the body with every such pattern
/// bound by a `let` of its own (see the module's documentation).
pub(super) fn to_lets(block: &mut syn::Block, types: &[Ident]) {
    struct Lets<'a>(&'a [Ident]);
    impl VisitMut for Lets<'_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, e);
            match e {
                syn::Expr::ForLoop(f) => {
                    if let Some((name, inner, deref)) = split(&f.pat, self.0) {
                        let init: syn::Expr = if deref {
                            syn::parse_quote!(*#name)
                        } else {
                            syn::parse_quote!(#name)
                        };
                        let body = &f.body;
                        f.body = syn::parse_quote!({
                            let #inner = #init;
                            #body
                        });
                        *f.pat = syn::parse_quote!(#name);
                    }
                }
                syn::Expr::Closure(c) => {
                    let mut lets: Vec<syn::Stmt> = Vec::new();
                    for input in &mut c.inputs {
                        let (pat, ty) = match &*input {
                            syn::Pat::Type(t) => (&*t.pat, Some(t.ty.clone())),
                            p => (p, None),
                        };
                        let Some((name, inner, deref)) = split(pat, self.0) else {
                            continue;
                        };
                        let init: syn::Expr = if deref {
                            syn::parse_quote!(*#name)
                        } else {
                            syn::parse_quote!(#name)
                        };
                        lets.push(syn::parse_quote!(let #inner = #init;));
                        let plain: syn::Pat = syn::parse_quote!(#name);
                        *input = match ty {
                            Some(ty) => syn::Pat::Type(syn::PatType {
                                attrs: Vec::new(),
                                pat: Box::new(plain),
                                colon_token: syn::Token![:](name.span()),
                                ty,
                            }),
                            None => plain,
                        };
                    }
                    if !lets.is_empty() {
                        let body = &c.body;
                        *c.body = syn::parse_quote!({
                            #(#lets)*
                            #body
                        });
                    }
                }
                syn::Expr::Match(m) => {
                    if let Some(chain) = arms_as_lets(m, self.0) {
                        *e = chain;
                    }
                }
                _ => {}
            }
        }
        fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    }
    if !types.is_empty() {
        Lets(types).visit_block_mut(block);
    }
}

/// A pattern of a value type that binds its fields (`P { x, y }`, `P(a, _)`, under one `&` or
/// not): a fresh name for the whole value, the pattern to bind from it, and whether the name
/// holds a reference (the pattern's `&` taken off, the `let` reading `*name`).
fn split(p: &syn::Pat, types: &[Ident]) -> Option<(Ident, syn::Pat, bool)> {
    let (inner, deref) = match p {
        syn::Pat::Reference(r) if r.mutability.is_none() => (&*r.pat, true),
        p => (p, false),
    };
    of_value_type(inner, types).then(|| (crate::naming::fresh("whole"), inner.clone(), deref))
}

/// Whether `p` is a struct or tuple-struct pattern of one of `types` that cannot fail.
fn of_value_type(p: &syn::Pat, types: &[Ident]) -> bool {
    let path = match p {
        syn::Pat::Struct(s) if s.qself.is_none() => &s.path,
        syn::Pat::TupleStruct(t) if t.qself.is_none() => &t.path,
        _ => return false,
    };
    path.get_ident().is_some_and(|i| types.contains(i)) && binds_only(p)
}

/// Whether the parts of `p` are names, `_` and `..` only (a pattern no value fails).
fn binds_only(p: &syn::Pat) -> bool {
    let part = |q: &syn::Pat| match q {
        syn::Pat::Ident(i) => i.by_ref.is_none() && i.subpat.is_none(),
        syn::Pat::Wild(_) | syn::Pat::Rest(_) => true,
        _ => false,
    };
    match p {
        syn::Pat::Struct(s) => s.fields.iter().all(|f| part(&f.pat)),
        syn::Pat::TupleStruct(t) => t.elems.iter().all(part),
        _ => false,
    }
}

/// Input: `match v { P { x, y } if g => a, P { x, .. } => b, .. }`, every arm a pattern of a
/// value type that cannot fail (or `_` or a name). Output: `{ let t = v; let k = { let P { x, y }
/// = t; g }; if k { let P { x, y } = t; a } else { let P { x, .. } = t; b } }`: the guard
/// evaluated where the arm's names are bound and nowhere else (the arms after it do not see
/// them), the arms after the first one without a guard never reached. `None` for any other
/// `match`.
fn arms_as_lets(m: &syn::ExprMatch, types: &[Ident]) -> Option<syn::Expr> {
    let any_value = m.arms.iter().any(|a| of_value_type(&a.pat, types));
    let all_plain = m.arms.iter().all(|a| {
        of_value_type(&a.pat, types)
            || matches!(&a.pat, syn::Pat::Wild(_))
            || matches!(&a.pat, syn::Pat::Ident(i) if i.by_ref.is_none() && i.subpat.is_none())
    });
    if !any_value || !all_plain || !m.attrs.is_empty() {
        return None;
    }
    let t = crate::naming::fresh("scrutinee");
    let bind = |p: &syn::Pat| -> Option<syn::Stmt> {
        match p {
            syn::Pat::Wild(_) => None,
            p => Some(syn::parse_quote!(let #p = #t;)),
        }
    };
    // Built from the last arm reached back to the first.
    let last = m.arms.iter().position(|a| a.guard.is_none())?;
    let mut chain: Option<syn::Expr> = None;
    for a in m.arms[..=last].iter().rev() {
        let let_ = bind(&a.pat);
        let body = &a.body;
        let arm: syn::Expr = syn::parse_quote!({ #let_ #body });
        chain = Some(match (&a.guard, chain) {
            (Some((_, g)), Some(rest)) => {
                let k = crate::naming::fresh("guard");
                syn::parse_quote!({
                    let #k: bool = { #let_ #g };
                    if #k #arm else #rest
                })
            }
            (None, _) => arm,
            (Some(_), None) => return None,
        });
    }
    let scrutinee = &m.expr;
    let chain = chain?;
    Some(syn::parse_quote!({
        let #t = #scrutinee;
        #chain
    }))
}
