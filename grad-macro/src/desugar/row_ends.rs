//! The ends of a local `Vec` of rows (`let mut pts = Vec::new(); .. pts.push((a, b));`), read
//! through `Option`s: `pts.last().unwrap()`, `pts.first().map(|p| p.0).unwrap_or(0.0)`,
//! `pts.last().map_or(0.0, |p| p.0)`,
//! `pts.is_empty()`.
//!
//! The rewrites of rows (tuples, arrays, pushed or written by index) follow a row by its index
//! (`&pts[i]`) and the length; an `Option` of a row is a container they cannot see into. So the
//! ends are read as the rows they are, before those rewrites: `pts.last().unwrap()` is
//! `&pts[pts.len() - 1]` (both panic on an empty `Vec`), `pts.first().map(|p| E).unwrap_or(D)`
//! is `if pts.len() == 0 { D } else { let p = &pts[0]; E }`, `pts.is_empty()` is
//! `pts.len() == 0`.

use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// Input: a body. Output: the ends of its local `Vec`s of rows read by index (see the module's
/// docs).
pub fn rewrite(body: &mut syn::Block) {
    let rows = row_vecs(body);
    if rows.is_empty() {
        return;
    }
    Ends(&rows).visit_block_mut(body);
}

/// The locals declared once as a `Vec` of rows: of a type `Vec<(..)>` or `Vec<[T; N]>`, made
/// by `vec![(..); n]` or `vec![[..]; n]`, or given tuples or arrays by `push`.
fn row_vecs(body: &syn::Block) -> HashSet<String> {
    struct Find {
        declared: std::collections::HashMap<String, usize>,
        rows: HashSet<String>,
    }
    impl<'a> syn::visit::Visit<'a> for Find {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            *self.declared.entry(p.ident.to_string()).or_default() += 1;
        }
        fn visit_local(&mut self, l: &'a syn::Local) {
            if let Some((id, ty, init)) = super::plain_let(l) {
                let typed = ty.and_then(crate::rows::vec_elem).is_some_and(|t| {
                    matches!(t, syn::Type::Tuple(tt) if tt.elems.len() >= 2)
                        || matches!(t, syn::Type::Array(_))
                });
                let made = matches!(init, syn::Expr::Macro(m) if m.mac.path.is_ident("vec") && {
                    let first: Option<syn::Expr> = m.mac.parse_body_with(
                        syn::punctuated::Punctuated::<syn::Expr, syn::Token![;]>::parse_terminated,
                    )
                    .ok()
                    .and_then(|p| p.into_iter().next());
                    first.is_some_and(|f| matches!(f, syn::Expr::Tuple(ref t) if t.elems.len() >= 2)
                        || matches!(f, syn::Expr::Array(_)))
                });
                if typed || made {
                    self.rows.insert(id.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            if m.method == "push" && m.args.len() == 1 {
                if let syn::Expr::Path(p) = super::unparen(&m.receiver) {
                    let row = matches!(super::unparen(&m.args[0]), syn::Expr::Tuple(t) if t.elems.len() >= 2)
                        || matches!(
                            super::unparen(&m.args[0]),
                            syn::Expr::Array(_) | syn::Expr::Repeat(_)
                        );
                    if let (true, Some(i)) = (row, p.path.get_ident()) {
                        self.rows.insert(i.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = Find {
        declared: std::collections::HashMap::new(),
        rows: HashSet::new(),
    };
    syn::visit::Visit::visit_block(&mut f, body);
    f.rows
        .into_iter()
        .filter(|n| f.declared.get(n) == Some(&1))
        .collect()
}

struct Ends<'a>(&'a HashSet<String>);

impl Ends<'_> {
    /// Whether `e` is a row of one of the `Vec`s, `pts[k]`.
    fn row_of(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Index(ix) if matches!(&*ix.expr, syn::Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| self.0.contains(&i.to_string()))))
    }

    /// `pts.last()` or `pts.first()` of one of the rows: the name and the index of that end.
    fn end(&self, e: &syn::Expr) -> Option<(syn::Ident, syn::Expr)> {
        let syn::Expr::MethodCall(m) = super::unparen(e) else {
            return None;
        };
        let syn::Expr::Path(p) = super::unparen(&m.receiver) else {
            return None;
        };
        let name = p
            .path
            .get_ident()
            .filter(|i| self.0.contains(&i.to_string()))?;
        if !m.args.is_empty() {
            return None;
        }
        match m.method.to_string().as_str() {
            "last" => Some((name.clone(), syn::parse_quote!(#name.len() - 1))),
            "first" => Some((name.clone(), syn::parse_quote!(0))),
            _ => None,
        }
    }
}

impl VisitMut for Ends<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        // `pts.last().unwrap().0`, now `(&pts[k]).0`: `pts[k].0`.
        let base = match e {
            syn::Expr::Field(f) => Some(&mut *f.base),
            syn::Expr::Index(ix) => Some(&mut *ix.expr),
            _ => None,
        };
        if let Some(base) = base {
            if let syn::Expr::Paren(p) = base {
                if let syn::Expr::Reference(r) = &*p.expr {
                    if r.mutability.is_none() && self.row_of(&r.expr) {
                        *base = (*r.expr).clone();
                    }
                }
            }
            return;
        }
        let syn::Expr::MethodCall(m) = e else { return };
        let method = m.method.to_string();
        // `pts.is_empty()`.
        if method == "is_empty" && m.args.is_empty() {
            if let syn::Expr::Path(p) = super::unparen(&m.receiver) {
                if let Some(n) = p
                    .path
                    .get_ident()
                    .filter(|i| self.0.contains(&i.to_string()))
                {
                    *e = syn::parse_quote!((#n.len() == 0));
                }
            }
            return;
        }
        // `pts.last().unwrap()`, `.expect(..)`.
        if (method == "unwrap" && m.args.is_empty()) || (method == "expect" && m.args.len() == 1) {
            if let Some((n, at)) = self.end(&m.receiver) {
                *e = syn::parse_quote!((&#n[#at]));
                return;
            }
        }
        // `pts.last().map(|p| E).unwrap_or(D)` (and `.unwrap()` after the `map`), `pts.last()
        // .map_or(D, |p| E)`.
        let (default, map) = match (method.as_str(), m.args.len()) {
            ("unwrap_or", 1) => (Some(m.args[0].clone()), super::unparen(&m.receiver)),
            ("unwrap", 0) => (None, super::unparen(&m.receiver)),
            ("map_or", 2) => (Some(m.args[0].clone()), &*e),
            _ => return,
        };
        let syn::Expr::MethodCall(map) = map else {
            return;
        };
        let Some((n, at)) = self.end(&map.receiver) else {
            return;
        };
        let closure = if map.method == "map_or" {
            map.args.last()
        } else {
            map.args
                .first()
                .filter(|_| map.method == "map" && map.args.len() == 1)
        };
        let Some(syn::Expr::Closure(c)) = closure else {
            return;
        };
        if c.inputs.len() != 1 {
            return;
        }
        let (pat, body) = (&c.inputs[0], &c.body);
        // (The row read in place of a name for it, `p.0` as `pts[k].0`, where the rewrites of
        // rows follow it best; a pattern taking it apart, `|&(a, b)|`, by a `let`.)
        let value: syn::Expr = match pat {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let mut body = (**body).clone();
                In(&pi.ident, &n, &at).visit_expr_mut(&mut body);
                syn::parse_quote!((#body))
            }
            // (`|&(a, b)|`: the row copied and taken apart, as a copy's pattern does.)
            syn::Pat::Reference(r) => {
                let inner = &r.pat;
                syn::parse_quote!({ let #inner = #n[#at]; #body })
            }
            _ => syn::parse_quote!({ let #pat = &#n[#at]; #body }),
        };
        *e = match default {
            Some(d) => syn::parse_quote!((if #n.len() == 0 { #d } else { #value })),
            None => value,
        };
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `p` read as the row `n[at]`: itself where a field or an element is read (`p.0`, `p[1]`), a
/// reference to it elsewhere (`*p`, `f(p)`), as `p` was.
struct In<'a>(&'a syn::Ident, &'a syn::Ident, &'a syn::Expr);

impl VisitMut for In<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let is_p = |e: &syn::Expr| matches!(super::unparen(e), syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.0));
        let (n, at) = (self.1, self.2);
        match e {
            syn::Expr::Field(f) if is_p(&f.base) => *f.base = syn::parse_quote!(#n[#at]),
            syn::Expr::Index(ix) if is_p(&ix.expr) => {
                self.visit_expr_mut(&mut ix.index);
                *ix.expr = syn::parse_quote!(#n[#at]);
            }
            e if is_p(e) => *e = syn::parse_quote!((&#n[#at])),
            // (A closure binding the name again reads its own.)
            syn::Expr::Closure(c)
                if c.inputs.iter().any(|p| {
                    let mut names = Vec::new();
                    crate::lower::collect_pat_idents(p, &mut names);
                    names.iter().any(|n| n == self.0)
                }) => {}
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
